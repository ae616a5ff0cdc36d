// A long session in ONE module instance: 10,000 mixed calls (load data, analyse, recommend, make
// and aggregate privacy reports, fit and allocate, and bad input of every kind), checking that
// nothing accumulates. Three counters, all read from the same instance:
//  - bytes the C++ allocator has handed out and not got back (mallinfo, `heapBytesInUse`): after
//    warm-up it returns to the same value at the end of every round, so no C++ object or buffer
//    is left behind, on the success paths or the error paths;
//  - Embind's live `val` handles (count_emval_handles): JS values held by C++;
//  - the JS wrappers that still own a C++ object (Dataset, Recommender, ...): zero once closed.
// WebAssembly.Memory only ever grows; it must stop growing after warm-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../web/index.js';
import { liveHandles } from '../../web/module.js';

const cw = await load();
const M = cw.module;

const CSV = ['user_id,event,item_id,ts,amount,community',
  'u1,view,c1,2024-01-01T10:00:00Z,,art', 'u1,enroll,c1,2024-01-01T11:00:00Z,,art',
  'u1,purchase,c1,2024-01-02T11:00:00Z,19.99,art', 'u2,view,c1,2024-01-03T10:00:00Z,,art',
  'u2,enroll,c2,2024-01-04T10:00:00Z,,art', 'u2,purchase,c2,2024-01-09T10:00:00Z,5.00,art',
  'u2,purchase,c1,2024-02-09T10:00:00Z,7.50,art', 'u3,view,c2,2024-01-05T10:00:00Z,,music'].join('\n') + '\n';
const MODEL = {
  format: 'circlewise-item-model', version: 1, method: 'test', k: 2,
  items: [
    { id: 'a', title: 'Algebra', category: 'math', popularity: 5, neighbors: [[1, 0.9], [2, 0.2]] },
    { id: 'b', title: 'Beta', category: 'math', popularity: 6, neighbors: [] },
    { id: 'c', title: 'Calculus', category: 'art', popularity: 8, neighbors: [[0, 0.5]] },
  ],
};
const SUMMARY = 'learner,frequency,recency,T,monetary_value\n' +
  Array.from({ length: 12 }, (_, i) => `l${i},${i % 4},${(i % 4) * 7},${40 + i},${10 + i}`).join('\n') + '\n';

const platform = cw.generatePlatform({ seed: 3, learners: 40, courses: 6 });
const history = cw.simulateMarketingHistory({ communities: 2, periods: 16, seed: 5 }).csv;
const curves = cw.fitCurves(history).curves;
const binaryModel = cw.loadModel(MODEL);
const binary = binaryModel.toBinary();
binaryModel.close();

