// The bad-input contract (docs/bad-input.md, "Every entry point"): for each public JS entry point,
// each kind of bad input gets a thrown Error (a rejected promise for async calls) whose message
// says what is wrong, and the module keeps working. One test per table row; the first test checks
// that the table and this file list the same entry points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { load } from '../../web/index.js';

const cw = await load();
const ds = cw.generatePlatform({ seed: 2, learners: 60, courses: 6 });
const deepText = (n) => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const MODEL = { format: 'circlewise-item-model', version: 1, method: 'x', k: 1, items: [{ id: 'a', neighbors: [[1, 0.5]] }, { id: 'b' }] };
const modelBinary = (() => { const r = cw.loadModel(MODEL); try { return r.toBinary(); } finally { r.close(); } })();
const HISTORY = 'period,community,spend,conversions\n';
const SUMMARY = 'learner,frequency,recency,T\n';
const report = cw.makeReport({ kind: 'item', items: 5, history: [1], epsilon: 1, period: 'p' }).report;
const curves = [{ community: 'a', model: 'hill', top: 100, scale: 50, shape: 1 }, { community: 'b', model: 'exponential', top: 80, scale: 40, shape: 1 }];
const withAggregator = (f) => { const a = cw.createAggregator({ kind: 'item', items: 5 }); try { return f(a); } finally { a.close(); } };
const withModel = (f) => { const r = cw.loadModel(MODEL); try { return f(r); } finally { r.close(); } };
const EVENTS = 'user_id,event,ts,amount\n';

