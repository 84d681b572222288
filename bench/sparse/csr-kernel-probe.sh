#!/usr/bin/env bash
# Where the CPU CSR gradient step's time goes: bench/sparse/csr_kernel_probe.cpp's variants of the fused pass, on the
# CSR arrays of a SciPy .npz (default: the E2006-shaped matrix bench/sparse/sparse-vs-peers.sh generates).
#   bench/sparse/csr-kernel-probe.sh [X.npz] [threads] [rounds]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
npz="${1:-/tmp/downhill-sparse-16087-150360-0.008/npz/X.npz}"
threads="${2:-2}"; rounds="${3:-7}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 - "$npz" "$work" <<'PY'
import sys, numpy as np
z = np.load(sys.argv[1])
assert z["format"].item() in (b"csr", "csr"), "a CSR .npz (scipy.sparse.save_npz of a csr_matrix)"
z["indptr"].astype(np.int64).tofile(sys.argv[2] + "/ptr.bin")
z["indices"].astype(np.int32).tofile(sys.argv[2] + "/col.bin")
z["data"].astype(np.float64).tofile(sys.argv[2] + "/val.bin")
PY
g++ -O3 -march=native -std=c++17 -pthread "$here/csr_kernel_probe.cpp" -o "$work/probe"
"$work/probe" "$work" "$threads" "$rounds"
