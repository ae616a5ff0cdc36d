// Issue 3's bad-input list, case by case, through every learner analysis of the public JS API
// (segment, rfm, rules, funnel, cohorts, churn, conversionByCommunity, kmeans, fitChurnModel):
// each answer is a clear Error naming the problem, or a documented result — never a crash or a
// hang — and the module keeps working afterwards. docs/bad-input.md lists the same answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../web/index.js';

const cw = await load();
const HEAD = 'user_id,item_id,event,ts,amount,community\n';

test('empty data: a header-only log', () => {
  const ds = cw.parseEvents(HEAD);
  assert.throws(() => ds.segment(), { message: /the event log is empty: there are no learners to describe/ });
  assert.throws(() => ds.rfm(), { message: /the event log is empty/ });
  const rules = ds.rules();
  assert.equal(rules.baskets.count, 0);
  assert.equal(rules.itemsets.length, 0);
  assert.ok(rules.warnings.length > 0);
  const f = ds.funnel();
  assert.equal(f.entered, 0);
  const c = ds.cohorts();
  assert.deepEqual(c.cohorts, []);
  assert.match(c.warnings[0], /no events/);
  assert.throws(() => ds.churn(), { message: /the event log is empty: the churn model needs purchases/ });
  assert.equal(ds.conversionByCommunity().overall.learners, 0);
  // Events but no purchase at all: the churn model says so.
  const noBuy = cw.parseEvents(HEAD + 'a,c1,view,2025-01-01,,club\n');
  assert.throws(() => noBuy.churn(), { message: /no learner has a purchase up to asOf/ });
  noBuy.close();
  assert.throws(() => cw.fitChurnModel([]), { message: /the summary has no rows/ });
  assert.throws(() => cw.kmeans(new Float64Array(0), 0, 2), { message: /rows must be a positive integer/ });
  ds.close();
});

test('a single learner', () => {
  const ds = cw.parseEvents(HEAD + 'solo,c1,view,2025-01-01,,club\nsolo,c1,purchase,2025-01-02,20,club\nsolo,c2,purchase,2025-02-02,30,club\n');
  assert.throws(() => ds.segment({ k: 2 }), { message: /"k" = 2 is larger than the number of learners \(1\)/ });
  const one = ds.segment({ k: 1 });
  assert.equal(one.segments[0].size, 1);
  assert.throws(() => ds.segment({ autoK: true }), { message: /at least 3 learners/ });
  assert.equal(ds.rfm().learners, 1);
  assert.equal(ds.rules({ minSupport: 1 }).rules.length, 2); // c1 => c2 and c2 => c1, in the one basket
  assert.deepEqual(ds.funnel().steps.map((s) => s.learners), [1, 0, 0, 0]);
  assert.equal(ds.cohorts({ period: 'month' }).cohorts[0].size, 1);
  assert.throws(() => ds.churn(), { message: /at least 2 learners with a purchase; got 1/ });
  assert.equal(ds.conversionByCommunity().overall.conversionRate, 1);
  ds.close();
});

test('k larger than the number of distinct learners', () => {
  const ds = cw.generatePlatform({ seed: 4, learners: 30 });
  assert.throws(() => ds.segment({ k: 31 }), { message: /"k" = 31 is larger than the number of learners \(30\); choose k <= 30/ });
  assert.throws(() => cw.kmeans(new Float64Array(6), 3, 2, { k: 4 }), { message: /"k" = 4 is larger than the number of rows \(3\)/ });
  ds.close();
});

test('all-identical features: one segment holds everyone, the others are reported empty', () => {
  let csv = HEAD;
  for (let u = 0; u < 12; u++) csv += `u${u},c1,view,2025-01-01,,club\nu${u},c1,purchase,2025-01-01T01:00,10,club\n`;
  const ds = cw.parseEvents(csv);
  const s = ds.segment({ k: 3, seed: 1 });
  assert.deepEqual(s.segments.map((x) => x.size).sort((a, b) => b - a), [12, 0, 0]);
  assert.equal(s.kmeans.emptyClusters, 2);
  assert.equal(s.kmeans.inertia, 0);
  assert.ok(s.segments.filter((x) => x.size === 0).every((x) => x.label === null));
  const a = ds.segment({ autoK: true, kMin: 2, kMax: 4 });
  assert.ok(a.autoK.tried.every((t) => t.silhouette === 0));
  assert.equal(a.autoK.chosen, 2);
  const r = ds.rfm();
  assert.equal(new Set(r.segment).size, 1);
  assert.throws(() => ds.churn(), { message: /no learner made a repeat purchase/ });
  const same = new Float64Array(20).fill(3);
  assert.equal(cw.kmeans(same, 10, 2, { k: 2 }).inertia, 0);
  ds.close();
});

test('NaN or infinite values', () => {
  const bad = new Float64Array([1, 2, 3, Infinity]);
  assert.throws(() => cw.kmeans(bad, 2, 2, { k: 1 }), { message: /row 1, column 1 is infinite/ });
  assert.throws(() => cw.kmeans(new Float64Array([NaN, 1]), 1, 2, { k: 1 }), { message: /row 0, column 0 is NaN/ });
  assert.throws(() => cw.fitChurnModel([{ learner: 'a', frequency: 1, recency: Infinity, T: 5 }]), { message: /row 1, column "recency": is infinite/ });
  assert.throws(() => cw.fitChurnModel('learner,frequency,recency,T\na,1,2,5\nb,1,NaN,5\n'), { message: /line 3, column "recency"/ });
  assert.throws(() => cw.parseEvents(HEAD + 'a,c1,purchase,2025-01-01,NaN,club\n'), { message: /line 2, column "amount"/ });
  assert.throws(() => cw.parseEvents(HEAD + 'a,c1,purchase,2025-01-01,Infinity,club\n'), { message: /line 2, column "amount"/ });
});

test('min support of 0 or above 1', () => {
  const ds = cw.generatePlatform({ seed: 4, learners: 50 });
  for (const minSupport of [0, -0.1, 1.5, NaN]) {
    assert.throws(() => ds.rules({ minSupport }), { message: /"minSupport" must be a number in \(0, 1\]/ });
    assert.throws(() => cw.frequentItemsets([[1, 2]], { minSupport }), { message: /"minSupport" must be a number in \(0, 1\]/ });
  }
  ds.close();
});

test('a funnel step that never occurs: 0 learners from there on, and a warning', () => {
  const ds = cw.generatePlatform({ seed: 4, learners: 50 });
  const f = ds.funnel({ steps: ['view', 'certificate', 'purchase'] });
  assert.deepEqual(f.steps.map((s) => s.learners).slice(1), [0, 0]);
  assert.match(f.warnings.join(' '), /"certificate" never occurs/);
  ds.close();
});

test('a summary table with recency > T', () => {
  assert.throws(() => cw.fitChurnModel([{ learner: 'a', frequency: 1, recency: 9, T: 5 }, { learner: 'b', frequency: 1, recency: 1, T: 5 }]),
    { message: /^row 1, column "recency": 9 is greater than T = 5/ });
  assert.throws(() => cw.fitChurnModel('learner,frequency,recency,T\na,1,2,5\nb,2,8,7\n'), { message: /^line 3, column "recency": 8 is greater than T = 7/ });
});

test('after all of the above the module still works', () => {
  const ds = cw.generatePlatform({ seed: 9, learners: 300 });
  assert.equal(ds.segment({ k: 3 }).segments.length, 3);
  assert.ok(ds.churn().model.r > 0);
  ds.close();
});