// entry point -> [kind of bad input, call, expected message]
const CONTRACT = {
  readEvents: [
    ['empty', () => cw.readEvents(''), /the input is empty/],
    ['huge', () => cw.readEvents(EVENTS + 'u,view,2024-01-01,\n'.repeat(20), { maxEvents: 10 }), /more than 10 events \(maxEvents\)/],
    ['NaN amount', () => cw.readEvents(EVENTS + 'u,purchase,2024-01-01,NaN\n'), /line 2, column "amount": "NaN" is not a number/],
    ['negative money', () => cw.readEvents(EVENTS + 'u,purchase,2024-01-01,-5.00\n'), /"-5.00" is negative/],
    ['date out of range', () => cw.readEvents(EVENTS + 'u,view,2100-01-01,\n'), /outside the accepted range 1970-01-01 to 2099-12-31/],
    ['invalid UTF-8', () => cw.readEvents(new Uint8Array([...new TextEncoder().encode(EVENTS), 0xff, 0x2c, 0x76, 0x2c, 0x31, 0x2c, 0x0a])), /line 2, column "user_id": is not valid UTF-8/],
    ['lone surrogate', () => cw.readEvents(EVENTS + 'u\ud800,view,2024-01-01,\n'), /line 2 is not valid Unicode text/],
    ['deep JSON', () => cw.readEvents('[{"user_id":' + deepText(100) + '}]', { format: 'json' }), /nested deeper than 32 levels/],
    ['unknown option', () => cw.readEvents(EVENTS, { colums: {} }), /unknown read option "colums"/],
  ],
  parseEvents: [
    ['empty', () => cw.parseEvents(''), /the input is empty/],
    ['huge field', () => cw.parseEvents('user_id,event,ts\n' + 'x'.repeat(70000)), /longer than 65536 bytes/],
    ['Infinity amount', () => cw.parseEvents(EVENTS + 'u,purchase,2024-01-01,Infinity\n'), /"Infinity" is not a number/],
    ['negative money', () => cw.parseEvents(EVENTS + 'u,purchase,2024-01-01,-1\n'), /is negative/],
    ['date out of range', () => cw.parseEvents(EVENTS + 'u,view,1969-12-31,\n'), /outside the accepted range/],
    ['duplicate column', () => cw.parseEvents('user_id,event,ts,ts\n'), /duplicate column "ts"/],
    ['lone surrogate', () => cw.parseEvents(EVENTS + 'u,view\udc80,2024-01-01,\n'), /line 2 is not valid Unicode text/],
    ['wrong type', () => cw.parseEvents(42), /the source must be a string or bytes/],
  ],
  generatePlatform: [
    ['huge', () => cw.generatePlatform({ learners: 1e9 }), /"learners" must be between 1 and 10000000/],
    ['NaN', () => cw.generatePlatform({ learners: Number.NaN }), /learners/],
    ['date out of range', () => cw.generatePlatform({ start: '1960-01-01' }), /outside the accepted range/],
    ['unknown option', () => cw.generatePlatform({ learnrs: 5 }), /unknown platform option "learnrs"/],
  ],
  'Dataset.rules': [
    ['huge', () => ds.rules({ minSupport: 0.0001, maxItemsets: 10 }), /gives more than 10 frequent itemsets/],
    ['NaN', () => ds.rules({ minSupport: Number.NaN }), /minSupport/],
    ['unknown option', () => ds.rules({ minSuport: 0.1 }), /minSuport/],
  ],
  'Dataset.funnel': [
    ['negative', () => ds.funnel({ windowDays: -1 }), /windowDays/],
    ['wrong type', () => ds.funnel({ steps: 5 }), /steps/],
    ['unknown option', () => ds.funnel({ stepz: [] }), /stepz/],
  ],
  'Dataset.cohorts': [
    ['bad value', () => ds.cohorts({ period: 'year' }), /"period" must be "day", "week" or "month"/],
    ['unknown option', () => ds.cohorts({ perod: 'week' }), /perod/],
  ],
  'Dataset.segment': [
    ['huge', () => ds.segment({ k: 1e9 }), /"k" must be an integer in 1\.\.10000/],
    ['date out of range', () => ds.segment({ k: 2, asOf: '2200-01-01' }), /outside the accepted range/],
    ['impossible date', () => ds.segment({ k: 2, asOf: '2024-02-30' }), /no such day in that month/],
    ['unknown option', () => ds.segment({ kk: 2 }), /kk/],
  ],
  'Dataset.rfm': [
    ['date out of range', () => ds.rfm({ asOf: '2200-01-01' }), /outside the accepted range/],
  ],
  'Dataset.churn': [
    ['date out of range', () => ds.churn({ asOf: '1900-01-01' }), /outside the accepted range/],
    ['wrong type', () => ds.churn('weeks'), /churn options must be an object/],
  ],
  'Dataset.evaluateRecommender': [
    ['unknown option', () => ds.evaluateRecommender({ nn: 5 }), /nn/],
  ],
  'Dataset (closed)': [
    ['use after close', () => { const d = cw.generatePlatform({ seed: 1, learners: 5 }); d.close(); return d.summary(); }, /this Dataset has been closed/],
  ],
  kmeans: [
    ['NaN', () => cw.kmeans(new Float64Array([1, Number.NaN, 2, 3]), 2, 2, { k: 1 }), /row 0, column 1 is NaN/],
    ['huge', () => cw.kmeans(new Float64Array([1, 2, 3, 4]), 2, 2, { k: 3 }), /larger than the number of rows/],
    ['empty', () => cw.kmeans(new Float64Array(0), 0, 2, { k: 1 }), /rows must be a positive integer/],
    ['wrong size', () => cw.kmeans(new Float64Array(3), 2, 2, { k: 1 }), /expected rows × cols = 4/],
  ],
  frequentItemsets: [
    ['huge', () => cw.frequentItemsets([Array.from({ length: 30 }, (_, i) => i)], { minSupport: 1, maxItemsets: 100 }), /more than 100 frequent itemsets/],
    ['wrong type', () => cw.frequentItemsets([[{}]]), /items must be strings or numbers/],
    ['empty', () => cw.frequentItemsets('x'), /baskets must be an array of arrays/],
  ],
  loadModel: [
    ['empty', () => cw.loadModel(''), /model file is empty/],
    ['truncated', () => cw.loadModel(modelBinary.slice(0, modelBinary.length - 3)), /truncated/],
    ['corrupt', () => { const b = modelBinary.slice(); b[b.length - 1] ^= 1; return cw.loadModel(b); }, /checksum mismatch/],
    ['version mismatch (JSON)', () => cw.loadModel({ ...MODEL, version: 2 }), /format version 2 is not supported/],
    ['version mismatch (binary)', () => { const b = modelBinary.slice(); b[4] = 2; return cw.loadModel(b); }, /version 2 is not supported/],
    ['duplicate ids', () => cw.loadModel({ ...MODEL, items: [{ id: 'a' }, { id: 'a' }] }), /item id "a" appears twice/],
    ['negative money', () => cw.loadModel({ ...MODEL, items: [{ id: 'a', price: -5 }] }), /"price" must be a finite number >= 0/],
    ['huge', () => cw.loadModel({ ...MODEL, k: 1e9 }), /"k" must be an integer between 0 and 10000/],
    ['deep JSON', () => cw.loadModel('{"format":"circlewise-item-model","version":1,"k":1,"method":' + deepObject(100000) + '}'), /"method" must be a string/],
    ['lone surrogate', () => cw.loadModel('{"format":"circlewise-item-model","version":1,"k":1,"method":"\udc80","items":[]}'), /not valid Unicode text/],
    ['number beyond double', () => cw.loadModel('{"format":"circlewise-item-model","version":1,"k":1e999,"items":[]}'), /not valid JSON.*number overflow/],
  ],
  'Recommender.recommend': [
    ['huge', () => withModel((r) => r.recommend([], { n: 1e9 })), /"n" must be an integer between 1 and 1000/],
    ['wrong type', () => withModel((r) => r.recommend('a')), /history must be an array/],
    ['closed', () => { const r = cw.loadModel(MODEL); r.close(); return r.recommend([]); }, /has been closed/],
  ],
  buildModel: [
    ['wrong type', () => cw.buildModel({}), /the first argument must be a Dataset/],
    ['unknown option', () => cw.buildModel(ds, { kk: 1 }), /kk/],
  ],
  buildModelFromCounts: [
    ['NaN', () => cw.buildModelFromCounts({ items: [{ id: 'a' }, { id: 'b' }], frequencies: new Float64Array([1, Number.NaN]), cooccurrence: new Float64Array(4) }), /non-finite/],
    ['duplicate ids', () => cw.buildModelFromCounts({ items: [{ id: 'a' }, { id: 'a' }], frequencies: new Float64Array([1, 1]), cooccurrence: new Float64Array(4) }), /appears twice/],
    ['wrong size', () => cw.buildModelFromCounts({ items: [{ id: 'a' }, { id: 'b' }], frequencies: new Float64Array([1, 1]), cooccurrence: new Float64Array(3) }), /n\*n = 4/],
  ],
  historyStore: [
    ['huge', () => cw.historyStore({ backend: 'memory', maxEvents: 1e9 }), /"maxEvents" must be an integer between 1 and 100000/],
    ['unknown option', () => cw.historyStore({ backend: 'memory', maxEvent: 5 }), /unknown option "maxEvent"/],
    ['NaN time', async () => (await cw.historyStore({ backend: 'memory' })).track('view', 'a', { ts: Number.NaN }), /"ts" must be a time/],
  ],
  fitCurves: [
    ['empty', () => cw.fitCurves(''), /./],
    ['negative money', () => cw.fitCurves(HISTORY + '1,a,-5,1\n'), /line 2, column 3 \(spend\): must be >= 0, got "-5"/],
    ['Infinity', () => cw.fitCurves(HISTORY + '1,a,inf,1\n'), /expected a plain number, got "inf"/],
    ['NaN (rows)', () => cw.fitCurves([{ period: 1, community: 'a', spend: Number.NaN, conversions: 1 }]), /spend/],
    ['duplicate rows', () => cw.fitCurves(HISTORY + '1,a,5,1\n1,a,5,1\n'), /period "1" of community "a" already appeared/],
    ['lone surrogate', () => cw.fitCurves(HISTORY + '1,a\udc80b,1,1\n'), /line 2 is not valid Unicode text/],
    ['unknown option', () => cw.fitCurves(HISTORY + '1,a,5,1\n', { modle: 'hill' }), /modle/],
  ],
  historyMetrics: [
    ['negative money', () => cw.historyMetrics(HISTORY + '1,a,5,1\n2,a,-1,1\n'), /line 3, column 3 \(spend\): must be >= 0/],
    ['missing column', () => cw.historyMetrics('period,spend\n'), /the header has no "community" column/],
    ['wrong type', () => cw.historyMetrics(5), /must be CSV text or an array of row objects/],
  ],
  simulateMarketingHistory: [
    ['huge', () => cw.simulateMarketingHistory({ communities: 1e6 }), /"communities" must be an integer in \[1, 1000\]/],
    ['fractional periods', () => cw.simulateMarketingHistory({ periods: 10.5 }), /"periods" must be an integer in \[2, 10000\]/],
  ],
  allocate: [
    ['NaN', () => cw.allocate(curves, { budget: Number.NaN }), /"budget" must be a number >= 0/],
    ['negative money', () => cw.allocate(curves, { budget: -1 }), /"budget" must be in \[0, infinity\], got -1/],
    ['duplicate ids', () => cw.allocate([curves[0], curves[0]], { budget: 5 }), /community appears twice/],
    ['wrong type', () => cw.allocate('x', { budget: 5 }), /curves must be the result of fitCurves/],
  ],
  budgetForTarget: [
    ['NaN', () => cw.budgetForTarget(curves, { target: Number.NaN }), /target/],
    ['negative', () => cw.budgetForTarget(curves, { target: -1 }), /target/],
  ],
  profitMaximizingBudget: [
    ['negative', () => cw.profitMaximizingBudget(curves, { valuePerConversion: -1 }), /./],
  ],
  'Allocator.allocate': [
    ['negative money', () => { const a = cw.allocator(curves); try { return a.allocate({ budget: -5 }); } finally { a.close(); } }, /"budget" must be in \[0, infinity\], got -5/],
  ],
  abSampleSize: [
    ['NaN', () => cw.abSampleSize({ baselineRate: Number.NaN, mde: 0.01 }), /"baselineRate" must be a number/],
    ['huge', () => cw.abSampleSize({ baselineRate: 0.5, mde: 1e-12 }), /beyond 1e15 per variant/],
  ],
  abAnalyze: [
    ['negative', () => cw.abAnalyze({ variants: [{ visitors: -1, conversions: 0 }, { visitors: 10, conversions: 1 }] }), /"visitors" must be a non-negative integer, got -1/],
    ['impossible', () => cw.abAnalyze({ variants: [{ visitors: 5, conversions: 6 }, { visitors: 10, conversions: 1 }] }), /cannot exceed "visitors"/],
    ['duplicate ids', () => cw.abAnalyze({ variants: [{ name: 'a', visitors: 5, conversions: 1 }, { name: 'a', visitors: 10, conversions: 1 }] }), /variant name "a" is used twice/],
  ],
  abRatio: [
    ['unknown field', () => cw.abRatio({ variants: [{ n: 10, sumX: 1 }] }), /unknown field "variants\[0\].sumX"/],
  ],
  ltv: [
    ['negative money', () => cw.ltv({ arpu: -5 }), /"arpu" must be 0 or more, got -5/],
    ['unknown option', () => cw.ltv({ churnRate: 0.1 }), /unknown LTV option "churnRate"/],
  ],
  fitChurnModel: [
    ['empty', () => cw.fitChurnModel(''), /the summary table is empty/],
    ['negative money', () => cw.fitChurnModel('learner,frequency,recency,T,monetary_value\na,1,2,5,-3\nb,2,3,5,4\n'), /column "monetary_value": -3 is negative/],
    ['duplicate ids', () => cw.fitChurnModel(SUMMARY + 'a,1,2,5\na,2,3,5\n'), /duplicate learner "a"/],
    ['NaN', () => cw.fitChurnModel([{ learner: 'a', frequency: Number.NaN, recency: 1, T: 5 }]), /row 1/],
    ['not a number', () => cw.fitChurnModel(SUMMARY + 'a,1,2,5\nb,1,x,5\n'), /line 3, column "recency": "x" is not a number/],
    ['lone surrogate', () => cw.fitChurnModel(SUMMARY + '\udc80,1,2,5\n'), /line 2 is not valid Unicode text/],
  ],
  planPrivacy: [
    ['NaN', () => cw.planPrivacy({ epsilon: Number.NaN }), /epsilon/],
    ['huge', () => cw.planPrivacy({ learners: 1e20 }), /"learners" must be an integer in \[1, 10000000000\]/],
    ['epsilon above the maximum', () => cw.planPrivacy({ epsilon: 1000 }), /epsilon.*\[0\.01, 10\]/],
  ],
  makeReport: [
    ['epsilon above the budget', () => cw.makeReport({ kind: 'item', items: 5, history: [1], epsilon: 3, period: 'p' }), /exceeds this device's maximum of 2/],
    ['budget above the hard maximum', () => cw.makeReport({ kind: 'item', items: 5, history: [1], epsilon: 9, period: 'p' }, { budget: { maxEpsilonPerReport: 100 } }), /"maxEpsilonPerReport" must be a number in \[0\.01, 10\]/],
    ['NaN', () => cw.makeReport({ kind: 'item', items: 5, history: [1], epsilon: Number.NaN, period: 'p' }), /"epsilon" must be a number/],
    ['huge', () => cw.makeReport({ kind: 'item', items: 2 ** 40, history: [1], epsilon: 1, period: 'p' }), /"items" \(catalogue size\) must be an integer in \[2, 2147483648\]/],
    ['empty history', () => cw.makeReport({ kind: 'item', items: 5, history: [], epsilon: 1, period: 'p' }), /history/],
    ['version mismatch', () => cw.makeReport({ kind: 'item', items: 5, history: [1], epsilon: 1, period: 'p' }, { state: { version: 2 } }), /"version" must be 1/],
    ['deep JSON', () => cw.makeReport({ kind: 'item', items: 5, history: [1], epsilon: 1, period: 'p' }, { state: JSON.parse(deepText(1000)) }), /the privacy state must be an object/],
  ],
  privacyStatus: [
    ['version mismatch', () => cw.privacyStatus({ state: { version: 2 } }), /"version" must be 1/],
    ['lone surrogate', () => cw.privacyStatus({ period: 'p\ud800' }), /not valid Unicode text/],
  ],
  validateReport: [
    ['empty', () => cw.validateReport(''), /./],
    ['version mismatch', () => cw.validateReport({ ...report, v: 2 }), /"v" must be an integer in \[1, 1\], got 2/],
    ['raw id added', () => cw.validateReport({ ...report, user: 'u1' }), /unexpected field "user"/],
    ['NaN epsilon', () => cw.validateReport({ ...report, epsilon: Number.NaN }), /epsilon/],
    ['deep JSON', () => cw.validateReport(deepText(100000)), /a report must be a JSON object/],
    ['not JSON', () => cw.validateReport('{oops'), /not valid JSON/],
    ['number beyond double', () => cw.validateReport('{"v":1e999}'), /not valid JSON.*number overflow/],
  ],
  createAggregator: [
    ['huge', () => cw.createAggregator({ kind: 'item', items: 2 ** 40 }), /must be an integer in \[2, 2147483648\]/],
    ['huge pairs', () => cw.createAggregator({ kind: 'pair', items: 1e6 }), /at most 65536 for pair reports/],
    ['missing option', () => cw.createAggregator({ kind: 'item' }), /items/],
  ],
  'PrivacyAggregator.add': [
    // Bad reports are rejected one by one with a reason (not thrown): the batch goes on.
    ['duplicate ids', () => withAggregator((a) => { const r = a.add([report, report]); assert.equal(r.accepted, 1); throw new Error(r.rejected[0].reason); }), /duplicate report id/],
    ['deep JSON', () => withAggregator((a) => { const r = a.add(deepText(100000)); throw new Error(r.rejected[0].reason); }), /a report must be a JSON object/],
    ['lone surrogate', () => withAggregator((a) => a.addNdjson('{"v":1}\ud800\n')), /not valid Unicode text/],
  ],
  buildModelFromReports: [
    ['wrong type', () => cw.buildModelFromReports({}, {}, []), /the first two arguments must be aggregators/],
    ['public counts of the wrong length', () => withPair((items, pairs) => cw.buildModelFromReports(items, pairs, ['a', 'b', 'c'], { publicCounts: [1, 2] })),
      /2 public counts but the reports are over 3 items/],
    ['negative public count', () => withPair((items, pairs) => cw.buildModelFromReports(items, pairs, ['a', 'b', 'c'], { publicCounts: [1, -2, 0] })),
      /"publicCounts": every count must be a finite number >= 0, got -2/],
  ],
};

function withPair(f) {
  const items = cw.createAggregator({ kind: 'item', items: 3 });
  const pairs = cw.createAggregator({ kind: 'pair', items: 3 });
  try { return f(items, pairs); } finally { items.close(); pairs.close(); }
}

test('docs/bad-input.md lists exactly the entry points tested here', async () => {
  const doc = await readFile(new URL('../../docs/bad-input.md', import.meta.url), 'utf8');
  const section = doc.split('## Every entry point')[1].split('\n## ')[0];
  const jsRows = [...section.split('### CLI')[0].matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual(jsRows.sort(), Object.keys(CONTRACT).sort());
});

for (const [entry, cases] of Object.entries(CONTRACT)) {
  test(`bad input: ${entry}`, async () => {
    for (const [kind, f, message] of cases) {
      await assert.rejects(async () => f(), (e) => {
        assert.ok(e instanceof Error, `${entry} / ${kind}: not an Error: ${e}`);
        assert.match(e.message, message, `${entry} / ${kind}`);
        return true;
      }, `${entry} / ${kind}: did not throw`);
    }
    // The module is still usable afterwards.
    assert.equal(cw.planPrivacy({ epsilon: 1, items: 5 }).domain, 5);
  });
}

test('closing the shared dataset', () => ds.close());
