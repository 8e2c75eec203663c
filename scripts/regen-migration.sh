#!/usr/bin/env bash
# Regenerate an unreleased Alembic revision from the ORM models:
#   scripts/regen-migration.sh 0002 "partners ingestion and regional aggregation"
# Only valid while no database in the field runs that revision; once released, add a
# new revision with `alembic revision --autogenerate -m "…"` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?revision id, e.g. 0002}
message=${2:?message}
slug=$(echo "$message" | tr ' A-Z' '_a-z' | tr -cd 'a-z0-9_')
tmp=$(mktemp -d)
restore() {
  if compgen -G "$tmp/later/*.py" >/dev/null; then mv "$tmp/later/"*.py alembic/versions/; fi
  rm -rf "$tmp"
}
trap restore EXIT
rm -f alembic/versions/*-"$rev"_*.py
# Later revisions (hand-written ones that follow this one) step aside meanwhile.
mkdir "$tmp/later"
for file in alembic/versions/*.py; do
  other=$(basename "$file" | sed -E 's/^[0-9_]+-([0-9]{4})_.*/\1/')
  if [[ "$other" > "$rev" ]]; then mv "$file" "$tmp/later/"; fi
done
# Bring a scratch database to the revision before this one, then diff against the models.
env -u OBHUB_DATABASE_URL OBHUB_DATA_DIR="$tmp" .venv/bin/alembic upgrade head >/dev/null
env -u OBHUB_DATABASE_URL OBHUB_DATA_DIR="$tmp" .venv/bin/alembic revision --autogenerate \
  --rev-id "$rev" -m "$message" >/dev/null
generated=$(ls alembic/versions/*-"$rev"_*.py)
mv "$generated" "alembic/versions/2026_11_22_${rev}-${rev}_${slug}.py"
.venv/bin/ruff format -q alembic/versions
.venv/bin/ruff check -q --fix alembic/versions
restore_later() {
  if compgen -G "$tmp/later/*.py" >/dev/null; then mv "$tmp/later/"*.py alembic/versions/; fi
}
restore_later
env -u OBHUB_DATABASE_URL OBHUB_DATA_DIR="$tmp" .venv/bin/alembic upgrade head >/dev/null 2>&1
env -u OBHUB_DATABASE_URL OBHUB_DATA_DIR="$tmp" .venv/bin/alembic check
