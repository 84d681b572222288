#!/usr/bin/env python3
"""Issue 15, item 3: SGD and mini-batches, seconds per epoch, side by side in one run on the same data.

  /usr/bin/python3 bench/sgd/sgd_vs_sklearn.py [--sizes 2000000x20,200000x1000] [--epochs 3] [--lr 0.001]
        [--batches 32,256] [--threads 0] [--repeats 3] [--cap-seconds 1800] [--work DIR] [--out DIR]

For each size R×N (X float32 from `downhill gen --rows R --features N`, noise 1, seed 0):
  ours     `downhill fit --solver sgd --batch-size 1` and `--solver minibatch --batch-size B` for each B, all with
           `--iterations E --tol 0 --lr η --standardize off` (E epochs, constant η, no stopping rule); the measure is
           the model's result.wallTimeSeconds (the fit: loading X into the backend, the column statistics, the starting
           pass, the E epochs), reported whole and per epoch (÷ E).
           One full-batch GD step for comparison: `--solver gd --iterations K --tol 0 --lr η --standardize off` with
           K = 1 and K = 21; a step costs (wall(21) − wall(1))/20 (each fit in its own JVM: at small sizes the
           difference is within the noise of the fixed part). For B = 256 also one epoch alone, giving the marginal
           epoch (wall(E) − wall(1))/(E − 1).
  sklearn  `SGDRegressor(max_iter=E, tol=None, learning_rate='constant', eta0=η, random_state=0)` (its other settings
           the defaults: penalty 'l2' with alpha 1e-4, shuffle, averaged off) on the same X (float32 as loaded;
           scikit-learn converts it to float64 inside fit, which the time includes); the measure is fit()'s wall time.
           Its loss is ½r², ours r²: the same η gives scikit-learn steps half as long (the times do not depend on it).
  warm     (first size; --skip-warm to leave out) the same sgd, minibatch B = 256 and GD fits in one long-running JVM
           (bench's WarmDenseFit, 7 rounds, the median of the last three): the library as a program embedding it runs.
  numpy    a NumPy mini-batch loop, B for each --batches: per epoch rng.permutation(m), then per batch
           r = X[idx]θ + b − y[idx], θ −= η(2/B)X[idx]ᵀr, b −= η(2/B)Σr (float32 X, float64 θ); wall time of the E epochs.
Every measurement is repeated --repeats times (each of ours in a fresh JVM), one after another; the tables give the
median and results.json every run (the VM's speed swings by 2× within minutes, and a short fit in a fresh JVM shares
its two cores with the JIT compiler). The bars (issue 15) are checked on the first size: ours sgd at least 10× faster than SGDRegressor (whole fit vs
whole fit), and minibatch with B = 256 per epoch within 3× of one GD step. Every process runs on the same machine one
after the other; run on a quiet one. Writes results.json and results.md to --out.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def shape(s):
    r, c = s.lower().split("x")
    return int(r), int(c)


def run(cmd, cap, env=None):
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=cap, env=env)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stdout[-2000:]))
    return time.perf_counter() - t


def ours(dh, d, solver, batch, iters, lr, threads, cap):
    out = os.path.join(d, "model-%s-%d-%d.json" % (solver, batch, iters))
    cmd = [dh, "fit", "--x", os.path.join(d, "X.npy"), "--y", os.path.join(d, "y.npy"), "--solver", solver,
           "--iterations", str(iters), "--tol", "0", "--lr", repr(lr), "--standardize", "off", "--quiet", "--out", out]
    if solver == "minibatch":
        cmd += ["--batch-size", str(batch)]
    if threads > 0:
        cmd += ["--threads", str(threads)]
    seconds = run(cmd, cap)
    with open(out) as f:
        model = json.load(f)
    r = model["result"]
    return {"wallTimeSeconds": r["wallTimeSeconds"], "processSeconds": seconds, "iterations": r["iterations"],
            "finalLoss": r["lossHistory"][-1], "trainingMse": model["training"]["mse"]}


def warm(d, specs, lr, cap, rounds=7):
    """Our fits in one long-running JVM (bench's WarmDenseFit): every spec (solver:batch:iterations) once per round,
    `rounds` rounds; for each spec the median of the last three rounds' result.wallTimeSeconds, and those three."""
    jar = os.path.join(ROOT, "bench", "target", "benchmarks.jar")
    cmd = ["java", "-Xmx4g", "-Dorg.bytedeco.javacpp.maxbytes=0", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0", "-cp", jar,
           "dev.downhill.bench.WarmDenseFit", os.path.join(d, "X.npy"), os.path.join(d, "y.npy"), str(rounds), repr(lr)] + specs
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=cap)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stdout[-2000:]))
    walls = {}
    for line in p.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] in specs:
            walls.setdefault(parts[0], []).append(float(parts[2]))
    out = {}
    for spec in specs:
        last = sorted(walls[spec][-3:])
        out[spec] = {"wallTimeSeconds": last[1], "wallTimeSecondsRuns": walls[spec][-3:]}
    return out


