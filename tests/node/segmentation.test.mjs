// Segmentation through the public JS API under Node: k-means on simulated clusters with known
// membership (ARI computed here, independently of the C++ one), the reported inertia recomputed in
// JS, Hamerly against Lloyd, golden values shared with the native test (same seed, same result in
// WASM and native), segments and RFM on the synthetic platform, and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../web/index.js';

const cw = await load();

// Deterministic Gaussian blobs from a small LCG + Box–Muller (independent of the C++ generator).
function blobs(seed, k, d, nPer, spread, sd) {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const gauss = () => Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd());
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => spread * (rnd() - 0.5)));
  const data = new Float64Array(k * nPer * d);
  const truth = new Int32Array(k * nPer);
  for (let i = 0; i < k * nPer; i++) {
    const c = i % k;
    truth[i] = c;
    for (let j = 0; j < d; j++) data[i * d + j] = centres[c][j] + sd * gauss();
  }
  return { data, truth, rows: k * nPer, cols: d };
}

// Adjusted Rand index from the contingency table (Hubert & Arabie 1985).
function ari(a, b) {
  const cells = new Map(), ra = new Map(), rb = new Map();
  for (let i = 0; i < a.length; i++) {
    const key = `${a[i]},${b[i]}`;
    cells.set(key, (cells.get(key) ?? 0) + 1);
    ra.set(a[i], (ra.get(a[i]) ?? 0) + 1);
    rb.set(b[i], (rb.get(b[i]) ?? 0) + 1);
  }
  const c2 = (m) => (m * (m - 1)) / 2;
  const sum = (m) => [...m.values()].reduce((t, v) => t + c2(v), 0);
  const index = sum(cells), sa = sum(ra), sb = sum(rb);
  const expected = (sa * sb) / c2(a.length), max = (sa + sb) / 2;
  return max === expected ? 1 : (index - expected) / (max - expected);
}

function inertiaOf(data, cols, labels, centroids) {
  let t = 0;
  for (let i = 0; i < labels.length; i++) {
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j] - centroids[labels[i] * cols + j];
      t += v * v;
    }
  }
  return t;
}

