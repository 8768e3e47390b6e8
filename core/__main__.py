"""``python -m core``: the same command line as ``synthlab``."""

import sys

from core.cli import main

sys.exit(main())
