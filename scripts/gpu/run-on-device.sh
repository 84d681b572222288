#!/usr/bin/env bash
# One call on a lent GPU machine (see ../shared/gpu/README.md and scripts/gpu/README.md), in priority order,
# every step under `timeout -k 10`, every figure in $OUT as soon as it is measured:
#   1. preflight  (T_PREFLIGHT, 40 s)  DevicePreflight: CUDA usable, the fused kernel and cuBLAS agree on a small X.
#                                      Stops the run (exit 2, "PRE-FLIGHT FAILED") when it is not.
#   2. step       (T_STEP, 120 s)      DeviceStepBenchmark ROWS × COLS float32 (50,000 × 100,000): fused, device copy, cuBLAS,
#                                      then the staged kernel (X through shared memory) on the same X
#   3. torch      (T_TORCH, 45 s)      scripts/gpu/torch_step.py on the same shape (torch.addmv twice)
#   4. tests      (T_TESTS, 200 s)     the cuda-backend tests (not KernelSourceTest, HostEmulationTest); fails when a
#                                      test fails or a container aborts (a class skipped because CUDA was unavailable)
#   5. stream     (T_STREAM, 120 s)    DeviceStreamBenchmark STREAM_ROWS × STREAM_COLS (1,000,000 × 5,000 float32 = 20 GB
#                                      of host memory) with a STREAM_BUDGET (8g) device budget
#   6. memcheck   (T_MEMCHECK, 90 s)   compute-sanitizer --tool memcheck on CudaAgreementTest and CudaCsrTest (the CSR kernels)
#   7. solvers    (T_SOLVERS, 150 s)   DeviceSolverBenchmark: GD to a gradient tolerance on ROWS × COLS, cuda vs cpu on every
#                                      core (the cpu fit stopped after 40 s); svd, normal and GD at 20,000 × 5,000
#   8. epochs     (T_EPOCHS, 60 s)     DeviceEpochBenchmark (issue 15): seconds per row of the device epoch and of the
#                                      per-batch loop, B = 1, 32, 256, on EPOCH_SHAPES; whether the two agree bit for bit
#   9. csr        (T_CSR, 90 s)        DeviceCsrBenchmark (issues 14, 18.5): a full CSR gradient pass, fused vs atomic vs
#                                      cusparse, on CSR_SHAPES (E2006's shape and a tall one); fraction of the copy bandwidth
# A step starts only while BUDGET_S (510 s) is not spent and gets at most what is left of it.
# $OUT receives at most 8 files: run.json (every step's status, exit code, seconds, test counts), preflight.json,
# device-step.json, torch-step.json, device-stream.json, device-solvers.json, device-extra.json (epochs and csr), logs.tgz (every log, JUnit XML reports, nvidia-smi);
# logs.tgz is rewritten after every step.
#
# On the build machine first:   scripts/gpu/pack.sh core cpu-backend cuda-backend
#                               bash scripts/gpu/rehearse.sh          (the rehearsal on the fake CUDA stack)
# Then, with the device tool:   run(command="bash scripts/gpu/run-on-device.sh", carry=[".gpu"], timeout_s=540)
#
# Variables (defaults in brackets):
#   SKIP_PREFLIGHT SKIP_STEP SKIP_TORCH SKIP_TESTS SKIP_STREAM SKIP_SANITIZER SKIP_SOLVERS SKIP_EPOCHS SKIP_CSR   =1 skips that step
#   SKIP_BENCH=1     skips step and torch (as before)
#   ROWS [50000] COLS [100000]          step benchmark and torch shape (float32)
#   STEP_ARGS        [--steps 10 --warmup 3 --repeats 3 --copy-gib 4 --staged 2x3,4x1]   STEP_JVM [-Xmx4g]
#   TORCH_ARGS       [--steps 20 --warmup 5 --repeats 3]
#   TEST_SELECT      [--select-package dev.downhill.cuda]   TEST_JVM [-Xmx8g, JavaCPP maxbytes 16g]
#   STREAM_ROWS [1000000] STREAM_COLS [5000] STREAM_BUDGET [8g]
#   STREAM_ARGS      [--steps 3 --repeats 3 --copy-gib 4 --iterations 20]   STREAM_JVM [-Xmx4g]
#   MEMCHECK_SELECT  [--select-class dev.downhill.cuda.CudaAgreementTest --select-class dev.downhill.cuda.CudaCsrTest]
#   SOLVER_ARGS      [--cpu-seconds 40 --tol 1e-3]   SOLVER_JVM [-Xmx4g]   (rows and cols: ROWS, COLS)
#   EPOCH_SHAPES     [2000000x20,200000x1000]   EPOCH_ARGS [--batches 1,32,256,2048 --positions 65536 --per-batch-positions 4096
#                    --repeats 3]   EPOCH_JVM [-Xmx4g]
#   CSR_SHAPES       [16087x150360x0.008,2000000x1000000x0.00004]   CSR_ARGS [--passes 20 --repeats 3 --copy-gib 2]
#                    CSR_JVM [-Xmx12g]
#   PREFLIGHT_JVM [] PREFLIGHT_ARGS []  T_PREFLIGHT T_STEP T_TORCH T_TESTS T_STREAM T_MEMCHECK T_SOLVERS T_EPOCHS T_CSR BUDGET_S (seconds)
#   OUT [/tmp/downhill-gpu-out]   LOGS [/tmp/downhill-gpu-logs]
# Exit status: 0 when every step that ran passed; 2 when the pre-flight failed (nothing else ran); 1 otherwise.
set -uo pipefail
OUT=${OUT:-/tmp/downhill-gpu-out}
LOGS=${LOGS:-/tmp/downhill-gpu-logs}
BUDGET_S=${BUDGET_S:-510}
ROWS=${ROWS:-50000}
COLS=${COLS:-100000}
STEP_ARGS=${STEP_ARGS:---steps 10 --warmup 3 --repeats 3 --copy-gib 4 --staged 2x3,4x1}
STEP_JVM=${STEP_JVM:--Xmx4g}
TORCH_ARGS=${TORCH_ARGS:---steps 20 --warmup 5 --repeats 3}
TEST_SELECT=${TEST_SELECT:---select-package dev.downhill.cuda}
TEST_JVM=${TEST_JVM:--Xmx8g -Dorg.bytedeco.javacpp.maxbytes=16g -Dorg.bytedeco.javacpp.maxphysicalbytes=0}
STREAM_ROWS=${STREAM_ROWS:-1000000}
STREAM_COLS=${STREAM_COLS:-5000}
STREAM_BUDGET=${STREAM_BUDGET:-8g}
STREAM_ARGS=${STREAM_ARGS:---steps 3 --repeats 3 --copy-gib 4 --iterations 20}
STREAM_JVM=${STREAM_JVM:--Xmx4g}
MEMCHECK_SELECT=${MEMCHECK_SELECT:---select-class dev.downhill.cuda.CudaAgreementTest --select-class dev.downhill.cuda.CudaCsrTest}
PREFLIGHT_JVM=${PREFLIGHT_JVM:-}
SOLVER_ARGS=${SOLVER_ARGS:---cpu-seconds 40 --tol 1e-3}
SOLVER_JVM=${SOLVER_JVM:--Xmx4g}
PREFLIGHT_ARGS=${PREFLIGHT_ARGS:-}
EPOCH_SHAPES=${EPOCH_SHAPES:-2000000x20,200000x1000}
EPOCH_ARGS=${EPOCH_ARGS:---batches 1,32,256,2048 --positions 65536 --per-batch-positions 4096 --repeats 3}
EPOCH_JVM=${EPOCH_JVM:--Xmx4g}
CSR_SHAPES=${CSR_SHAPES:-16087x150360x0.008,2000000x1000000x0.00004}
CSR_ARGS=${CSR_ARGS:---passes 20 --repeats 3 --copy-gib 2}
CSR_JVM=${CSR_JVM:--Xmx12g}
MIN_STEP_S=10
started=$SECONDS
mkdir -p "$OUT"
rm -rf "$LOGS" && mkdir -p "$LOGS"
steps_json=()

