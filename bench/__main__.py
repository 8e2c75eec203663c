"""``python -m bench``: run every benchmark; exit 1 if a floor is missed."""

from __future__ import annotations

import sys

from bench import core, issuance, verify_http

if __name__ == "__main__":
    status = max(core.main(), issuance.main())
    verify_http.main()  # POST /verify throughput: reported, no floor, never fails the run
    sys.exit(status)
