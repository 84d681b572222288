#!/usr/bin/env python3
"""The PyTorch peer of DeviceStepBenchmark: the same full-batch gradient step on the same shape,
dtype and distribution (X, y, theta uniform in [-1, 1], generated on the device, never zeros):

    r = X @ theta + b - y        (torch.addmv)
    g = (2/m) * X^T @ r          (torch.addmv)

>= 10 warm-up steps, CUDA events around `steps` steps, `repeats` times, median reported; nothing in
the loop reads back to the host (no .item()). Writes JSON.

    python3 torch_step.py --rows 50000 --cols 100000 --dtype float32 --out torch-step.json
"""
import argparse
import json
import statistics
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=50000)
    ap.add_argument("--cols", type=int, default=100000)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default="torch-step.json")
    a = ap.parse_args()
    try:
        import torch
    except ImportError as e:
        json.dump({"peer": "pytorch", "notRun": "no torch: %s" % e}, open(a.out, "w"), indent=2)
        print("not run: no torch")
        return 0
    if not torch.cuda.is_available():
        json.dump({"peer": "pytorch", "notRun": "torch.cuda.is_available() is False"}, open(a.out, "w"), indent=2)
        print("not run: no CUDA device for torch")
        return 0
    dev = torch.device("cuda")
    dtype = getattr(torch, a.dtype)
    torch.backends.cuda.matmul.allow_tf32 = False  # float32 means float32 (no tf32 shortcuts)
    gen = torch.Generator(device=dev).manual_seed(20261123)
    X = torch.rand((a.rows, a.cols), generator=gen, device=dev, dtype=dtype).mul_(2).sub_(1)
    y = torch.rand((a.rows,), generator=gen, device=dev, dtype=dtype).mul_(2).sub_(1)
    theta = torch.rand((a.cols,), generator=gen, device=dev, dtype=dtype).mul_(2).sub_(1)
    b = 0.25
    scale = 2.0 / a.rows
    shifted = (b - y).contiguous()  # addmv(input=b - y, X, theta) = X theta + b - y
    r = torch.empty_like(y)
    g = torch.empty_like(theta)
    zero = torch.zeros_like(theta)

    def step():
        torch.addmv(shifted, X, theta, out=r)
        torch.addmv(zero, X.t(), r, beta=0, alpha=scale, out=g)

    for _ in range(a.warmup):
        step()
    torch.cuda.synchronize()
    times = []
    start = torch.cuda.Event(enable_timing=True)
    stop = torch.cuda.Event(enable_timing=True)
    for _ in range(a.repeats):
        start.record()
        for _ in range(a.steps):
            step()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop) / a.steps)
    ms = statistics.median(times)
    bytes_x = a.rows * a.cols * X.element_size()
    # float64 reference of one step on the same data, to report the peer's own accuracy
    step()
    torch.cuda.synchronize()
    Xd = X.double()
    rd = Xd @ theta.double() + b - y.double()
    gd = scale * (Xd.t() @ rd)
    err = (torch.linalg.vector_norm(g.double() - gd) / torch.linalg.vector_norm(gd)).item()
    del Xd
    result = {
        "peer": "pytorch",
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "python": sys.version.split()[0],
        "device": torch.cuda.get_device_name(0),
        "rows": a.rows, "cols": a.cols, "dtype": a.dtype,
        "steps": a.steps, "warmup": a.warmup, "repeats": a.repeats,
        "msPerStep": times, "medianMsPerStep": ms,
        "GBps": bytes_x / ms / 1e6,
        "relativeErrorVsFloat64": err,
    }
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