test('ari helper matches the hand-computed example', () => {
  assert.ok(Math.abs(ari([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) - 8 / 33) < 1e-15);
});

test('kmeans recovers well-separated simulated clusters (ARI >= 0.95) and reports its true inertia', () => {
  const { data, truth, rows, cols } = blobs(7, 6, 5, 400, 60, 1.5);
  const r = cw.kmeans(data, rows, cols, { k: 6, seed: 3 });
  assert.ok(r.labels instanceof Int32Array && r.labels.length === rows);
  assert.ok(r.centroids instanceof Float64Array && r.centroids.length === 6 * cols);
  assert.ok(ari(truth, r.labels) >= 0.95, `ARI ${ari(truth, r.labels)}`);
  assert.ok(Math.abs(inertiaOf(data, cols, r.labels, r.centroids) - r.inertia) <= 1e-9 * r.inertia);
  for (const s of r.restarts) assert.ok(r.inertia <= s.inertia);
  assert.equal(r.algorithm, 'hamerly');
  assert.equal(r.converged, true);
});

test('Hamerly gives exactly Lloyd\'s assignments from the same initial centroids', () => {
  const { data, rows, cols } = blobs(11, 7, 4, 500, 8, 1.5);
  const init = cw.kmeans(data, rows, cols, { k: 9, maxIter: 1, algorithm: 'lloyd', seed: 5 });
  // Start both from the same centres (the 1-iteration result's centroids).
  const lloyd = cw.kmeans(data, rows, cols, { algorithm: 'lloyd', tol: 0, initialCentroids: init.centroids });
  const ham = cw.kmeans(data, rows, cols, { algorithm: 'hamerly', tol: 0, initialCentroids: init.centroids });
  assert.ok(lloyd.iterations > 3);
  assert.deepEqual(ham.labels, lloyd.labels);
  assert.equal(ham.iterations, lloyd.iterations);
  assert.equal(ham.inertia, lloyd.inertia);
});

test('same seed, same result; a different seed draws different restarts', () => {
  const { data, rows, cols } = blobs(5, 5, 3, 200, 8, 1.5);
  const a = cw.kmeans(data, rows, cols, { k: 5, seed: 9 });
  const b = cw.kmeans(data, rows, cols, { k: 5, seed: 9 });
  assert.deepEqual(a.labels, b.labels);
  assert.equal(a.inertia, b.inertia);
  const c = cw.kmeans(data, rows, cols, { k: 5, seed: 10 });
  assert.notEqual(c.restarts[0].inertia, a.restarts[0].inertia);
});

test('segment(): same result as the native build (golden values shared with segmentation_test.cpp)', () => {
  const ds = cw.generatePlatform({ seed: 3, learners: 800 });
  const r = ds.segment({ k: 5, seed: 42 });
  ds.close();
  // Native: SegmentationSegments.GoldenValuesSharedWithTheWasmBuild.
  assert.deepEqual(r.kmeans.sizes, GOLDEN.sizes);
  assert.ok(Math.abs(r.kmeans.inertia - GOLDEN.inertia) <= 1e-9 * GOLDEN.inertia, `${r.kmeans.inertia}`);
  assert.deepEqual(Array.from(r.assignments.slice(0, 20)), GOLDEN.first20);
});

test('segment(): segments, members, revenue shares and transforms are consistent', () => {
  const ds = cw.generatePlatform({ seed: 8, learners: 1500 });
  const summary = ds.summary();
  const r = ds.segment({ k: 4 });
  assert.equal(r.learners, summary.users);
  assert.ok(r.assignments instanceof Int32Array);
  assert.equal(r.assignments.length, r.learners);
  assert.equal(r.learnerIds.length, r.learners);
  assert.equal(typeof r.learnerIds[0], 'string');
  assert.equal(r.segments.length, 4);
  let members = 0, share = 0;
  for (const s of r.segments) {
    assert.equal(s.members.length, s.size);
    members += s.size;
    share += s.revenueShare;
    assert.equal(typeof s.label, 'string');
    assert.ok(s.centroid.recencyDays >= 0 && s.centroid.completionRate <= 1);
  }
  for (const id of r.segments[2].members.slice(0, 5)) assert.equal(r.assignments[r.learnerIds.indexOf(id)], 2);
  assert.equal(members, r.learners);
  assert.ok(Math.abs(share - 1) < 1e-9);
  // Net revenue of all learners = the summary's net revenue.
  assert.ok(Math.abs(r.totalRevenue - summary.netRevenue) < 0.01);
  assert.deepEqual(r.features.map((f) => f.transform),
    ['none', 'log1p', 'signedLog1p', 'log1p', 'log1p', 'none', 'log1p']);
  ds.close();
});

test('segment({autoK}) reports the silhouette of every k tried and explains the choice', () => {
  const ds = cw.generatePlatform({ seed: 4, learners: 600 });
  const r = ds.segment({ autoK: true, kMin: 2, kMax: 5, silhouetteSample: 300 });
  ds.close();
  assert.deepEqual(r.autoK.tried.map((t) => t.k), [2, 3, 4, 5]);
  const best = Math.max(...r.autoK.tried.map((t) => t.silhouette));
  assert.equal(r.autoK.tried.find((t) => t.k === r.autoK.chosen).silhouette, best);
  assert.equal(r.segments.length, r.autoK.chosen);
  assert.match(r.autoK.reason, new RegExp(`k = ${r.autoK.chosen} has the highest mean silhouette`));
});

test('rfm(): quintile scores 1..5 per learner and named segments that add up', () => {
  const ds = cw.generatePlatform({ seed: 2, learners: 1000 });
  const r = ds.rfm();
  ds.close();
  assert.equal(r.learnerIds.length, r.learners);
  for (const arr of [r.r, r.f, r.m]) {
    assert.ok(arr instanceof Uint8Array);
    assert.equal(arr.length, r.learners);
    for (const v of arr) assert.ok(v >= 1 && v <= 5);
  }
  // Recency has few ties: each quintile holds close to a fifth.
  const counts = [0, 0, 0, 0, 0];
  for (const v of r.r) counts[v - 1]++;
  for (const c of counts) assert.ok(Math.abs(c - r.learners / 5) < r.learners / 20, `${counts}`);
  const byName = new Map(r.segments.map((s) => [s.label, s.learners]));
  const tally = new Map();
  for (const s of r.segment) tally.set(s, (tally.get(s) ?? 0) + 1);
  for (const [label, n] of tally) assert.equal(byName.get(label), n, label);
  assert.equal(r.segments.reduce((t, s) => t + s.learners, 0), r.learners);
});

test('bad input gives a clear Error and the module keeps working', () => {
  const { data, rows, cols } = blobs(1, 2, 2, 5, 10, 1);
  assert.throws(() => cw.kmeans(data, rows, cols, { k: 11 }), { message: /"k" = 11 is larger than the number of rows \(10\)/ });
  assert.throws(() => cw.kmeans(data, rows, cols, { k: 0 }), { message: /"k"/ });
  assert.throws(() => cw.kmeans(data, rows, cols, { nInit: 2.5 }), { message: /"nInit"/ });
  assert.throws(() => cw.kmeans(data, rows, cols, { bogus: 1 }), { message: /unknown k-means option "bogus"/ });
  assert.throws(() => cw.kmeans(data, rows + 1, cols), { message: /expected rows × cols/ });
  assert.throws(() => cw.kmeans([1, 2], 1, 2), { message: /Float64Array/ });
  const bad = data.slice();
  bad[3] = NaN;
  assert.throws(() => cw.kmeans(bad, rows, cols, { k: 2 }), { message: /row 1, column 1 is NaN/ });
  const ds = cw.parseEvents('user_id,item_id,event,ts\na,c1,view,2025-01-01\nb,c1,view,2025-01-02\n');
  assert.throws(() => ds.segment({ k: 3 }), { message: /larger than the number of learners \(2\)/ });
  assert.throws(() => ds.segment({ autoK: true }), { message: /at least 3 learners/ });
  assert.throws(() => ds.segment({ features: ['spend'] }), { message: /unknown feature "spend"/ });
  assert.throws(() => ds.segment({ asOf: '2025-02-30' }), { message: /"asOf"/ });
  assert.throws(() => ds.segment({ asOf: '2020-01-01' }), { message: /no event at or before asOf/ });
  assert.throws(() => ds.rfm({ k: 3 }), { message: /unknown rfm option "k"/ });
  assert.throws(() => ds.segment('k=3'), { message: /options must be an object/ });
  // Still working.
  const ok = ds.segment({ k: 2 });
  assert.equal(ok.learners, 2);
  assert.equal(cw.kmeans(data, rows, cols, { k: 2 }).labels.length, rows);
  ds.close();
});

const GOLDEN = {
  sizes: [67, 240, 192, 200, 101],
  inertia: 2142.9135241970735,
  first20: [2, 4, 4, 0, 4, 2, 4, 4, 4, 3, 4, 3, 4, 2, 2, 4, 3, 0, 2, 4],
};
