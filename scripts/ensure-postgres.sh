#!/usr/bin/env bash
# Make sure the local PostgreSQL server used by `make test` accepts connections on
# 127.0.0.1:5432, starting the Debian cluster if it is stopped. Fails loudly, never skips:
# the PostgreSQL pass of the test suite is not optional.
set -euo pipefail

host=127.0.0.1
port=5432
wait_seconds=30

fail() {
	echo "ensure-postgres: $*" >&2
	exit 1
}

command -v pg_isready >/dev/null ||
	fail "pg_isready not found: install PostgreSQL (Debian: apt-get install postgresql) to run the test suite"

if pg_isready -q -h "$host" -p "$port"; then
	exit 0
fi

command -v pg_ctlcluster >/dev/null ||
	fail "PostgreSQL is not answering on $host:$port and pg_ctlcluster is not installed: no local server to start"

# The newest installed major version that has a `main` cluster.
version=$(
	for dir in /etc/postgresql/*/main; do
		if [ -d "$dir" ]; then basename "$(dirname "$dir")"; fi
	done | sort -V | tail -n 1
)
[ -n "$version" ] ||
	fail "PostgreSQL is not answering on $host:$port and no cluster exists under /etc/postgresql"

echo "ensure-postgres: starting PostgreSQL $version/main" >&2
status=0
pg_ctlcluster --skip-systemctl-redirect "$version" main start || status=$?
# 2 means the cluster is already running (perhaps still starting up): wait for it below.
if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then
	fail "could not start PostgreSQL $version/main (pg_ctlcluster exit status $status)"
fi

for _ in $(seq "$wait_seconds"); do
	if pg_isready -q -h "$host" -p "$port"; then
		exit 0
	fi
	sleep 1
done
fail "PostgreSQL $version/main did not accept connections on $host:$port within ${wait_seconds}s"
