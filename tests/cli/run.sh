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
check "--help lists inspect" "$("$cli" --help | grep -q 'inspect'; echo $?)"
printf 'learner;action;time\nx;view;2024-01-01\n' > "$dir/semi.csv"
check "--column and --delimiter rename fields" "$("$cli" inspect "$dir/semi.csv" --delimiter ';' --column user_id=learner --column event=action --column ts=time --json | grep -q '"events": 1'; echo $?)"

# Recommendation quality with private models rebuilt from simulated LDP reports.
"$cli" generate --seed 5 --learners 400 --courses 15 > "$dir/q.csv"
out=$("$cli" model evaluate "$dir/q.csv" --ldp-epsilons 1,8 --ldp-seed 2)
check "model evaluate lists the private models" "$(grep -q '^ldp eps=1 ' <<<"$out" && grep -q '^ldp eps=8 ' <<<"$out"; echo $?)"
check "model evaluate says how many reports the private models used" "$(grep -q 'rebuilt from [0-9]* item and [0-9]* pair reports' <<<"$out"; echo $?)"
json=$("$cli" model evaluate "$dir/q.csv" --ldp-epsilons 8 --ldp-seed 2 --json)
check "model evaluate --json has the private model and report counts" "$(node -e 'const r=JSON.parse(process.argv[1]); process.exit(r.methods.at(-1).method==="ldp eps=8" && r.ldpItemReports>0 && r.ldpPairReports>0 ? 0 : 1)' "$json"; echo $?)"
err=$("$cli" model evaluate "$dir/q.csv" --ldp-epsilons 0.5,20 2>&1 >/dev/null); code=$?
check "an absurd epsilon is refused with the range" "$([ $code -eq 1 ] && grep -qF 'every epsilon must be a number in [0.01, 10], got 20' <<<"$err"; echo $?)"

[ $fails -eq 0 ] || { echo "$fails CLI check(s) failed"; exit 1; }
