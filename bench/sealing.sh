#!/usr/bin/env bash
# What sealing personal data costs (issue 23): the same work timed with a build from before
# sealing (BASE) and with this one, alternately, on the same files — an import of households and
# of their months, an import of households and members then a department's roster matched
# against them, and the households' .xlsx export over HTTP. Prints every run, then the median of
# each step per build and their ratio. SQLite, release builds.
#   BASE=/path/to/bangfu-before bench/sealing.sh [N]    # N households (default 100,000); ROUNDS=3
# A build from before: git worktree add /tmp/base 1a95b9e && (cd /tmp/base &&
#   CARGO_TARGET_DIR=/tmp/base-target cargo build --release -p bangfu)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
rounds=${ROUNDS:-3}
base=${BASE:?set BASE to a bangfu built before sealing}
cargo build --release -q -p bangfu
new=$PWD/target/release/bangfu
dir=/tmp/bangfu-sealing-$n
[ -f "$dir/a/months.csv" ] || python3 bench/import-files.py "$dir/a" "$n"
[ -f "$dir/r/roster.csv" ] || python3 bench/import-files.py "$dir/r" "$n" --roster
results=$dir/results.txt
: > "$results"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
dept="INSERT INTO organisations (name, kind, region_code, parent_id, version, created_at, updated_at) \
VALUES ('市民政局', 'department', '450400', NULL, 1, '$now', '$now')"
# Seconds that a command takes; stops the script if it fails.
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" > "$dir/last.log" 2>&1 || { echo "failed: $*" >&2; tail -5 "$dir/last.log" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
for round in $(seq "$rounds"); do
  for which in base new; do
    bin=$base
    [ "$which" = new ] && bin=$new
    rm -f "$dir"/*.db* "$dir"/bangfu.key
    url=sqlite://$dir/a.db
    "$bin" --database-url "$url" migrate > /dev/null 2>&1
    for f in households months; do
      echo "$round $which import-$f $(seconds "$bin" --database-url "$url" import "$dir/a/$f.csv")" | tee -a "$results"
    done
    url=sqlite://$dir/r.db
    "$bin" --database-url "$url" migrate > /dev/null 2>&1
    for f in households members; do
      echo "$round $which roster-db-$f $(seconds "$bin" --database-url "$url" import "$dir/r/$f.csv")" | tee -a "$results"
    done
    sqlite3 "$dir/r.db" "$dept"
    echo "$round $which roster $(seconds "$bin" --database-url "$url" roster "$dir/r/roster.csv" --department 市民政局 --kind dibao)" | tee -a "$results"
    echo "bench-sealing-secret" | "$bin" --database-url "$url" user add bench-sealing --role city_staff --scope 450400 > /dev/null 2>&1
    token=$("$bin" --database-url "$url" user token bench-sealing --label bench 2> /dev/null | grep -oE '[A-Za-z0-9_-]{30,}' | head -1)
    BANGFU_LOG=warn "$bin" --database-url "$url" serve --addr 127.0.0.1:8097 > "$dir/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 60); do grep -q "serving at" "$dir/serve.log" && break; sleep 1; done
    for i in 1 2; do
      s=$(seconds curl -sf -o "$dir/export.xlsx" -H "Authorization: Bearer $token" "http://127.0.0.1:8097/households/export.xlsx")
      echo "$round $which export-$i $s" | tee -a "$results"
    done
    kill "$server"
    wait "$server" 2> /dev/null || true
  done
done
python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    _, which, step, s = line.split()
    runs.setdefault(step.rsplit("-", 1)[0] if step.startswith("export") else step, {}).setdefault(which, []).append(float(s))
print(f"{'step':<22}{'before (s)':>12}{'sealed (s)':>12}{'ratio':>8}")
for step, by in runs.items():
    b, n = statistics.median(by["base"]), statistics.median(by["new"])
    print(f"{step:<22}{b:>12.2f}{n:>12.2f}{n / b:>8.2f}")
PY
