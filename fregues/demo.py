"""The demo dataset (filled by the demo loader work)."""


def load_demo(*, seed: int = 2026) -> str:
    return "No demo data yet."
