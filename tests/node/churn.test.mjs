// Churn risk and customer value through the public JS API, under Node: the same behaviours as
// the native tests (tests/native/churn_test.cpp), plus what only JS has (typed arrays, Errors,
// the module still working after one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../web/index.js';

const cw = await load();

function throwsWith(fn, pattern) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, `expected an Error, got ${typeof e}: ${e}`);
    assert.match(e.message, pattern);
    return true;
  });
}

// BG/NBD simulated in JS with a seeded generator (an independent route from the C++ simulator):
// lambda ~ Gamma(r, alpha), p ~ Beta(a, b), Poisson purchases, dropout after each with prob p.
function mulberry32(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function normal(u) { return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()); }
function gamma(u, k) {
  if (k < 1) return gamma(u, k + 1) * Math.pow(1 - u(), 1 / k);
  const d = k - 1 / 3, c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = normal(u); let v = 1 + c * z;
    if (v <= 0) continue;
    v = v * v * v;
    if (Math.log(1 - u()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}
function simulate({ r, alpha, a, b }, n, Tmin, Tmax, seed) {
  const u = mulberry32(seed);
  const rows = [];
  for (let i = 0; i < n; i++) {
    const lambda = gamma(u, r) / alpha;
    const ga = gamma(u, a), gb = gamma(u, b), p = ga / (ga + gb);
    const T = Tmin + (Tmax - Tmin) * u();
    let t = 0, x = 0, tx = 0;
    for (;;) {
      t += -Math.log(1 - u()) / lambda;
      if (t > T) break;
      x++; tx = t;
      if (u() < p) break;
    }
    rows.push({ learner: `l${i}`, frequency: x, recency: tx, T, monetary_value: x > 0 ? 20 + 30 * u() : 0 });
  }
  return rows;
}

test('fitChurnModel recovers BG/NBD parameters from data simulated in JS', () => {
  const truth = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };  // FHL 2005 CDNOW estimates as truth
  const rows = simulate(truth, 20000, 27, 39, 17);
  const res = cw.fitChurnModel(rows, { horizon: 4 });
  const m = res.model;
  assert.ok(m.converged);
  assert.ok(Math.abs(m.r - truth.r) < 0.1 * truth.r, `r ${m.r}`);
  assert.ok(Math.abs(m.alpha - truth.alpha) < 0.15 * truth.alpha, `alpha ${m.alpha}`);
  assert.ok(Math.abs(m.a - truth.a) < 0.35 * truth.a, `a ${m.a}`);
  assert.ok(Math.abs(m.b - truth.b) < 0.4 * truth.b, `b ${m.b}`);
  assert.equal(res.learners.ids.length, 20000);
  assert.ok(res.learners.pAlive instanceof Float64Array);
  assert.equal(res.learners.pAlive.length, 20000);
  for (const p of res.learners.pAlive) assert.ok(p >= 0 && p <= 1);
  // A learner without a repeat purchase has had no chance to drop out.
  const i0 = rows.findIndex((r) => r.frequency === 0);
  assert.equal(res.learners.pAlive[i0], 1);
  // Spend with no relation to frequency: the correlation the model assumes away is near zero.
  assert.ok(Math.abs(res.spend.frequencyMonetaryCorrelation) < 0.1);
  assert.equal(res.unit, null);  // a summary table is already in periods
});

test('P(alive) matches the closed form written out in JS', () => {
  const rows = simulate({ r: 1, alpha: 3, a: 1.2, b: 3 }, 3000, 10, 40, 3);
  const res = cw.fitChurnModel(rows);
  const { r, alpha, a, b } = res.model;
  for (let i = 0; i < rows.length; i += 101) {
    const { frequency: x, recency: tx, T } = rows[i];
    const expect = x === 0 ? 1 : 1 / (1 + (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + tx), r + x));
    assert.ok(Math.abs(res.learners.pAlive[i] - expect) < 1e-9, `row ${i}`);
  }
});

test('the same fit from CSV text and from rows', () => {
  const rows = simulate({ r: 0.5, alpha: 2, a: 0.8, b: 2.5 }, 500, 20, 30, 9);
  const csv = 'learner,frequency,recency,T,monetary_value\n' +
    rows.map((r) => `${r.learner},${r.frequency},${r.recency},${r.T},${r.monetary_value}`).join('\n');
  const a = cw.fitChurnModel(rows), b = cw.fitChurnModel(csv);
  assert.equal(a.model.logLikelihood, b.model.logLikelihood);
  assert.deepEqual(Array.from(a.learners.clv), Array.from(b.learners.clv));
});

