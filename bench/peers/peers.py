#!/usr/bin/env python3
"""Peers of the downhill report: the same measurements with NumPy, scikit-learn and PyTorch.

Each call runs ONE task in its own process (started by dev.downhill.bench.report.ScalingReport) and
prints one JSON line: {"status": "ok" | "over-cap" | "infeasible" | "not-run" | "failed", "reason": ...,
"seconds": ..., ...}. Every time excludes reading the .npy files (reported as loadSeconds).

Tasks:
  versions        interpreter, library versions and BLAS of this interpreter
  numpy-step      one gradient X.T @ (X @ theta - y) (two matvecs), median of --rounds
  numpy-gd        full-batch GD written as a user would in NumPy (two matvecs per step), with the same
                  algorithm as downhill's gd: implicit centring, standardization when --standardize 1,
                  step 0.9/L from 20 power iterations, halving on a loss rise; same stopping rule
  numpy-lstsq     numpy.linalg.lstsq on the centred float64 copy of X (LAPACK gelsd)
  sklearn-linear  sklearn.linear_model.LinearRegression().fit
  sklearn-sgd     StandardScaler + SGDRegressor (defaults, tol=None), epochs searched by doubling
  torch-step / torch-gd / torch-lstsq   the same on a CUDA GPU (CUDA events, synchronised); X is
                  uploaded once and the upload is timed apart ("not-run" without torch or a GPU)

Stopping rule (the same for every solver of the report): with --reference/--loss/--signal (the SVD
answer), stop when the prediction error sqrt((MSE - L*)/S) <= --accuracy; otherwise when
||grad|| <= --tol * ||grad_0|| (in the standardized norm when standardizing). A solve estimated to need
more memory than --memory-limit is reported as infeasible without running; the process also runs under
RLIMIT_AS = limit + size of X + 2 GB (CPU tasks), so an underestimate ends in "infeasible", not a crash.
"""
import argparse
import json
import math
import os
import platform
import sys
import time
import warnings


def emit(status, reason="", **values):
    out = {"status": status}
    if reason:
        out["reason"] = reason
    out.update(values)
    print(json.dumps(out), flush=True)


def gb(b):
    return "%.1f GB" % (b / 1e9)


def header_shape(path):
    import numpy as np
    x = np.load(path, mmap_mode="r")
    return x.shape, x.dtype.itemsize


def limit_memory(limit, x_bytes):
    import resource
    soft = int(limit + x_bytes + 2e9)
    resource.setrlimit(resource.RLIMIT_AS, (soft, resource.RLIM_INFINITY))


def load(args, limit):
    """X into memory when it fits the limit (else memory-mapped, like downhill's --memory-budget), y as float64."""
    import numpy as np
    start = time.perf_counter()
    shape, item = header_shape(args.x)
    x = np.load(args.x, mmap_mode="r" if shape[0] * shape[1] * item > limit else None)
    y = np.load(args.y).astype(np.float64)
    return x, y, time.perf_counter() - start


def reference(args):
    import numpy as np
    if args.reference is None:
        return None
    return np.load(args.reference).astype(np.float64), args.loss, args.signal


def prediction_error(ref, mse):
    return math.sqrt(max(0.0, mse - ref[1]) / ref[2])


def theta_error(ref, theta):
    import numpy as np
    return float(np.linalg.norm(theta - ref[0]) / np.linalg.norm(ref[0]))


def mse_of(x, y, theta, b):
    import numpy as np
    r = x @ theta.astype(x.dtype) + b - y
    return float(np.dot(r, r) / len(y))


def accuracy_values(x, y, theta, b, ref):
    mse = mse_of(x, y, theta, b)
    out = {"loss": mse}
    if ref is not None:
        out["predictionError"] = prediction_error(ref, mse)
        out["thetaError"] = theta_error(ref, theta)
    return out


