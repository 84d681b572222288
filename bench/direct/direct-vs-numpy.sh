#!/usr/bin/env bash
# Issue 12, item 5: the direct solvers against NumPy, side by side in one run on one machine.
#   bench/direct/direct-vs-numpy.sh [rows] [features] [rounds] [outdir]
# Generates `gen --rows R --features N --condition 100 --noise 0.5 --precision float64` once, then alternates
# rounds of: downhill fit --solver svd, downhill fit --solver normal (each its model's result.wallTimeSeconds:
# the fit itself, not the JVM start, the file read or the backend's one-time initialisation) and NumPy (python3,
# as installed) centring the same X, y and calling lstsq, resp. solving the normal equations (X_cᵀX_c)θ = X_cᵀy_c
# (times exclude np.load). Writes results.json and a table with medians and ranges to the output folder.
# OpenBLAS kernels: some machines pin OPENBLAS_CORETYPE (and OPENBLAS_L2_SIZE) in the environment, which slows a
# current OpenBLAS; with BLAS_KERNELS=own both sides run with the two unset (each library then picks its kernels for
# the CPU), with BLAS_KERNELS=as-set (the default) as the environment has them. The report names the kernels each ran.
set -euo pipefail
if [ "${BLAS_KERNELS:-as-set}" = own ]; then
  unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rows="${1:-20000}"; features="${2:-2000}"; rounds="${3:-3}"
out="${4:-$here/bench/results/$(date +%F)-direct}"
work="${DIRECT_WORK:-/tmp/downhill-direct-$rows-$features}"
mkdir -p "$out" "$work"
dh="$here/downhill"
if [ ! -f "$work/X.npy" ]; then
  "$dh" gen --rows "$rows" --features "$features" --condition 100 --noise 0.5 --precision float64 --out-dir "$work" >&2
fi
cat > "$work/peer.py" <<'PY'
import sys, time, json, numpy as np
X = np.load(sys.argv[1]); y = np.load(sys.argv[2]); kind = sys.argv[3]
t0 = time.perf_counter()
xm = X.mean(axis=0); ym = y.mean()
Xc = X - xm; yc = y - ym
if kind == "lstsq":
    theta = np.linalg.lstsq(Xc, yc, rcond=None)[0]
else:
    theta = np.linalg.solve(Xc.T @ Xc, Xc.T @ yc)
b = ym - xm @ theta
t1 = time.perf_counter()
np.save(sys.argv[4], np.append(theta, b))
import ctypes, glob, os
core = "?"
for f in glob.glob(os.path.join(os.path.dirname(np.__file__) + ".libs", "*openblas*.so*")):
    lib = ctypes.CDLL(f)
    for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename64_", "openblas_get_corename"):
        if hasattr(lib, name):
            fn = getattr(lib, name); fn.restype = ctypes.c_char_p; core = fn().decode(); break
print(json.dumps({"seconds": t1 - t0, "kernels": core}))
PY
results="$out/results.jsonl"; : > "$results"
for r in $(seq 1 "$rounds"); do
  for solver in svd normal; do
    "$dh" fit --x "$work/X.npy" --y "$work/y.npy" --solver "$solver" --precision float64 --quiet --out "$work/$solver.json"
    python3 - "$work/$solver.json" "$solver" "$r" >> "$results" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(json.dumps({"who": "downhill-" + sys.argv[2], "round": int(sys.argv[3]), "seconds": m["result"]["wallTimeSeconds"]}))
PY
  done
  for kind in lstsq normal; do
    s=$(python3 "$work/peer.py" "$work/X.npy" "$work/y.npy" "$kind" "$work/numpy-$kind.npy")
    python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(json.dumps({'who':'numpy-$kind','round':$r,'seconds':d['seconds']}))" "$s" >> "$results"
  done
done
ours_kernels=$("$dh" info 2>/dev/null | sed -n 's/.*; kernels \([A-Za-z0-9]*\);.*/\1/p' | head -1)
numpy_kernels=$(python3 "$work/peer.py" "$work/X.npy" "$work/y.npy" normal "$work/numpy-normal.npy" | python3 -c "import json,sys; print(json.load(sys.stdin)['kernels'])")
python3 - "$results" "$work" "$out" "$rows" "$features" "${ours_kernels:-?}" "$numpy_kernels" "${BLAS_KERNELS:-as-set}" <<'PY'
import json, sys, statistics, platform, numpy as np, os
res = [json.loads(l) for l in open(sys.argv[1])]
work, out, rows, feats = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
kernels = "OpenBLAS kernels: ours %s, NumPy's %s (%s)." % (sys.argv[6], sys.argv[7], "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset: each library's own choice" if sys.argv[8] == "own" else "the environment's OPENBLAS_CORETYPE=%s" % os.environ.get("OPENBLAS_CORETYPE", "(unset)"))
by = {}
for r in res:
    by.setdefault(r["who"], []).append(r["seconds"])
def med(w): return statistics.median(by[w])
# agreement of the answers: downhill vs NumPy (relative, over [theta, b])
def model(name):
    m = json.load(open(os.path.join(work, name + ".json")))
    return np.append(np.array(m["coefficients"]), m["intercept"])
ref = np.load(os.path.join(work, "numpy-lstsq.npy"))
agree = {s: float(np.linalg.norm(model(s) - ref) / np.linalg.norm(ref)) for s in ("svd", "normal")}
cpu = open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(" \t:") if os.path.exists("/proc/cpuinfo") else platform.processor()
lines = ["# Direct solvers vs NumPy, %s × %s float64 (`gen --condition 100 --noise 0.5`)" % (rows, feats), "",
         "Machine: %s, %d CPUs; NumPy %s. Rounds alternate our fit and NumPy's; times exclude reading the files. %s" % (cpu, os.cpu_count(), np.__version__, kernels), "",
         "| solver | ours: median s (range) | NumPy: median s (range) | ours / NumPy |", "|---|---:|---:|---:|"]
for ours, peer, label in (("downhill-svd", "numpy-lstsq", "svd vs `lstsq`"), ("downhill-normal", "numpy-normal", "normal vs `solve(XcᵀXc, Xcᵀyc)`")):
    lines.append("| %s | %.2f (%.2f–%.2f) | %.2f (%.2f–%.2f) | %.2f |" % (label, med(ours), min(by[ours]), max(by[ours]),
                 med(peer), min(by[peer]), max(by[peer]), med(ours) / med(peer)))
lines += ["", "Relative difference ‖[θ,b] − NumPy lstsq‖/‖NumPy lstsq‖: svd %.1e, normal %.1e." % (agree["svd"], agree["normal"])]
open(os.path.join(out, "README.md"), "w").write("\n".join(lines) + "\n")
json.dump({"rows": int(rows), "features": int(feats), "times": by, "agreement": agree, "kernels": kernels}, open(os.path.join(out, "results.json"), "w"), indent=1)
print("\n".join(lines))
PY
