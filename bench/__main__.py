"""``uv run python -m bench --customers 10000``: see bench/README.md."""

import sys

from .runner import main

sys.exit(main())
