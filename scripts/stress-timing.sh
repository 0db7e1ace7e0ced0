#!/usr/bin/env bash
# The timing-sensitive test files N times in a row (default 10) with both cores kept busy by
# stress-ng (Debian's stress-ng package), stopping at the first failure. Each run's output is kept
# in $OUT/run-K.log (default /tmp/gridline-stress), a line a run in $OUT/summary.log.
set -u
cd "$(dirname "$0")/.."
N=${1:-10}
OUT=${OUT:-/tmp/gridline-stress}
mkdir -p "$OUT"
FILES="test/e2e test/integration/deadlines test/integration/queue/retry-after.test.ts test/integration/pipeline/send-order.test.ts test/integration/store/db-rate-buckets.test.ts test/unit/channels test/unit/domain/deadlines.test.ts test/unit/domain/deadline-clocks.test.ts"
command -v stress-ng >/dev/null || { echo "stress-ng is not installed (apt-get install -y stress-ng)"; exit 2; }
stress-ng --cpu 2 --timeout 0 --quiet & SP=$!
trap 'kill $SP 2>/dev/null' EXIT
for i in $(seq 1 "$N"); do
  s=$(date +%s)
  npx vitest run $FILES > "$OUT/run-$i.log" 2>&1; rc=$?
  echo "run $i: exit $rc, $(( $(date +%s) - s )) s" | tee -a "$OUT/summary.log"
  [ $rc -eq 0 ] || exit $rc
done
