// A/B calculators in WASM against a plain-JS peer computing the same thing in the same run:
// per-learner ratio-metric sums (1e6 learners, typed arrays through the heap vs a JS loop) and
// P(B beats A) (closed-form sum in WASM vs jStat numerical integration in JS).
// Run: node bench/ab_test.mjs   (record results in bench/RESULTS.md)
import jStat from 'jstat';
import { load } from '../web/index.js';

const cw = await load();
const best = (f, reps) => {
  let t = Infinity, out;
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    out = f();
    t = Math.min(t, performance.now() - s);
  }
  return { ms: t, out };
};

// Ratio metric, 1e6 learners per arm.
const n = 1_000_000;
let seed = 1;
const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
const arms = ['A', 'B'].map((name) => {
  const values = new Float64Array(n), denominators = new Float64Array(n);
  for (let i = 0; i < n; i++) { denominators[i] = 1 + Math.floor(-2 * Math.log(rnd())); values[i] = rnd() < 0.3 ? 10 * rnd() * denominators[i] : 0; }
  return { name, values, denominators };
});
const wasm = best(() => cw.abRatio({ variants: arms }), 5);
const js = best(() => arms.map(({ values: x, denominators: y }) => {
  let sx = 0, sx2 = 0, sy = 0, sy2 = 0, sxy = 0;
  for (let i = 0; i < n; i++) { sx += x[i]; sx2 += x[i] * x[i]; sy += y[i]; sy2 += y[i] * y[i]; sxy += x[i] * y[i]; }
  return { sx, sx2, sy, sy2, sxy };
}), 5);
console.log(`ratio metric, 2 x 1e6 learners: wasm abRatio ${wasm.ms.toFixed(1)} ms (compensated sums + delta method), ` +
  `plain JS sums only ${js.ms.toFixed(1)} ms, ratio ${(wasm.ms / js.ms).toFixed(2)}`);

// P(B beats A), 1e5 visitors per arm, ~10 % conversion.
const counts = [{ name: 'A', visitors: 100000, conversions: 10000 }, { name: 'B', visitors: 100000, conversions: 10250 }];
const an = best(() => cw.abAnalyze({ variants: counts }), 5);
const [a1, b1, a2, b2] = [1 + 10000, 1 + 90000, 1 + 10250, 1 + 89750];
const quad = best(() => {
  // Simpson on 4000 cells over A's ±12 sd: the usual JS route (jStat beta pdf/cdf).
  const m = a1 / (a1 + b1), sd = Math.sqrt(m * (1 - m) / (a1 + b1 + 1));
  const lo = m - 12 * sd, h = (24 * sd) / 4000;
  let s = 0;
  for (let i = 0; i <= 4000; i++) {
    const x = lo + i * h, w = i === 0 || i === 4000 ? 1 : i % 2 ? 4 : 2;
    s += w * jStat.beta.pdf(x, a1, b1) * (1 - jStat.beta.cdf(x, a2, b2));
  }
  return (s * h) / 3;
}, 3);
console.log(`P(B beats A), 1e5 visitors/arm: wasm abAnalyze (everything) ${an.ms.toFixed(2)} ms -> ${an.out.comparisons[0].probBeatsControl.toFixed(6)}; ` +
  `jStat Simpson integration ${quad.ms.toFixed(1)} ms -> ${quad.out.toFixed(6)}; ratio ${(an.ms / quad.ms).toFixed(3)}`);
