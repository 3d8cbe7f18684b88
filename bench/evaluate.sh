#!/usr/bin/env bash
# Bangfu's batch beside the same window rules written as one SQL statement
# (bench/evaluate-rules.sql), on the same database, alternating, ROUNDS times (issue 21).
#
#   bench/evaluate.sh [HOUSEHOLDS]            # SQLite file: `bangfu evaluate --all` vs the sqlite3 shell
#   PG=postgres://postgres@127.0.0.1:5432/bangfu_eval bench/evaluate.sh [HOUSEHOLDS]
#                                             # PostgreSQL: the same vs psql (the database is made if missing)
#
# The demo database (`bangfu demo --households N --seed 7`) is made once and kept in
# $DIR (default /tmp/bangfu-evaluate-N). Prints each run's wall clock and Bangfu's peak memory,
# then the medians and their ratio. Build: release unless BUILD=debug; BIN=path runs another binary instead. AS_OF=2026-10 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
rounds=${ROUNDS:-3}
as_of=${AS_OF:-2026-10}
to=${as_of/-/}
from=$(python3 -c "y,m=divmod(int('$to'[:4])*12+int('$to'[4:])-1-5,12); print(f'{y}{m+1:02d}')")
if [ -n "${BIN:-}" ]; then bin=$BIN   # another build, to compare (e.g. the previous commit's)
elif [ "${BUILD:-release}" = debug ]; then cargo build -q -p bangfu; bin=target/debug/bangfu
else cargo build --release -q -p bangfu; bin=target/release/bangfu; fi
sql=$(sed -e "s/@TO@/$to/g" -e "s/@FROM@/$from/g" bench/evaluate-rules.sql)

if [ -n "${PG:-}" ]; then
  url=$PG
  # PostgreSQL has no key file beside its database: one under /tmp, made at the first run (issue 23).
  export BANGFU_KEY_FILE="${BANGFU_KEY_FILE:-/tmp/bangfu-bench.key}"
  admin=${PG%/*}/postgres
  name=${PG##*/}
  psql -q "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 \
    || psql -q "$admin" -c "CREATE DATABASE $name" > /dev/null
  run_sql() { PGOPTIONS="-c client_min_messages=warning" psql -q -v ON_ERROR_STOP=1 "$url" <<< "$sql" > /dev/null; }
  side=psql
else
  dir=${DIR:-/tmp/bangfu-evaluate-$n}
  mkdir -p "$dir"
  url="sqlite://$dir/bangfu.db"
  run_sql() { sqlite3 "$dir/bangfu.db" <<< "$sql" > /dev/null; }
  side="sqlite3 shell"
fi

if [ -n "${PG:-}" ]; then count() { psql -tA "$url" -c "SELECT COUNT(*) FROM households" 2>/dev/null || echo 0; }
else count() { sqlite3 "$dir/bangfu.db" "SELECT COUNT(*) FROM households" 2>/dev/null || echo 0; }; fi
have=$(count)
if [ "$have" != "$n" ]; then
  echo "making the demo database: $n households (once)"
  start=$(date +%s.%N)
  "$bin" --database-url "$url" demo --households "$n" --seed 7 > /dev/null
  echo "demo: $(echo "$(date +%s.%N) - $start" | bc) s"
fi

sql_times=() ; bangfu_times=()
for round in $(seq "$rounds"); do
  start=$(date +%s.%N); run_sql; t=$(echo "$(date +%s.%N) - $start" | bc)
  sql_times+=("$t")
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o /tmp/bangfu-evaluate-rss "$bin" --database-url "$url" evaluate --all --as-of "$as_of" > /dev/null 2>&1
  b=$(echo "$(date +%s.%N) - $start" | bc)
  bangfu_times+=("$b")
  echo "round $round: $side $t s, bangfu evaluate --all $b s (peak $(( $(cat /tmp/bangfu-evaluate-rss) / 1024 )) MB)"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ms=$(median "${sql_times[@]}"); mb=$(median "${bangfu_times[@]}")
echo "median: $side $ms s, bangfu $mb s, ratio bangfu/$side $(echo "scale=2; $mb / $ms" | bc)"
