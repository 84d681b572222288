import sys, time, json, numpy as np, scipy.sparse as sp, warnings
from scipy.sparse.linalg import lsqr
from sklearn.linear_model import Ridge, SGDRegressor
warnings.filterwarnings("ignore")
w = "/tmp/downhill-sparse-tall"
X = sp.load_npz(w + "/npz/X.npz").tocsr(); y = np.load(w + "/npz/y.npy")
m = json.load(open("/tmp/tallref.json"))
ref = X @ np.array(m["coefficients"]) + m["intercept"]
def err(p): return float(np.linalg.norm(p - ref) / np.linalg.norm(ref))
A = sp.hstack([X, np.ones((X.shape[0], 1))]).tocsr()
out = open("/tmp/tallpeers.jsonl", "w")
def emit(d):
    print(json.dumps(d), flush=True); out.write(json.dumps(d) + "\n"); out.flush()
for tol in [1e-4, 1e-6]:
    t0 = time.perf_counter(); r = lsqr(A, y, atol=tol, btol=tol, iter_lim=2500); t = time.perf_counter() - t0
    e = err(A @ r[0]); emit({"who": "scipy lsqr", "tol": tol, "seconds": t, "iterations": int(r[2]), "error": e, "reached": e <= 1e-4})
    if e <= 1e-4: break
for ep in [2, 4, 8, 16]:
    s = SGDRegressor(max_iter=ep, tol=None, learning_rate="constant", eta0=1e-3, penalty=None)
    t0 = time.perf_counter(); s.fit(X, y); t = time.perf_counter() - t0
    e = err(s.predict(X)); emit({"who": "sklearn SGDRegressor (η 1e-3)", "epochs": ep, "seconds": t, "error": e, "reached": e <= 1e-4})
    if e <= 1e-4 or t > 120: break
t0 = time.perf_counter(); rr = Ridge(alpha=1e-10, solver="sparse_cg", tol=1e-4, max_iter=2500).fit(X, y); t = time.perf_counter() - t0
e = err(rr.predict(X)); emit({"who": "sklearn Ridge sparse_cg", "tol": 1e-4, "seconds": t, "error": e, "reached": e <= 1e-4})