pack_logs() {
  local tmp
  tmp=$(mktemp /tmp/downhill-logs.XXXXXX) || return 0
  tar -C "$(dirname "$LOGS")" -czf "$tmp" "$(basename "$LOGS")" 2>/dev/null && cp "$tmp" "$OUT/logs.tgz.part" \
    && mv -f "$OUT/logs.tgz.part" "$OUT/logs.tgz"
  rm -f "$tmp"
}

# record NAME STATUS RC SECONDS [EXTRA_JSON]: one entry of run.json (rewritten each time)
record() {
  steps_json+=("$(printf '    {"step": "%s", "status": "%s", "exit": %s, "seconds": %s%s}' "$1" "$2" "$3" "$4" "${5:+, $5}")")
  {
    printf '{\n  "started": "%s",\n  "elapsedSeconds": %s,\n  "steps": [\n' "$run_date" "$((SECONDS - started))"
    local i
    for i in "${!steps_json[@]}"; do
      printf '%s%s\n' "${steps_json[$i]}" "$([ "$i" -lt $((${#steps_json[@]} - 1)) ] && echo ,)"
    done
    printf '  ]\n}\n'
  } > "$OUT/run.json.part" && mv -f "$OUT/run.json.part" "$OUT/run.json"
}

failed=0
# step NAME LIMIT_S COMMAND...: runs COMMAND under timeout -k 10 with at most LIMIT_S (and what is left of
# BUDGET_S), output to $LOGS/NAME.log; records it; returns its exit status (124/137: timed out).
step() {
  local name=$1 limit=$2
  shift 2
  local left=$((BUDGET_S - (SECONDS - started)))
  if [ "$left" -lt "$MIN_STEP_S" ]; then
    echo "== $name: skipped, ${left} s left of BUDGET_S=${BUDGET_S}"
    step_rc=0 step_status="skipped: out of time" step_seconds=0
    return 0
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  echo "== $name (at most ${limit} s; $((SECONDS - started)) s elapsed)"
  local t0=$SECONDS rc
  timeout -k 10 "$limit" "$@" > "$LOGS/$name.log" 2>&1
  rc=$?
  local status=passed
  [ "$rc" -ne 0 ] && status=failed
  { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; } && status="timed out after ${limit} s"
  step_rc=$rc step_status=$status step_seconds=$((SECONDS - t0))
  echo "   $name: $status (exit $rc, $((SECONDS - t0)) s)"
  return "$rc"
}

