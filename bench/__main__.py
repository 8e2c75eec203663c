"""``python -m bench``: run every benchmark; exit 1 if a floor is missed.

The partner-ingestion load benchmark needs PostgreSQL (``OBHUB_BENCH_PG``); it runs
when the server answers and is skipped, with a note, when it does not.
"""

from __future__ import annotations

import sys

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bench import aggregation, core, ingestion, issuance, regional, verify_http


def _postgres_available() -> bool:
    try:
        engine = create_engine(ingestion.SERVER)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except OperationalError:
        return False
    return True


if __name__ == "__main__":
    status = max(core.main(), aggregation.main(), regional.main(), issuance.main())
    verify_http.main()  # POST /verify throughput: reported, no floor, never fails the run
    if _postgres_available():
        status = max(status, ingestion.main())
    else:
        print("\npartner ingestion benchmark skipped: no PostgreSQL at OBHUB_BENCH_PG")
    sys.exit(status)