// Each entry is one public API call; `bad` ones must throw an Error.
const calls = [
  () => { const ds = cw.parseEvents(CSV); ds.summary(); ds.close(); },
  { bad: () => cw.parseEvents('user_id,event,ts\nu1,view,not-a-date\n') },
  { bad: () => cw.parseEvents('') },
  { bad: () => cw.parseEvents(CSV, { colums: {} }) },
  () => { const ds = cw.parseEvents(CSV, { onBadRow: 'skip' }); ds.toCSV(); ds.close(); },
  () => platform.summary(),
  () => platform.funnel(),
  () => platform.cohorts(),
  () => platform.rules({ minSupport: 0.05 }),
  () => platform.segment({ k: 3, seed: 1 }),
  () => platform.rfm(),
  () => platform.churn(),
  () => platform.conversionByCommunity(),
  { bad: () => platform.funnel({ windowDays: -1 }) },
  { bad: () => platform.segment({ k: 0 }) },
  () => { const r = cw.loadModel(MODEL); r.recommend(['a', { itemId: 'zzz', event: 'view' }], { n: 2 }); r.info(); r.close(); },
  () => { const r = cw.loadModel(binary); r.recommend([]); r.toJSONText(); r.close(); },
  () => { const r = cw.buildModel(platform, { k: 5 }); r.recommend(['course-001']); r.close(); },
  { bad: () => cw.loadModel(binary.slice(0, binary.length - 3)) },
  { bad: () => cw.loadModel({ ...MODEL, version: 2 }) },
  { bad: () => { const r = cw.loadModel(MODEL); try { r.recommend(['a'], { n: 0 }); } finally { r.close(); } } },
  () => cw.makeReport({ kind: 'item', items: 30, history: [1, 4], epsilon: 1, period: 'p' }),
  { bad: () => cw.makeReport({ kind: 'item', items: 30, history: [1], epsilon: 50, period: 'p' }) },
  { bad: () => cw.makeReport({ kind: 'item', items: 30, history: [1], epsilon: 1, period: 'p' }, { state: { version: 7 } }) },
  () => {
    const agg = cw.createAggregator({ kind: 'item', items: 30 });
    const r = cw.makeReport({ kind: 'item', items: 30, history: [3], epsilon: 2, period: 'p' }).report;
    agg.add([r, r, { v: 1 }]);
    agg.addNdjson('{oops\n');
    agg.estimate();
    agg.summary();
    agg.close();
  },
  { bad: () => cw.validateReport('{"v":1}') },
  { bad: () => cw.createAggregator({ kind: 'item' }) },
  () => cw.fitCurves(history),
  () => cw.historyMetrics(history),
  () => cw.allocate(curves, { budget: 5000 }),
  () => { const a = cw.allocator(curves); a.allocate({ budget: 3000 }); a.close(); },
  { bad: () => cw.allocate(curves, { budget: -1 }) },
  { bad: () => cw.fitCurves('period,community,spend,conversions\n1,a,-5,1\n') },
  () => cw.abSampleSize({ baselineRate: 0.04, mde: 0.01 }),
  () => cw.abAnalyze({ variants: [{ visitors: 1000, conversions: 40 }, { visitors: 1000, conversions: 55 }] }),
  { bad: () => cw.abSampleSize({ baselineRate: 2, mde: 0.01 }) },
  () => cw.fitChurnModel(SUMMARY),
  { bad: () => cw.fitChurnModel('learner,frequency,recency,T\na,1,x,5\n') },
  () => cw.planPrivacy({ epsilon: 1, items: 20 }),
  { bad: () => cw.planPrivacy({ epsilon: Number.NaN }) },
];

test('10,000 mixed calls in one instance leave no C++ memory, no Embind handle and no wrapper behind', () => {
  const TOTAL = 10000;
  let done = 0, errors = 0;
  const round = () => {
    for (const c of calls) {
      if (done >= TOTAL) return;
      if (typeof c === 'function') c();
      else { assert.throws(c.bad, Error); errors++; }
      done++;
    }
  };
  const sample = () => ({ inUse: M.heapBytesInUse(), memory: M.HEAPU8.buffer.byteLength, emval: M.count_emval_handles(), wrappers: liveHandles() });
  // Warm-up: lazily built tables and the allocator's first growth.
  for (let i = 0; i < 5; i++) round();
  const base = sample();
  const samples = [];
  while (done < TOTAL) {
    round();
    if (done < TOTAL) samples.push(sample());  // only after complete rounds
  }
  assert.equal(done, TOTAL);
  assert.ok(errors > 2000, `errors exercised: ${errors}`);
  // Open: the long-lived dataset (the platform) and allocate()'s cache of parsed curves (at most
  // 8 per module, web/allocation.js); everything else was closed.
  assert.equal(base.wrappers, 2);
  for (const s of samples) {
    assert.equal(s.wrappers, base.wrappers, 'a JS wrapper was left owning a C++ object');
    assert.equal(s.emval, base.emval, 'Embind val handles accumulate');
    assert.equal(s.inUse, base.inUse, `C++ heap bytes in use grew: ${base.inUse} -> ${s.inUse}`);
    assert.equal(s.memory, base.memory, 'WebAssembly.Memory kept growing after warm-up');
  }
  platform.close();
  assert.equal(liveHandles(), 1);
  assert.ok(M.heapBytesInUse() < base.inUse, 'closing the dataset returns its memory');
});
