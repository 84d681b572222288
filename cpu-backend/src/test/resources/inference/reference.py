# Reference values for dev.downhill.cpu.CoefficientInferenceCpuTest: NumPy and SciPy (Debian python3-numpy, python3-scipy) on the
# test's data, by the uncentred textbook formulas — the inverse of the augmented [1 X]ᵀW[1 X], σ̂² from the residuals,
# scipy.stats.t.sf for p. Run: /usr/bin/python3 cpu-backend/src/test/resources/inference/reference.py
import numpy as np
from scipy.stats import t as T

rng = np.random.default_rng(20261202)
m = 30
X = np.round(rng.normal(size=(m, 3)) * [1.0, 2.0, 0.5] + [3.0, -1.0, 10.0], 6)
y = np.round(1.5 + X @ [0.8, -0.05, 2.0] + rng.normal(size=m) * 0.7, 6)
w = np.round(rng.uniform(0.2, 3.0, size=m), 6)

def java(name, a):
    a = np.asarray(a)
    if a.ndim == 1:
        return f"    static final double[] {name} = {{{', '.join(repr(float(v)) for v in a)}}};"
    rows = ',\n            '.join('{' + ', '.join(repr(float(v)) for v in r) + '}' for r in a)
    return f"    static final double[][] {name} = {{\n            {rows}}};"

def ols(X, y, w, intercept):
    A = np.column_stack([np.ones(len(y)), X]) if intercept else X
    W = np.diag(w)
    G = A.T @ W @ A
    beta = np.linalg.solve(G, A.T @ W @ y)
    r = y - A @ beta
    p = np.linalg.matrix_rank(A)
    df = len(y) - p
    s2 = float(r @ W @ r) / df
    se = np.sqrt(s2 * np.diag(np.linalg.inv(G)))
    tv = beta / se
    pv = 2 * T.sf(np.abs(tv), df)
    cond = np.linalg.cond(G)
    return beta, se, tv, pv, df, s2, cond

print(java("X", X)); print(java("Y", y)); print(java("W", w))
one = np.ones(m)
for label, Xs, ws, icpt in [("PLAIN", X, one, True), ("WEIGHTED", X, w, True), ("ORIGIN", X, one, False),
                             ("WEIGHTED_ORIGIN", X, w, False)]:
    beta, se, tv, pv, df, s2, cond = ols(Xs, y, ws, icpt)
    print(f"    // {label}: df = {df}, cond([1 X]ᵀW[1 X]) = {cond:.3g}; intercept first when fitted")
    print(java(label + "_SE", se)); print(java(label + "_T", tv)); print(java(label + "_P", pv))
    print(f"    static final double {label}_SIGMA2 = {s2!r};")
