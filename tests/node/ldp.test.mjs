// Local differential privacy through the public JS API: planner, device reports with the secure
// source (crypto.getRandomValues), memoisation, the budget, the aggregator, and bad input.
// Statistical checks use known truth with 5-standard-error bands (the noise is truly random here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../web/index.js';

const cw = await load();

test('planPrivacy gives each mechanism\'s error and recommends GRR for small, OLH for large domains', () => {
  const small = cw.planPrivacy({ epsilon: 1, items: 4, learners: 10000, targetError: 0.01 });
  assert.equal(small.recommended, 'grr');
  assert.deepEqual(small.mechanisms.map((m) => m.mechanism), ['grr', 'oue', 'olh']);
  const E = Math.exp(1);
  // Closed form (Wang et al. 2017): GRR variance per report (d - 2 + e^eps) / (e^eps - 1)^2.
  const grr = small.mechanisms[0];
  assert.ok(Math.abs(grr.variancePerReport - (4 - 2 + E) / (E - 1) ** 2) < 1e-6);
  assert.ok(Math.abs(grr.standardError - Math.sqrt(10000 * grr.variancePerReport)) < 1e-6);
  assert.equal(grr.learnersNeeded, Math.ceil(grr.variancePerReport / 1e-4));
  assert.ok(grr.effectiveEpsilon <= 1 && grr.effectiveEpsilon > 1 - 1e-9);
  const pairs = cw.planPrivacy({ epsilon: 1, kind: 'pair', items: 1000 });
  assert.equal(pairs.domain, 1000 * 999 / 2);
  assert.equal(pairs.recommended, 'olh');
  assert.equal(pairs.mechanisms[1].available, false);
});

test('bad options throw Errors naming the option, and the module keeps working', () => {
  assert.throws(() => cw.planPrivacy({ epsilon: 0 }), { name: 'Error', message: /epsilon.*\[0\.01, 10\]/ });
  assert.throws(() => cw.planPrivacy({ epsilon: 1000 }), /epsilon/);
  assert.throws(() => cw.planPrivacy({ items: 1 }), /items/);
  assert.throws(() => cw.planPrivacy({ epsilonn: 1 }), /epsilonn/);
  assert.throws(() => cw.createAggregator({ kind: 'item' }), /items/);
  assert.throws(() => cw.makeReport({ kind: 'item', items: 10, history: [], epsilon: 1, period: 'p' }), /history/);
  assert.throws(() => cw.makeReport({ kind: 'item', items: 10, history: [3], epsilon: 1, period: 'p' },
    { state: { version: 9 } }), /version/);
  assert.equal(cw.planPrivacy({ epsilon: 2, items: 10 }).domain, 10);
});

test('a report carries no history and no stable id; the state is plain JSON the caller keeps', () => {
  let state = cw.newPrivacyState();
  const r = cw.makeReport({ kind: 'item', items: 50, history: [7, 9], epsilon: 1, period: '2026-11' }, { state });
  assert.deepEqual(Object.keys(r.report).sort(), ['domain', 'epsilon', 'id', 'items', 'kind', 'mechanism', 'payload', 'v']);
  assert.match(r.report.id, /^[0-9a-f]{32}$/);
  assert.ok([7, 9].includes(r.value));
  assert.equal(r.charged, 1);
  state = JSON.parse(JSON.stringify(r.state)); // as if stored in localStorage and read back
  const again = cw.makeReport({ kind: 'item', items: 50, history: [r.value], epsilon: 1, period: '2026-12' }, { state });
  assert.equal(again.memoised, true);
  assert.equal(again.charged, 0);
  assert.deepEqual(again.report.payload, r.report.payload); // permanent randomisation reused
  assert.notEqual(again.report.id, r.report.id);
  assert.deepEqual(cw.validateReport(again.report), again.report);
  const status = cw.privacyStatus({ state: again.state, period: '2026-12' });
  assert.equal(status.spent, 1);
  assert.equal(status.reportsThisPeriod, 1);
});

