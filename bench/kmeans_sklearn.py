"""scikit-learn KMeans on the matrix written by bench/kmeans.mjs: the native ceiling.

Usage: kmeans_sklearn.py DIR ROWS COLS K ITERS  (DIR holds data.f64 and init.f64, row-major float64)
Prints a JSON list of {name, ms, iterations, centroids, e2e}; the caller recomputes inertia. The
entries with e2e = true run scikit-learn end to end: its own k-means++ (one init), default tol 1e-4.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

d, rows, cols, k, iters = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
x = np.fromfile(f"{d}/data.f64", dtype=np.float64).reshape(rows, cols)
init = np.fromfile(f"{d}/init.f64", dtype=np.float64).reshape(k, cols)
out = []
# One and two OpenMP threads: on a busy shared machine the spinning second thread can cost more
# than it brings, so both are reported.
for threads in (1, 2):
    for algorithm in ("lloyd", "elkan"):
        with threadpool_limits(limits=threads):
            km = KMeans(n_clusters=k, init=init, n_init=1, max_iter=iters, tol=0.0, algorithm=algorithm)
            km.fit(x[:1000])  # warm-up (thread pool, imports)
            t0 = time.perf_counter()
            km.fit(x)
            ms = (time.perf_counter() - t0) * 1000
        out.append({"name": f"scikit-learn {sklearn.__version__} ({algorithm}, native, {threads} thread{'s' if threads > 1 else ''})",
                    "ms": ms, "iterations": int(km.n_iter_), "centroids": km.cluster_centers_.tolist()})
if len(sys.argv) > 6 and sys.argv[6] == "e2e":
    km = KMeans(n_clusters=k, n_init=1, random_state=2, algorithm="lloyd")
    t0 = time.perf_counter()
    km.fit(x)
    ms = (time.perf_counter() - t0) * 1000
    out.append({"name": f"scikit-learn {sklearn.__version__} (k-means++, tol 1e-4, native, 2 threads)", "ms": ms,
                "iterations": int(km.n_iter_), "centroids": km.cluster_centers_.tolist(), "e2e": True})
print(json.dumps(out))
