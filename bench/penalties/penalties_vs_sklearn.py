#!/usr/bin/env python3
"""Issue 13, item 6: penalised least squares against scikit-learn, side by side in one run on one machine.

  /usr/bin/python3 bench/penalties/penalties_vs_sklearn.py [--lasso 20000x5000] [--ridge 20000x50000]
        [--ridge-alpha 0.1] [--tol 1e-4] [--cap-seconds 1200] [--cap-memory 20g] [--out DIR]

Cells (each its own process, capped by `timeout` at --cap-seconds and by memory: Python's RLIMIT_AS, the JVM's -Xmx and
JavaCPP's maxphysicalbytes at --cap-memory):
  lasso  a 100-α lasso path with 5-fold cross-validation on X float32 (`downhill gen --noise 1`):
         ours   `downhill fit --penalty l1 --alpha auto --cv 5 --tol T` (solver auto; the path from α_max down to
                1e-3·α_max, 100 values, every fit warm-started; the full-data refit at the chosen α)
         peer   scikit-learn `LassoCV(alphas=<our grid>, cv=<our folds>, tol=T, max_iter=10000)`: coordinate descent
                (on the Gram matrix of each fold when n_samples > n_features, its precompute='auto'), then the refit.
         The same α grid (ours, read from our model file; scikit-learn's own n_alphas=100, eps=1e-3 grid is the same
         formula, used if our cell failed) and the same folds: ours come from the seeded counter-based sampler
         (`CounterBasedSampler.epochOrder(seed ^ 0xF01D5EED, 0, m)`, fold f = positions [f·m/K, (f+1)·m/K)), recomputed
         here bit for bit and handed to LassoCV as its `cv` splits. The same stopping rule: scikit-learn stops a fit
         when its duality gap, in the unnormalised units ½‖r‖² + mαρ‖θ‖₁ + …, is < tol·‖y_c‖²; ours when
         G·m/‖y_c‖² ≤ tol with G the gap of P = (1/(2m))‖r‖² + αρ‖θ‖₁ + … (m·P is scikit-learn's objective: the
         same test), so the same T means the same guarantee on every fit of the path.
  ridge  one α on a wide X float32 (p ≫ n): ours `downhill fit --penalty l2 --alpha A` (solver auto, its choice
         recorded) and `--solver cg`; peer `Ridge(alpha=m·A)` (solver 'auto', which on dense X picks 'cholesky', and
         with n_features > n_samples that solves the kernel (dual) system (XXᵀ + aI)·d = y, n × n).
Every answer is scored here in float64 on the same X: P(θ, b) = (1/(2m))‖y − Xθ − b‖² + αρ‖θ‖₁ + (α(1−ρ)/2)‖θ‖²,
the objective both minimise (README, Penalties: scikit-learn's Ridge alpha = m·α). Times are wall-clock of the whole
cell (ours: JVM start and reading X included) in `seconds`, the fit alone in `fitSeconds` (ours: the model's
result.wallTimeSeconds — for --alpha auto the whole cross-validation, loading X into the backend included; the peer's
`fit` call), and the cell's CPU time (user + system, every thread) in `cpuSeconds`.
Writes results.json and README.md to --out.
"""
import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FOLD_SALT = 0xF01D5EED
MASK = (1 << 64) - 1


def parse_size(s):
    s = s.strip().lower()
    mult = {"k": 1e3, "m": 1e6, "g": 1e9}.get(s[-1], 1)
    return int(float(s.rstrip("kmg")) * mult)


def shape(s):
    r, c = s.lower().split("x")
    return int(r), int(c)


