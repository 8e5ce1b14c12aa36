#!/usr/bin/env bash
# The whole test suite, against SQLite and then against the live PostgreSQL server.
#   TEST_DATABASE_URL   PostgreSQL to test against (default postgres://postgres@127.0.0.1:5432/test)
#   SKIP_POSTGRES=1     SQLite only (a quick local run)
# Extra arguments go to pytest (e.g. scripts/test.sh -k import).
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --test || exit 1

export HUITOUKAN_TESTING=1
PG_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}

run() {  # pytest exits 5 when it collected no test: that is a failure here, not a pass.
    local label=$1; shift
    echo "== tests on $label =="
    "$@"
    local rc=$?
    if [[ $rc -eq 5 ]]; then echo "no tests ran on $label"; return 1; fi
    return $rc
}

status=0
run SQLite env -u DATABASE_URL HUITOUKAN_DATA_DIR="$(mktemp -d)" \
    .venv/bin/python -m pytest "$@" || status=1
if [[ "${SKIP_POSTGRES:-0}" != "1" ]]; then
    # The browser and Spark tests (no database of their own) already ran; on PostgreSQL the rest proves the queries.
    run PostgreSQL env DATABASE_URL="$PG_URL" HUITOUKAN_DATA_DIR="$(mktemp -d)" \
        .venv/bin/python -m pytest -m "not browser and not spark" "$@" || status=1
fi
exit $status
