"""``uv run python -m bench --customers 10000``: see bench/README.md.

``uv run python -m bench load --agents 200 --minutes 5``: the load test (bench/load/).
"""

import sys

if sys.argv[1:2] == ["load"]:
    from .load.driver import main as load_main

    sys.exit(load_main(sys.argv[2:]))

from .runner import main

sys.exit(main())
