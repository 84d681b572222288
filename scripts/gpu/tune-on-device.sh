#!/usr/bin/env bash
# A second, shorter device call after run-on-device.sh: checks fixes and measures what a default needs, in priority order,
# every step under timeout -k 10, the whole within BUDGET_S (280 s). Sources .gpu/device-env.sh like the others.
#   1. tests     (T_TESTS, 60 s)    TEST_SELECT: the tests a change touched (default: the staged default's kernels and
#                                   bits, CudaTransferTest and CudaSumsLayoutTest; cg's no-progress rule)
#   2. epochs    (T_EPOCHS, 40 s)   DeviceEpochBenchmark at EPOCH_SHAPES, batches EPOCH_BATCHES: where the device epoch
#                                   stops beating the per-batch loop (DeviceEpoch.MAX_SERIAL_GROUPS)
#   3. staging   (T_EACH, 30 s a shape)  DeviceStepBenchmark float32 at STAGING_SHAPES with --staged STAGINGS: fused,
#                                   cuBLAS and each staging's ms per step (the staged default's rule)
#   4. ncu       (T_NCU, 70 s)      Nsight Compute on NCU_LAUNCHES fused_gradient launches of a --staged NCU_STAGING run at
#                                   NCU_SHAPE after skipping NCU_SKIP (the staged ones have dynamic shared memory; on the
#                                   H200, 2026-12-04, the first 12 were all the register kernel's, so the default takes 60)
#   5. float64   (T_EACH a shape)   DeviceStepBenchmark float64 at F64_SHAPES: fused, staged, cuBLAS
# $OUT: run.txt (every step's status), tests.txt, device-epochs.json, staging.txt, ncu.txt, float64.txt, logs.tgz.
#   run(command="bash scripts/gpu/tune-on-device.sh", carry=[".gpu"], timeout_s=320)   then give_back
set -uo pipefail
OUT=${OUT:-/tmp/downhill-gpu-out}
LOGS=${LOGS:-/tmp/downhill-gpu-logs}
BUDGET_S=${BUDGET_S:-280}
TEST_SELECT=${TEST_SELECT:---select-class dev.downhill.cuda.CudaTransferTest --select-class dev.downhill.cuda.CudaSumsLayoutTest --select-method dev.downhill.cuda.CudaBackendContractTest#cgStopsAtTheRoundingFloorWhicheverWayItsRecurredLossDrifted --select-method dev.downhill.cuda.CudaBackendContractTest#aToleranceBelowTheRoundingFloorStopsWithNoProgressAndKeepsTheAnswer}
EPOCH_SHAPES=${EPOCH_SHAPES:-2000000x20,200000x1000}
EPOCH_BATCHES=${EPOCH_BATCHES:-32,48,64,96,128}
STAGING_SHAPES=${STAGING_SHAPES:-20000x100000 100000x20000 400000x5000 2000000x1000 4000000x500 20000000x100}
STAGINGS=${STAGINGS:-2x3,2x4,3x3,2x6,2x8,3x5}
STEP_ARGS=${STEP_ARGS:---steps 10 --warmup 3 --repeats 3 --copy-gib 1}
NCU_SHAPE=${NCU_SHAPE:-20000x100000}
NCU_STAGING=${NCU_STAGING:-2x3}
NCU_LAUNCHES=${NCU_LAUNCHES:-60}
NCU_SKIP=${NCU_SKIP:-0}
F64_SHAPES=${F64_SHAPES:-20000x50000 400000x2500 4000000x250}
T_EACH=${T_EACH:-30}
started=$SECONDS
mkdir -p "$OUT" && rm -rf "$LOGS" && mkdir -p "$LOGS"
source .gpu/device-env.sh > "$LOGS/device-env.log" 2>&1 || { cat "$LOGS/device-env.log"; exit 2; }
: > "$OUT/run.txt"
pack() { tar -C "$(dirname "$LOGS")" -czf "$OUT/logs.tgz" "$(basename "$LOGS")" 2>/dev/null; }
# run NAME LIMIT COMMAND...: under timeout -k 10 within what is left of BUDGET_S; output to $LOGS/NAME.log
run() {
  local name=$1 limit=$2 left=$((BUDGET_S - (SECONDS - started)))
  shift 2
  if [ "$left" -lt 10 ]; then echo "$name: skipped (out of time)" | tee -a "$OUT/run.txt"; return 1; fi
  [ "$limit" -gt "$left" ] && limit=$left
  local t0=$SECONDS
  timeout -k 10 "$limit" "$@" > "$LOGS/$name.log" 2>&1
  local rc=$?
  echo "$name: exit $rc, $((SECONDS - t0)) s (limit $limit)" | tee -a "$OUT/run.txt"
  return $rc
}
# table JSON LABEL: one line per step-benchmark JSON: shape, each strategy's median ms and fraction of the copy
table() {
  python3 - "$1" "$2" <<'PY'
import json, statistics, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("%-16s unreadable: %s" % (sys.argv[2], e)); sys.exit()
copy = d.get("copyGBps", float("nan"))
cells = []
for key in ["fused", "cublas", "staged"] + sorted(k[:-len("MsPerStep")] for k in d if k.startswith("staged") and k.endswith("MsPerStep") and k != "stagedMsPerStep"):
    ms = d.get(key + "MsPerStep")
    if ms:
        cells.append("%s %.3f" % (key, statistics.median(ms)))
    elif (key + "Error") in d:
        cells.append("%s error" % key)
print("%-16s copy %.0f GB/s | %s | staged shape: %s | same bits: %s" % (sys.argv[2], copy, " | ".join(cells), d.get("stagedShape", "?"),
      [k for k in d if k.endswith("SameBitsAsFused") and d[k] is False] or "all"))
PY
}

# 1. tests
if [ "${SKIP_TESTS:-0}" != 1 ]; then
  # shellcheck disable=SC2086
  run tests "${T_TESTS:-60}" java -Xmx4g -jar .gpu/junit-console.jar execute -cp "$CP" $TEST_SELECT \
    --details=tree --disable-banner --disable-ansi-colors
  grep -E "✘|✔|tests (successful|failed)" "$LOGS/tests.log" | tee "$OUT/tests.txt"
  pack
fi
# 2. epochs
if [ "${SKIP_EPOCHS:-0}" != 1 ]; then
  run epochs "${T_EPOCHS:-40}" java -Xmx4g -cp "$CP" dev.downhill.cuda.DeviceEpochBenchmark --shapes "$EPOCH_SHAPES" \
    --batches "$EPOCH_BATCHES" --positions 65536 --per-batch-positions 4096 --repeats 3 --out "$OUT/device-epochs.json"
  python3 - "$OUT/device-epochs.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for e in d.get("epochs", []):
    print(e["rows"], e["cols"], "B", e["batch"], "groups?", e.get("fusedShape"), "device/perBatch speedup %.2f" % e["speedupOverPerBatch"],
          "fitsChoose", e["fitsChooseDeviceEpoch"], "bits", e["bitIdenticalToPerBatch"])
PY
  pack
fi
# 3. staging sweep
if [ "${SKIP_STAGING:-0}" != 1 ]; then
  : > "$OUT/staging.txt"
  for shape in $STAGING_SHAPES; do
    # shellcheck disable=SC2086
    run "staging-$shape" "$T_EACH" java -Xmx2g -cp "$CP" dev.downhill.cuda.DeviceStepBenchmark --rows "${shape%x*}" \
      --cols "${shape#*x}" --precision float32 --staged "$STAGINGS" --out "$LOGS/staging-$shape.json" $STEP_ARGS
    table "$LOGS/staging-$shape.json" "$shape" | tee -a "$OUT/staging.txt"
  done
  pack
fi
# 4. ncu on the staged kernel
if [ "${SKIP_NCU:-0}" != 1 ]; then
  ncu=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu /usr/local/cuda*/bin/ncu 2>/dev/null | head -1)
  if [ -n "$ncu" ]; then
    run ncu "${T_NCU:-70}" "$ncu" --clock-control none --target-processes all -k regex:fused_gradient --launch-skip "$NCU_SKIP" -c "$NCU_LAUNCHES" \
      --section SpeedOfLight --section MemoryWorkloadAnalysis --section Occupancy --section LaunchStats \
      --section WarpStateStats --section SchedulerStats \
      java -Xmx2g -cp "$CP" dev.downhill.cuda.DeviceStepBenchmark --rows "${NCU_SHAPE%x*}" --cols "${NCU_SHAPE#*x}" \
      --precision float32 --steps 1 --warmup 0 --repeats 1 --copy-gib 0.1 --staged "$NCU_STAGING" --out "$LOGS/ncu-step.json"
    cp "$LOGS/ncu.log" "$OUT/ncu.txt"
    # the staged launches' summary lines (each launch's block starts at its "fused_gradient" line)
    awk '/fused_gradient \(/{block=""} {block=block"\n"$0} /Dynamic Shared Memory Per Block/ && $(NF) > 0 {staged=1}
         /Achieved Occupancy/ && staged {print block; staged=0}' "$OUT/ncu.txt" \
      | grep -E "fused_gradient|Dynamic Shared Memory Per Block|DRAM Throughput|Duration|Achieved Occupancy|Registers Per|Eligible|Issued Warp" \
      | head -60
  else
    echo "ncu: not found" | tee -a "$OUT/run.txt"
  fi
  pack
fi
# 5. float64
if [ "${SKIP_F64:-0}" != 1 ]; then
  : > "$OUT/float64.txt"
  for shape in $F64_SHAPES; do
    # shellcheck disable=SC2086
    run "f64-$shape" "$T_EACH" java -Xmx2g -cp "$CP" dev.downhill.cuda.DeviceStepBenchmark --rows "${shape%x*}" \
      --cols "${shape#*x}" --precision float64 --out "$LOGS/f64-$shape.json" $STEP_ARGS
    table "$LOGS/f64-$shape.json" "$shape" | tee -a "$OUT/float64.txt"
  done
fi
pack
echo "== done in $((SECONDS - started)) s; files in $OUT: $(ls "$OUT" | tr '\n' ' ')"
