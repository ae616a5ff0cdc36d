#!/usr/bin/env bash
# CLI of the learner analytics (issue 3): segment, rules, funnel, cohorts and churn on a generated
# platform, text and --json, and the bad-input cases of the issue (exit 1 with a clear message).
set -uo pipefail
cli=${1:?usage: analytics.sh path/to/circlewise}
source "$(dirname "$0")/check.sh"
json_ok() { node -e "const j=JSON.parse(require('fs').readFileSync(0,'utf8')); process.exit(($1)?0:1)"; }
fails_with() { # name, expected text, command...
  local name=$1 want=$2; shift 2
  local err code
  err=$("$@" 2>&1 >/dev/null); code=$?
  check "$name (exit 1, says: $want)" "$([ $code -eq 1 ] && grep -qF -- "$want" <<<"$err"; echo $?)"
}

"$cli" generate --seed 5 --learners 800 --communities 4 > "$dir/events.csv"

# segment
out=$("$cli" segment "$dir/events.csv" --k 3 --seed 1)
check "segment text names the RFM-map labels" "$(grep -qE 'Champions|Loyal|Potential loyalists|New|Promising|Need attention|About to sleep|At risk|Can.t lose them|Hibernating|Lost' <<<"$out"; echo $?)"
check "segment --json: 3 segments, sizes sum to the learners" "$("$cli" segment "$dir/events.csv" --k 3 --seed 1 --json | json_ok 'j.segments.length===3 && j.segments.reduce((s,x)=>s+x.size,0)===j.learners'; echo $?)"
check "segment --rfm --json: quintile bands" "$("$cli" segment "$dir/events.csv" --rfm --json | json_ok 'j.bands.recency.scores.length===5'; echo $?)"
"$cli" segment "$dir/events.csv" --k 3 --seed 1 --assignments "$dir/assign.csv" >/dev/null
check "segment --assignments writes one row per learner" "$([ "$(($(wc -l < "$dir/assign.csv") - 1))" -eq 800 ]; echo $?)"
fails_with "segment k above the learners" 'is larger than the number of learners (800)' "$cli" segment "$dir/events.csv" --k 801

# rules
check "rules --json lists rules with lift" "$("$cli" rules "$dir/events.csv" --min-support 0.01 --json | json_ok 'j.rules.length>0 && j.rules[0].lift>1'; echo $?)"
out=$("$cli" rules "$dir/events.csv" --min-support 0.01)
check "rules text prints lift" "$(grep -qi 'lift' <<<"$out"; echo $?)"
fails_with "rules min support 0" '"minSupport" must be a number in (0, 1]' "$cli" rules "$dir/events.csv" --min-support 0
fails_with "rules min support above 1" '"minSupport" must be a number in (0, 1]' "$cli" rules "$dir/events.csv" --min-support 1.5

# funnel
check "funnel --json has the four default steps" "$("$cli" funnel "$dir/events.csv" --json | json_ok 'j.steps.length===4'; echo $?)"
check "funnel warns about a step that never occurs" "$("$cli" funnel "$dir/events.csv" --steps view,certificate --json | json_ok 'j.steps[1].learners===0 && /never occurs/.test(j.warnings.join())'; echo $?)"

# cohorts
check "cohorts --json by month" "$("$cli" cohorts "$dir/events.csv" --period month --json | json_ok 'j.cohorts.length>0 && j.period==="month"'; echo $?)"
last=$(tail -n +2 "$dir/events.csv" | cut -d, -f4 | sort | tail -1 | cut -c1-10)
out=$("$cli" cohorts "$dir/events.csv" --as-of "${last}T12:00")
check "cohorts marks the week still running with ~" "$(grep -qE '[0-9]%~' <<<"$out" && grep -q 'still running' <<<"$out"; echo $?)"
check "cohorts --partial-period empty leaves it null" "$("$cli" cohorts "$dir/events.csv" --as-of "${last}T12:00" --partial-period empty --json | json_ok 'j.lastPeriodPartial && j.cohorts.every(c=>c.partialIndex===null||c.birth[c.partialIndex]===null)'; echo $?)"
fails_with "cohorts asOf before every event" 'no event before asOf' "$cli" cohorts "$dir/events.csv" --as-of 2000-01-01

# churn
check "churn --json reports r, alpha, a, b and the log-likelihood" "$("$cli" churn "$dir/events.csv" --json | json_ok '["r","alpha","a","b","logLikelihood"].every(k=>Number.isFinite(j.model[k]))'; echo $?)"
out=$("$cli" churn "$dir/events.csv")
check "churn text shows conversion per community" "$(grep -qi 'conversion' <<<"$out"; echo $?)"
printf 'learner,frequency,recency,T\na,1,2,5\nb,2,8,7\n' > "$dir/summary.csv"
fails_with "churn summary with recency > T" 'line 3, column "recency": 8 is greater than T = 7' "$cli" churn "$dir/summary.csv" --summary

# empty data and a single learner
printf 'user_id,item_id,event,ts\n' > "$dir/empty.csv"
fails_with "segment on an empty log" 'the event log is empty' "$cli" segment "$dir/empty.csv"
fails_with "churn on an empty log" 'the event log is empty' "$cli" churn "$dir/empty.csv"
check "rules on an empty log: zero rules and a warning" "$("$cli" rules "$dir/empty.csv" --json | json_ok 'j.rules.length===0 && j.warnings.length>0'; echo $?)"
printf 'user_id,item_id,event,ts,amount\nsolo,c1,purchase,2025-01-01,10\nsolo,c2,purchase,2025-02-01,10\n' > "$dir/solo.csv"
fails_with "churn with a single learner" 'at least 2 learners with a purchase; got 1' "$cli" churn "$dir/solo.csv"
fails_with "auto k with a single learner" 'at least 3 learners' "$cli" segment "$dir/solo.csv" --auto-k

[ $fails -eq 0 ] || { echo "$fails analytics CLI check(s) failed"; exit 1; }
