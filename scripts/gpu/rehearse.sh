#!/usr/bin/env bash
# Rehearses scripts/gpu/run-on-device.sh at tiny sizes on the fake CUDA stack, in the GPU machine's layout
# (../shared/gpu/rehearse.sh: no system JDK, the packed runtime, the fake libraries where the wheels and the
# driver would be, a clean environment), before every device call. Six runs, each checked (README.md):
#   full      everything at toy sizes: exit 0, every step passed (memcheck skipped: no compute-sanitizer here;
#             torch writes notRun when torch or CUDA for torch is missing), at most 8 files in $OUT;
#   no-cuda   the driver sees no GPU (DOWNHILL_FAKE_CUDA_NO_DEVICE=1: cudaGetDeviceCount says cudaErrorNoDevice):
#             the pre-flight fails loudly with the probe's reason, exit 2, nothing else runs;
#   broken-driver  the driver library replaced by a stub without its symbols (device-env.sh still finds a
#             file; the JVM dies at the first CUDA call): the pre-flight fails loudly, exit 2;
#   no-libs   no CUDA libraries at all (DOWNHILL_CUDA_LIBS names an empty folder): device-env.sh fails, exit 2;
#   aborted   the pre-flight skipped, no GPU as in no-cuda: the test step fails on aborted containers
#             (the GPU tests' classes skip themselves and JUnit's console exits 0), exit 1;
#   unpinned  cudaHostRegister refused: the streaming benchmark falls back to pageable copies and records
#             "pinned": false and "hostToDevicePinned": false.
#
#   usage (from the project root):  bash scripts/gpu/rehearse.sh          (packs first when .gpu/ is missing)
#                                   PACK=1 bash scripts/gpu/rehearse.sh   (packs again: after changing Java code)
# Needs root (unshare -m) and g++ (the fake stack), as ../shared/gpu/rehearse.sh does. About 2–4 minutes on
# 2 busy cores once the fake's kernel cache (/tmp/downhill-fake-cuda/kernels) is warm; the first run compiles the
# kernels with g++ (a few minutes more).
set -uo pipefail
root=$(git rev-parse --show-toplevel) || exit 1
cd "$root"
shared=${SHARED_GPU:-$root/../shared/gpu}
if [ "${PACK:-0}" = 1 ] || [ ! -f .gpu/device-env.sh ]; then
  bash scripts/gpu/pack.sh core cpu-backend cuda-backend || exit 1
fi
base=${REHEARSAL_OUT:-/tmp/downhill-rehearsal}
rm -rf "$base" && mkdir -p "$base"
stub=$base/stub-driver
mkdir -p "$stub" "$base/no-libs"
echo 'int downhill_stub_driver;' | gcc -shared -fPIC -x c - -o "$stub/libcuda.so.1" -Wl,-soname,libcuda.so.1 || exit 1

# tiny sizes for every step (the fake device emulates every kernel thread on the host)
tiny=(
  BUDGET_S=1500 T_PREFLIGHT=300 T_STEP=300 T_TORCH=120 T_TESTS=600 T_STREAM=300
  ROWS=96 COLS=300 STEP_ARGS="--steps 2 --warmup 1 --repeats 1 --copy-gib 0.001 --staged 2x3,4x1" STEP_JVM=-Xmx1g
  TORCH_ARGS="--steps 2 --warmup 1 --repeats 1"
  TEST_SELECT="--select-class dev.downhill.cuda.DeviceBenchmarksSmokeTest --select-class dev.downhill.cuda.CudaAvailabilityTest --select-class dev.downhill.cuda.FusedShapeTest"
  TEST_JVM=-Xmx1g
  STREAM_ROWS=4000 STREAM_COLS=24 STREAM_BUDGET=160k STREAM_JVM="-Xmx1g -Ddownhill.cuda.chunkBytes=16k"
  STREAM_ARGS="--steps 1 --repeats 1 --copy-gib 0.001 --iterations 5"
  T_SOLVERS=300 SOLVER_JVM=-Xmx1g SOLVER_ARGS="--cpu-seconds 5 --tol 1e-2 --iterations 50 --direct-rows 200 --direct-cols 12"
  T_EPOCHS=300 EPOCH_SHAPES=3000x20,300x1000 EPOCH_JVM=-Xmx1g
  EPOCH_ARGS="--batches 1,32 --positions 256 --per-batch-positions 64 --repeats 1"
  T_CSR=300 CSR_SHAPES=400x2000x0.01 CSR_JVM=-Xmx1g CSR_ARGS="--passes 1 --repeats 1 --copy-gib 0.001"
)
# inside the rehearsal's namespace: the fake driver replaced by the stub
broken_driver="cp $stub/libcuda.so.1 /opt/nvidia-driver/lib64/libcuda.so.1 && exec bash scripts/gpu/run-on-device.sh"

