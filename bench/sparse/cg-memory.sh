#!/usr/bin/env bash
# The memory of `fit --solver cg` on hashing-scale sparse X (more columns than rows, ~50 non-zeros a row).
#   bench/sparse/cg-memory.sh [rows] [features] [nonzeros-per-row] [repeats] [extra fit options…]
# Defaults: 20,000 × 2^20 (1,048,576) columns, 50 non-zeros a row (gen --density, text-like column frequencies, seed 7),
# float64 svmlight, 3 repeats. Per run: the process's peak RSS (/usr/bin/time -v, the launcher's -Xmx2g) and the largest
# Java heap occupancy right after a GC (-Xlog:gc; a GC-timing-dependent figure: a run without a GC late in the fit does
# not see its end); then the medians. Off-heap vectors (the backend's) are in the RSS only.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rows="${1:-20000}"; features="${2:-1048576}"; per_row="${3:-50}"; repeats="${4:-3}"
shift $(( $# < 4 ? $# : 4 ))
work="${CG_MEMORY_WORK:-/tmp/downhill-cg-memory-$rows-$features-$per_row}"
density="$(python3 -c "print($per_row / $features)")"
mkdir -p "$work"
if [ ! -f "$work/data.svm" ]; then
  "$here/downhill" gen --rows "$rows" --features "$features" --density "$density" --format svmlight --precision float64 \
      --noise 0.5 --seed 7 --out-dir "$work" --quiet >&2
fi
thp=""
if grep -qE '\[(always|madvise)\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
  thp="-XX:+UseTransparentHugePages"
fi
rss=(); heap=()
for k in $(seq 1 "$repeats"); do
  DOWNHILL_JAVA_OPTS="-Xmx2g $thp -Dorg.bytedeco.javacpp.maxbytes=0 -Dorg.bytedeco.javacpp.maxphysicalbytes=0 -Xlog:gc:file=$work/gc-$k.log" \
    /usr/bin/time -v "$here/downhill" fit --data "$work/data.svm" --sparse --zero-based --features "$features" --solver cg \
    --quiet --out "$work/model.json" "$@" > "$work/run-$k.txt" 2>&1
  r=$(( $(awk '/Maximum resident/ {print $6}' "$work/run-$k.txt") / 1024 ))
  h=$(grep -o -- '->[0-9]*M' "$work/gc-$k.log" | tr -d '>M-' | sort -n | tail -1)
  echo "run $k: peak RSS $r MiB, largest heap after a GC ${h:-?} MiB"
  rss+=("$r"); heap+=("${h:-0}")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
echo "median of $repeats: peak RSS $(median "${rss[@]}") MiB, largest heap after a GC $(median "${heap[@]}") MiB"