# finish NAME [EXTRA_JSON]: records the last step, counts a failure, packs the logs
finish() {
  record "$1" "$step_status" "$step_rc" "$step_seconds" "${2:-}"
  case $step_status in
    passed|skipped*) ;;
    *) failed=$((failed + 1)) ;;
  esac
  pack_logs
}

skip() {
  echo "== $1: skipped ($2)"
  record "$1" "skipped: $2" null 0
}

run_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
rm -f "$OUT"/run.json "$OUT"/preflight.json "$OUT"/device-step.json "$OUT"/torch-step.json "$OUT"/device-stream.json \
      "$OUT"/device-solvers.json "$OUT"/device-extra.json "$OUT"/logs.tgz "$OUT"/.*.tmp "$OUT"/*.part 2>/dev/null

# ---------------------------------------------------------------------------------------------- environment
if ! source .gpu/device-env.sh > "$LOGS/device-env.log" 2>&1; then
  cat "$LOGS/device-env.log"
  echo "PRE-FLIGHT FAILED: .gpu/device-env.sh found no usable Java runtime or CUDA libraries (see above)" >&2
  record device-env failed 1 0
  pack_logs
  exit 2
fi
cat "$LOGS/device-env.log"
{
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv 2>&1 || true
  nvidia-smi 2>&1 || true
} > "$LOGS/nvidia-smi.txt"
git rev-parse HEAD > "$LOGS/commit.txt" 2>/dev/null || true
echo "$ROWS x $COLS; stream $STREAM_ROWS x $STREAM_COLS budget $STREAM_BUDGET; BUDGET_S $BUDGET_S" > "$LOGS/settings.txt"
env | grep -E '^(SKIP_|T_|ROWS|COLS|STEP_|TORCH_|TEST_|STREAM_|MEMCHECK_|PREFLIGHT_|SOLVER_|EPOCH_|CSR_|BUDGET_S|JAVA_TOOL_OPTIONS)' >> "$LOGS/settings.txt"

# ---------------------------------------------------------------------------------------------- 1. pre-flight
if [ "${SKIP_PREFLIGHT:-0}" != 1 ]; then
  # shellcheck disable=SC2086
  step preflight "${T_PREFLIGHT:-40}" java $PREFLIGHT_JVM -cp "$CP" dev.downhill.cuda.DevicePreflight \
    --out "$OUT/preflight.json" $PREFLIGHT_ARGS
  finish preflight
  if [ "$step_rc" -ne 0 ]; then
    tail -30 "$LOGS/preflight.log"
    echo "" >&2
    echo "PRE-FLIGHT FAILED ($step_status): CUDA cannot run here; nothing else was run. See preflight.json / logs.tgz." >&2
    exit 2
  fi
  grep -E '^(device|computeCapability|float32FusedShape|float32FusedVsCublas|float64FusedVsCublas|seconds):' "$LOGS/preflight.log"
else
  skip preflight SKIP_PREFLIGHT=1
fi

# ---------------------------------------------------------------------------------------------- 2, 3. step benchmark, PyTorch
if [ "${SKIP_BENCH:-0}" != 1 ] && [ "${SKIP_STEP:-0}" != 1 ]; then
  # shellcheck disable=SC2086
  step step "${T_STEP:-120}" java $STEP_JVM -cp "$CP" dev.downhill.cuda.DeviceStepBenchmark \
    --rows "$ROWS" --cols "$COLS" --precision float32 --out "$OUT/device-step.json" $STEP_ARGS
  finish step
  grep -E '^(device|fusedShape|fusedGBps|copyGBps|fusedFractionOfCopy|cublasGBps|fusedSpeedupOverCublas|gradientRelativeDifference|stagedShape|stagedGBps|stagedFractionOfCopy|stagedSpeedupOverFused|stagedSameBitsAsFused|error):' "$LOGS/step.log"
else
  skip step "SKIP_STEP or SKIP_BENCH"
fi
if [ "${SKIP_BENCH:-0}" != 1 ] && [ "${SKIP_TORCH:-0}" != 1 ]; then
  # shellcheck disable=SC2086
  step torch "${T_TORCH:-45}" python3 scripts/gpu/torch_step.py --rows "$ROWS" --cols "$COLS" --dtype float32 \
    --out "$OUT/torch-step.json" $TORCH_ARGS
  not_run=$(grep -o '"notRun": "[^"]*"' "$OUT/torch-step.json" 2>/dev/null)
  finish torch "${not_run}"
  grep -E '"(device|medianMsPerStep|GBps|notRun)"' "$OUT/torch-step.json" 2>/dev/null
else
  skip torch "SKIP_TORCH or SKIP_BENCH"
fi

# ---------------------------------------------------------------------------------------------- 4. tests
# JUnit's summary line "[ N containers aborted ]": a class whose @BeforeAll assumption failed (CudaDevice.assume()
# when CUDA is unavailable) is skipped as aborted, and the console launcher still exits 0 — not here.
count() { grep -E "^\[ *[0-9]+ $1 " "$2" 2>/dev/null | tail -1 | tr -dc 0-9; }
if [ "${SKIP_TESTS:-0}" != 1 ]; then
  # shellcheck disable=SC2086
  step tests "${T_TESTS:-200}" java $TEST_JVM -jar .gpu/junit-console.jar execute -cp "$CP" $TEST_SELECT \
    --exclude-classname '.*HostEmulationTest' --exclude-classname '.*KernelSourceTest' \
    --details=tree --disable-banner --disable-ansi-colors --reports-dir "$LOGS/junit-reports"
  log=$LOGS/tests.log
  aborted=$(count "containers aborted" "$log"); cfailed=$(count "containers failed" "$log")
  ok=$(count "tests successful" "$log"); tfailed=$(count "tests failed" "$log")
  taborted=$(count "tests aborted" "$log"); tskipped=$(count "tests skipped" "$log")
  if [ "$step_status" = passed ] && { [ -z "$aborted" ] || [ "${aborted:-0}" -gt 0 ] || [ "${ok:-0}" -eq 0 ]; }; then
    step_status="failed: ${aborted:-?} containers aborted, ${ok:-0} tests successful"
    step_rc=3
    echo "   tests: FAILED: ${aborted:-?} containers aborted (classes skipped: is CUDA usable?), ${ok:-0} tests successful" >&2
  fi
  finish tests "$(printf '"successful": %s, "failed": %s, "aborted": %s, "skipped": %s, "containersAborted": %s, "containersFailed": %s' \
    "${ok:-null}" "${tfailed:-null}" "${taborted:-null}" "${tskipped:-null}" "${aborted:-null}" "${cfailed:-null}")"
  echo "   tests: ${ok:-?} successful, ${tfailed:-?} failed, ${taborted:-?} aborted, ${tskipped:-?} skipped; containers: ${aborted:-?} aborted, ${cfailed:-?} failed"
  grep -E "✘|\[X\]|aborted|Assumption|MethodSource" "$log" | head -20
else
  skip tests SKIP_TESTS=1
fi

# ---------------------------------------------------------------------------------------------- 5. streaming
if [ "${SKIP_STREAM:-0}" != 1 ]; then
  # shellcheck disable=SC2086
  step stream "${T_STREAM:-120}" java $STREAM_JVM -Dorg.bytedeco.javacpp.maxbytes=0 -Dorg.bytedeco.javacpp.maxphysicalbytes=0 \
    -Ddownhill.cuda.memoryBudget="$STREAM_BUDGET" -cp "$CP" dev.downhill.cuda.DeviceStreamBenchmark \
    --rows "$STREAM_ROWS" --cols "$STREAM_COLS" --out "$OUT/device-stream.json" $STREAM_ARGS
  finish stream
  grep -E '^(hostGenerationSeconds|residentChunks|chunks|pinned|hostToDevicePinned|hostToDeviceGBps|streamedGBps|fractionOfHostToDevice|fitSeconds|fitIterations|error):' "$LOGS/stream.log"
else
  skip stream SKIP_STREAM=1
fi

# ---------------------------------------------------------------------------------------------- 6. memcheck
sanitizer=$(command -v compute-sanitizer 2>/dev/null || ls /usr/local/cuda*/bin/compute-sanitizer /opt/*/bin/compute-sanitizer \
            /usr/local/cuda*/compute-sanitizer/compute-sanitizer 2>/dev/null | head -1)
