#!/usr/bin/env bash
# downhill on Spark vs Spark's LinearRegression (l-bfgs, and normal where n ≤ 4,096), side by side in one run in local mode
# on 2 cores, plus downhill on one machine as the ceiling (SparkBenchmark's Javadoc says how accuracy is compared).
#
#   bench/spark/run.sh --full                      the issue's two sizes: 2,000,000 × 200 dense and 100,000 × 20,000
#                                                  sparse (20 entries a row), appended to bench/results/DATE-spark/results.md
#   bench/spark/run.sh ROWS COLS [DENSITY] [-- …]  one size (DENSITY < 1: sparse); options after -- go to SparkBenchmark
#                                                  (--partitions P, --master M, --tol T, --spark-tol T, --out FILE)
#
# Needs the example jar (mvn -B -q package -DskipTests -pl spark -am). HEAP (default 10g) is the JVM heap: Spark's cached
# rows and the driver; downhill's executor copies and the single-machine copy are off-heap (OFFHEAP, default 10g; 8 partitions keep each partition's read buffer small).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
jar=spark/target/downhill-spark-examples.jar
[ -f "$jar" ] || { echo "build the jar first: mvn -B -q package -DskipTests -pl spark -am" >&2; exit 1; }
opens="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
 --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
 --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
 --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
 --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
 --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
 --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true"
run() {
  # shellcheck disable=SC2086
  java -Xmx"${HEAP:-10g}" -Dorg.bytedeco.javacpp.maxbytes="${OFFHEAP:-10g}" -Dorg.bytedeco.javacpp.maxphysicalbytes=0 $opens \
    -cp "$jar" dev.downhill.spark.bench.SparkBenchmark "$@"
}
if [ "${1:-}" = "--full" ]; then
  mkdir -p "bench/results/$(date -u +%Y-%m-%d)-spark"; out="bench/results/$(date -u +%Y-%m-%d)-spark/results.md"
  { echo "## downhill on Spark vs Spark's LinearRegression ($(date -u +%Y-%m-%d), $(nproc) cores, $(java -version 2>&1 | head -1))"; echo; } >>"$out"
  run --rows 2000000 --cols 200 --partitions 8 --master 'local[2]' --out "$out"
  run --rows 100000 --cols 20000 --density 0.001 --partitions 8 --master 'local[2]' --out "$out"
  exit 0
fi
[ $# -ge 2 ] || { sed -n 2,12p "$0" >&2; exit 2; }
rows=$1 cols=$2; shift 2
density=1
if [ $# -ge 1 ] && [ "$1" != "--" ]; then density=$1; shift; fi
[ "${1:-}" = "--" ] && shift
run --rows "$rows" --cols "$cols" --density "$density" "$@"
