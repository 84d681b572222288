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
# OpenBLAS's linux-x86_64 jar (~20 MB) stays, for CPU-vs-GPU runs there, with every native library in it:
# Loader.load(openblas_full) initialises the presets it inherits, so libjniopenblas_nolapack.so,
# libjniopenblas.so and libjniopenblas_full.so all load (any one of them removed: UnsatisfiedLinkError),
# with libopenblas.so.0, libgfortran, libquadmath and libgcc_s. Two native jars are rewritten slimmer under
# their own names (every .class, .properties and META-INF entry kept; entries deflated at level 9):
#   openblas-*-linux-x86_64.jar  without include/ (C headers) and lib/ (cmake, pkgconfig), which nothing
#                                loads: ~0.45 MB less. KEEP_FULL_OPENBLAS=1 copies the jar as it is.
#   cuda-*-linux-x86_64.jar      only the JNI libraries of the presets in CUDA_JNI stay (default: cudart cublas
#                                cusolver cusparse nvrtc; cusolver inherits cublas and cusparse); NPP, cuFFT,
#                                cuRAND, cuDNN, NVML, CUPTI, nvCOMP, nvJPEG, NCCL, cuFile and NVBLAS's go: ~3.7 MB
#                                less. Packing fails when a packed class names a preset (org/bytedeco/cuda/global/X)
#                                outside CUDA_JNI. KEEP_FULL_CUDA=1 keeps the jar whole.
# KEEP_NATIVE=1 keeps both whole too. The runtime's tar is gzipped at level 9 (~0.1 MB less than level 6).
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
# slim_jar JAR REGEX: rewrites JAR without the entries whose names match REGEX (Python's re.search); every other
# entry keeps its name, order, time, attributes and bytes (deflated again at level 9), so JavaCPP's cache, named
# after the jar, gets the same files
slim_jar() {
  python3 - "$1" "$2" <<'PY'
import os, re, sys, zipfile
jar, drop = sys.argv[1], re.compile(sys.argv[2])
tmp, dropped = jar + '.slim', []
with zipfile.ZipFile(jar) as src, zipfile.ZipFile(tmp, 'w') as dst:
    for info in src.infolist():
        if drop.search(info.filename):
            dropped.append(info.filename)
            continue
        level = 9 if info.compress_type == zipfile.ZIP_DEFLATED else None
        dst.writestr(info, src.read(info), compress_type=info.compress_type, compresslevel=level)
with zipfile.ZipFile(tmp) as check:
    bad = check.testzip()
    if bad:
        sys.exit(f"slim_jar: {bad} is corrupt in {tmp}")
before, after = os.path.getsize(jar), os.path.getsize(tmp)
os.replace(tmp, jar)
names = sorted({os.path.basename(d.rstrip('/')) for d in dropped if not d.endswith('/')})
print(f"pack: {os.path.basename(jar)} slimmed, {before / 1e6:.1f} -> {after / 1e6:.1f} MB, without {', '.join(names)}")
PY
}
if [ "${KEEP_NATIVE:-0}" != 1 ] && [ "${KEEP_FULL_OPENBLAS:-0}" != 1 ]; then
  for jar in "$out"/lib/openblas-*-linux-x86_64.jar; do
    [ -f "$jar" ] || continue
    slim_jar "$jar" '^org/bytedeco/openblas/linux-x86_64/(include|lib)/'
  done
fi
if [ "${KEEP_NATIVE:-0}" != 1 ] && [ "${KEEP_FULL_CUDA:-0}" != 1 ]; then
  cuda_jni=${CUDA_JNI:-cudart cublas cusolver cusparse nvrtc}
  # a preset that a packed class uses (the modules' classes, or a jar's other than JavaCPP's CUDA presets) keeps its
  # JNI library; Loader.load(X) also loads the presets X inherits: those must be in CUDA_JNI too
  used=$(python3 - "$out" <<'PY'
import os, re, sys, zipfile
ref, used = re.compile(rb'org/bytedeco/cuda/global/([A-Za-z0-9_]+)'), set()
for top, _, files in os.walk(sys.argv[1]):
    for f in files:
        path = os.path.join(top, f)
        if f.endswith('.class'):
            used.update(ref.findall(open(path, 'rb').read()))
        elif f.endswith('.jar') and not re.match(r'cuda-[0-9]', f):
            with zipfile.ZipFile(path) as z:
                for n in z.namelist():
                    if n.endswith('.class'):
                        used.update(ref.findall(z.read(n)))
print(' '.join(sorted(u.decode() for u in used)))
PY
)
  for preset in $used; do
    if [[ " $cuda_jni " != *" $preset "* ]]; then
      echo "pack: packed classes use org.bytedeco.cuda.global.$preset, whose JNI library is not in CUDA_JNI" \
           "($cuda_jni): add it and the presets it inherits, or set KEEP_FULL_CUDA=1" >&2
      exit 1
    fi
  done
  echo "pack: CUDA presets the packed classes use: ${used:-none}; JNI libraries kept: $cuda_jni"
  for jar in "$out"/lib/cuda-*-linux-x86_64.jar; do
    [ -f "$jar" ] || continue
    for preset in $cuda_jni; do
      python3 -c 'import sys, zipfile; sys.exit(sys.argv[2] not in zipfile.ZipFile(sys.argv[1]).namelist())' \
              "$jar" "org/bytedeco/cuda/linux-x86_64/libjni$preset.so" \
        || { echo "pack: $(basename "$jar") has no libjni$preset.so (CUDA_JNI: $cuda_jni)" >&2; exit 1; }
    done
    slim_jar "$jar" "^org/bytedeco/cuda/linux-x86_64/libjni(?!($(echo $cuda_jni | tr ' ' '|'))\.so\$)[^/]*\.so\$"
  done
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
tar -C "$tmp" -cf - jre | gzip -9 > "$out/jre.tar.gz"
rm -rf "$tmp"
sha256sum "$out/jre.tar.gz" | cut -c1-64 > "$out/jre.sha256"
cp "$here/device-env.sh" "$out/"

size=$(du -sm "$out" | cut -f1)
echo "packed .gpu: ${size} MiB (keep it under 60)"
if [ "$size" -gt 60 ]; then
  echo "too large; the biggest files:"; du -a "$out" | sort -n | tail -8
  exit 1
fi