# ---------------------------------------------------------------- our folds (dev.downhill.sampling.CounterBasedSampler)
def _mix(z, np):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def epoch_order(seed, epoch, rows):
    """CounterBasedSampler.epochOrder(seed, epoch, rows): a 6-round Feistel network with cycle-walking."""
    import numpy as np
    with np.errstate(over="ignore"):
        bits = (rows - 1).bit_length()
        half = max(1, (bits + 1) // 2)
        mask = np.uint64((1 << half) - 1)
        key = _mix(np.uint64(seed & MASK) ^ _mix(np.uint64((epoch + 0x9E3779B97F4A7C15) & MASK), np), np)

        def permute(x):
            left = x >> np.uint64(half)
            right = x & mask
            for rnd in range(6):
                f = _mix(right ^ key ^ np.uint64((rnd * 0xD1B54A32D192ED03) & MASK), np) & mask
                left, right = right, left ^ f
            return (left << np.uint64(half)) | right

        x = permute(np.arange(rows, dtype=np.uint64))
        while True:
            out = x >= np.uint64(rows)
            if not out.any():
                return x.astype(np.int64)
            x[out] = permute(x[out])


def our_folds(rows, folds, seed=0):
    import numpy as np
    order = epoch_order(seed ^ FOLD_SALT, 0, rows)
    splits = []
    for f in range(folds):
        test = order[f * rows // folds:(f + 1) * rows // folds]
        held = np.zeros(rows, dtype=bool)
        held[test] = True
        splits.append((np.flatnonzero(~held), np.sort(test)))
    return splits


# ---------------------------------------------------------------- the peer cells (run in their own process)
def peer(args):
    import warnings
    import numpy as np
    limit = parse_size(args.cap_memory)
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
    t0 = time.perf_counter()
    x = np.load(args.x)
    y = np.load(args.y)
    load = time.perf_counter() - t0
    from sklearn.linear_model import LassoCV, Ridge
    caught = []
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        t1 = time.perf_counter()
        if args.peer == "lassocv":
            alphas = np.load(args.alphas) if args.alphas else None
            cv = our_folds(x.shape[0], args.folds) if args.same_folds else args.folds
            grid = {"alphas": alphas}
            if alphas is None:  # scikit-learn's own 100-value grid: n_alphas until 1.9, which took the count as alphas
                import inspect
                grid = {"n_alphas" if "n_alphas" in inspect.signature(LassoCV).parameters else "alphas": 100}
            est = LassoCV(**grid, eps=1e-3, cv=cv, tol=args.tol, max_iter=args.max_iter)
            est.fit(x, y)
            extra = {"alpha": float(est.alpha_), "alphas": [float(a) for a in est.alphas_],
                     "meanMse": [float(v) for v in est.mse_path_.mean(axis=1)],
                     "dualGap": float(est.dual_gap_), "iterations": int(est.n_iter_)}
        else:
            est = Ridge(alpha=x.shape[0] * args.alpha, solver="auto")
            est.fit(x, y)
            extra = {"alpha": args.alpha, "solver": "auto (dense X: cholesky; n_features > n_samples: the kernel form)"
                     if x.shape[1] > x.shape[0] else "auto (dense X: cholesky)"}
        fit = time.perf_counter() - t1
        caught = [str(v.message).split("\n")[0] for v in w]
    np.save(args.coef, np.append(np.asarray(est.coef_, dtype=np.float64), float(est.intercept_)))
    out = {"status": "ok", "fitSeconds": fit, "loadSeconds": load, "warnings": len(caught)}
    if caught:
        out["firstWarning"] = caught[0][:200]
    out.update(extra)
    print(json.dumps(out), flush=True)


# ---------------------------------------------------------------- the driver
def run_cell(name, cmd, cap, env=None):
    t0 = time.perf_counter()
    u0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(["timeout", str(cap)] + cmd, capture_output=True, text=True, env=env)
    sec = time.perf_counter() - t0
    u1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (u1.ru_utime - u0.ru_utime) + (u1.ru_stime - u0.ru_stime)
    if p.returncode == 124:
        return {"status": "over-cap", "seconds": sec, "cpuSeconds": cpu, "reason": "over %d s" % cap}
    if p.returncode != 0:
        return {"status": "failed", "seconds": sec, "reason": (p.stderr.strip().splitlines() or ["rc %d" % p.returncode])[-1][:300]}
    return {"status": "ok", "seconds": sec, "cpuSeconds": cpu, "stdout": p.stdout}


def objective(x, y, theta, b, alpha, ratio):
    import numpy as np
    r = y.astype(np.float64) - b
    block = max(1, (1 << 28) // (8 * x.shape[1]))  # X @ θ in float64, by row blocks of ≤ 256 MB (no float64 copy of X)
    for s in range(0, x.shape[0], block):
        r[s:s + block] -= x[s:s + block].astype(np.float64) @ theta
    return float(r @ r / (2 * x.shape[0]) + alpha * ratio * np.abs(theta).sum() + 0.5 * alpha * (1 - ratio) * theta @ theta)


def ours_model(path):
    import numpy as np
    m = json.load(open(path))
    return m, np.array(m["coefficients"], dtype=np.float64), float(m["intercept"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lasso", default="20000x5000")
    ap.add_argument("--ridge", default="20000x50000")
    ap.add_argument("--ridge-alpha", type=float, default=0.1)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--cap-seconds", type=int, default=1200)
    ap.add_argument("--cap-memory", default="20g")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--work", default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--skip", default="", help="comma-separated cells to skip: lasso,ridge")
    ap.add_argument("--note", default="", help="a line for the report (e.g. the machine's state)")
    # peer mode
    ap.add_argument("--peer", choices=["lassocv", "ridge"])
    ap.add_argument("--x"); ap.add_argument("--y"); ap.add_argument("--coef"); ap.add_argument("--alphas")
    ap.add_argument("--alpha", type=float); ap.add_argument("--max-iter", type=int, default=10000)
    ap.add_argument("--same-folds", type=int, default=1)
    args = ap.parse_args()
    if args.peer:
        return peer(args)
    import numpy as np
    import sklearn
    out = args.out or os.path.join(ROOT, "bench", "results", time.strftime("%Y-%m-%d") + "-penalties")
    work = args.work or "/tmp/downhill-penalties"
    os.makedirs(out, exist_ok=True)
    os.makedirs(work, exist_ok=True)
    dh = os.path.join(ROOT, "downhill")
    cap_bytes = parse_size(args.cap_memory)
    env = dict(os.environ, DOWNHILL_JAVA_OPTS="-Xmx%dm -Dorg.bytedeco.javacpp.maxbytes=0 -Dorg.bytedeco.javacpp.maxphysicalbytes=%d"
               % (min(cap_bytes // 2, 31 << 30) >> 20, cap_bytes))
    me = [sys.executable, os.path.abspath(__file__), "--cap-memory", args.cap_memory]
    results = {"machine": {"cpu": open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(" \t:")
                           if os.path.exists("/proc/cpuinfo") else platform.processor(), "cpus": os.cpu_count(),
                           "python": platform.python_version(), "sklearn": sklearn.__version__, "numpy": np.__version__},
               "note": args.note, "tol": args.tol, "capSeconds": args.cap_seconds, "capMemory": args.cap_memory, "cells": {}}
    skip = set(filter(None, args.skip.split(",")))

    def gen(shape_, name, seed):
        d = os.path.join(work, "%s-%dx%d" % (name, shape_[0], shape_[1]))
        if not os.path.exists(os.path.join(d, "y.npy")):
            subprocess.run([dh, "gen", "--rows", str(shape_[0]), "--features", str(shape_[1]), "--noise", "1",
                            "--seed", str(seed), "--precision", "float32", "--out-dir", d, "--quiet"], check=True, env=env)
        return d

    threads = ["--threads", str(args.threads)] if args.threads else []
    if "lasso" not in skip:
        m_, n_ = shape(args.lasso)
        d = gen((m_, n_), "lasso", 1)
        X, Y = os.path.join(d, "X.npy"), os.path.join(d, "y.npy")
        cells = results["cells"]
        r = run_cell("ours-lasso-cv", [dh, "fit", "--x", X, "--y", Y, "--penalty", "l1", "--alpha", "auto", "--cv",
                                       str(args.folds), "--tol", repr(args.tol), "--quiet", "--out", os.path.join(work, "ours-lasso.json")]
                     + threads, args.cap_seconds, env)
        r.pop("stdout", None)
        alphas_file = None
        if r["status"] == "ok":
            model, theta, b = ours_model(os.path.join(work, "ours-lasso.json"))
            cvr = model["result"]["crossValidation"]
            r.update(alpha=cvr["chosenAlpha"], alphas=cvr["alphas"], meanMse=cvr["meanMse"], solver=model["solver"],
                     fitSeconds=model["result"]["wallTimeSeconds"],
                     solverChoice=model["result"].get("solverChoice", ""), nonZero=int(np.count_nonzero(theta)))
            alphas_file = os.path.join(work, "alphas.npy")
            np.save(alphas_file, np.array(cvr["alphas"]))
        cells["ours-lasso-cv"] = r
        cmd = me + ["--peer", "lassocv", "--x", X, "--y", Y, "--coef", os.path.join(work, "sk-lasso.npy"), "--tol", repr(args.tol),
                    "--folds", str(args.folds)] + (["--alphas", alphas_file] if alphas_file else [])
        s = run_cell("sklearn-lassocv", cmd, args.cap_seconds)
        if s["status"] == "ok":
            s.update(json.loads(s.pop("stdout").strip().splitlines()[-1]))
            s["nonZero"] = int(np.count_nonzero(np.load(os.path.join(work, "sk-lasso.npy"))[:-1]))
        cells["sklearn-lassocv"] = s
        x = np.load(X, mmap_mode="r")
        y = np.load(Y)
        if r["status"] == "ok":
            r["objective"] = objective(x, y, theta, b, r["alpha"], 1.0)
        if s["status"] == "ok":
            c = np.load(os.path.join(work, "sk-lasso.npy"))
            s["objective"] = objective(x, y, c[:-1], c[-1], s["alpha"], 1.0)
            if r["status"] == "ok":
                mo, ms = np.array(r["meanMse"]), np.array(s["meanMse"])
                results["lassoAgreement"] = {
                    "sameAlpha": r["alpha"] == s["alpha"],
                    "maxRelativeMeanMseDifference": float(np.max(np.abs(mo - ms) / ms)),
                    "oursObjectiveAtPeerAlpha": objective(x, y, theta, b, s["alpha"], 1.0),
                    "relativeCoefficientDifference": float(np.linalg.norm(np.append(theta, b) - c) / np.linalg.norm(c))}
        results["lassoShape"] = [m_, n_]
        del x
    if "ridge" not in skip:
        m_, n_ = shape(args.ridge)
        d = gen((m_, n_), "ridge", 2)
        X, Y = os.path.join(d, "X.npy"), os.path.join(d, "y.npy")
        x = np.load(X, mmap_mode="r")
        y = np.load(Y)
        for solver in ("auto", "cg"):
            name = "ours-ridge-" + solver
            f = os.path.join(work, name + ".json")
            r = run_cell(name, [dh, "fit", "--x", X, "--y", Y, "--penalty", "l2", "--alpha", repr(args.ridge_alpha), "--solver",
                                solver, "--quiet", "--out", f] + threads, args.cap_seconds, env)
            r.pop("stdout", None)
            if r["status"] == "ok":
                model, theta, b = ours_model(f)
                r.update(solver=model["solver"], solverChoice=model["result"].get("solverChoice", ""),
                         fitSeconds=model["result"]["wallTimeSeconds"], iterations=model["result"].get("iterations"),
                         objective=objective(x, y, theta, b, args.ridge_alpha, 0.0))
            results["cells"][name] = r
        s = run_cell("sklearn-ridge", me + ["--peer", "ridge", "--x", X, "--y", Y, "--alpha", repr(args.ridge_alpha), "--coef",
                                            os.path.join(work, "sk-ridge.npy")], args.cap_seconds)
        if s["status"] == "ok":
            s.update(json.loads(s.pop("stdout").strip().splitlines()[-1]))
            c = np.load(os.path.join(work, "sk-ridge.npy"))
            s["objective"] = objective(x, y, c[:-1], c[-1], args.ridge_alpha, 0.0)
        results["cells"]["sklearn-ridge"] = s
        results["ridgeShape"] = [m_, n_]
        results["ridgeAlpha"] = args.ridge_alpha
    json.dump(results, open(os.path.join(out, "results.json"), "w"), indent=1)
    write_report(results, out)


def write_report(res, out):
    c = res["cells"]
    mach = res["machine"]
    lines = ["# Penalised least squares vs scikit-learn (`bench/penalties/penalties_vs_sklearn.py`)", "",
             "Machine: %s, %d CPUs; Python %s, scikit-learn %s, NumPy %s. Each cell capped at %d s and %s; times are the "
             "whole cell's wall clock (ours: JVM start and reading X included; the fit alone in parentheses where known) and its "
             "CPU time (user + system, all threads; steadier than wall time on a shared machine). "
             "Objective: P(θ, b) = (1/(2m))‖y − Xθ − b‖² + αρ‖θ‖₁ + (α(1−ρ)/2)‖θ‖² at the cell's α, computed by the "
             "script in float64." % (mach["cpu"], mach["cpus"], mach["python"], mach["sklearn"], mach["numpy"],
                                     res["capSeconds"], res["capMemory"]), ""]
    if res.get("note"):
        lines += [res["note"], ""]

    def t(cell):
        if cell["status"] != "ok":
            return "%s (%s)" % (cell["status"], cell.get("reason", ""))
        return ("%.1f" % cell["seconds"] + (" (%.1f)" % cell["fitSeconds"] if "fitSeconds" in cell else "")
                + " | %.1f" % cell.get("cpuSeconds", float("nan")))

    if "lassoShape" in res:
        o, s = c.get("ours-lasso-cv", {}), c.get("sklearn-lassocv", {})
        lines += ["## Lasso, 100-α path, %d-fold CV, %d × %d float32, tol %g on the relative duality gap"
                  % (5, res["lassoShape"][0], res["lassoShape"][1], res["tol"]), "",
                  "| who | wall seconds | CPU seconds | chosen α | non-zeros | objective at its α |", "|---|---:|---:|---:|---:|---:|"]
        for name, cell in (("downhill `--alpha auto`" + (" (%s)" % o.get("solver", "")), o), ("scikit-learn `LassoCV`", s)):
            if cell:
                lines.append("| %s | %s | %s | %s | %s |" % (name, t(cell), "%.6g" % cell["alpha"] if "alpha" in cell else "–",
                             cell.get("nonZero", "–"), "%.10g" % cell["objective"] if "objective" in cell else "–"))
        if o.get("status") == "ok" and s.get("status") == "ok":
            a = res["lassoAgreement"]
            lines += ["", "Same grid and folds: chosen α %s; CV curves (mean validation MSE) differ by at most %.1e relative; "
                      "ours scored at scikit-learn's α %.10g; ‖[θ,b] − sklearn‖/‖sklearn‖ = %.1e. downhill / scikit-learn "
                      "time: %.2f wall, %.2f CPU, %.2f the fit alone (wall)." % ("equal" if a["sameAlpha"] else "differ", a["maxRelativeMeanMseDifference"],
                                        a["oursObjectiveAtPeerAlpha"], a["relativeCoefficientDifference"], o["seconds"] / s["seconds"],
                                        o["cpuSeconds"] / s["cpuSeconds"],
                                        o.get("fitSeconds", float("nan")) / s.get("fitSeconds", float("nan")))]
        if o.get("solverChoice"):
            lines += ["", "Our solver choice: " + o["solverChoice"]]
        lines.append("")
    if "ridgeShape" in res:
        lines += ["## Ridge, one α = %g (scikit-learn alpha = m·α), %d × %d float32" % (res["ridgeAlpha"], res["ridgeShape"][0],
                                                                                         res["ridgeShape"][1]), "",
                  "| who | wall seconds (fit) | CPU seconds | objective |", "|---|---:|---:|---:|"]
        for name in ("ours-ridge-auto", "ours-ridge-cg", "sklearn-ridge"):
            cell = c.get(name)
            if cell:
                label = {"ours-ridge-auto": "downhill auto → %s" % cell.get("solver", "?"), "ours-ridge-cg": "downhill cg",
                         "sklearn-ridge": "scikit-learn `Ridge` (%s)" % cell.get("solver", "auto")}[name]
                lines.append("| %s | %s | %s |" % (label, t(cell), "%.10g" % cell["objective"] if "objective" in cell else "–"))
        lines.append("")
    open(os.path.join(out, "README.md"), "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