def versions(_args):
    import numpy as np
    v = {"interpreter": sys.executable, "python": platform.python_version(), "numpy": np.__version__}
    try:
        from threadpoolctl import threadpool_info
        v["blas"] = "; ".join("%s %s (%s threads)" % (i.get("internal_api"), i.get("version"), i.get("num_threads"))
                              for i in threadpool_info() if i.get("user_api") == "blas") or "unknown"
    except Exception:
        try:
            cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
            v["blas"] = "%s %s" % (cfg.get("name"), cfg.get("version"))
        except Exception as e:
            v["blas"] = "unknown (%s)" % e
    try:
        import sklearn
        v["sklearn"] = sklearn.__version__
    except Exception as e:
        v["sklearn"] = "not installed (%s)" % type(e).__name__
    try:
        import torch
        v["torch"] = torch.__version__ + (", CUDA " + str(torch.version.cuda) if torch.version.cuda else "")
        v["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA device"
    except Exception as e:
        v["torch"] = "not installed (%s)" % type(e).__name__
    emit("ok", **v)


def numpy_step(args):
    import numpy as np
    x, y, load_s = load(args, args.memory_limit)
    y32 = y.astype(x.dtype)
    theta = np.full(x.shape[1], 1.0 / x.shape[1], dtype=x.dtype)
    times = []
    for i in range(3 + args.rounds):
        s = time.perf_counter()
        g = x.T @ (x @ theta - y32)
        g *= 2.0 / x.shape[0]
        times.append(time.perf_counter() - s)
    t = sorted(times[3:])[len(times[3:]) // 2]
    emit("ok", stepSeconds=t, stepsPerSecond=1 / t, gbPerSecond=x.nbytes / t / 1e9, loadSeconds=load_s,
         rows=x.shape[0], cols=x.shape[1])


class Cap:
    def __init__(self, seconds):
        self.start = time.perf_counter()
        self.seconds = seconds

    def elapsed(self):
        return time.perf_counter() - self.start

    def over(self):
        return self.elapsed() > self.seconds


def gd_loop(ops, m, n, standardize, ref, args, cap):
    """downhill's gd on abstract ops: implicit centring, optional standardization, eta = 0.9/L, halving."""
    mu, ybar = ops.means()
    p = 1.0 / ops.variances(mu) if standardize else ops.ones()
    p = ops.where_finite(p)
    s = ops.sqrt(p)

    def grad(theta):
        r = ops.residual(theta, mu, ybar)          # X theta - mu.theta - (y - ybar)
        return ops.dot(r, r) / m, ops.xt(r) * (2.0 / m)

    v = ops.ones()
    lam = 0.0
    for _ in range(20):                            # power iteration on (2/m) S Xc^T Xc S
        w = s * ops.xt(ops.centred_product(s * v, mu)) * (2.0 / m)
        lam = ops.norm(w) / ops.norm(v)
        v = w / ops.norm(w)
    eta = 0.9 / lam
    theta = ops.zeros()
    previous = float("inf")
    g0 = None
    steps = 0
    stop = None
    while True:
        loss, g = grad(theta)
        gn = ops.norm(s * g)
        if g0 is None:
            g0 = gn
        if ref is not None and prediction_error(ref, loss) <= args.accuracy:
            stop = "accuracy reached"
        elif ref is None and gn <= args.tol * g0:
            stop = "converged"
        elif cap.over():
            stop = "over-cap"
        if stop:
            break
        if steps > 0 and loss > previous * (1 + 64 * 1.2e-7):
            eta /= 2
        previous = loss
        theta = theta - eta * p * g
        steps += 1
    return theta, ybar - ops.dot(mu, theta), steps, stop, eta, gn / g0


class NumpyOps:
    def __init__(self, x, y):
        import numpy as np
        self.np, self.x, self.y, self.n = np, x, y, x.shape[1]

    def means(self):
        return self.x.mean(axis=0, dtype=self.np.float64), float(self.y.mean())

    def variances(self, mu):
        return self.x.var(axis=0, dtype=self.np.float64)

    def ones(self):
        return self.np.ones(self.n)

    def zeros(self):
        return self.np.zeros(self.n)

    def where_finite(self, p):
        return self.np.where(self.np.isfinite(p), p, 0.0)

    def sqrt(self, p):
        return self.np.sqrt(p)

    def residual(self, theta, mu, ybar):
        t = theta.astype(self.x.dtype)
        return (self.x @ t).astype(self.np.float64) - float(mu @ theta) - (self.y - ybar)

    def centred_product(self, v, mu):
        return (self.x @ v.astype(self.x.dtype)).astype(self.np.float64) - float(mu @ v)

    def xt(self, r):
        return (self.x.T @ r.astype(self.x.dtype)).astype(self.np.float64)

    def dot(self, a, b):
        return float(a @ b)

    def norm(self, a):
        return float(self.np.linalg.norm(a))


def numpy_gd(args):
    x, y, load_s = load(args, args.memory_limit)
    limit_memory(args.memory_limit, x.nbytes)
    ref = reference(args)
    m, n = x.shape
    cap = Cap(args.cap)
    try:
        theta, b, steps, stop, eta, rel = gd_loop(NumpyOps(x, y), m, n, args.standardize == 1, ref, args, cap)
    except MemoryError:
        return emit("infeasible", "out of memory under the %s limit" % gb(args.memory_limit))
    seconds = cap.elapsed()
    values = dict(seconds=seconds, iterations=steps, stop=stop, learningRate=eta, relativeGradient=rel, loadSeconds=load_s)
    values.update(accuracy_values(x, y, theta, b, ref))
    if stop == "over-cap":
        return emit("over-cap", "over the time cap (%.0f s, %d steps)" % (args.cap, steps), **values)
    emit("ok", **values)


def numpy_lstsq(args):
    import numpy as np
    (m, n), item = header_shape(args.x)
    need = m * n * item + 16 * m * n + 8 * (m + n) * 64
    if need > args.memory_limit:
        return emit("infeasible", "infeasible: needs %s (limit %s)" % (gb(need), gb(args.memory_limit)))
    x, y, load_s = load(args, args.memory_limit)
    limit_memory(args.memory_limit, 0)
    ref = reference(args)
    try:
        start = time.perf_counter()
        mu = x.mean(axis=0, dtype=np.float64)
        xc = x.astype(np.float64)
        xc -= mu
        ybar = y.mean()
        theta = np.linalg.lstsq(xc, y - ybar, rcond=None)[0]
        seconds = time.perf_counter() - start
        del xc
    except MemoryError:
        return emit("infeasible", "out of memory under the %s limit" % gb(args.memory_limit))
    values = dict(seconds=seconds, loadSeconds=load_s)
    values.update(accuracy_values(x, y, theta, ybar - mu @ theta, ref))
    emit("ok", **values)


def sklearn_linear(args):
    try:
        from sklearn.linear_model import LinearRegression
    except ImportError as e:
        return emit("not-run", "not run: no scikit-learn (%s)" % e)
    (m, n), item = header_shape(args.x)
    need = 4 * m * n * item + 8 * (m + n) * 64
    if need > args.memory_limit:
        return emit("infeasible", "infeasible: needs %s (limit %s)" % (gb(need), gb(args.memory_limit)))
    x, y, load_s = load(args, args.memory_limit)
    limit_memory(args.memory_limit, 0)
    ref = reference(args)
    try:
        start = time.perf_counter()
        model = LinearRegression().fit(x, y)
        seconds = time.perf_counter() - start
    except MemoryError:
        return emit("infeasible", "out of memory under the %s limit" % gb(args.memory_limit))
    values = dict(seconds=seconds, loadSeconds=load_s, dtype=str(x.dtype))
    values.update(accuracy_values(x, y, model.coef_.astype("float64"), float(model.intercept_), ref))
    emit("ok", **values)


def sklearn_sgd(args):
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import SGDRegressor
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
    except ImportError as e:
        return emit("not-run", "not run: no scikit-learn (%s)" % e)
    import numpy as np
    (m, n), item = header_shape(args.x)
    need = m * n * (item + 16) + 8 * m * 4
    if need > args.memory_limit:
        return emit("infeasible", "infeasible: needs %s (limit %s)" % (gb(need), gb(args.memory_limit)))
    x, y, load_s = load(args, args.memory_limit)
    limit_memory(args.memory_limit, 0)
    ref = reference(args)
    if ref is None:
        return emit("not-run", "not run: needs the SVD reference")
    warnings.simplefilter("ignore", ConvergenceWarning)
    search = Cap(args.cap)
    best = float("inf")
    epochs = 1
    while True:
        start = time.perf_counter()
        model = make_pipeline(StandardScaler(), SGDRegressor(max_iter=epochs, tol=None, random_state=0)).fit(x, y)
        seconds = time.perf_counter() - start
        mse = float(np.mean((model.predict(x) - y) ** 2))
        err = prediction_error(ref, mse)
        best = min(best, err)
        if err <= args.accuracy:
            return emit("ok", seconds=seconds, iterations=epochs, stop="accuracy reached", predictionError=err,
                        searchSeconds=search.elapsed(), loadSeconds=load_s)
        if search.elapsed() + 2 * seconds > args.cap:
            return emit("over-cap", "over the time cap (%.0f s; %d epochs reached prediction error %.2g)" % (args.cap, epochs, best),
                        predictionError=best)
        epochs *= 2


def torch_or_reason():
    try:
        import torch
    except ImportError:
        return None, "not run: no torch"
    if not torch.cuda.is_available():
        return None, "not run: torch has no CUDA device"
    return torch, None


def torch_upload(args, torch):
    import numpy as np
    x, y, load_s = load(args, args.memory_limit)
    free, total = torch.cuda.mem_get_info()
    if x.nbytes + 8 * x.shape[0] * 4 > free:
        return None, "infeasible: needs %s of GPU memory (%s free)" % (gb(x.nbytes), gb(free))
    torch.cuda.synchronize()
    start = time.perf_counter()
    xd = torch.from_numpy(np.ascontiguousarray(x)).cuda()
    yd = torch.from_numpy(y).cuda()
    torch.cuda.synchronize()
    return (x, y, xd, yd, load_s, time.perf_counter() - start), None


def torch_step(args):
    torch, why = torch_or_reason()
    if torch is None:
        return emit("not-run", why)
    up, why = torch_upload(args, torch)
    if up is None:
        return emit("infeasible", why)
    x, y, xd, yd, load_s, upload_s = up
    y32 = yd.float()
    theta = torch.full((x.shape[1],), 1.0 / x.shape[1], device="cuda", dtype=xd.dtype)
    times = []
    for i in range(3 + args.rounds):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        g = xd.T @ (xd @ theta - y32) * (2.0 / x.shape[0])
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b) / 1e3)
    t = sorted(times[3:])[len(times[3:]) // 2]
    buf = torch.empty(64 << 20, device="cuda")
    copies = []
    for i in range(3 + args.rounds):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        out = buf.clone()
        b.record()
        torch.cuda.synchronize()
        copies.append(a.elapsed_time(b) / 1e3)
    c = sorted(copies[3:])[len(copies[3:]) // 2]
    ref = 2 * buf.numel() * 4 / c
    emit("ok", stepSeconds=t, stepsPerSecond=1 / t, gbPerSecond=x.nbytes / t / 1e9, uploadSeconds=upload_s,
         reference="device copy (2 x 256 MiB, read + write)", referenceGbPerSecond=ref / 1e9, fraction=x.nbytes / t / ref,
         loadSeconds=load_s, gpu=torch.cuda.get_device_name(0))


class TorchOps:
    def __init__(self, torch, xd, yd):
        self.t, self.x, self.y, self.n = torch, xd, yd.double(), xd.shape[1]

    def means(self):
        return self.x.double().mean(dim=0) if self.x.numel() < (1 << 28) else self.x.mean(dim=0, dtype=self.t.float64), float(self.y.mean())

    def variances(self, mu):
        return self.x.var(dim=0, unbiased=False).double()

    def ones(self):
        return self.t.ones(self.n, device="cuda", dtype=self.t.float64)

    def zeros(self):
        return self.t.zeros(self.n, device="cuda", dtype=self.t.float64)

    def where_finite(self, p):
        return self.t.where(self.t.isfinite(p), p, self.t.zeros_like(p))

    def sqrt(self, p):
        return self.t.sqrt(p)

    def residual(self, theta, mu, ybar):
        return (self.x @ theta.float()).double() - float(mu @ theta) - (self.y - ybar)

    def centred_product(self, v, mu):
        return (self.x @ v.float()).double() - float(mu @ v)

    def xt(self, r):
        return (self.x.T @ r.float()).double()

    def dot(self, a, b):
        return float(a @ b)  # a host scalar: synchronises

    def norm(self, a):
        return float(self.t.linalg.norm(a))


def torch_gd(args):
    torch, why = torch_or_reason()
    if torch is None:
        return emit("not-run", why)
    up, why = torch_upload(args, torch)
    if up is None:
        return emit("infeasible", why)
    x, y, xd, yd, load_s, upload_s = up
    ref = reference(args)
    cap = Cap(args.cap)
    theta, b, steps, stop, eta, rel = gd_loop(TorchOps(torch, xd, yd), x.shape[0], x.shape[1], args.standardize == 1, ref, args, cap)
    torch.cuda.synchronize()
    seconds = cap.elapsed()
    values = dict(seconds=seconds, iterations=steps, stop=stop, learningRate=eta, relativeGradient=rel, loadSeconds=load_s,
                  uploadSeconds=upload_s)
    values.update(accuracy_values(x, y, theta.cpu().numpy(), b, ref))
    emit("over-cap" if stop == "over-cap" else "ok", "over the time cap" if stop == "over-cap" else "", **values)


def torch_lstsq(args):
    torch, why = torch_or_reason()
    if torch is None:
        return emit("not-run", why)
    (m, n), item = header_shape(args.x)
    if n >= m:
        return emit("not-applicable", "n/a: torch.linalg.lstsq on CUDA (gels) needs a tall full-rank X")
    up, why = torch_upload(args, torch)
    if up is None:
        return emit("infeasible", why)
    x, y, xd, yd, load_s, upload_s = up
    free, _ = torch.cuda.mem_get_info()
    if 2 * 8 * m * n > free:
        return emit("infeasible", "infeasible: needs %s of GPU memory (%s free)" % (gb(16 * m * n), gb(free)))
    ref = reference(args)
    torch.cuda.synchronize()
    start = time.perf_counter()
    xc = xd.double()
    mu = xc.mean(dim=0)
    xc -= mu
    ybar = yd.mean()
    theta = torch.linalg.lstsq(xc, (yd - ybar).unsqueeze(1), driver="gels").solution.squeeze(1)
    torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    th = theta.cpu().numpy()
    values = dict(seconds=seconds, loadSeconds=load_s, uploadSeconds=upload_s)
    values.update(accuracy_values(x, y, th, float(ybar) - float(mu @ theta), ref))
    emit("ok", **values)


TASKS = {"versions": versions, "numpy-step": numpy_step, "numpy-gd": numpy_gd, "numpy-lstsq": numpy_lstsq,
         "sklearn-linear": sklearn_linear, "sklearn-sgd": sklearn_sgd, "torch-step": torch_step, "torch-gd": torch_gd,
         "torch-lstsq": torch_lstsq}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("task", choices=sorted(TASKS))
    p.add_argument("--x")
    p.add_argument("--y")
    p.add_argument("--reference")
    p.add_argument("--loss", type=float)
    p.add_argument("--signal", type=float)
    p.add_argument("--accuracy", type=float, default=1e-3)
    p.add_argument("--tol", type=float, default=1e-3)
    p.add_argument("--cap", type=float, default=180)
    p.add_argument("--standardize", type=int, default=0)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--memory-limit", type=float, default=8e9)
    args = p.parse_args()
    try:
        TASKS[args.task](args)
    except MemoryError:
        emit("infeasible", "out of memory under the %s limit" % gb(args.memory_limit))
    except Exception as e:  # one JSON line whatever happens
        emit("failed", "%s: %s" % (type(e).__name__, str(e).replace("\n", " ")[:300]))


if __name__ == "__main__":
    main()
