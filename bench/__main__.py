"""``python -m bench``: run every benchmark; exit 1 if a floor is missed."""

from __future__ import annotations

import sys

from bench import core, issuance

if __name__ == "__main__":
    sys.exit(max(core.main(), issuance.main()))