if [ "${SKIP_SANITIZER:-0}" = 1 ]; then
  skip memcheck SKIP_SANITIZER=1
elif [ -z "$sanitizer" ]; then
  skip memcheck "compute-sanitizer not found"
else
  # shellcheck disable=SC2086
  step memcheck "${T_MEMCHECK:-90}" "$sanitizer" --tool memcheck --target-processes all --print-limit 20 --error-exitcode 9 \
    java $TEST_JVM -jar .gpu/junit-console.jar execute -cp "$CP" $MEMCHECK_SELECT \
    --details=summary --disable-banner --disable-ansi-colors
  errors=$(grep -E "ERROR SUMMARY: [0-9]+" "$LOGS/memcheck.log" | tail -1 | grep -oE "[0-9]+ error" | tr -dc 0-9)
  finish memcheck "\"errorSummary\": ${errors:-null}"
  grep -E "ERROR SUMMARY|tests (successful|failed)" "$LOGS/memcheck.log" | tail -5
fi

# ---------------------------------------------------------------------------------------------- 7. solvers (issue 18, Required 3)
if [ "${SKIP_SOLVERS:-0}" != 1 ]; then
  # shellcheck disable=SC2086
  step solvers "${T_SOLVERS:-150}" java $SOLVER_JVM -Dorg.bytedeco.javacpp.maxbytes=0 -Dorg.bytedeco.javacpp.maxphysicalbytes=0 \
    -cp "$CP" dev.downhill.cuda.DeviceSolverBenchmark --rows "$ROWS" --cols "$COLS" --out "$OUT/device-solvers.json" $SOLVER_ARGS
  finish solvers
  grep -E '^(gd|direct)[A-Za-z]*(Seconds|Iterations|StopReason|Difference|Error|PerIteration):' "$LOGS/solvers.log"
