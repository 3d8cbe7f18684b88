#!/usr/bin/env bash
# Import benchmark (issue 7): 100,000 households, a member each and 24 months each, into an
# empty database, then the month file again (all unchanged). Release build.
#   bench/import.sh [DATABASE_URL]     # default: a fresh SQLite file under /tmp/bangfu-import
# For PostgreSQL pass an empty database, e.g. postgres://postgres@127.0.0.1:5432/bangfu_imp
set -euo pipefail
cd "$(dirname "$0")/.."
dir=/tmp/bangfu-import
mkdir -p "$dir"
[ -f "$dir/months.csv" ] || python3 bench/import-files.py "$dir" 100000
url=${1:-sqlite://$dir/bench.db}
# PostgreSQL has no key file beside its database: one under /tmp, made at the first run (issue 23).
case "$url" in postgres*) export BANGFU_KEY_FILE="${BANGFU_KEY_FILE:-/tmp/bangfu-bench.key}" ;; esac
if [ -z "${1:-}" ]; then rm -f "$dir"/bench.db*; fi
cargo build --release -q -p bangfu
bin=target/release/bangfu
"$bin" --database-url "$url" migrate >/dev/null 2>&1
for f in households members months months; do
  start=$(date +%s.%N)
  /usr/bin/time -f "  peak memory %M KB" "$bin" --database-url "$url" import "$dir/$f.csv" 2>&1 | grep -v "migration" | tail -3
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc)
  echo "$f.csv: $t s"
done
