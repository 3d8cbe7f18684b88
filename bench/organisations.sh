#!/usr/bin/env bash
# Organisations import (issue 20): 20,000 grassroots unions and branch unions (the file's
# limit) under the demo's county unions, through the page's upload endpoint as city staff —
# a check, then the import, then the same file again (nothing created). Prints each time and
# the server's peak memory. Build: release unless BUILD=debug.
#   bench/organisations.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dir=/tmp/bangfu-organisations
rm -rf "$dir" && mkdir -p "$dir"
python3 - "$dir/orgs.csv" <<'PY'
import sys
counties = [("450403", "万秀区"), ("450405", "长洲区"), ("450406", "龙圩区"), ("450421", "苍梧县"),
            ("450422", "藤县"), ("450423", "蒙山县"), ("450481", "岑溪市")]
rows, i = ["单位名称,单位类型,地区代码,上级单位"], 0
while len(rows) - 1 < 20000:
    code, county = counties[i % 7]
    name = f"测试基层工会{i:05d}"
    rows.append(f"{name},基层工会,{code},{county}总工会")
    if i % 4 == 0 and len(rows) - 1 < 20000:
        rows.append(f"{name}第一分工会,基层工会,{code},{name}")
    i += 1
open(sys.argv[1], "w").write("\n".join(rows) + "\n")
PY
if [ "${BUILD:-release}" = debug ]; then cargo build -q -p bangfu; bin=target/debug/bangfu
else cargo build --release -q -p bangfu; bin=target/release/bangfu; fi
url="sqlite://$dir/bench.db"
"$bin" --database-url "$url" serve --demo --addr 127.0.0.1:8095 > "$dir/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 60); do grep -q "serving at" "$dir/serve.log" && break; sleep 1; done
token=$("$bin" --database-url "$url" user token city --label bench 2>/dev/null | grep -oE '[A-Za-z0-9_-]{30,}' | head -1)
for step in "dry_run=1" "dry_run=0" "dry_run=0"; do
  start=$(date +%s.%N)
  answer=$(curl -s -H "Authorization: Bearer $token" -H "Content-Type: text/csv" --data-binary @"$dir/orgs.csv" \
    "http://127.0.0.1:8095/organisations/import?name=orgs.csv&$step")
  end=$(date +%s.%N)
  echo "$step: $(echo "$end - $start" | bc) s — $(echo "$answer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"])')"
done
echo "server peak memory: $(grep VmHWM /proc/$server/status)"
