// Numerical robustness: degenerate inputs (one point, all points identical, a feature with zero
// variance, a spend history without variation or without spend, perfectly separable data, nothing
// at all) give the documented result (docs/hardening.md, "Degenerate inputs") or a documented
// error, and never leak NaN or Infinity. Numbers cross into JS as JSON, where NaN becomes null, so
// a null is accepted only at the paths listed per case, and each of those fields is declared
// nullable in web/index.d.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { load } from '../../web/index.js';

const cw = await load();
const dts = await readFile(new URL('../../web/index.d.ts', import.meta.url), 'utf8');

// Every non-finite number and every null outside `nullable` (regexes over paths like
// ".f.steps[0].fromEntry.rate").
function leaks(value, nullable = []) {
  const out = [];
  const walk = (x, path) => {
    if (x === null) {
      if (!nullable.some((re) => re.test(path))) out.push(`${path} = null`);
      const field = path.match(/\.([A-Za-z]+)$/)?.[1];
      if (field && !new RegExp(`(^|[{;]) *${field}\\??: .*\\bnull\\b`, 'm').test(dts)) out.push(`${path}: "${field}" is not declared nullable in index.d.ts`);
    } else if (typeof x === 'number') {
      if (!Number.isFinite(x)) out.push(`${path} = ${x}`);
    } else if (ArrayBuffer.isView(x)) {
      x.forEach((v, i) => { if (typeof v === 'number' && !Number.isFinite(v)) out.push(`${path}[${i}] = ${v}`); });
    } else if (Array.isArray(x)) {
      x.forEach((v, i) => walk(v, `${path}[${i}]`));
    } else if (typeof x === 'object') {
      for (const [k, v] of Object.entries(x)) walk(v, `${path}.${k}`);
    }
  };
  walk(value, '');
  return out;
}
const clean = (value, nullable) => assert.deepEqual(leaks(value, nullable), []);
const E = 'user_id,event,item_id,ts,amount,community\n';
const withLog = (csv, f) => { const d = cw.parseEvents(csv); try { return f(d); } finally { d.close(); } };
// Rates over zero learners are null (Proportion), as is the time to a step nobody reached.
const EMPTY_FUNNEL = /\.(rate|low|high|hoursFromEntry)$/;

test('an empty log (header only): summary, funnel, cohorts, conversion; learner models say there is nothing to model', () => {
  withLog(E, (d) => {
    clean({ s: d.summary(), f: d.funnel(), c: d.cohorts(), conv: d.conversionByCommunity() },
      [/^\.s\.(firstEvent|lastEvent)$/, /^\.c\.(firstPeriod|lastPeriod|asOf)$/, EMPTY_FUNNEL]);
    assert.equal(d.summary().events, 0);
    assert.throws(() => d.segment({ k: 1 }), /the event log is empty: there are no learners to describe/);
    assert.throws(() => d.rfm(), /the event log is empty/);
    assert.throws(() => d.churn(), /the event log is empty: the churn model needs purchases/);
  });
});

test('one event: every analysis answers, the churn model says it needs two learners', () => {
  withLog(E + 'u1,purchase,c1,2024-01-01T00:00:00Z,10,a\n', (d) => {
    const seg = d.segment({ k: 1 });
    clean({ s: d.summary(), f: d.funnel(), c: d.cohorts(), seg, rfm: d.rfm(), conv: d.conversionByCommunity(), r: d.rules() },
      [EMPTY_FUNNEL, /^\.seg\.autoK$/, /^\.c\..*\.(ratio|retention)$/, /^\.c\.paying\[\d+\]\.community$/]);
    assert.equal(seg.segments[0].size, 1);
    assert.throws(() => d.churn(), /needs at least 2 learners with a purchase; got 1/);
  });
});

test('identical learners: k-means puts them in one segment (the others empty, labelled null); RFM, funnel, cohorts finite', () => {
  const csv = E + Array.from({ length: 10 }, (_, i) => `u${i},purchase,c1,2024-01-01T00:00:00Z,10,a`).join('\n') + '\n';
  withLog(csv, (d) => {
    const seg = d.segment({ k: 3, seed: 1 });
    clean(seg, [/^\.autoK$/, /^\.segments\[\d\]\.label$/]);
    assert.deepEqual(seg.segments.map((s) => s.size).sort((a, b) => b - a), [10, 0, 0]);
    clean({ rfm: d.rfm(), f: d.funnel(), c: d.cohorts(), r: d.rules() }, [EMPTY_FUNNEL, /^\.c\..*\.(ratio|retention)$/, /^\.c\.paying\[\d+\]\.community$/]);
    assert.throws(() => d.churn(), /no learner made a repeat purchase \(every frequency is 0\)/);
  });
});

