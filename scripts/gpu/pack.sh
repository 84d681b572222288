#!/usr/bin/env bash
# Packs what a GPU machine without Java needs to run the project's CUDA code into .gpu/ at the
# project root: a trimmed Java runtime (jlink), the modules' classes and test classes, their
# runtime and test dependencies, the JUnit console launcher, and device-env.sh.
#
# The project's copy of ../shared/gpu/pack.sh, which also works in a git worktree (where .git is a file, not
# a folder); device-env.sh still comes from ../shared/gpu (SHARED_GPU).
#
#   usage: scripts/gpu/pack.sh [MODULE ...]          (default: core cuda-backend)
#   The project's own jars (groupId PROJECT_GROUP, default dev.downhill) are not copied as dependencies; the
#   classes of the listed modules and of every project module they depend on (found by dependency:list) are.
#   then:  copy .gpu/ to the GPU machine's checkout and follow README.md beside this script
#
# The folder is git-ignored (.gitignore). It is kept under 60 MiB so that it
# travels in one piece: the runtime goes as a tar.gz (~24 MB; device-env.sh unpacks it; set
# JRE_MODULES to trim it, e.g. without java.desktop when no chart is drawn there), and
# ND4J's ~90 MB native jar and other platforms' natives are left out unless KEEP_NATIVE=1;
# slf4j-nop (a test dependency) is left out so that the backends' warnings reach the log.
# OpenBLAS's linux-x86_64 jar (~20 MB) stays, for CPU-vs-GPU runs there.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
here=$(cd "${SHARED_GPU:-$root/../shared/gpu}" && pwd)
modules=("$@")
[ ${#modules[@]} -gt 0 ] || modules=(core cuda-backend)
out=$root/.gpu
# .gitignore ignores .gpu/; only where it does not, .git's info/exclude is told to (in a worktree, the common one)
if ! git check-ignore -q .gpu/; then
  exclude=$(git rev-parse --git-path info/exclude)
  mkdir -p "$(dirname "$exclude")"
  grep -qx '/.gpu/' "$exclude" 2>/dev/null || echo '/.gpu/' >> "$exclude"
fi
rm -rf "$out"
mkdir -p "$out/lib" "$out/classes" "$out/test-classes"

csv=$(IFS=,; echo "${modules[*]}")
# one reactor build: packages the modules and copies every third-party jar they need into lib/
mvn -q -B -DskipTests -pl "$csv" -am test-compile package dependency:copy-dependencies \
    -DincludeScope=test -DoutputDirectory="$out/lib" -DexcludeGroupIds="${PROJECT_GROUP:-dev.downhill}" \
    -DexcludeArtifactIds=slf4j-nop
# the project modules the listed ones depend on (e.g. native-io under core) travel as classes too
deps=$(mktemp)
mvn -q -B -pl "$csv" dependency:list -DincludeGroupIds="${PROJECT_GROUP:-dev.downhill}" -DoutputFile="$deps" \
    -DappendOutput=true -DexcludeTransitive=false >/dev/null
for m in $(sed -n 's:.*<module>\(.*\)</module>.*:\1:p' pom.xml); do
  artifact=$(sed -n '/<parent>/,/<\/parent>/d; s:.*<artifactId>\(.*\)</artifactId>.*:\1:p' "$m/pom.xml" | head -1)
  if [[ " ${modules[*]} " != *" $m "* ]] && grep -q ":$artifact:" "$deps"; then
    echo "pack: adding $m (a dependency of ${modules[*]})"
    modules+=("$m")
  fi
done
rm -f "$deps"
for m in "${modules[@]}"; do
  [ -d "$m/target/classes" ] && cp -r "$m/target/classes" "$out/classes/$m"
  [ -d "$m/target/test-classes" ] && cp -r "$m/target/test-classes" "$out/test-classes/$m"
done
if [ "${KEEP_NATIVE:-0}" != 1 ]; then
  rm -f "$out"/lib/nd4j-native-*-linux-*.jar \
        "$out"/lib/*-windows-*.jar "$out"/lib/*-macosx-*.jar "$out"/lib/*-android-*.jar \
        "$out"/lib/*-ios-*.jar "$out"/lib/*-linux-arm*.jar "$out"/lib/*-linux-ppc*.jar
fi
launcher=org.junit.platform:junit-platform-console-standalone:${JUNIT_PLATFORM_VERSION:-1.14.1}
mvn -q -B dependency:copy -Dartifact="$launcher" -DoutputDirectory="$out"
mv "$out"/junit-platform-console-standalone-*.jar "$out/junit-console.jar"

tmp=$(mktemp -d)
# java.desktop (AWT, ImageIO: plots) is left out by default: the GPU checks draw nothing, and it
# costs 6 MB of the 64 MiB that travels. Add it with JRE_MODULES when a run needs it.
modules_jre=${JRE_MODULES:-java.base,java.logging,java.management,jdk.management,jdk.unsupported,jdk.zipfs,java.xml,jdk.incubator.vector}
jlink --add-modules "$modules_jre" \
      --strip-debug --no-man-pages --no-header-files --compress=0 --output "$tmp/jre"
find "$tmp/jre" -name '*.so' -exec strip --strip-unneeded {} +
tar -C "$tmp" -czf "$out/jre.tar.gz" jre
rm -rf "$tmp"
sha256sum "$out/jre.tar.gz" | cut -c1-64 > "$out/jre.sha256"
cp "$here/device-env.sh" "$out/"

size=$(du -sm "$out" | cut -f1)
echo "packed .gpu: ${size} MiB (keep it under 60)"
if [ "$size" -gt 60 ]; then
  echo "too large; the biggest files:"; du -a "$out" | sort -n | tail -8
  exit 1
fi