def median_of(repeats, measure, key):
    """Runs measure() `repeats` times; returns the run with the median `key`, with every run's key in key + 'Runs'."""
    runs = [measure() for _ in range(max(1, repeats))]
    ordered = sorted(runs, key=lambda r: r[key])
    best = dict(ordered[(len(ordered) - 1) // 2])
    best[key + "Runs"] = [r[key] for r in runs]
    return best


def sklearn_cell(x, y, epochs, lr):
    from sklearn.linear_model import SGDRegressor
    import warnings
    # the same steps as ours: its eta0 steps on ½r² (ours, --lr, on r²: twice the gradient), and no penalty (its default
    # is penalty='l2', alpha=1e-4, ours none)
    m = SGDRegressor(max_iter=epochs, tol=None, learning_rate="constant", eta0=2 * lr, penalty=None, random_state=0)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter reached (intended)
        m.fit(x, y)
    seconds = time.perf_counter() - t
    import numpy as np
    mse = float(np.mean((m.predict(x) - y) ** 2))
    return {"fitSeconds": seconds, "epochs": int(m.n_iter_), "trainingMse": mse}


def numpy_cell(x, y, epochs, lr, batch):
    import numpy as np
    rng = np.random.default_rng(0)
    m, n = x.shape
    theta = np.zeros(n)
    b = 0.0
    t = time.perf_counter()
    for _ in range(epochs):
        perm = rng.permutation(m)
        for s in range(0, m, batch):
            idx = perm[s:s + batch]
            xb = x[idx]
            r = xb @ theta + b - y[idx]
            k = 2.0 / len(idx)
            theta -= lr * k * (xb.T @ r)
            b -= lr * k * r.sum()
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "trainingMse": float(np.mean((x @ theta + b - y) ** 2))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="2000000x20,200000x1000")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--batches", default="32,256")
    ap.add_argument("--threads", type=int, default=0, help="our --threads (0: the default, every core)")
    ap.add_argument("--repeats", type=int, default=3, help="runs of every measurement; the median is reported")
    ap.add_argument("--cap-seconds", type=int, default=1800)
    ap.add_argument("--work", default="/tmp/downhill-sgd-bench")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", time.strftime("%Y-%m-%d") + "-sgd"))
    ap.add_argument("--skip-numpy", action="store_true")
    ap.add_argument("--skip-warm", action="store_true", help="no warm-JVM row (needs bench/target/benchmarks.jar)")
    args = ap.parse_args()
    import numpy as np
    dh = os.path.join(ROOT, "downhill")
    batches = [int(b) for b in args.batches.split(",") if b]
    E = args.epochs
    results = {"machine": {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count(),
                           "python": sys.version.split()[0], "numpy": np.__version__},
               "epochs": E, "lr": args.lr, "repeats": args.repeats, "sizes": []}
    try:
        import sklearn
        results["machine"]["sklearn"] = sklearn.__version__
    except ImportError:
        sklearn = None
    for size in args.sizes.split(","):
        R, N = shape(size)
        d = os.path.join(args.work, "%dx%d" % (R, N))
        os.makedirs(d, exist_ok=True)
        if not os.path.exists(os.path.join(d, "X.npy")):
            run([dh, "gen", "--rows", str(R), "--features", str(N), "--out-dir", d, "--quiet"], args.cap_seconds)
        cell = {"rows": R, "cols": N, "ours": {}, "sklearn": None, "numpy": {}}
        print("== %d × %d" % (R, N), flush=True)
        R = args.repeats

        def mine(solver, batch, iters):
            return median_of(R, lambda: ours(dh, d, solver, batch, iters, args.lr, args.threads, args.cap_seconds),
                             "wallTimeSeconds")
        o = mine("sgd", 1, E)
        cell["ours"]["sgd"] = o
        print("  ours sgd: %.3f s (%.3f s/epoch)" % (o["wallTimeSeconds"], o["wallTimeSeconds"] / E), flush=True)
        for b in batches:
            o = mine("minibatch", b, E)
            cell["ours"]["minibatch-%d" % b] = o
            print("  ours minibatch B=%d: %.3f s (%.3f s/epoch)" % (b, o["wallTimeSeconds"], o["wallTimeSeconds"] / E), flush=True)
        if E > 1 and 256 in batches:  # the marginal epoch: (wall(E) − wall(1))/(E − 1), without the fit's fixed part
            one = mine("minibatch", 256, 1)
            cell["ours"]["minibatch-256"]["oneEpoch"] = one
            cell["ours"]["minibatch-256"]["marginalEpochSeconds"] = max(
                0.0, (cell["ours"]["minibatch-256"]["wallTimeSeconds"] - one["wallTimeSeconds"]) / (E - 1))
        g1 = mine("gd", 0, 1)
        g21 = mine("gd", 0, 21)
        step = max(0.0, (g21["wallTimeSeconds"] - g1["wallTimeSeconds"]) / 20)
        cell["ours"]["gd"] = {"oneStep": g1, "twentyOneSteps": g21, "stepSeconds": step}
        print("  ours gd: one step %.4f s (fit of one step %.3f s)" % (step, g1["wallTimeSeconds"]), flush=True)
        if not results["sizes"] and not args.skip_warm and os.path.exists(os.path.join(ROOT, "bench", "target", "benchmarks.jar")):
            specs = ["sgd:1:%d" % E, "minibatch:256:%d" % E, "minibatch:256:1", "gd:0:1", "gd:0:21"]
            w = warm(d, specs, args.lr, args.cap_seconds)
            cell["warm"] = {"sgd": w[specs[0]], "minibatch-256": w[specs[1]], "minibatch-256-oneEpoch": w[specs[2]],
                            "gdStepSeconds": max(0.0, (w[specs[4]]["wallTimeSeconds"] - w[specs[3]]["wallTimeSeconds"]) / 20)}
            print("  warm JVM: sgd %.3f s, minibatch B=256 %.3f s, GD step %.4f s" % (
                w[specs[0]]["wallTimeSeconds"], w[specs[1]]["wallTimeSeconds"], cell["warm"]["gdStepSeconds"]), flush=True)
        x = np.load(os.path.join(d, "X.npy"))
        y = np.load(os.path.join(d, "y.npy")).astype(np.float64)
        if sklearn is not None:
            cell["sklearn"] = median_of(R, lambda: sklearn_cell(x, y, E, args.lr), "fitSeconds")
            print("  sklearn SGDRegressor: %.3f s" % cell["sklearn"]["fitSeconds"], flush=True)
        if not args.skip_numpy:
            for b in batches:
                cell["numpy"]["minibatch-%d" % b] = median_of(R, lambda: numpy_cell(x, y, E, args.lr, b), "seconds")
                print("  numpy minibatch B=%d: %.3f s" % (b, cell["numpy"]["minibatch-%d" % b]["seconds"]), flush=True)
        del x, y
        results["sizes"].append(cell)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(render(results, batches))
    print("wrote %s/results.md" % args.out)


def render(res, batches):
    E = res["epochs"]
    lines = ["# SGD and mini-batches: seconds per epoch (issue 15)", "",
             "`bench/sgd/sgd_vs_sklearn.py`, %d epochs, constant η = %g, X float32 from `downhill gen`. Ours: the model's "
             "`result.wallTimeSeconds` (the whole fit: loading X into the backend, column statistics, starting pass, the "
             "epochs) ÷ %d; scikit-learn: `SGDRegressor(max_iter=%d, tol=None, learning_rate='constant', eta0=%g)`.fit "
             "÷ %d; NumPy: a mini-batch loop ÷ %d. GD step: (wall of 21 steps − wall of 1)/20." % (E, res["lr"], E, E, res["lr"], E, E),
             "", "Machine: %s, %s CPUs, Python %s, NumPy %s, scikit-learn %s." % (
                 res["machine"]["platform"], res["machine"]["cpus"], res["machine"]["python"], res["machine"]["numpy"],
                 res["machine"].get("sklearn", "absent")), ""]
    head = "| X | ours sgd | ours B=" + " | ours B=".join(str(b) for b in batches) + " | ours GD step | SGDRegressor | " \
           + " | ".join("NumPy B=%d" % b for b in batches) + " |"
    lines += [head, "|" + "---|" * (head.count("|") - 1)]
    for c in res["sizes"]:
        o = c["ours"]
        row = ["%d × %d" % (c["rows"], c["cols"]), "%.4f" % (o["sgd"]["wallTimeSeconds"] / E)]
        row += ["%.4f" % (o["minibatch-%d" % b]["wallTimeSeconds"] / E) for b in batches]
        row += ["%.4f" % o["gd"]["stepSeconds"]]
        row += ["%.4f" % (c["sklearn"]["fitSeconds"] / E) if c["sklearn"] else "—"]
        row += ["%.4f" % (c["numpy"]["minibatch-%d" % b]["seconds"] / E) if ("minibatch-%d" % b) in c["numpy"] else "—"
                for b in batches]
        lines.append("| " + " | ".join(row) + " |")
    R = res.get("repeats", 1)
    lines += ["", "Seconds per epoch (per step for GD)%s." % (", medians of %d runs each" % R if R > 1 else ""), ""]
    if R > 1:
        def spread(cell, key):
            runs = cell.get(key + "Runs") if cell else None
            return "%.3f–%.3f" % (min(runs), max(runs)) if runs else "—"
        for c in res["sizes"]:
            o = c["ours"]
            parts = ["sgd %s" % spread(o["sgd"], "wallTimeSeconds")]
            parts += ["B = %d %s" % (b, spread(o["minibatch-%d" % b], "wallTimeSeconds")) for b in batches]
            parts += ["SGDRegressor %s" % spread(c["sklearn"], "fitSeconds")]
            lines.append("Whole fits, %d × %d, range over the runs (s): %s." % (c["rows"], c["cols"], ", ".join(parts)))
        lines.append("")
    c = res["sizes"][0]
    o = c["ours"]
    if c["sklearn"]:
        ratio = c["sklearn"]["fitSeconds"] / o["sgd"]["wallTimeSeconds"]
        lines.append("Bar 1 (%d × %d): ours sgd %d epochs %.3f s vs SGDRegressor %.3f s: %.1f× faster (%s; the bar is 10×)."
                     % (c["rows"], c["cols"], E, o["sgd"]["wallTimeSeconds"], c["sklearn"]["fitSeconds"], ratio,
                        "met" if ratio >= 10 else "NOT met"))
    if "minibatch-256" in o and o["gd"]["stepSeconds"] > 0:
        per = o["minibatch-256"]["wallTimeSeconds"] / E
        ratio = per / o["gd"]["stepSeconds"]
        lines.append("Bar 2 (%d × %d): minibatch B = 256 %.4f s per epoch = %.1f× one GD step (%.4f s) (%s; the bar is 3×)."
                     % (c["rows"], c["cols"], per, ratio, o["gd"]["stepSeconds"], "met" if ratio <= 3 else "NOT met"))
        if "marginalEpochSeconds" in o["minibatch-256"]:
            marginal = o["minibatch-256"]["marginalEpochSeconds"]
            lines.append("  (the marginal epoch, without the fit's fixed part: %.4f s = %.1f× the GD step)"
                         % (marginal, marginal / o["gd"]["stepSeconds"]))
    w = c.get("warm")
    if w and w["gdStepSeconds"] > 0:
        lines += ["", "The library in a warm JVM (bench's `WarmDenseFit`: X read once, each fit once per round, 7 rounds; "
                  "the median of the last three, whose compiled code and idle compiler a program embedding downhill "
                  "sees), %d × %d:" % (c["rows"], c["cols"]),
                  "sgd %d epochs %.3f s%s; minibatch B = 256 %.4f s per epoch = %.1f× a %.4f s GD step (marginal epoch "
                  "%.4f s = %.1f×)." % (
                      E, w["sgd"]["wallTimeSeconds"],
                      " (%.1f× faster than SGDRegressor)" % (c["sklearn"]["fitSeconds"] / w["sgd"]["wallTimeSeconds"]) if c["sklearn"] else "",
                      w["minibatch-256"]["wallTimeSeconds"] / E, w["minibatch-256"]["wallTimeSeconds"] / E / w["gdStepSeconds"],
                      w["gdStepSeconds"],
                      max(0.0, (w["minibatch-256"]["wallTimeSeconds"] - w["minibatch-256-oneEpoch"]["wallTimeSeconds"]) / max(1, E - 1)),
                      max(0.0, (w["minibatch-256"]["wallTimeSeconds"] - w["minibatch-256-oneEpoch"]["wallTimeSeconds"]) / max(1, E - 1)) / w["gdStepSeconds"])]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
