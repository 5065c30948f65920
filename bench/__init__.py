"""Freguês's benchmark harness (not part of the product, not run in CI): ``python -m bench``."""
