"""``python -m bench [--quick]``: every benchmark, as ratios to references of the same run.

Order: the credential core against Digital Bazaar / jose (Node), the rules, issuance
and ``POST /verify`` over HTTP (their references: the core rates just measured and a
trivial FastAPI endpoint), the regional flow, then partner ingestion on PostgreSQL
(``OBHUB_BENCH_PG``; skipped, with a note, when the server does not answer; the
issuance benchmark also runs on it then). Each figure is printed with its reference,
ratio, target and PASS/MISS; the machine's load is printed at the start and at the
end; everything is saved to ``.benchmarks/report.json``. Exit status 1 when a target
is missed.

``--quick`` runs fewer rounds and requests (about 2 minutes instead of about 5 on
a quiet 2-core machine): for checking that everything runs, not for the figures.
``--only core rules …`` runs some benchmarks only (the service ones measure the core
too: it is their reference).
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bench import aggregation, core, ingestion, issuance, regional, verify_http
from bench.report import Report

BENCHMARKS = ["core", "rules", "issuance", "verify", "regional", "ingestion"]


def _postgres_available() -> bool:
    try:
        engine = create_engine(ingestion.SERVER)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except OperationalError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and requests")
    parser.add_argument(
        "--only", nargs="+", choices=BENCHMARKS, default=BENCHMARKS, help="run only these"
    )
    args = parser.parse_args(argv)
    quick: bool = args.quick
    only: set[str] = set(args.only)
    report = Report()
    print(f"obhub benchmarks{' (quick)' if quick else ''} — {report.start.describe()}")
    postgres = None
    if only & {"issuance", "ingestion"}:
        postgres = ingestion.SERVER if _postgres_available() else None
        if postgres is None:
            report.notes.append("no PostgreSQL at OBHUB_BENCH_PG: its figures were not measured")

    if only - {"rules", "ingestion"}:
        figures, rates, notes = core.run(rounds=2 if quick else 5, seconds=0.5 if quick else 1.0)
        report.notes.extend(notes)
        report.add(figures)
    if "rules" in only:
        report.add(aggregation.run(quick=quick))
    requests = 300 if quick else 3000
    if "issuance" in only:
        report.add(
            issuance.run_all(requests=requests, core_sign=rates.di_sign, postgres=postgres)[0]
        )
    if "verify" in only:
        pipeline = {
            "eddsa-rdfc-2022 (JSON)": rates.report_di,
            "VC-JWT EdDSA (text)": rates.report_jwt,
        }
        report.add(verify_http.run_all(requests=requests, pipeline=pipeline)[0])
    if "regional" in only:
        report.add(regional.run_all(core_sign=rates.di_sign)[0])
    if "ingestion" in only and postgres is not None:
        report.add(ingestion.run_all(badges=400 if quick else 1500)[0])
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
