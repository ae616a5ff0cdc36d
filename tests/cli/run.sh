#!/usr/bin/env bash
# CLI behaviour: output, --json, exit codes and error messages on bad input and bad usage.
set -uo pipefail
cli=${1:?usage: run.sh path/to/circlewise}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0
check() { # name, condition result
  if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}

"$cli" generate --seed 3 --learners 50 --truth "$dir/truth.json" > "$dir/events.csv"
check "generate writes CSV with a header" "$(head -1 "$dir/events.csv" | grep -qx 'user_id,item_id,event,ts,amount,community,referrer'; echo $?)"
check "generate writes the planted truth" "$(grep -q '"bundles"' "$dir/truth.json"; echo $?)"
"$cli" generate --seed 3 --learners 50 | cmp -s - "$dir/events.csv"
check "generate is deterministic per seed" $?

out=$("$cli" inspect "$dir/events.csv")
check "inspect prints learners" "$(grep -q '^learners *50 ' <<<"$out"; echo $?)"
json=$("$cli" inspect "$dir/events.csv" --json)
check "inspect --json is JSON with the same count" "$(node -e 'const s=JSON.parse(process.argv[1]); process.exit(s.users===50?0:1)' "$json"; echo $?)"
check "inspect reads stdin" "$("$cli" inspect - --json < "$dir/events.csv" | grep -q '"users": 50'; echo $?)"

printf 'user_id,event,ts\nu,view,2024-13-01\n' > "$dir/bad.csv"
err=$("$cli" inspect "$dir/bad.csv" 2>&1 >/dev/null); code=$?
check "bad input exits 1" "$([ $code -eq 1 ]; echo $?)"
check "bad input names line and column" "$(grep -qF 'line 2, column "ts": "2024-13-01" is not a valid timestamp' <<<"$err"; echo $?)"
check "skip mode reports the skipped row" "$("$cli" inspect "$dir/bad.csv" --skip-bad-rows | grep -q '1 skipped'; echo $?)"
"$cli" inspect "$dir/events.csv" --frobnicate >/dev/null 2>&1
check "unknown option exits 2" "$([ $? -eq 2 ]; echo $?)"
"$cli" nonsense >/dev/null 2>&1
check "unknown command exits 2" "$([ $? -eq 2 ]; echo $?)"
# Via a file: grep -q stops reading at the first match, and under pipefail the writer's SIGPIPE would fail the check.
"$cli" --help > "$dir/help.txt"
check "--help lists inspect" "$(grep -q 'inspect' "$dir/help.txt"; echo $?)"
printf 'learner;action;time\nx;view;2024-01-01\n' > "$dir/semi.csv"
check "--column and --delimiter rename fields" "$("$cli" inspect "$dir/semi.csv" --delimiter ';' --column user_id=learner --column event=action --column ts=time --json | grep -q '"events": 1'; echo $?)"

# Communities (docs/communities.md): health, referrals, targets with CSV export.
"$cli" generate --seed 5 --learners 1500 --advocates 2 --declining-community --truth "$dir/ctruth.json" > "$dir/comm.csv"
check "generate plants advocates" "$(grep -q '"advocates"' "$dir/ctruth.json"; echo $?)"
"$cli" communities "$dir/comm.csv" > "$dir/health.txt"
check "communities ranks communities" "$(grep -q '^ *1  ' "$dir/health.txt"; echo $?)"
check "communities --json has periods" "$("$cli" communities "$dir/comm.csv" --json --period week | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);process.exit(r.period==="week"&&r.communities[0].periods.length>0?0:1)})'; echo $?)"
check "referrals finds the planted advocates" "$("$cli" referrals "$dir/comm.csv" --json --top 2 | node -e 'const t=require(process.argv[1]);let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const a=JSON.parse(s).advocates.map(x=>x.learner).sort();process.exit(JSON.stringify(a)===JSON.stringify([...t.advocates].sort())?0:1)})' "$dir/ctruth.json"; echo $?)"
"$cli" targets "$dir/comm.csv" --course course-002 --limit 5 --csv "$dir/targets.csv" > "$dir/targets.txt"
check "targets writes a CSV list" "$([ "$(wc -l < "$dir/targets.csv")" -eq 6 ] && head -1 "$dir/targets.csv" | grep -q '^learner,probability'; echo $?)"
check "targets states the estimate's basis" "$(grep -q 'not a promise' "$dir/targets.txt"; echo $?)"
err=$("$cli" targets "$dir/comm.csv" --course nope 2>&1 >/dev/null); code=$?
check "targets with an unknown course exits 1 and names it" "$([ $code -eq 1 ] && grep -q 'course "nope" never occurs' <<<"$err"; echo $?)"
"$cli" targets "$dir/comm.csv" >/dev/null 2>&1
check "targets without --course exits 2" "$([ $? -eq 2 ]; echo $?)"

# Native and WASM give the same answers, bit for bit (the WASM module is built by scripts/build.sh).
"$cli" communities "$dir/comm.csv" --json > "$dir/h.json"
"$cli" referrals "$dir/comm.csv" --json > "$dir/r.json"
"$cli" targets "$dir/comm.csv" --course course-002 --limit 0 --json > "$dir/t.json"
root=$(cd "$(dirname "$0")/../.." && pwd)
check "communities, referrals, targets: native = WASM" "$(node --input-type=module -e '
  import { load } from "'"$root"'/web/index.js";
  import { readFileSync } from "node:fs";
  const [csv, h, r, t] = process.argv.slice(1).map((f) => readFileSync(f, "utf8"));
  const cw = await load();
  const ds = cw.parseEvents(csv);
  // Key order differs (the CLI pretty-prints through nlohmann, which sorts keys): compare canonically.
  const canon = (v) => Array.isArray(v) ? v.map(canon) : v && typeof v === "object"
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v;
  const same = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(JSON.parse(b)));
  process.exit(same(ds.communityHealth(), h) && same(ds.referrals(), r) && same(ds.inviteTargets({ course: "course-002", limit: 0 }), t) ? 0 : 1);
' "$dir/comm.csv" "$dir/h.json" "$dir/r.json" "$dir/t.json"; echo $?)"

[ $fails -eq 0 ] || { echo "$fails CLI check(s) failed"; exit 1; }
