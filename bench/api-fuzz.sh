#!/usr/bin/env bash
# API fuzzing (issue 9): schemathesis (PyPI) against /api/v1/openapi.json of a running
# `bangfu serve`, signed in as city staff through an API token, with all of schemathesis's
# checks; then the exchange operations (rosters, verification requests, the joint meeting)
# again with a department system's token (issue 22). Any failure fails the script.
#
#   bench/api-fuzz.sh [MAX_EXAMPLES] [DATABASE_URL]
#
# MAX_EXAMPLES per operation: .ci/run uses 25; the long run is `bench/api-fuzz.sh 500`.
# DATABASE_URL: an empty database to fill (default: a new SQLite file). BANGFU_BIN picks the
# binary (default target/debug/bangfu, then target/release/bangfu).
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-25}"
bin="${BANGFU_BIN:-}"
if [ -z "$bin" ]; then
  for b in target/debug/bangfu target/release/bangfu; do [ -x "$b" ] && bin="$b" && break; done
fi
[ -n "$bin" ] || { echo "no bangfu binary: run cargo build first" >&2; exit 1; }
command -v schemathesis >/dev/null || { echo "schemathesis is not installed: pip install schemathesis" >&2; exit 1; }

work="$(mktemp -d)"
db="${2:-sqlite://$work/fuzz.db}"
# PostgreSQL has no key file beside its database: one under /tmp, made at the first run (issue 23).
case "$db" in postgres*) export BANGFU_KEY_FILE="${BANGFU_KEY_FILE:-/tmp/bangfu-bench.key}" ;; esac
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$bin" --database-url "$db" demo --households 300 >/dev/null 2>&1
echo "api fuzz password" | "$bin" --database-url "$db" user add fuzz --role city_staff --scope 450400 >/dev/null
token="$("$bin" --database-url "$db" user token fuzz --label schemathesis)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BANGFU_LOG=warn "$bin" --database-url "$db" serve --addr "127.0.0.1:$port" --misses-per-minute 0 >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/sign-in" 2>/dev/null && break
  sleep 0.1
done

started=$(date +%s)
status=0
schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks all \
  --max-examples "$examples" \
  --seed 20261130 \
  --workers 2 \
  --no-color \
  --report junit --report-dir "${FUZZ_REPORT_DIR:-target/api-fuzz}" || status=$?
echo "schemathesis: ${examples} examples per operation, $(( $(date +%s) - started )) s, exit status $status"

# The same for a department's system: a service account (no password) of the demo's first
# department, whose token only the exchange operations accept.
dept="$(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/organisations?kind=department" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')"
"$bin" --database-url "$db" user add fuzz-dept --role department_system --scope "org:$dept" </dev/null >/dev/null
dept_token="$("$bin" --database-url "$db" user token fuzz-dept --label schemathesis)"
started=$(date +%s)
dept_status=0
schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --header "Authorization: Bearer $dept_token" \
  --include-tag exchange \
  --checks all \
  --max-examples "$examples" \
  --seed 20261130 \
  --workers 2 \
  --no-color \
  --report junit --report-dir "${FUZZ_REPORT_DIR:-target/api-fuzz}/department" || dept_status=$?
echo "schemathesis, a department's token, exchange operations: ${examples} examples per operation, $(( $(date +%s) - started )) s, exit status $dept_status"
[ "$dept_status" -eq 0 ] || status=$dept_status
if grep -E "panicked|ERROR" "$work/server.log" >/dev/null; then
  echo "the server logged errors:" >&2
  grep -E "panicked|ERROR" "$work/server.log" | head -20 >&2
  status=1
fi
exit "$status"
