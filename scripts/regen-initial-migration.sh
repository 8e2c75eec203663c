#!/usr/bin/env bash
# Regenerate the initial Alembic revision from the ORM models. Only valid while
# no database in the field runs this schema (before the first release); after
# that, add a new revision with `alembic revision --autogenerate -m "…"` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f alembic/versions/*_initial_schema*.py
env -u OBHUB_DATABASE_URL OBHUB_DATA_DIR="$tmp" .venv/bin/alembic revision --autogenerate \
  --rev-id 0001 -m "initial schema" >/dev/null
generated=$(ls alembic/versions/*-0001_initial_schema.py)
mv "$generated" alembic/versions/2026_11_22_0001-0001_initial_schema.py
.venv/bin/ruff format -q alembic/versions
.venv/bin/ruff check -q --fix alembic/versions
env -u OBHUB_DATABASE_URL OBHUB_DATA_DIR="$tmp" .venv/bin/alembic upgrade head >/dev/null 2>&1
env -u OBHUB_DATABASE_URL OBHUB_DATA_DIR="$tmp" .venv/bin/alembic check
