#!/usr/bin/env bash
# What sealing personal data costs (issue 23): the same work timed with a build from before
# sealing (BASE) and with this one — an import of households and of their months, an import of
# households and members then a department's roster matched against them, and the households'
# .xlsx export over HTTP. Each step runs with one build and then at once with the other, each on
# a database of its own, so the two figures of a step are taken moments apart (this machine is
# shared: its speed moves by 10-30 % over minutes). Prints every run (wall and CPU seconds),
# then the median of each step per build and their ratio. SQLite, release builds.
#   BASE=/path/to/bangfu-before bench/sealing.sh [N]    # N households (default 100,000); ROUNDS=3
# A build from before: git worktree add /tmp/base 1a95b9e && (cd /tmp/base &&
#   CARGO_TARGET_DIR=/tmp/base-target cargo build --release -p bangfu)
# (a target directory of its own: sharing this one makes cargo reuse the worktree's build).
# The same allocator for both: BASE may be a script that runs the old build with
# LD_PRELOAD=libmimalloc.so.2 (Debian's libmimalloc2.0), this build's allocator.
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
bin_of() { if [ "$1" = base ]; then echo "$base"; else echo "$new"; fi; }
# Runs a step with one build (`which`) on its own databases and key file; records wall and CPU
# seconds; stops the script if it fails.
step() {
  local round=$1 which=$2 name=$3
  shift 3
  local bin
  bin=$(bin_of "$which")
  export BANGFU_KEY_FILE=$dir/$which/bangfu.key
  /usr/bin/time -f "%e %U %S" -o "$dir/$which/time" "$bin" "$@" > "$dir/last.log" 2>&1 \
    || { echo "failed: $*" >&2; tail -5 "$dir/last.log" >&2; exit 1; }
  read -r wall user sys < "$dir/$which/time"
  echo "$round $which $name $wall $(echo "$user + $sys" | bc)" | tee -a "$results"
}
# Both builds, one after the other: the step's two figures moments apart.
both() {
  local round=$1
  shift
  for which in base new; do
    local args=()
    for a in "$@"; do args+=("${a//@/$dir/$which}"); done
    step "$round" "$which" "${args[@]}"
  done
}
for round in $(seq "$rounds"); do
  for which in base new; do
    rm -rf "${dir:?}/$which"
    mkdir -p "$dir/$which"
    for db in a r; do
      BANGFU_KEY_FILE=$dir/$which/bangfu.key "$(bin_of "$which")" --database-url "sqlite://$dir/$which/$db.db" migrate > /dev/null 2>&1
    done
  done
  both "$round" import-households --database-url sqlite://@/a.db import "$dir/a/households.csv"
  both "$round" import-months --database-url sqlite://@/a.db import "$dir/a/months.csv"
  both "$round" roster-db-households --database-url sqlite://@/r.db import "$dir/r/households.csv"
  both "$round" roster-db-members --database-url sqlite://@/r.db import "$dir/r/members.csv"
  for which in base new; do sqlite3 "$dir/$which/r.db" "$dept"; done
  both "$round" roster --database-url sqlite://@/r.db roster "$dir/r/roster.csv" --department 市民政局 --kind dibao
  for which in base new; do
    bin=$(bin_of "$which")
    export BANGFU_KEY_FILE=$dir/$which/bangfu.key
    url=sqlite://$dir/$which/r.db
    echo "bench-sealing-secret" | "$bin" --database-url "$url" user add bench-sealing --role city_staff --scope 450400 > /dev/null 2>&1
    token=$("$bin" --database-url "$url" user token bench-sealing --label bench 2> /dev/null | grep -oE '[A-Za-z0-9_-]{30,}' | head -1)
    BANGFU_LOG=warn "$bin" --database-url "$url" serve --addr 127.0.0.1:8097 > "$dir/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 60); do grep -q "serving at" "$dir/serve.log" && break; sleep 1; done
    for i in 1 2; do
      start=$(date +%s.%N)
      curl -sf -o "$dir/export.xlsx" -H "Authorization: Bearer $token" "http://127.0.0.1:8097/households/export.xlsx"
      end=$(date +%s.%N)
      # The server's CPU is not separated from its start: the export's line gives wall time only.
      echo "$round $which export-$i $(echo "$end - $start" | bc) -" | tee -a "$results"
    done
    kill "$server"
    wait "$server" 2> /dev/null || true
  done
done
python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    _, which, step, wall, cpu = line.split()
    step = step.rsplit("-", 1)[0] if step.startswith("export") else step
    runs.setdefault(step, {}).setdefault(which, []).append((float(wall), None if cpu == "-" else float(cpu)))
print(f"{'step':<22}{'before (s)':>12}{'sealed (s)':>12}{'ratio':>8}{'CPU before':>12}{'CPU sealed':>12}{'ratio':>8}")
for step, by in runs.items():
    b, n = (statistics.median(w for w, _ in by[k]) for k in ("base", "new"))
    line = f"{step:<22}{b:>12.2f}{n:>12.2f}{n / b:>8.2f}"
    if by["base"][0][1] is not None:
        cb, cn = (statistics.median(c for _, c in by[k]) for k in ("base", "new"))
        line += f"{cb:>12.2f}{cn:>12.2f}{cn / cb:>8.2f}"
    print(line)
PY