test('the budget is enforced: epsilon above the configured maximum, reports per period, total', () => {
  const budget = { maxEpsilonPerReport: 1, maxReportsPerPeriod: 1, maxTotalEpsilon: 2 };
  let state = cw.newPrivacyState();
  assert.throws(() => cw.makeReport({ kind: 'item', items: 10, history: [1], epsilon: 3, period: 'a' }, { state, budget }),
    /exceeds this device's maximum of 1/);
  state = cw.makeReport({ kind: 'item', items: 10, history: [1], epsilon: 1, period: 'a' }, { state, budget }).state;
  assert.throws(() => cw.makeReport({ kind: 'item', items: 10, history: [1], epsilon: 1, period: 'a' }, { state, budget }),
    /report budget of period "a" is used up/);
  state = cw.makeReport({ kind: 'item', items: 10, history: [2], epsilon: 1, period: 'b' }, { state, budget }).state;
  assert.throws(() => cw.makeReport({ kind: 'item', items: 10, history: [3], epsilon: 1, period: 'c' }, { state, budget }),
    /privacy budget exhausted/);
});

test('aggregated estimates recover known counts within 5 standard errors, for each mechanism', () => {
  const truth = [400, 250, 150, 100, 60, 40]; // 1000 devices over 6 courses
  for (const mechanism of ['grr', 'oue', 'olh']) {
    const agg = cw.createAggregator({ kind: 'item', items: 6 });
    try {
      const reports = [];
      truth.forEach((n, v) => {
        for (let i = 0; i < n; i++) {
          reports.push(cw.makeReport({ kind: 'item', items: 6, history: [v], epsilon: 2, mechanism, period: 'p' }).report);
        }
      });
      assert.equal(agg.add(reports).accepted, 1000);
      const e = agg.estimate();
      assert.ok(e.count instanceof Float64Array);
      truth.forEach((n, v) => {
        assert.ok(Math.abs(e.count[v] - n) < 5 * e.standardError[v], `${mechanism} value ${v}: ${e.count[v]} vs ${n} ± ${e.standardError[v]}`);
        assert.ok(e.lower[v] < e.count[v] && e.count[v] < e.upper[v]);
      });
    } finally {
      agg.close();
    }
  }
});

test('the aggregator rejects malformed reports whole, with reasons, and counts them', () => {
  const agg = cw.createAggregator({ kind: 'item', items: 5, maxEpsilon: 4 });
  try {
    const good = cw.makeReport({ kind: 'item', items: 5, history: [1], epsilon: 1, period: 'p' }).report;
    const res = agg.add([
      good,
      good, // replay
      { ...good, id: 'f'.repeat(32), user: 'u1' },
      { ...good, id: 'e'.repeat(32), domain: 6 },
      { ...good, id: 'd'.repeat(32), epsilon: 0 },
    ]);
    assert.equal(res.accepted, 1);
    assert.deepEqual(res.rejected.map((r) => r.index), [1, 2, 3, 4]);
    assert.match(res.rejected[0].reason, /duplicate report id/);
    assert.match(res.rejected[1].reason, /unexpected field "user"/);
    assert.match(res.rejected[2].reason, /domain/);
    assert.match(res.rejected[3].reason, /epsilon/);
    assert.equal(agg.addNdjson('{oops\n\n' + JSON.stringify({ ...good, id: 'c'.repeat(32) }) + '\n'), 1);
    const s = agg.summary();
    assert.equal(s.accepted, 2);
    assert.equal(s.rejected, 5);
    assert.equal(agg.estimate().reports, 2);
  } finally {
    agg.close();
  }
});

test('an item model rebuilt from private reports recovers the planted bundles', () => {
  const ds = cw.generatePlatform({ seed: 11, learners: 12000, courses: 12 });
  const csv = ds.toCSV().split('\n');
  const header = csv[0].split(',');
  const [u, it, ev] = ['user_id', 'item_id', 'event'].map((c) => header.indexOf(c));
  const catalogue = [];
  const index = new Map();
  const histories = new Map();
  for (const line of csv.slice(1)) {
    if (!line) continue;
    const f = line.split(',');
    if (f[ev] !== 'purchase' || !f[it]) continue;
    if (!index.has(f[it])) { index.set(f[it], catalogue.length); catalogue.push(f[it]); }
    if (!histories.has(f[u])) histories.set(f[u], new Set());
    histories.get(f[u]).add(index.get(f[it]));
  }
  const d = catalogue.length;
  const items = cw.createAggregator({ kind: 'item', items: d });
  const pairs = cw.createAggregator({ kind: 'pair', items: d });
  try {
    for (const h of histories.values()) {
      let state = cw.newPrivacyState();
      const history = [...h];
      const r = cw.makeReport({ kind: 'item', items: d, history, epsilon: 4, period: 'p' }, { state, budget: { maxEpsilonPerReport: 4 } });
      items.add(r.report);
      state = r.state;
      if (history.length >= 2) {
        pairs.add(cw.makeReport({ kind: 'pair', items: d, history, epsilon: 4, period: 'p' }, { state, budget: { maxEpsilonPerReport: 4 } }).report);
      }
    }
    const { model, report } = cw.buildModelFromReports(items, pairs, catalogue, { k: 5 });
    assert.equal(model.items.length, d);
    assert.ok(report);
    let hits = 0;
    const byId = new Map(model.items.map((x, i) => [x.id, i]));
    for (const [a, b] of ds.truth.bundles) {
      const nb = model.items[byId.get(a)].neighbors;
      if (nb.length && nb[0][0] === byId.get(b)) hits++;
    }
    assert.ok(hits >= ds.truth.bundles.length - 1, `${hits} of ${ds.truth.bundles.length} bundles recovered`);
    if (typeof cw.loadModel === 'function') {
      const rec = cw.loadModel(model);
      assert.equal(rec.size, d);
      rec.close?.();
    }
    // The hybrid: the site's own learners per course (public counts) for popularity and as the
    // prior the private pair estimates are shrunk towards. Same reports, same bundles recovered.
    const publicCounts = catalogue.map(() => 0);
    for (const h of histories.values()) for (const i of h) publicCounts[i] += 1;
    const hybrid = cw.buildModelFromReports(items, pairs, catalogue, { k: 5, publicCounts }).model;
    assert.equal(hybrid.method, 'ldp-hybrid-cosine');
    assert.deepEqual(hybrid.items.map((x) => x.popularity), publicCounts);
    let hybridHits = 0;
    for (const [a, b] of ds.truth.bundles) {
      const nb = hybrid.items[byId.get(a)].neighbors;
      if (nb.length && nb[0][0] === byId.get(b)) hybridHits++;
    }
    assert.ok(hybridHits >= ds.truth.bundles.length - 1, `hybrid: ${hybridHits} of ${ds.truth.bundles.length} bundles recovered`);
  } finally {
    items.close();
    pairs.close();
    ds.close();
  }
});

// The issue's "Bad input" list, case by case, through the JS API: each is a thrown Error with a
// clear message (or, where the input is usable, a counted and reported outcome), and the module
// keeps working afterwards.
test('bad input list of the on-device recommender + LDP issue: each case answered clearly', () => {
  const model = { format: 'circlewise-item-model', version: 1, method: 'x', k: 1,
    items: [{ id: 'a', popularity: 3, neighbors: [[1, 0.5]] }, { id: 'b', popularity: 2 }, { id: 'c', popularity: 1 }] };
  const rec = cw.loadModel(model);
  const bin = rec.toBinary();
  // Corrupt, truncated or wrong-version model files.
  assert.throws(() => cw.loadModel(bin.subarray(0, bin.length - 1)), /truncated/);
  const flipped = bin.slice();
  flipped[bin.length >> 1] ^= 0x40;
  assert.throws(() => cw.loadModel(flipped), /checksum/);
  assert.throws(() => cw.loadModel(JSON.stringify(model).slice(0, -5)), { name: 'Error' });
  assert.throws(() => cw.loadModel({ ...model, version: 3 }), /version 3 is not supported/);
  assert.throws(() => cw.loadModel({ ...model, format: 'other' }), /format/);
  // An item id the model does not know: counted and named, never fatal.
  const r = rec.recommend(['a', 'zzz'], { n: 2 });
  assert.deepEqual(r.unknownItems, ['zzz']);
  assert.equal(r.unknownEvents, 1);
  // ... and an item index outside the catalogue in a report request is an error.
  assert.throws(() => cw.makeReport({ kind: 'item', items: 3, history: [3], epsilon: 1, period: 'p' }), /item index 3/);
  // An empty history: popular courses for a recommendation, an error for a report.
  assert.deepEqual(rec.recommend([], { n: 3 }).items.map((x) => x.id), ['a', 'b', 'c']);
  assert.throws(() => cw.makeReport({ kind: 'item', items: 3, history: [], epsilon: 1, period: 'p' }), /"history" is empty/);
  assert.throws(() => cw.makeReport({ kind: 'pair', items: 3, history: [1], epsilon: 1, period: 'p' }), /at least 2 distinct courses/);
  // Epsilon <= 0, absurd, or not a number (Infinity and NaN become null in JSON).
  for (const epsilon of [0, -1, 10.5, 1e9, Infinity, NaN, '2']) {
    assert.throws(() => cw.makeReport({ kind: 'item', items: 3, history: [1], epsilon, period: 'p' }), /epsilon/, String(epsilon));
    assert.throws(() => cw.planPrivacy({ epsilon }), /epsilon/, String(epsilon));
  }
  assert.throws(() => cw.createAggregator({ items: 3, maxEpsilon: 0 }), /maxEpsilon/);
  // A domain of 0 or 1 item.
  for (const items of [0, 1]) {
    assert.throws(() => cw.planPrivacy({ items }), /"items" .*\[2, /);
    assert.throws(() => cw.makeReport({ kind: 'item', items, history: [0], epsilon: 1, period: 'p' }), /"items" .*\[2, /);
    assert.throws(() => cw.createAggregator({ items }), /"items" .*\[2, /);
  }
  // A malformed report at the aggregator is rejected whole: the estimate is what the valid ones give.
  const good = cw.makeReport({ kind: 'item', items: 3, history: [1], epsilon: 1, mechanism: 'grr', period: 'p' }).report;
  const only = cw.createAggregator({ items: 3 });
  const mixed = cw.createAggregator({ items: 3 });
  try {
    only.add(good);
    const res = mixed.add([good, { ...good, id: 'a'.repeat(32), payload: { value: 7 } }, { ...good, id: 'b'.repeat(32), payload: {} }, 'nonsense']);
    assert.equal(res.accepted, 1);
    assert.equal(res.rejected.length, 3);
    assert.deepEqual(Array.from(mixed.estimate().values), Array.from(only.estimate().values));
    assert.throws(() => cw.validateReport({ ...good, payload: { value: 3 } }), /value/);
    assert.throws(() => cw.validateReport('{"v":1,'), { name: 'Error' });
  } finally {
    only.close();
    mixed.close();
  }
  // Still usable.
  assert.equal(cw.planPrivacy({ epsilon: 1, items: 3 }).domain, 3);
  rec.close();
});
