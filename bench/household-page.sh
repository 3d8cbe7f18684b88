#!/usr/bin/env bash
# A household's page beside a static asset of the same server, over HTTP (issue 21): city staff
# ask for 200 households' pages spread over the registry, one after the other on one kept-alive
# connection, each followed by /assets/style.css; prints p50 and p95 of each and the ratio of
# the medians.
#   bench/household-page.sh DATABASE_URL      # a database made by `bangfu demo`
# Build: release unless BUILD=debug; BIN=path runs another binary instead. N=200 requests of each by default.
set -euo pipefail
cd "$(dirname "$0")/.."
url=${1:?usage: bench/household-page.sh DATABASE_URL}
# PostgreSQL has no key file beside its database: one under /tmp, made at the first run (issue 23).
case "$url" in postgres*) export BANGFU_KEY_FILE="${BANGFU_KEY_FILE:-/tmp/bangfu-bench.key}" ;; esac
if [ -n "${BIN:-}" ]; then bin=$BIN   # another build, to compare (e.g. the previous commit's)
elif [ "${BUILD:-release}" = debug ]; then cargo build -q -p bangfu; bin=target/debug/bangfu
else cargo build --release -q -p bangfu; bin=target/release/bangfu; fi
echo "bench-household-page-secret" | "$bin" --database-url "$url" user add bench-page --role city_staff --scope 450400 > /dev/null 2>&1
token=$("$bin" --database-url "$url" user token bench-page --label bench 2>/dev/null | grep -oE '[A-Za-z0-9_-]{30,}' | head -1)
log=$(mktemp)
"$bin" --database-url "$url" serve --addr 127.0.0.1:8096 > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 60); do grep -q "serving at" "$log" && break; sleep 1; done
python3 - "$token" "${N:-200}" <<'PY'
import http.client, statistics, sys, time
token, n = sys.argv[1], int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", 8096)
def get(path):
    t = time.perf_counter()
    c.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    r = c.getresponse(); r.read()
    assert r.status == 200, (path, r.status)
    return (time.perf_counter() - t) * 1000
get("/assets/style.css"); get("/households/1")  # warm the connection
page, asset = [], []
for i in range(n):
    page.append(get(f"/households/{1 + i * 997 % 100000}"))
    asset.append(get("/assets/style.css"))
q = lambda v, p: sorted(v)[int(len(v) * p) - 1]
p50, a50 = statistics.median(page), statistics.median(asset)
print(f"household page: p50 {p50:.2f} ms, p95 {q(page, .95):.2f} ms")
print(f"static asset:   p50 {a50:.2f} ms, p95 {q(asset, .95):.2f} ms")
print(f"ratio of the medians: {p50 / a50:.1f}x")
PY