test('bad summaries are Errors naming row/line and column; the module keeps working', () => {
  throwsWith(() => cw.fitChurnModel([{ learner: 'a', frequency: 1, recency: 9, T: 5 }]),
    /^row 1, column "recency": 9 is greater than T = 5/);
  throwsWith(() => cw.fitChurnModel([{ learner: 'a', frequency: 1, recency: 2, T: 5 }, { learner: 'b', frequency: NaN, recency: 0, T: 5 }]),
    /^row 2, column "frequency": is NaN/);
  throwsWith(() => cw.fitChurnModel([{ learner: 'a', frequency: -1, recency: 0, T: 5 }]), /^row 1, column "frequency": -1 is negative/);
  throwsWith(() => cw.fitChurnModel('learner,frequency,recency,T\na,1,2,5\nb,1,x,5\n'), /^line 3, column "recency": "x" is not a number$/);
  throwsWith(() => cw.fitChurnModel([{ learner: 'a', frequency: 2, recency: 3, T: 5 }]),
    /needs at least 2 learners with a purchase; got 1/);
  throwsWith(() => cw.fitChurnModel([{ learner: 'a', frequency: 0, recency: 0, T: 5 }, { learner: 'b', frequency: 0, recency: 0, T: 7 }]),
    /no learner made a repeat purchase/);
  throwsWith(() => cw.fitChurnModel([], {}), /the summary has no rows/);
  throwsWith(() => cw.fitChurnModel([{ learner: 'a', frequency: 1, recency: 2, T: 5 }, { learner: 'a', frequency: 0, recency: 0, T: 5 }]),
    /^row 2, column "learner": duplicate learner "a" \(first in row 1\)/);
  throwsWith(() => cw.fitChurnModel({}), /must be an array of rows/);
  throwsWith(() => cw.fitChurnModel(simulate({ r: 1, alpha: 1, a: 1, b: 1 }, 50, 5, 9, 1), { horizon: -3 }),
    /option "horizon" must be between 0 and 100000, got -3/);
  throwsWith(() => cw.fitChurnModel(simulate({ r: 1, alpha: 1, a: 1, b: 1 }, 50, 5, 9, 1), { colour: 1 }), /unknown churn option "colour"/);
  // Still working.
  const ok = cw.fitChurnModel(simulate({ r: 1, alpha: 2, a: 1, b: 2 }, 300, 10, 20, 4));
  assert.ok(Number.isFinite(ok.model.logLikelihood));
});

test('dataset.churn runs on the synthetic platform with per-community conversion', () => {
  const ds = cw.generatePlatform({ learners: 3000, seed: 3, communities: 4 });
  const res = ds.churn({ unit: 'days', horizon: 30 });
  assert.equal(res.unit, 'days');
  assert.equal(res.ingest.learners, 3000);
  assert.equal(res.learners.ids.length + res.ingest.learnersWithoutPurchase, res.ingest.learners);
  assert.ok(res.model.converged);
  for (const v of res.learners.expectedPurchases) assert.ok(v >= 0);
  const conv = res.conversion;
  assert.equal(conv.overall.learners, 3000);
  // The planted ranking: purchase probability after enrolling 0.6, 0.3, 0.3, 0.15.
  const planted = ds.truth.communities;
  const rate = (n) => conv.communities.find((c) => c.community === n).conversionRate;
  for (const x of planted) {
    for (const y of planted) {
      if (x.purchaseProbability > y.purchaseProbability) assert.ok(rate(x.community) > rate(y.community), `${x.community} > ${y.community}`);
    }
  }
  assert.deepEqual(ds.conversionByCommunity(), conv);
  ds.close();
});

test('dataset.churn options are checked, and a log without purchases is a clear Error', () => {
  const ds = cw.parseEvents('user_id,event,ts\na,view,2025-01-01\n');
  throwsWith(() => ds.churn(), /no learner has a purchase up to asOf/);
  throwsWith(() => ds.churn({ unit: 'months' }), /option "unit" must be "days" or "weeks"/);
  throwsWith(() => ds.churn({ asOf: '2025-02-30' }), /option "asOf"/);
  throwsWith(() => ds.churn(null), /churn options must be an object/);
  ds.close();
});

test('native and WASM agree on the synthetic platform (fixture written by the native CLI)', async () => {
  // Floats may differ in the last bits (libm, Eigen vectorisation), and a and b sit on a ridge
  // here (no dropout heterogeneity), so compare what the data identify, with tolerances.
  const { readFile } = await import('node:fs/promises');
  const native = JSON.parse(await readFile(new URL('../fixtures/churn_platform_seed3.json', import.meta.url), 'utf8'));
  const ds = cw.generatePlatform({ learners: 3000, seed: 3 });
  const res = ds.churn();
  ds.close();
  const m = res.model;
  const rel = (x, y) => Math.abs(x - y) / Math.abs(y);
  assert.ok(rel(m.logLikelihood, native.model.logLikelihood) < 1e-8, `LL ${m.logLikelihood}`);
  assert.ok(rel(m.r, native.model.r) < 1e-3, `r ${m.r}`);
  assert.ok(rel(m.alpha, native.model.alpha) < 1e-3, `alpha ${m.alpha}`);
  assert.ok(rel(m.a / (m.a + m.b), native.model.dropout) < 1e-3);
  const index = new Map(res.learners.ids.map((id, i) => [id, i]));
  for (const l of native.learners) {
    const i = index.get(l.learner);
    assert.ok(Math.abs(res.learners.pAlive[i] - l.pAlive) < 1e-5, l.learner);
    assert.ok(Math.abs(res.learners.expectedPurchases[i] - l.expectedPurchases) < 1e-5 * (1 + l.expectedPurchases), l.learner);
    assert.ok(rel(res.learners.clv[i], l.clv) < 1e-3, l.learner);
  }
  // Same input, same answer.
  const again = cw.generatePlatform({ learners: 3000, seed: 3 });
  assert.deepEqual(again.churn().model, m);
  again.close();
});
