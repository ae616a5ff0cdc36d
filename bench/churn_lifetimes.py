#!/usr/bin/python3
"""BG/NBD fit: circlewise (native CLI and WASM under Node) against an independent numpy/scipy
implementation of the Fader-Hardie-Lee (2005) likelihood, on the same simulated summary table.

The Python `lifetimes` package is not installed here, so the peer is the straightforward scipy
route a data scientist would write: the closed-form log-likelihood (eq. 6, via gammaln/betaln
and logaddexp) minimised with scipy.optimize.minimize on log-parameters. Same data, same
starting point (all parameters 1 after scaling time so max T = 10, as lifetimes does).

Reports: fitted parameters and log-likelihood of each, the scipy likelihood evaluated at
circlewise's parameters (an independent check of circlewise's reported value), and wall-clock
times measured in this run (best of --repeat), as ratios.

usage: /usr/bin/python3 bench/churn_lifetimes.py [--n 20000] [--seed 1] [--repeat 3]
       [--cli build-native/cli/circlewise]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRUTH = dict(r=0.243, alpha=4.414, a=0.793, b=2.426)  # FHL 2005 CDNOW estimates (weeks)


def simulate(n, seed, t_min=27.0, t_max=39.0):
    rng = np.random.default_rng(seed)
    lam = rng.gamma(TRUTH["r"], 1.0 / TRUTH["alpha"], n)
    p = rng.beta(TRUTH["a"], TRUTH["b"], n)
    T = rng.uniform(t_min, t_max, n)
    x = np.zeros(n, dtype=np.int64)
    tx = np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1.0 / lam[i])
            if t > T[i]:
                break
            x[i] += 1
            tx[i] = t
            if rng.random() < p[i]:
                break
    return x, tx, T


def loglik(params, x, tx, T):
    r, alpha, a, b = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + tx), -np.inf)
    return np.sum(a1 + a2 + np.logaddexp(a3, a4))


def fit_scipy(x, tx, T, method):
    scale = 10.0 / T.max()
    txs, Ts = tx * scale, T * scale
    n = len(x)

    def nll(th):
        v = loglik(np.exp(th), x, txs, Ts)
        return -v / n if np.isfinite(v) else np.inf

    res = minimize(nll, np.zeros(4), method=method, options={"maxiter": 20000, "xatol": 1e-7, "fatol": 1e-10}
                   if method == "Nelder-Mead" else {"maxiter": 20000})
    r, alpha, a, b = np.exp(res.x)
    params = (r, alpha / scale, a, b)
    return params, loglik(params, x, tx, T)


def best_of(fn, repeat):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cli", default=os.path.join(ROOT, "build-native", "cli", "circlewise"))
    args = ap.parse_args()

    x, tx, T = simulate(args.n, args.seed)
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write("learner,frequency,recency,T\n")
        for i in range(args.n):
            f.write(f"l{i},{x[i]},{tx[i]!r},{T[i]!r}\n")
        path = f.name

    rows = []
    for method in ("Nelder-Mead", "L-BFGS-B"):
        secs, (params, ll) = best_of(lambda: fit_scipy(x, tx, T, method), args.repeat)
        rows.append((f"scipy {method}", secs, params, ll))

    if os.path.exists(args.cli):
        def run_cli():
            out = subprocess.run([args.cli, "churn", path, "--summary", "--json"], check=True,
                                 capture_output=True, text=True).stdout
            return json.loads(out)["model"]
        secs, m = best_of(run_cli, args.repeat)
        rows.append(("circlewise native CLI (incl. process + CSV)", secs, (m["r"], m["alpha"], m["a"], m["b"]),
                     m["logLikelihood"]))
    else:
        print(f"(native CLI not found at {args.cli}; pass --cli)", file=sys.stderr)

    node_script = f"""
      import {{ load }} from {json.dumps(os.path.join(ROOT, 'web', 'index.js'))};
      import {{ readFileSync }} from 'node:fs';
      const cw = await load();
      const csv = readFileSync({json.dumps(path)}, 'utf8');
      cw.fitChurnModel(csv);  // warm-up
      let best = Infinity, m;
      for (let i = 0; i < {args.repeat}; i++) {{
        const t0 = performance.now(); m = cw.fitChurnModel(csv).model; best = Math.min(best, performance.now() - t0);
      }}
      console.log(JSON.stringify({{ secs: best / 1000, m }}));
    """
    try:
        out = subprocess.run(["node", "--input-type=module", "-e", node_script], check=True, capture_output=True,
                             text=True, cwd=ROOT).stdout
        w = json.loads(out)
        m = w["m"]
        rows.append(("circlewise WASM (Node, fitChurnModel incl. CSV parse)", w["secs"],
                     (m["r"], m["alpha"], m["a"], m["b"]), m["logLikelihood"]))
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        print(f"(WASM run failed: {e})", file=sys.stderr)
    os.unlink(path)

    print(f"BG/NBD fit, n = {args.n} simulated learners (truth: CDNOW estimates {TRUTH}), best of {args.repeat}")
    print(f"{'implementation':55s} {'seconds':>8s} {'r':>8s} {'alpha':>8s} {'a':>8s} {'b':>8s} {'logLik':>14s}  LL(scipy at params)")
    ref = rows[0][1]
    for name, secs, p, ll in rows:
        check = loglik(p, x, tx, T)
        print(f"{name:55s} {secs:8.3f} {p[0]:8.4f} {p[1]:8.4f} {p[2]:8.4f} {p[3]:8.4f} {ll:14.4f}  {check:14.4f}")
    print("\nspeed ratios (scipy Nelder-Mead time / this):")
    for name, secs, _, _ in rows:
        print(f"  {name:55s} {ref / secs:6.1f}x")


if __name__ == "__main__":
    main()