problems=0
check() {   # check DESCRIPTION COMMAND...: runs a test command, reports
  if "${@:2}"; then echo "   ok: $1"; else echo "   NOT OK: $1"; problems=$((problems + 1)); fi
}
rehearse() {   # rehearse NAME COMMAND...: one run under ../shared/gpu/rehearse.sh, OUT=$base/NAME, output to $base/NAME.log
  local name=$1
  shift
  echo "== rehearsal $name"
  OUT=$base/$name "$shared/rehearse.sh" "$@" > "$base/$name.log" 2>&1
  rc=$?
  echo "   exit $rc"
  sed 's/^/   | /' "$base/$name.log" | grep -E '^   \| (==|   [a-z]+: |PRE-FLIGHT|device-env|tests:|java: symbol)' | head -30
}

rehearse full env "${tiny[@]}" bash scripts/gpu/run-on-device.sh
out=$base/full
check "exit 0" test "$rc" -eq 0
for f in run.json preflight.json device-step.json torch-step.json device-stream.json device-solvers.json device-extra.json logs.tgz; do
  check "$f in \$OUT" test -s "$out/$f"
done
check "at most 8 files in \$OUT" test "$(find "$out" -type f | wc -l)" -le 8
check "no step failed" bash -c "! grep -E '\"status\": \"(failed|timed)' '$out/run.json'"
check "the pre-flight ran the fused kernel and cuBLAS" grep -q '"ok": true' "$out/preflight.json"
check "the tests ran" grep -qE '"successful": [1-9]' "$out/run.json"
check "the streaming benchmark pinned X's streamed rows" grep -q '"pinned": true' "$out/device-stream.json"
check "the solver benchmark fitted on both backends" grep -q '"gdCoefficientRelativeDifference"' "$out/device-solvers.json"
check "every direct fit ran" bash -c "! grep -q 'Error\"' '$out/device-solvers.json' && grep -q directCpuSvdRelativeDifference '$out/device-solvers.json'"
check "the device epochs gave the per-batch loop's bits" bash -c "grep -q '\"bitIdenticalToPerBatch\": true' '$out/device-extra.json' && ! grep -q '\"bitIdenticalToPerBatch\": false' '$out/device-extra.json'"
check "the CSR benchmark ran every strategy" bash -c "grep -q '\"speedupOver_cusparse\"' '$out/device-extra.json' && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '$out/device-extra.json'"
check "logs.tgz holds the JUnit reports" bash -c "tar -tzf '$out/logs.tgz' | grep -q 'junit-reports/.*\.xml'"

rehearse no-cuda env "${tiny[@]}" DOWNHILL_FAKE_CUDA_NO_DEVICE=1 bash scripts/gpu/run-on-device.sh
out=$base/no-cuda
check "exit 2" test "$rc" -eq 2
check "PRE-FLIGHT FAILED printed, with the probe's reason" grep -q "PRE-FLIGHT FAILED: CUDA is unavailable: cudaGetDeviceCount" "$base/no-cuda.log"
check "preflight.json says unavailable" grep -q '"available": false' "$out/preflight.json"
check "nothing else ran" test ! -e "$out/device-step.json"

rehearse broken-driver env "${tiny[@]}" bash -c "$broken_driver"
check "exit 2" test "$rc" -eq 2
check "PRE-FLIGHT FAILED printed" grep -q "PRE-FLIGHT FAILED" "$base/broken-driver.log"
check "nothing else ran" test ! -e "$base/broken-driver/device-step.json"

rehearse no-libs env "${tiny[@]}" DOWNHILL_CUDA_LIBS="$base/no-libs" bash scripts/gpu/run-on-device.sh
check "exit 2" test "$rc" -eq 2
check "PRE-FLIGHT FAILED printed" grep -q "PRE-FLIGHT FAILED" "$base/no-libs.log"

rehearse aborted env "${tiny[@]}" SKIP_PREFLIGHT=1 SKIP_BENCH=1 SKIP_STREAM=1 SKIP_SOLVERS=1 DOWNHILL_FAKE_CUDA_NO_DEVICE=1 \
  bash scripts/gpu/run-on-device.sh
check "exit 1" test "$rc" -eq 1
check "the test step failed on aborted containers" grep -qE '"status": "failed: [1-9][0-9]* containers aborted' "$base/aborted/run.json"

rehearse unpinned env "${tiny[@]}" SKIP_BENCH=1 SKIP_TESTS=1 SKIP_SOLVERS=1 DOWNHILL_FAKE_CUDA_REFUSE_HOST_REGISTER=1 \
  bash scripts/gpu/run-on-device.sh
check "exit 0" test "$rc" -eq 0
check "streamed rows not pinned, recorded" grep -q '"pinned": false' "$base/unpinned/device-stream.json"
check "copy probe not pinned, recorded" grep -q '"hostToDevicePinned": false' "$base/unpinned/device-stream.json"
check "the probe still measured" grep -q '"hostToDeviceGBps": [0-9]' "$base/unpinned/device-stream.json"

echo "== rehearsal: $problems problem(s); logs and \$OUT folders in $base"
[ "$problems" -eq 0 ]