else
  skip solvers SKIP_SOLVERS=1
fi

# ---------------------------------------------------------------------------------------------- 8, 9. epochs, csr
# $OUT holds at most 8 files: the two benchmarks write their JSON into $LOGS, and device-extra.json gathers both
# ({"epochs": …, "csr": …}, null for one not run) after each.
combine_extra() {
  {
    printf '{\n"epochs": '
    cat "$LOGS/device-epochs.json" 2>/dev/null || printf 'null\n'
    printf ',\n"csr": '
    cat "$LOGS/device-csr.json" 2>/dev/null || printf 'null\n'
    printf '}\n'
  } > "$OUT/device-extra.json.part" && mv -f "$OUT/device-extra.json.part" "$OUT/device-extra.json"
}
if [ "${SKIP_EPOCHS:-0}" != 1 ]; then
  # shellcheck disable=SC2086
  step epochs "${T_EPOCHS:-60}" java $EPOCH_JVM -cp "$CP" dev.downhill.cuda.DeviceEpochBenchmark \
    --shapes "$EPOCH_SHAPES" --out "$LOGS/device-epochs.json" $EPOCH_ARGS
  combine_extra
  finish epochs
  grep -E '^(device|error):' "$LOGS/epochs.log"
  grep -E '^epochs:' "$LOGS/epochs.log" | tail -1 | cut -c1-3000
else
  skip epochs SKIP_EPOCHS=1
fi
if [ "${SKIP_CSR:-0}" != 1 ]; then
  # shellcheck disable=SC2086
  step csr "${T_CSR:-90}" java $CSR_JVM -Dorg.bytedeco.javacpp.maxbytes=0 -Dorg.bytedeco.javacpp.maxphysicalbytes=0 \
    -cp "$CP" dev.downhill.cuda.DeviceCsrBenchmark --shapes "$CSR_SHAPES" --out "$LOGS/device-csr.json" $CSR_ARGS
  combine_extra
  finish csr
  grep -E '^(device|copyGBps|error):' "$LOGS/csr.log"
  grep -E '^results:' "$LOGS/csr.log" | tail -1 | cut -c1-4000
else
  skip csr SKIP_CSR=1
fi

rm -f "$OUT"/.*.tmp "$OUT"/*.part 2>/dev/null
pack_logs
echo "== done in $((SECONDS - started)) s; $failed step(s) failed; files in $OUT: $(ls "$OUT" | tr '\n' ' ')"
[ "$failed" -eq 0 ]
