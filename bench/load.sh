#!/usr/bin/env bash
# Load benchmark (issue 9): `bangfu serve` (release) under an open-loop load from oha — a fixed
# request rate, latency corrected for coordinated omission — with 100 concurrent connections,
# one scenario at a time: sign-in, the household list, a search, a household page, an
# evaluation (API) and a write (a month of records, API). Prints p50 / p99 / errors per
# scenario and the server's peak memory.
#
#   bench/load.sh                       # 1,000,000 households on SQLite (the figures in docs/performance.md)
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangfu_load bench/load.sh     # the same on PostgreSQL
#   HOUSEHOLDS=2000 DURATION=5s bench/load.sh --check   # what .ci/run runs: small, fails on any error
#
# Settings (environment): HOUSEHOLDS (1000000), DATABASE_URL (a SQLite file under target/bench,
# reused when it already holds the households), DURATION per scenario (20s), CLIENTS (100),
# READ_RATE (50/s), WRITE_RATE (20/s), SIGNIN_RATE (5/s): 100 cadres, each asking for a page
# every two seconds, is 50 requests a second. The database is filled with
# `bangfu demo` when empty (1,000,000 households: about 10 minutes).
# Needs oha (`cargo install oha --locked`) and a release build (`cargo build --release`).
set -euo pipefail
cd "$(dirname "$0")/.."
check=0; [ "${1:-}" = "--check" ] && check=1
households="${HOUSEHOLDS:-1000000}"
duration="${DURATION:-20s}"
clients="${CLIENTS:-100}"
read_rate="${READ_RATE:-50}"
write_rate="${WRITE_RATE:-20}"
signin_rate="${SIGNIN_RATE:-5}"
bin="${BANGFU_BIN:-target/release/bangfu}"
oha="$(command -v oha || echo "$HOME/.cargo/bin/oha")"
[ -x "$bin" ] || { echo "$bin is missing: cargo build --release" >&2; exit 1; }
[ -x "$oha" ] || { echo "oha is missing: cargo install oha --locked" >&2; exit 1; }
mkdir -p target/bench
db="${DATABASE_URL:-sqlite://$PWD/target/bench/load-$households.db}"
# PostgreSQL has no key file beside its database: one under /tmp, made at the first run (issue 23).
case "$db" in postgres*) export BANGFU_KEY_FILE="${BANGFU_KEY_FILE:-/tmp/bangfu-bench.key}" ;; esac
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# `bangfu demo` fills an empty database and refuses one that already holds households.
if ! "$bin" --database-url "$db" demo --households "$households" --seed 7 >/dev/null 2>"$work/demo.err"; then
  grep -q "already holds" "$work/demo.err" || { cat "$work/demo.err" >&2; exit 1; }
fi
password="load benchmark password"
echo "$password" | "$bin" --database-url "$db" user add load --role city_staff --scope 450400 >/dev/null
token="$("$bin" --database-url "$db" user token load --label load-benchmark)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
BANGFU_LOG=warn "$bin" --database-url "$db" serve --addr "127.0.0.1:$port" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do curl -fsS -o /dev/null "$base/sign-in" 2>/dev/null && break; sleep 0.1; done
cookie="$(curl -sS -o /dev/null -D - -d "name=load&password=$password" "$base/sign-in" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(bangfu_session=[^;]*\).*/\1/p')"
[ -n "$cookie" ] || { echo "cannot sign in" >&2; exit 1; }
# Random household ids 1 … 10^(d-1)−1, where d is the number of digits of N (all exist, all in
# the city's scope): 1–999,999 of 1,000,000; 1–999 of 2,000.
d=$(( ${#households} - 1 ))
ids="[1-9][0-9]{0,$(( d - 1 ))}"
month_body='[{"month":"2026-10","members":3,"income":"1500.00","government_assistance":"0"}]'

run() { # name rate method url-or-regex [oha args…]
  local name="$1" rate="$2" method="$3" url="$4"; shift 4
  "$oha" --no-tui --output-format json -z "$duration" -c "$clients" -q "$rate" --latency-correction -w \
    -m "$method" "$@" "$url" >"$work/$name.json" 2>"$work/$name.err" || { cat "$work/$name.err" >&2; exit 1; }
  python3 - "$name" "$rate" "$work/$name.json" <<'PY'
import json, sys
name, rate, path = sys.argv[1], sys.argv[2], sys.argv[3]
r = json.load(open(path))
s = r["summary"]; p = r["latencyPercentiles"]
codes = {int(k): v for k, v in r.get("statusCodeDistribution", {}).items()}
bad = sum(v for k, v in codes.items() if k >= 400) + sum(r.get("errorDistribution", {}).values())
total = sum(codes.values()) + sum(r.get("errorDistribution", {}).values())
ms = lambda v: f"{v * 1000:.1f}" if v is not None else "-"
print(f"| {name} | {rate}/s | {total} | {s['requestsPerSec']:.0f}/s | {ms(p['p50'])} | {ms(p['p99'])} | {bad} | {' '.join(f'{k}×{v}' for k, v in sorted(codes.items()))} {' '.join(f'{k}×{v}' for k, v in r.get('errorDistribution', {}).items())} |")
open(path + ".bad", "w").write(str(bad))
PY
}

echo "database: $(echo "$db" | sed 's#//[^@/]*@#//***@#'), $households households; $clients clients, $duration per scenario, oha $("$oha" --version | awk '{print $2}')"
echo "| scenario | rate | requests | achieved | p50 ms | p99 ms | errors | statuses |"
echo "|---|---|---|---|---|---|---|---|"
run sign-in "$signin_rate" POST "$base/sign-in" -T application/x-www-form-urlencoded -d "name=load&password=$password" --redirect 0
run list "$read_rate" GET "$base/households" -H "Cookie: $cookie"
run search "$read_rate" GET "$base/households?q=%E9%99%88" -H "Cookie: $cookie"
run household-page "$read_rate" GET "$base/households/$ids" --rand-regex-url -H "Cookie: $cookie"
run evaluation "$read_rate" GET "$base/api/v1/households/$ids/evaluation" --rand-regex-url -H "Authorization: Bearer $token"
run write "$write_rate" PUT "$base/api/v1/households/$ids/months" --rand-regex-url -H "Authorization: Bearer $token" -T application/json -d "$month_body"
rss="$(awk '/VmHWM|VmRSS/ {printf "%s %d MB  ", $1, $2/1024}' /proc/$pid/status)"
echo "server memory: $rss"
errors=$(( $(cat "$work"/*.bad | paste -sd+) ))
if grep -E "panicked|ERROR" "$work/server.log" >/dev/null; then
  echo "the server logged errors:" >&2; grep -E "panicked|ERROR" "$work/server.log" | head >&2; errors=$((errors + 1))
fi
if [ "$check" = 1 ] && [ "$errors" != 0 ]; then echo "load check: $errors errors" >&2; exit 1; fi
