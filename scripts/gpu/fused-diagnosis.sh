#!/usr/bin/env bash
# Where the fused gradient kernel stands against cuBLAS, by width, and where its time goes (issue 18, Required 2:
# "if missed, say where the time goes"). Run on the GPU machine after run-on-device.sh (it sources .gpu/device-env.sh):
#   1. sweep: DeviceStepBenchmark at SWEEP_SHAPES (SWEEP_PRECISION, default float32; ~8 GB of X each): fused and cuBLAS
#      ms per step, fraction of the copy bandwidth. Summary lines in $OUT/sweep.txt, every JSON in $LOGS/sweep/. The
#      narrow shapes (20, 100 and 500 columns) and float64 cover what the H200 run did not measure (cuBLAS was faster
#      from 1,000 to 100,000 float32 columns), which a cuBLAS default for wide dense X would need.
#   2. ncu:   Nsight Compute (--clock-control none) on NCU_LAUNCHES (1) fused_gradient launches at NCU_SHAPE: speed of
#      light, memory workload, occupancy, warp stalls, scheduler. Report in $OUT/ncu.txt. NCU_STEP_ARGS go to the
#      benchmark: e.g. NCU_LAUNCHES=4 NCU_STEP_ARGS="--staged 2x3" also profiles the staged kernel (same kernel name;
#      its launches are the ones with dynamic shared memory in the launch statistics).
# Every step under timeout -k 10 (T_SWEEP_EACH, T_NCU seconds).
set -uo pipefail
OUT=${OUT:-/tmp/downhill-gpu-out}
LOGS=${LOGS:-/tmp/downhill-gpu-logs}
SWEEP_SHAPES=${SWEEP_SHAPES:-100000000x20 20000000x100 4000000x500 2000000x1000 400000x5000 100000x20000 40000x50000 20000x100000}
SWEEP_PRECISION=${SWEEP_PRECISION:-float32}
SWEEP_ARGS=${SWEEP_ARGS:---steps 10 --warmup 3 --repeats 3 --copy-gib 1}
NCU_SHAPE=${NCU_SHAPE:-20000x100000}
T_SWEEP_EACH=${T_SWEEP_EACH:-40}
T_NCU=${T_NCU:-90}
NCU_LAUNCHES=${NCU_LAUNCHES:-1}
NCU_STEP_ARGS=${NCU_STEP_ARGS:-}
mkdir -p "$OUT" "$LOGS/sweep"
source .gpu/device-env.sh > /dev/null 2>&1 || { echo "device-env.sh failed" >&2; exit 2; }
if [ "${SKIP_SWEEP:-0}" != 1 ]; then
  printf '%-16s %-62s %10s %10s %10s %8s %8s %8s\n' shape fusedShape fusedMs cublasMs stagedMs fusedFr stagedFr speedup > "$OUT/sweep.txt"
  for shape in $SWEEP_SHAPES; do
    rows=${shape%x*} cols=${shape#*x}
    json=$LOGS/sweep/step-$shape.json
    # shellcheck disable=SC2086
    timeout -k 10 "$T_SWEEP_EACH" java -Xmx2g -cp "$CP" dev.downhill.cuda.DeviceStepBenchmark --rows "$rows" --cols "$cols" \
      --precision "$SWEEP_PRECISION" --out "$json" $SWEEP_ARGS > "$LOGS/sweep/step-$shape.log" 2>&1
    echo "sweep $shape: exit $?"
    python3 - "$json" "$shape" >> "$OUT/sweep.txt" <<'PY'
import json, statistics, sys
d = json.load(open(sys.argv[1]))
f = statistics.median(d.get("fusedMsPerStep", [float("nan")]))
c = statistics.median(d.get("cublasMsPerStep", [float("nan")]))
s = statistics.median(d.get("stagedMsPerStep", [float("nan")]))
print("%-16s %-62s %10.3f %10.3f %10.3f %8.3f %8.3f %8.3f %s" % (sys.argv[2], d.get("fusedShape", "?"), f, c, s,
      d.get("fusedFractionOfCopy", float("nan")), d.get("stagedFractionOfCopy", float("nan")), c / f, d.get("error", "")))
PY
  done
  cat "$OUT/sweep.txt"
fi
if [ "${SKIP_NCU:-0}" != 1 ]; then
  ncu=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu /usr/local/cuda*/bin/ncu 2>/dev/null | head -1)
  if [ -z "$ncu" ]; then
    echo "ncu not found" | tee "$OUT/ncu.txt"
  else
    rows=${NCU_SHAPE%x*} cols=${NCU_SHAPE#*x}
    timeout -k 10 "$T_NCU" "$ncu" --clock-control none --target-processes all -k regex:fused_gradient -c "$NCU_LAUNCHES" \
      --section SpeedOfLight --section MemoryWorkloadAnalysis --section Occupancy --section LaunchStats \
      --section WarpStateStats --section SchedulerStats \
      java -Xmx2g -cp "$CP" dev.downhill.cuda.DeviceStepBenchmark --rows "$rows" --cols "$cols" --precision float32 \
      --steps 1 --warmup 0 --repeats 1 --copy-gib 0.1 --out "$LOGS/ncu-step.json" $NCU_STEP_ARGS > "$OUT/ncu.txt" 2>&1
    echo "ncu: exit $?"
    grep -E "fused_gradient|Dynamic Shared|Throughput|Duration|Achieved Occupancy|Registers|Stall|Warp Cycles|Eligible|Issued" "$OUT/ncu.txt" | head -80
  fi
fi
tar -C "$LOGS" -czf "$OUT/diag-logs.tgz" sweep $(cd "$LOGS" && ls ncu-step.json 2>/dev/null) 2>/dev/null
