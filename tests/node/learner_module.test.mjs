// The learner module (circlewise/learner, dist/circlewise-learner.wasm) against the full module:
// the same recommendations for the same model and history, reports the full module's aggregator
// accepts and estimates correctly, thrown Errors, and the full module unaffected alongside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { load as loadFull } from '../../web/index.js';
import { load as loadLearner } from '../../web/learner.js';

const full = await loadFull();
const learner = await loadLearner();
const exampleModel = await readFile(new URL('../../examples/model.json', import.meta.url), 'utf8');

test('the learner module links only the learner bindings, and is much smaller', async () => {
  for (const name of ['loadItemModel', 'ldpMakeReport', 'ldpBudgetStatus', 'ldpValidateReport']) {
    assert.equal(typeof learner.module[name], 'function', name);
  }
  for (const name of ['buildItemModel', 'buildItemModelFromCounts', 'newLdpAggregator', 'ldpPlan', 'parseEvents', 'evaluateRecommender']) {
    assert.equal(learner.module[name], undefined, `${name} is site-side and must not be in the learner module`);
    assert.equal(typeof full.module[name] === 'function' || name === 'parseEvents', true, name);
  }
  const size = async (f) => (await stat(new URL(`../../dist/${f}`, import.meta.url))).size;
  assert.ok(await size('circlewise-learner.wasm') < (await size('circlewise.wasm')) / 2);
});

test('same recommendations as the full module for the same model and history', () => {
  const ds = full.generatePlatform({ seed: 11, learners: 1500, courses: 25 });
  const built = full.buildModel(ds, { k: 8 });
  const bytes = built.toBinary();
  const courses = built.toJSON().items.map((i) => i.id);
  const models = [
    [full.loadModel(bytes), learner.loadModel(bytes)],
    [full.loadModel(exampleModel), learner.loadModel(exampleModel)],
  ];
  const histories = [
    [],
    [courses[0]],
    [courses[3], courses[7], courses[1]],
    [{ itemId: courses[2], event: 'view' }, { itemId: courses[5], event: 'purchase' }],
    [{ itemId: courses[4], event: 'complete', ts: 5 }, 'not-a-course'],
    ['tab\tin id'], // the JSON path of the wrapper
  ];
  for (const [a, b] of models) {
    assert.equal(b.size, a.size);
    assert.deepEqual(b.info(), a.info());
    assert.deepEqual(b.toBinary(), a.toBinary());
    for (const h of histories) {
      for (const options of [{}, { n: 3 }, { n: 10, community: 'dev-bootcamp' }]) {
        const ra = a.recommend(h, options);
        assert.ok(ra.items.length > 0);
        assert.deepEqual(b.recommend(h, options), ra, JSON.stringify({ h, options }));
      }
    }
    a.close();
    b.close();
  }
  built.close();
  ds.close();
});

test('reports made by the learner module are valid for the full module and recover the truth', () => {
  const budget = { maxEpsilonPerReport: 2, maxTotalEpsilon: 4, maxReportsPerPeriod: 2 };
  const r = learner.makeReport({ kind: 'pair', items: 12, history: [1, 4, 9], epsilon: 1, period: '2026-11' },
    { state: learner.newPrivacyState(), budget });
  assert.deepEqual(full.validateReport(r.report), learner.validateReport(r.report));
  assert.deepEqual(learner.privacyStatus({ state: r.state, budget, period: '2026-11' }),
    full.privacyStatus({ state: r.state, budget, period: '2026-11' }));
  assert.deepEqual(r.status, full.privacyStatus({ state: r.state, budget, period: '2026-11' }));

  // Parameter recovery: 4000 devices report one item each from a known distribution; the full
  // module's aggregator must accept every report and estimate each count within 5 standard errors.
  const truth = [0.5, 0.3, 0.15, 0.05];
  const n = 4000;
  const agg = full.createAggregator({ kind: 'item', items: truth.length });
  const counts = [0, 0, 0, 0];
  const reports = [];
  for (let i = 0; i < n; i++) {
    const item = truth.findIndex((_, k) => i / n < truth.slice(0, k + 1).reduce((s, x) => s + x, 0));
    counts[item]++;
    reports.push(learner.makeReport({ kind: 'item', items: truth.length, history: [item], epsilon: 2, period: 'p' }).report);
  }
  assert.deepEqual(agg.add(reports), { accepted: n, rejected: [] });
  const est = agg.estimate();
  for (let k = 0; k < truth.length; k++) {
    assert.ok(Math.abs(est.count[k] - counts[k]) < 5 * est.standardError[k], `item ${k}: ${est.count[k]} vs ${counts[k]} (se ${est.standardError[k]})`);
  }
  agg.close();
});

test('errors are thrown Errors with the reason, and the learner module keeps working', () => {
  assert.throws(() => learner.loadModel(new Uint8Array([67, 87, 73, 77, 1, 2])), { name: 'Error' });
  assert.throws(() => learner.loadModel('{"format":"circlewise-item-model"'), { name: 'Error' });
  const rec = learner.loadModel(exampleModel);
  assert.throws(() => rec.recommend(['course-001'], { n: 0 }), { name: 'Error', message: /"n"/ });
  assert.throws(() => rec.recommend('course-001'), { name: 'Error', message: /history must be an array/ });
  assert.throws(() => learner.makeReport({ kind: 'item', items: 10, history: [], epsilon: 1, period: 'p' }), { name: 'Error', message: /history/ });
  assert.throws(() => learner.validateReport('{"kind":"item"}'), { name: 'Error' });
  // Site-side methods are named, and say where they are.
  for (const name of ['buildModel', 'buildModelFromCounts', 'planPrivacy', 'createAggregator', 'buildModelFromReports']) {
    assert.throws(() => learner[name]({}), { name: 'Error', message: new RegExp(`${name} is not in the learner module.*import \\{ load \\} from 'circlewise'`) });
  }
  // Still usable after every failure.
  assert.equal(rec.recommend(['course-001'], { n: 2 }).items.length, 2);
  rec.close();
});

test('the full module still works alongside the learner module', async () => {
  const store = await learner.historyStore({ backend: 'memory' });
  await store.track('enroll', 'course-001');
  const ds = full.generatePlatform({ seed: 2, learners: 300, courses: 10 });
  assert.ok(ds.summary().users > 0);
  const m = full.buildModel(ds, { k: 5 });
  const viaLearner = learner.loadModel(m.toBinary());
  assert.deepEqual(viaLearner.recommend(await store.history()), m.recommend(await store.history()));
  assert.ok(full.planPrivacy({ epsilon: 1, items: 10 }).mechanisms.length === 3);
  viaLearner.close();
  m.close();
  ds.close();
});
