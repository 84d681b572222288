#!/usr/bin/env bash
# Builds the fake CUDA stack (see README.md) into OUTDIR with g++ only:
#   libcuda.so.1        driver API + the shared state (device memory registry, streams, events)
#   libcudart.so.13     runtime API            (symbols versioned libcudart.so.13, as JavaCPP's JNI library needs)
#   libcublas.so.13     cuBLAS                 (version node libcublas.so.13) + an empty libcublasLt.so.13
#   libcusolver.so.12   cuSOLVER               (version node libcusolver.so.12) + an empty libcusolverMg.so.12
#   libnvrtc.so.13      NVRTC (runs g++)       (version node libnvrtc.so.13)
#   libcusparse.so.12   cuSPARSE's generic SpMV (version node libcusparse.so.12), opened by the cusparse strategy
# plus host_emulation.h and fake_module.h next to libnvrtc.so.13, which compiles kernels against them.
# Usage: build.sh OUTDIR        (rebuilds only what changed)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: build.sh OUTDIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cxx="${CXX:-g++}"
if ! command -v "$cxx" > /dev/null 2>&1; then
    # Without a compiler the stack cannot be built, nor could its NVRTC compile kernels: the
    # fake-device tests then find no CUDA and skip, like the default run.
    echo "fake CUDA stack not built: $cxx not found (the fake-device tests will skip)"
    exit 0
fi
flags=(-std=c++20 -O2 -fPIC -shared -pthread -Wall -Wextra -Wno-unused-parameter)

cp -p "$here/../cpp/host_emulation.h" "$here/fake_module.h" "$out/"

# build NAME SONAME SOURCE [LIBS...]: a library whose every exported symbol is in version node SONAME
build() {
    local file="$1" soname="$2" source="$3"
    shift 3
    local target="$out/$file"
    if [[ -f "$target" && "$target" -nt "$here/$source" && "$target" -nt "$here/fake_common.h" && "$target" -nt "$here/build.sh" ]]; then
        return
    fi
    local script="$out/$file.map"
    printf '%s {\n  global: *;\n};\n' "$soname" > "$script"
    "$cxx" "${flags[@]}" -Wl,-soname,"$soname" -Wl,--version-script,"$script" -I"$here" "$here/$source" -o "$target" "$@"
    rm -f "$script"
}

# an empty library defining only its version node (the JNI libraries require the node to exist)
empty() {
    local file="$1"
    local target="$out/$file"
    if [[ -f "$target" && "$target" -nt "$here/build.sh" ]]; then
        return
    fi
    local script="$out/$file.map"
    printf '%s {\n  global: *;\n};\n' "$file" > "$script"
    printf 'extern "C" int dhfake_%s_placeholder(void) { return 0; }\n' "$(echo "$file" | tr -c 'a-zA-Z0-9\n' '_')" > "$out/$file.cpp"
    "$cxx" "${flags[@]}" -Wl,-soname,"$file" -Wl,--version-script,"$script" "$out/$file.cpp" -o "$target"
    rm -f "$script" "$out/$file.cpp"
}

# libcuda.so.1: unversioned, like NVIDIA's driver library
if [[ ! -f "$out/libcuda.so.1" || "$here/cuda.cpp" -nt "$out/libcuda.so.1" || "$here/fake_common.h" -nt "$out/libcuda.so.1" ]]; then
    "$cxx" "${flags[@]}" -Wl,-soname,libcuda.so.1 -I"$here" "$here/cuda.cpp" -o "$out/libcuda.so.1" -ldl
fi
ln -sf libcuda.so.1 "$out/libcuda.so"

link=(-L"$out" -l:libcuda.so.1 -Wl,-rpath,'$ORIGIN')
build libcudart.so.13 libcudart.so.13 cudart.cpp "${link[@]}"
build libcublas.so.13 libcublas.so.13 cublas.cpp "${link[@]}"
build libcusolver.so.12 libcusolver.so.12 cusolver.cpp "${link[@]}"
build libnvrtc.so.13 libnvrtc.so.13 nvrtc.cpp -ldl
empty libcublasLt.so.13
empty libcusolverMg.so.12
build libcusparse.so.12 libcusparse.so.12 cusparse.cpp "${link[@]}"   # also loaded by JavaCPP with cuSOLVER
echo "fake CUDA stack built in $out"
