#!/usr/bin/env bash
# Text reading, side by side in one run on one machine: the svmlight reader (sparse) and the CSV reader on one thread and
# on every core (bench's TextReadReport, alternated in one JVM, medians), scikit-learn's load_svmlight_file on the same
# svmlight file, its .bz2 through downhill's block-parallel decoder (a whole `fit`, since bzip2 is spooled) and through
# scikit-learn, and NumPy's loadtxt on the CSV.
#   bench/io/read-vs-peers.sh [outdir]
# Data (generated once into $READ_WORK, default /tmp/downhill-read): E2006-tfidf's shape as svmlight text
# (16,087 × 150,360 at 0.8 %: `gen --density --format svmlight`, values as Java writes doubles, 16–17 digits) and its
# bzip2; a 1,000,000 × 21 CSV written by NumPy's savetxt with %.6f. Python: /usr/bin/python3 with scikit-learn.
# Writes results.txt to the output folder.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$here/bench/results/$(date +%F)-read}"
work="${READ_WORK:-/tmp/downhill-read}"
rounds="${ROUNDS:-5}"
py=/usr/bin/python3
mkdir -p "$out" "$work"
dh="$here/downhill"
if [ ! -f "$work/svm/data.svm" ]; then
  "$dh" gen --rows 16087 --features 150360 --density 0.008 --format svmlight --precision float64 --noise 0.5 \
      --out-dir "$work/svm" --quiet >&2
fi
[ -f "$work/svm/data.svm.bz2" ] || bzip2 -k -9 "$work/svm/data.svm"
if [ ! -f "$work/t.csv" ]; then
  "$dh" gen --rows 1000000 --features 20 --out-dir "$work/dense" --quiet >&2
  $py -c "import numpy as np,sys; X=np.load(sys.argv[1]+'/dense/X.npy'); y=np.load(sys.argv[1]+'/dense/y.npy');
np.savetxt(sys.argv[1]+'/t.csv', np.column_stack([X, y]), fmt='%.6f', delimiter=',')" "$work"
fi
(cd "$here" && mvn -B -q -DskipTests package -pl bench -am >&2)
jar="$here/bench/target/benchmarks.jar"
results="$out/results.txt"; : > "$results"
{
  echo "== downhill SvmLightReader.readSparse, $(du -h "$work/svm/data.svm" | cut -f1) svmlight"
  java -Xmx4g -cp "$jar" dev.downhill.bench.TextReadReport svmlight "$work/svm/data.svm" "$rounds"
  echo "== downhill CsvReader.read, $(du -h "$work/t.csv" | cut -f1) CSV"
  java -Xmx4g -cp "$jar" dev.downhill.bench.TextReadReport csv "$work/t.csv" "$rounds"
  echo "== scikit-learn load_svmlight_file (svmlight, then bzip2), NumPy loadtxt (CSV)"
  $py - "$work" <<'PY'
import sys, time, numpy as np
from sklearn.datasets import load_svmlight_file
work = sys.argv[1]
for name in ["data.svm", "data.svm", "data.svm.bz2"]:
    t = time.perf_counter(); X, y = load_svmlight_file(work + "/svm/" + name)
    print(f"load_svmlight_file {name} seconds={time.perf_counter() - t:.3f} nnz={X.nnz}", flush=True)
t = time.perf_counter(); a = np.loadtxt(work + "/t.csv", delimiter=",")
print(f"numpy.loadtxt t.csv seconds={time.perf_counter() - t:.3f} shape={a.shape}", flush=True)
PY
  echo "== downhill fit --data data.svm.bz2 --sparse --solver cg (JVM start, block-parallel bzip2, read, fit)"
  for k in 1 2; do
    /usr/bin/time -f "wall seconds=%e peak RSS KB=%M" "$dh" fit --data "$work/svm/data.svm.bz2" --sparse --solver cg --quiet 2>&1 \
        | grep -E "^time|wall seconds"
  done
} 2>&1 | grep -v "^WARNING" | tee -a "$results"
