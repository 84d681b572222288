#!/usr/bin/env bash
# Issue 14, item 4: sparse X against SciPy and scikit-learn, side by side in one run on one machine.
#   bench/sparse/sparse-vs-peers.sh [rows] [features] [density] [outdir]
# Defaults: E2006-tfidf's shape, 16,087 × 150,360 at 0.8 % non-zeros (power-law column frequencies, `gen --density`).
# 1. gen writes X.npz + y.npy (and the same rows as svmlight, for the memory check).
# 2. The reference: SciPy lsqr to atol = btol = 1e-14; its training predictions ŷ_ref.
# 3. Each contender runs with a sequence of tightening tolerances until its training predictions are within 1e-4
#    (relative, ‖ŷ − ŷ_ref‖/‖ŷ_ref‖) of the reference; its time is that run's: downhill `fit --solver cg` on the .npz
#    (the model's result.wallTimeSeconds: the fit, not the JVM start or the file read), SciPy `lsqr`,
#    scikit-learn `Ridge(solver='sparse_cg', alpha=1e-10)` and `SGDRegressor` (constant η = 1e-3, no penalty; its
#    "tolerance" is the number of epochs, the fewest of 2, 4, … that reach the target) — peers timed in-process around
#    fit(), excluding the load — and our `sgd` the same way (η = 0.0005: our loss is r², scikit-learn's ½r², so these
#    are the same steps). Beside the command line's cg: the library's in a warm JVM (bench's WarmSparseFit, the same fit
#    7 times in one process, the median of the last three), as a program embedding downhill runs it.
# 4. The CSR step vs the read probe (bench's SparseStepReport), and the peak RSS of the whole process fitting the
#    svmlight file with -Xmx1g (/usr/bin/time -v).
# Writes results.jsonl and README.md to the output folder. Python: /usr/bin/python3 with SciPy and scikit-learn.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rows="${1:-16087}"; features="${2:-150360}"; density="${3:-0.008}"
out="${4:-$here/bench/results/$(date +%F)-sparse}"
work="${SPARSE_WORK:-/tmp/downhill-sparse-$rows-$features-$density}"
py=/usr/bin/python3
mkdir -p "$out" "$work"
dh="$here/downhill"
if [ ! -f "$work/npz/X.npz" ]; then
  "$dh" gen --rows "$rows" --features "$features" --density "$density" --format npz --precision float64 --noise 0.5 \
      --out-dir "$work/npz" --quiet >&2
  "$dh" gen --rows "$rows" --features "$features" --density "$density" --format svmlight --precision float64 --noise 0.5 \
      --out-dir "$work/svm" --quiet >&2
fi
results="$out/results.jsonl"; : > "$results"
$py - "$work" <<'PY' >> "$results"
import sys, time, json, numpy as np, scipy.sparse as sp
from scipy.sparse.linalg import lsqr
work = sys.argv[1]
X = sp.load_npz(work + "/npz/X.npz").tocsr(); y = np.load(work + "/npz/y.npy")
t0 = time.perf_counter()
# the intercept: lsqr on [X 1]
A = sp.hstack([X, np.ones((X.shape[0], 1))]).tocsr()
r = lsqr(A, y, atol=1e-14, btol=1e-14, iter_lim=100000)
t1 = time.perf_counter()
ref = A @ r[0]
np.save(work + "/ref.npy", ref)
print(json.dumps({"who": "reference lsqr 1e-14", "seconds": t1 - t0, "iterations": int(r[2]), "stop": int(r[1])}))
PY
$py - "$work" <<'PY' >> "$results"
import sys, time, json, numpy as np, scipy.sparse as sp, warnings
from scipy.sparse.linalg import lsqr
from sklearn.linear_model import Ridge, SGDRegressor
warnings.filterwarnings("ignore")
work = sys.argv[1]
X = sp.load_npz(work + "/npz/X.npz").tocsr(); y = np.load(work + "/npz/y.npy"); ref = np.load(work + "/ref.npy")
def err(p): return float(np.linalg.norm(p - ref) / np.linalg.norm(ref))
A = sp.hstack([X, np.ones((X.shape[0], 1))]).tocsr()
def run_lsqr(tol):
    t0 = time.perf_counter(); r = lsqr(A, y, atol=tol, btol=tol, iter_lim=100000); t = time.perf_counter() - t0
    return t, A @ r[0]
def run_ridge(tol):
    m = Ridge(alpha=1e-10, solver="sparse_cg", tol=tol, max_iter=100000)
    t0 = time.perf_counter(); m.fit(X, y); t = time.perf_counter() - t0
    return t, m.predict(X)
