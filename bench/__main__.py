"""``python -m bench``: run every benchmark; exit 1 if a floor is missed."""

from __future__ import annotations

import sys

from bench import core

if __name__ == "__main__":
    sys.exit(core.main())
