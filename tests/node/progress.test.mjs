// Progress reports of the long analyses (segment, rules, churn, kmeans, fitChurnModel) through the
// public JS API: reported from inside the computation, fractions 0..1 never decreasing and ending
// at 1, the same result as without a callback, and a throwing callback does not break the module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../web/index.js';

const cw = await load();
const ds = cw.generatePlatform({ seed: 11, learners: 1500, communities: 4 });

function collect() {
  const seen = [];
  return { seen, onProgress: (p) => seen.push(p) };
}

function checkReports(seen, stages) {
  assert.ok(seen.length >= 2, `expected several reports, got ${seen.length}`);
  for (let i = 0; i < seen.length; i++) {
    const { stage, fraction } = seen[i];
    assert.ok(stages.includes(stage), `unexpected stage "${stage}"`);
    assert.ok(fraction >= 0 && fraction <= 1, `fraction ${fraction} outside 0..1`);
    if (i) assert.ok(fraction >= seen[i - 1].fraction, `fraction went back: ${seen[i - 1].fraction} -> ${fraction}`);
  }
  assert.equal(seen[seen.length - 1].fraction, 1);
  assert.equal(seen.filter((p) => p.fraction === 1).length, 1, 'completion is reported once');
}

test('segment reports the feature pass, then k-means, and returns the same segments as without it', () => {
  const p = collect();
  const withP = ds.segment({ k: 4, seed: 1, nInit: 3, onProgress: p.onProgress });
  checkReports(p.seen, ['learner features', 'k-means']);
  assert.equal(p.seen[0].stage, 'learner features');
  assert.equal(p.seen.findLast((x) => x.stage === 'learner features').fraction, 0.4);
  // Three restarts share k-means' range (0.4..1): some report lies in each third of it.
  for (const third of [0, 1, 2]) assert.ok(p.seen.some((x) => x.stage === 'k-means' && x.fraction > 0.4 + 0.2 * third && x.fraction <= 0.4 + 0.2 * (third + 1)));
  const without = ds.segment({ k: 4, seed: 1, nInit: 3 });
  assert.deepEqual(withP.kmeans, without.kmeans);
  assert.deepEqual([...withP.assignments], [...without.assignments]);
});

test('automatic k reports progress across every k tried', () => {
  const p = collect();
  const r = ds.segment({ autoK: true, kMin: 2, kMax: 5, nInit: 1, seed: 3, onProgress: p.onProgress });
  checkReports(p.seen, ['learner features', 'k-means']);
  assert.equal(r.autoK.tried.length, 4);
  assert.ok(p.seen.some((x) => x.fraction > 0.85 && x.fraction < 1), 'the last k has its own quarter of the k-means range');
});

test('rules report baskets, itemsets and rules stages in order', () => {
  const p = collect();
  const r = ds.rules({ minSupport: 0.002, maxSize: 3, onProgress: p.onProgress });
  checkReports(p.seen, ['baskets', 'frequent itemsets', 'rules']);
  const order = ['baskets', 'frequent itemsets', 'rules'];
  const stageIdx = p.seen.map((x) => order.indexOf(x.stage));
  assert.deepEqual(stageIdx, [...stageIdx].sort((a, b) => a - b));
  assert.deepEqual(r, ds.rules({ minSupport: 0.002, maxSize: 3 }));
});

test('churn reports the summary, the fit, the spend model, the scoring and the conversion table', () => {
  const p = collect();
  const r = ds.churn({ onProgress: p.onProgress });
  const order = ['purchase summary', 'BG/NBD fit', 'spend model', 'scoring learners', 'conversion per community'];
  checkReports(p.seen, order);
  const stages = p.seen.map((x) => x.stage).filter((s, i, a) => i === 0 || a[i - 1] !== s);
  assert.deepEqual(stages, order);
  assert.ok(p.seen.filter((x) => x.stage === 'BG/NBD fit').length >= 3, 'the fit reports while it runs');
  const plain = ds.churn();
  assert.deepEqual(r.model, plain.model);
  assert.deepEqual([...r.learners.pAlive], [...plain.learners.pAlive]);
});

test('kmeans on a matrix and fitChurnModel take onProgress too', () => {
  const rows = 3000, cols = 3;
  const data = new Float64Array(rows * cols).map((_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
  const p = collect();
  cw.kmeans(data, rows, cols, { k: 5, seed: 2, onProgress: p.onProgress });
  checkReports(p.seen, ['k-means']);
  const q = collect();
  const summary = ds.churn().learners;
  const table = summary.ids.map((id, i) => ({ learner: id, frequency: summary.frequency[i], recency: summary.recency[i], T: summary.T[i] }));
  cw.fitChurnModel(table, { onProgress: q.onProgress });
  checkReports(q.seen, ['BG/NBD fit', 'spend model', 'scoring learners']);
});

test('a throwing callback fails the call with its error; a non-function is refused; the module keeps working', () => {
  assert.throws(() => ds.segment({ k: 3, onProgress: () => { throw new Error('stop here'); } }), { message: 'stop here' });
  assert.throws(() => ds.rules({ onProgress: () => { throw new Error('no rules'); } }), { message: 'no rules' });
  assert.throws(() => ds.churn({ onProgress: () => { throw new Error('no churn'); } }), { message: 'no churn' });
  assert.throws(() => ds.segment({ k: 3, onProgress: 'yes' }), { message: /segment: option "onProgress" must be a function/ });
  assert.equal(ds.segment({ k: 3, seed: 1 }).segments.length, 3);
  assert.ok(ds.churn().model.r > 0);
});
