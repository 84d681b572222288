#!/usr/bin/env bash
# Everything in one device call: scripts/gpu/run-on-device.sh within RUN_BUDGET_S (420 s), then
# scripts/gpu/fused-diagnosis.sh (the width sweep of fused / cuBLAS / staged, and Nsight Compute) within what is left of
# TOTAL_S (560 s). $OUT keeps run-on-device.sh's eight files; the diagnosis's (sweep.txt, ncu.txt, its logs) go under
# $LOGS/diag and travel in logs.tgz, repacked at the end. Variables of both scripts pass through; SKIP_DIAGNOSIS=1
# leaves the diagnosis out.
#   run(command="bash scripts/gpu/all-on-device.sh", carry=[".gpu"], timeout_s=590)   then give_back
# Exit status: run-on-device.sh's (2: the pre-flight failed, and nothing else ran).
set -uo pipefail
OUT=${OUT:-/tmp/downhill-gpu-out}
LOGS=${LOGS:-/tmp/downhill-gpu-logs}
TOTAL_S=${TOTAL_S:-560}
export OUT LOGS
started=$SECONDS
BUDGET_S=${RUN_BUDGET_S:-420} bash scripts/gpu/run-on-device.sh
rc=$?
[ "$rc" -eq 2 ] && exit 2
left=$((TOTAL_S - (SECONDS - started) - 15))
if [ "${SKIP_DIAGNOSIS:-0}" = 1 ]; then
  echo "== diagnosis: skipped (SKIP_DIAGNOSIS=1)"
elif [ "$left" -lt 30 ]; then
  echo "== diagnosis: skipped, ${left} s left of TOTAL_S=${TOTAL_S}"
else
  echo "== diagnosis (at most ${left} s)"
  mkdir -p "$LOGS/diag"
  OUT=$LOGS/diag LOGS=$LOGS/diag-logs timeout -k 5 "$left" bash scripts/gpu/fused-diagnosis.sh > "$LOGS/diag/diagnosis.log" 2>&1
  echo "   diagnosis: exit $?"
  cat "$LOGS/diag/sweep.txt" 2>/dev/null
  grep -E "fused_gradient|Dynamic Shared Memory Per Block|DRAM Throughput|Duration|Achieved Occupancy|Registers Per" \
    "$LOGS/diag/ncu.txt" 2>/dev/null | head -40
  tmp=$(mktemp /tmp/downhill-logs.XXXXXX)
  tar -C "$(dirname "$LOGS")" -czf "$tmp" "$(basename "$LOGS")" 2>/dev/null && cp "$tmp" "$OUT/logs.tgz.part" \
    && mv -f "$OUT/logs.tgz.part" "$OUT/logs.tgz"
  rm -f "$tmp"
fi
echo "== all done in $((SECONDS - started)) s; files in $OUT: $(ls "$OUT" | tr '\n' ' ')"
exit "$rc"