def run_sgd(epochs):
    m = SGDRegressor(max_iter=int(epochs), tol=None, learning_rate="constant", eta0=1e-3, penalty=None)
    t0 = time.perf_counter(); m.fit(X, y); t = time.perf_counter() - t0
    return t, m.predict(X)
SGD_EPOCHS = [2, 4, 6, 8, 10, 12, 14, 16, 20, 24, 32]
REPEATS = 3
for name, fn, tols in (("scipy lsqr", run_lsqr, [1e-4, 1e-6, 1e-8, 1e-10, 1e-12]),
                       ("sklearn Ridge sparse_cg", run_ridge, [1e-4, 1e-6, 1e-8, 1e-10, 1e-12]),
                       ("sklearn SGDRegressor (η 1e-3; tol column: epochs)", run_sgd, SGD_EPOCHS)):
    for tol in tols:
        t, p = fn(tol)
        e = err(p)
        line = {"who": name, "tol": tol, "seconds": t, "error": e, "reached": e <= 1e-4}
        if e <= 1e-4: # the reaching configuration: the median of three runs
            runs = sorted([t] + [fn(tol)[0] for _ in range(REPEATS - 1)])
            line.update(seconds=runs[len(runs) // 2], runs=runs)
        print(json.dumps(line), flush=True)
        if e <= 1e-4:
            break
PY
# One result line for our fit written to $2 (who $1, tolerance or epochs $3): its training predictions' error; with
# $4 (a list of seconds), the reaching configuration's median of those runs.
scored() {
  $py - "$work" "$1" "$2" "$3" "${4:-}" <<'PY'
import sys, json, numpy as np, scipy.sparse as sp
work, who, model, tol, runs = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), sys.argv[5].split()
m = json.load(open(model))
X = sp.load_npz(work + "/npz/X.npz").tocsr(); ref = np.load(work + "/ref.npy")
p = X @ np.array(m["coefficients"]) + m["intercept"]
e = float(np.linalg.norm(p - ref) / np.linalg.norm(ref))
line = {"who": who, "tol": tol, "seconds": m["result"]["wallTimeSeconds"], "error": e,
        "iterations": m["result"]["iterations"], "reached": e <= 1e-4}
if runs:
    r = sorted(float(v) for v in runs)
    line.update(seconds=r[len(r) // 2], runs=r)
print(json.dumps(line))
PY
}
# Our fit (who $1; the fit's solver options in $2; "tol" or "epochs" in $3, then the values to try): the first that
# reaches the target runs twice more and reports the median of the three wall times.
ours() {
  local who="$1" options="$2" kind="$3"; shift 3
  local v line runs set_flag
  for v in "$@"; do
    if [ "$kind" = tol ]; then set_flag=(--tol "$v" --iterations 100000); else set_flag=(--tol 0 --iterations "$v"); fi
    fit_once "$options" "${set_flag[@]}"
    line=$(scored "$who" "$work/ours.json" "$v")
    case "$line" in
      *'"reached": true'*)
        runs=$(wall_time)
        for _ in 2 3; do
          fit_once "$options" "${set_flag[@]}"
          runs="$runs $(wall_time)"
        done
        scored "$who" "$work/ours.json" "$v" "$runs" >> "$results"
        return;;
    esac
    echo "$line" >> "$results"
  done
}
# One fit of the .npz with the solver options $1 and the stopping flags after it, into $work/ours.json.
fit_once() {
  local options="$1"; shift
  # shellcheck disable=SC2086
  "$dh" fit --x "$work/npz/X.npz" --y "$work/npz/y.npy" $options "$@" --quiet --out "$work/ours.json" >&2
}
wall_time() {
  $py -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["wallTimeSeconds"])' "$work/ours.json"
}
ours "downhill cg (cpu)" "--solver cg" tol 1e-4 1e-6 1e-8 1e-10
# Standardized, cg is Jacobi-preconditioned and needs ~3× fewer iterations here; when m < n it finds another θ of the same
# training predictions (the one of least ‖diag(σ)θ‖, not the least ‖θ‖ that lsqr, sparse_cg and SGD from 0 find), which is
# why the default leaves wide data unstandardized.
ours "downhill cg --standardize on (cpu; another θ when m < n)" "--solver cg --standardize on" tol 1e-4 1e-5 1e-6 1e-8
ours "downhill sgd (cpu; η 0.0005; tol column: epochs)" "--solver sgd --lr 0.0005" epochs 2 4 6 8 10 12 14 16 20 24 32
# The library embedded in a long-running JVM (bench's WarmSparseFit): the same fit 7 times in one process, the median of
# the last three wall times — compiled code, where the command line's fit is a fresh JVM's first (much of it interpreted
# or being compiled). Reported beside the command line's, never in its place.
warm() {
  local who="$1" solver="$2" standardize="$3"; shift 3
  local v runs line
  for v in "$@"; do
    runs=$(java -Xmx2g -Dorg.bytedeco.javacpp.maxbytes=0 -Dorg.bytedeco.javacpp.maxphysicalbytes=0 \
      -cp "$here/bench/target/benchmarks.jar" dev.downhill.bench.WarmSparseFit "$work/npz/X.npz" "$work/npz/y.npy" \
      "$work/warm.json" "$solver" "$v" "$standardize" 7 | sed -n 's/^wall //p' | tail -3 | tr '\n' ' ')
    line=$(scored "$who" "$work/warm.json" "$v" "$runs")
    echo "$line" >> "$results"
    case "$line" in *'"reached": true'*) return;; esac
  done
}
warm "library in a warm JVM: downhill cg --standardize on (5th–7th of 7 fits in one process)" cg on 1e-4 1e-5 1e-6 1e-8
java -Xmx4g -Dorg.bytedeco.javacpp.maxbytes=0 -Dorg.bytedeco.javacpp.maxphysicalbytes=0 -cp "$here/bench/target/benchmarks.jar" \
  dev.downhill.bench.SparseStepReport "$work/npz/X.npz" "$work/npz/y.npy" 20 "$out" >&2
