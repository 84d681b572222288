#!/usr/bin/env bash
# One call on a lent GPU machine (see ../shared/gpu/README.md): the CUDA tests, the same tests under
# compute-sanitizer memcheck, the step benchmark (fused kernel vs cuBLAS vs device copy) and the
# PyTorch loop on the same shape. Everything lands in $OUT.
#
# On the build machine first:   ../shared/gpu/pack.sh core cpu-backend cuda-backend
# Then, with the device tool:   run(command="bash scripts/gpu/run-on-device.sh", carry=[".gpu"])
#
# Environment: ROWS, COLS (default 50000 × 100000 float32), SKIP_SANITIZER=1, SKIP_BENCH=1, SKIP_STREAM=1,
# STREAM_ROWS × STREAM_COLS (default 2,000,000 × 5000 float32 = 40 GB of host memory) with STREAM_BUDGET (16g).
set -uo pipefail
OUT=${OUT:-/tmp/downhill-gpu-out}
mkdir -p "$OUT"
source .gpu/device-env.sh
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv | tee "$OUT/gpu.csv"

echo "== tests (dev.downhill.cuda)"
java -Xmx8g -Dorg.bytedeco.javacpp.maxbytes=16g -Dorg.bytedeco.javacpp.maxphysicalbytes=0 \
  -jar .gpu/junit-console.jar execute -cp "$CP" --select-package dev.downhill.cuda \
  --exclude-classname '.*HostEmulationTest' --details=tree --disable-banner > "$OUT/gpu-tests.log" 2>&1
echo "tests exit $?"; tail -25 "$OUT/gpu-tests.log"

if [ "${SKIP_SANITIZER:-0}" != 1 ]; then
  echo "== compute-sanitizer memcheck (agreement + transfer tests)"
  timeout 300 compute-sanitizer --tool memcheck --target-processes all --print-limit 20 \
    java -Xmx8g -jar .gpu/junit-console.jar execute -cp "$CP" \
    --select-class dev.downhill.cuda.CudaTransferTest --select-class dev.downhill.cuda.CudaAgreementTest \
    --disable-banner > "$OUT/memcheck.log" 2>&1
  echo "memcheck exit $?"; grep -E "ERROR SUMMARY|tests (successful|failed)" "$OUT/memcheck.log" | tail -5
fi

if [ "${SKIP_BENCH:-0}" != 1 ]; then
  ROWS=${ROWS:-50000}; COLS=${COLS:-100000}
  echo "== step benchmark ${ROWS} × ${COLS} float32"
  java -Xmx4g -cp "$CP" dev.downhill.cuda.DeviceStepBenchmark --rows "$ROWS" --cols "$COLS" --precision float32 \
    --out "$OUT/device-step.json" > "$OUT/device-step.log" 2>&1; echo "benchmark exit $?"; cat "$OUT/device-step.json"
  python3 scripts/gpu/torch_step.py --rows "$ROWS" --cols "$COLS" --dtype float32 --out "$OUT/torch-step.json" \
    > "$OUT/torch-step.log" 2>&1; echo "torch exit $?"; grep -E "medianMsPerStep|GBps|notRun" "$OUT/torch-step.json"
fi

if [ "${SKIP_STREAM:-0}" != 1 ]; then
  SR=${STREAM_ROWS:-2000000}; SC=${STREAM_COLS:-5000}
  echo "== streamed step: ${SR} × ${SC} float32 in host memory, device budget ${STREAM_BUDGET:-16g}"
  java -Xmx4g -Dorg.bytedeco.javacpp.maxbytes=0 -Dorg.bytedeco.javacpp.maxphysicalbytes=0 \
    -Ddownhill.cuda.memoryBudget="${STREAM_BUDGET:-16g}" -cp "$CP" dev.downhill.cuda.DeviceStreamBenchmark \
    --rows "$SR" --cols "$SC" --out "$OUT/device-stream.json" > "$OUT/device-stream.log" 2>&1
  echo "stream exit $?"; cat "$OUT/device-stream.json"
fi