test('k-means on matrices: one point, identical points, a zero-variance column, perfectly separable clusters', () => {
  const one = cw.kmeans(new Float64Array([1, 2]), 1, 2, { k: 1 });
  clean(one);
  assert.equal(one.inertia, 0);
  const same = cw.kmeans(new Float64Array(20).fill(3), 10, 2, { k: 3, seed: 1 });
  clean(same);
  assert.equal(same.inertia, 0);
  assert.equal(same.emptyClusters, 2);
  const flat = cw.kmeans(new Float64Array([1, 5, 2, 5, 3, 5, 10, 5]), 4, 2, { k: 2, seed: 1 });
  clean(flat);
  assert.deepEqual(Array.from(flat.labels).map((l) => l === flat.labels[3]), [false, false, false, true]);
  const sep = cw.kmeans(new Float64Array([0, 0, 0, 1, 100, 100, 100, 101]), 4, 2, { k: 2, seed: 1 });
  clean(sep);
  assert.equal(sep.labels[0], sep.labels[1]);
  assert.equal(sep.labels[2], sep.labels[3]);
  assert.notEqual(sep.labels[0], sep.labels[2]);
  assert.equal(sep.inertia, 1); // two pairs at distance 1, each 0.5 from its centroid: 4 × 0.25
});

test('spend histories: no spend or constant spend cannot be fitted (the error says why); metrics with zero denominators are null', () => {
  const H = 'period,community,spend,conversions,revenue\n';
  const zero = H + Array.from({ length: 10 }, (_, i) => `${i},a,0,${i % 3},0`).join('\n');
  assert.throws(() => cw.fitCurves(zero), /community "a": spend never varies \(always 0\)/);
  assert.throws(() => cw.fitCurves(H + Array.from({ length: 10 }, (_, i) => `${i},a,100,5,7`).join('\n')), /spend never varies/);
  const m = cw.historyMetrics(H + Array.from({ length: 10 }, (_, i) => `${i},a,0,0,0`).join('\n'));
  clean(m, [/\.(conversionRate|retention|payerRatio|costPerConversion|roi|valuePerConversion)$/]);
  assert.equal(m[0].spend, 0);
  assert.equal(m[0].costPerConversion, null);
  assert.equal(m[0].roi, null);
});

test('allocation of a zero budget, and curves without a value per conversion: revenue and profit are null, not NaN', () => {
  const a = cw.allocate([{ community: 'a', model: 'hill', top: 100, scale: 50, shape: 1 }], { budget: 0 });
  clean(a, [/\.(revenue|profit)$/]);
  assert.equal(a.totals.spend, 0);
  assert.equal(a.totals.conversions, 0);
});

test('A/B tests at the edges: 0% and 100% conversion and perfectly separated variants', () => {
  const lift = [/\.(relativeLift|liftCiLow|liftCiHigh)$/, /\.sequential\.(ciLow|ciHigh)$/];
  for (const [a, b] of [[0, 0], [10, 10], [0, 10]]) {
    const r = cw.abAnalyze({ variants: [{ visitors: 10, conversions: a }, { visitors: 10, conversions: b }] });
    clean(r, lift);
    if (a === 0) assert.equal(r.comparisons[0].relativeLift, null); // relative to a zero baseline
  }
  assert.throws(() => cw.abAnalyze({ variants: [{ visitors: 0, conversions: 0 }, { visitors: 0, conversions: 0 }] }), /"visitors" must be at least 1/);
});

test('LTV with zero revenue; churn summaries with identical learners or nobody coming back', () => {
  clean(cw.ltv({ arpu: 0, churn: 0.1 }), [/\.(cac|ltvToCac|paybackPeriods|simplePayback|tailRetention)$/]);
  assert.throws(() => cw.ltv({ arpu: 10, churn: 0 }), /"churn" must be in \(0, 1\]/);
  const same = cw.fitChurnModel('learner,frequency,recency,T,monetary_value\n' + Array.from({ length: 20 }, (_, i) => `l${i},2,10,30,5`).join('\n'));
  clean(same, [/^\.(asOf|conversion|ingest|unit)$/, /\.meanSpend$/, /^\.spend$/]);
  assert.throws(() => cw.fitChurnModel('learner,frequency,recency,T\na,0,0,5\nb,0,0,7\n'), /every frequency is 0/);
});

test('privacy: no reports gives zero estimates with finite intervals; a model without neighbours falls back to popularity', () => {
  const agg = cw.createAggregator({ kind: 'item', items: 5 });
  try {
    const e = agg.estimate();
    clean(e);
    assert.equal(e.reports, 0);
    assert.deepEqual(Array.from(e.count), [0, 0, 0, 0, 0]);
  } finally {
    agg.close();
  }
  const r = cw.loadModel({ format: 'circlewise-item-model', version: 1, method: 'x', k: 0, items: [{ id: 'a' }, { id: 'b', popularity: 3 }] });
  try {
    const rec = r.recommend(['a']);
    clean(rec, [/\.items\[0\]\.(because|category|price)$/]); // a popularity pick, no category or price known
    assert.deepEqual(rec.items.map((x) => x.id), ['b']);
  } finally {
    r.close();
  }
  clean(cw.frequentItemsets([]));
  clean(cw.planPrivacy({ epsilon: 10, items: 2, learners: 1 }));
});