if [ -x /usr/bin/time ]; then
  DOWNHILL_JAVA_OPTS="-Xmx1g -Dorg.bytedeco.javacpp.maxbytes=0 -Dorg.bytedeco.javacpp.maxphysicalbytes=0" \
    /usr/bin/time -v "$dh" fit --data "$work/svm/data.svm" --sparse --features "$features" --solver cg --tol 1e-6 --quiet \
    2> "$work/time.txt" >/dev/null || true
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
  echo "{\"who\": \"peak RSS, fit --data data.svm --sparse -Xmx1g\", \"kbytes\": ${rss:-null}}" >> "$results"
fi
$py - "$results" "$out" "$rows" "$features" "$density" <<'PY'
import json, sys, os
res = [json.loads(l) for l in open(sys.argv[1])]
out, rows, feats, dens = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
cpu = open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(" \t:")
lines = ["# Sparse X: downhill vs SciPy and scikit-learn, %s × %s at %s density (`gen --density`)" % (rows, feats, dens), "",
         "Machine: %s, %d CPUs. Target: training predictions within 1e-4 (relative) of SciPy lsqr run to 1e-14. "
         "Each contender's first tolerance that reaches it; times exclude reading the files. The reaching configuration "
         "is run three times: its seconds are the median, the range beside it." % (cpu, os.cpu_count()), "",
         "| who | tol | seconds | relative error | reached |", "|---|---:|---:|---:|---|"]
best = {}
for r in res:
    if "error" in r:
        spread = " (%.3f–%.3f)" % (r["runs"][0], r["runs"][-1]) if "runs" in r else ""
        lines.append("| %s | %g | %.3f%s | %.2e | %s |" % (r["who"], r["tol"], r["seconds"], spread, r["error"], r["reached"]))
        if r["reached"]:
            best[r["who"]] = r["seconds"]
    elif "kbytes" in r:
        lines.append("")
        lines.append("Peak RSS fitting the svmlight file with -Xmx1g: %s MB." % (r["kbytes"] // 1024 if r["kbytes"] else "?"))
    else:
        lines.append("| %s | | %.3f | (reference: %s iterations) | |" % (r["who"], r["seconds"], r.get("iterations")))
mine = {k: v for k, v in best.items() if k.startswith("downhill")}
ours = min(mine.values()) if mine else None
peers = {k: v for k, v in best.items() if not k.startswith("downhill") and not k.startswith("library")}
warmed = {k: v for k, v in best.items() if k.startswith("library")}
if ours and peers:
    k = min(peers, key=peers.get)
    ourk = min(mine, key=mine.get)
    lines += ["", "Fastest peer: %s, %.3f s; ours on the command line (%s) %.3f s: **%.2f×** faster (the bar: ≥ 2×)."
              % (k, peers[k], ourk, ours, peers[k] / ours)]
    for w, v in warmed.items():
        lines += ["", "The %s: %.3f s, %.2f× the fastest peer (the peers run in a warm Python process too)." % (w, v, peers[k] / v)]
open(os.path.join(out, "README.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
