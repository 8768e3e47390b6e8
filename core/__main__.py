"""``python -m core``: the same command line as ``synthlab``."""

import sys

from core.cli import main

if __name__ == "__main__":  # (Dask's worker processes import this module again without running it)
    sys.exit(main())
