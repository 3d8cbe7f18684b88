#!/usr/bin/env bash
# Roster benchmark (issue 7): 1,000,000 households (a member each) imported, then a department's
# roster of 1,000,000 rows (600,000 heads on file, 400,000 nobody) matched by `bangfu roster`,
# twice. Release build.
#   bench/roster.sh [DATABASE_URL]     # default: a fresh SQLite file under /tmp/bangfu-roster
# For PostgreSQL pass an empty database, e.g. postgres://postgres@127.0.0.1:5432/bangfu_roster
set -euo pipefail
cd "$(dirname "$0")/.."
dir=/tmp/bangfu-roster
n=${N:-1000000}
mkdir -p "$dir"
[ -f "$dir/roster.csv" ] || python3 bench/import-files.py "$dir" "$n" --roster
url=${1:-sqlite://$dir/bench.db}
# PostgreSQL has no key file beside its database: one under /tmp, made at the first run (issue 23).
case "$url" in postgres*) export BANGFU_KEY_FILE="${BANGFU_KEY_FILE:-/tmp/bangfu-bench.key}" ;; esac
cargo build --release -q -p bangfu
bin=target/release/bangfu
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
dept="INSERT INTO organisations (name, kind, region_code, parent_id, version, created_at, updated_at) \
SELECT '市民政局', 'department', '450400', NULL, 1, '$now', '$now' WHERE NOT EXISTS \
(SELECT 1 FROM organisations WHERE name = '市民政局')"
if [ -z "${1:-}" ]; then
  if [ ! -f "$dir/bench.db" ]; then
    "$bin" --database-url "$url" migrate >/dev/null 2>&1
    for f in households members; do "$bin" --database-url "$url" import "$dir/$f.csv" | tail -1; done
  fi
  sqlite3 "$dir/bench.db" "$dept"
else
  "$bin" --database-url "$url" migrate >/dev/null 2>&1
  if [ "$(psql "$url" -tAc 'SELECT COUNT(*) FROM households')" -lt "$n" ]; then
    for f in households members; do "$bin" --database-url "$url" import "$dir/$f.csv" | tail -1; done
  fi
  psql -q "$url" -c "$dept"
fi
for run in 1 2; do
  /usr/bin/time -f "  peak memory %M KB" "$bin" --database-url "$url" roster "$dir/roster.csv" \
    --department 市民政局 --kind dibao 2>&1 | grep -v migration | tail -2
done
