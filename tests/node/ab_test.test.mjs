// A/B test, LTV and CAC calculators through the public JS API under Node. References: R's
// power.prop.test documentation (published values), SciPy (tests/fixtures/ab_test/reference.json,
// also used by the native tests), jStat (an independent JS implementation of the distributions),
// closed forms for LTV, and golden values shared with the native test (same seed, same Monte Carlo
// result in WASM and native).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import jStat from 'jstat';
import { load } from '../../web/index.js';

const cw = await load();
const fixtures = new URL('../fixtures/ab_test/', import.meta.url);
const reference = JSON.parse(await readFile(new URL('reference.json', fixtures), 'utf8'));
const golden = JSON.parse(await readFile(new URL('golden.json', fixtures), 'utf8'));

const near = (a, b, rel, abs = 0, what = '') =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b) + abs, `${what} ${a} vs reference ${b}`);

test('sample size matches R power.prop.test (p1 .5, p2 .75, power .9 => n = 76.7)', () => {
  const r = cw.abSampleSize({ baselineRate: 0.5, mde: 0.25, power: 0.9 });
  near(r.exactPerVariant, 76.7, 0, 0.05);
  assert.equal(r.perVariant, 77);
  assert.equal(r.total, 154);
  assert.equal(r.days, null);
});

test('sample size with the Evan Miller formula, relative MDE, Bonferroni and duration', () => {
  for (const c of reference.evan_miller) {
    const r = cw.abSampleSize({ baselineRate: c.p, mde: c.delta, alpha: c.alpha, power: c.power, formula: 'evan-miller' });
    near(r.exactPerVariant, c.n, 1e-10);
  }
  const abs = cw.abSampleSize({ baselineRate: 0.04, mde: 0.004 });
  const rel = cw.abSampleSize({ baselineRate: 0.04, mde: 0.1, relative: true, dailyTraffic: 1000 });
  assert.equal(rel.perVariant, abs.perVariant);
  assert.equal(rel.days, Math.ceil(rel.total / 1000));
  const three = cw.abSampleSize({ baselineRate: 0.04, mde: 0.004, variants: 3 });
  assert.equal(three.alphaPerComparison, 0.025);
  assert.equal(three.perVariant, cw.abSampleSize({ baselineRate: 0.04, mde: 0.004, alpha: 0.025 }).perVariant);
});

test('analysis matches SciPy (z, chi-square, Wilson, P(beats), loss) and jStat', () => {
  for (const t of reference.conversion_tests) {
    const r = cw.abAnalyze({ variants: t.arms.map((a, i) => ({ name: `v${i}`, ...a })) });
    near(r.chiSquare.statistic, t.chi_square, 1e-10, 1e-12, t.name);
    near(r.chiSquare.pValue, t.chi_square_p, 1e-9, 0, t.name);
    near(r.srm.pValue, t.srm_p, 1e-9, 0, t.name);
    t.comparisons.forEach((ref, i) => {
      const c = r.comparisons[i];
      near(c.z, ref.z, 1e-10, 1e-12, t.name);
      near(c.pValue, ref.p_value, 1e-9, 0, t.name);
      near(c.diffCiLow, ref.diff_ci[0], 1e-10, 0, t.name);
      near(c.probBeatsControl, ref.prob_beats_control, 1e-8, 1e-10, t.name);
      near(c.expectedLossVariant, ref.expected_loss_variant, 1e-6, 1e-12, t.name);
      // jStat's normal and chi-square give the same p-values from our statistics.
      near(c.pValue, 2 * (1 - jStat.normal.cdf(Math.abs(c.z), 0, 1)), 1e-7, 1e-12, 'jStat normal');
    });
    near(r.chiSquare.pValue, 1 - jStat.chisquare.cdf(r.chiSquare.statistic, r.chiSquare.df), 1e-7, 1e-12, 'jStat chi2');
  }
});

test('Monte Carlo P(best) is the same in WASM as natively for the same seed', () => {
  const r = cw.abAnalyze(golden.probBest.options);
  assert.deepEqual(r.variants.map((v) => v.probBest), golden.probBest.expected);
  const sum = r.variants.reduce((s, v) => s + v.probBest, 0);
  near(sum, 1, 0, 1e-12);
});

test('sample ratio mismatch is flagged, with a warning', () => {
  const r = cw.abAnalyze({ variants: [{ name: 'A', visitors: 5000, conversions: 500 }, { name: 'B', visitors: 5400, conversions: 540 }] });
  assert.equal(r.srm.mismatch, true);
  assert.match(r.warnings.join('\n'), /sample ratio mismatch/);
  const w = reference.srm_weighted;
  const planned = cw.abAnalyze({
    variants: [{ name: 'A', visitors: w.visitors[0], conversions: 500 }, { name: 'B', visitors: w.visitors[1], conversions: 200 }],
    expectedSplit: w.split,
  });
  near(planned.srm.statistic, w.chi_square, 1e-10);
});

test('sequential p-value is always-valid: larger than the fixed-horizon one, CI excludes 0 iff significant', () => {
  const r = cw.abAnalyze({ variants: [{ name: 'A', visitors: 20000, conversions: 2000 }, { name: 'B', visitors: 20000, conversions: 2300 }] });
  const c = r.comparisons[0];
  assert.ok(c.sequential.pValue > c.pValue);
  assert.equal(c.sequential.significant, c.sequential.ciLow > 0 || c.sequential.ciHigh < 0);
  near(r.sequentialTau, 0.01, 1e-14); // default: 10 % of the control rate
});

test('ratio metric from typed arrays equals numpy delta method and the sums form', () => {
  const ref = reference.ratio;
  const arrays = ref.arms.map((a) => ({ name: a.name, values: Float64Array.from(a.values), denominators: a.denominators }));
  const r = cw.abRatio({ variants: arrays });
  near(r.variants[0].value, ref.value[0], 1e-12);
  near(r.variants[1].stdError, ref.std_error[1], 1e-9);
  near(r.comparisons[0].z, ref.z, 1e-9);
  // The same through explicit sums.
  const sums = ref.arms.map((a) => {
    const s = { name: a.name, n: a.values.length, sum: 0, sumSquares: 0, denominatorSum: 0, denominatorSumSquares: 0, crossSum: 0 };
    a.values.forEach((x, i) => {
      const y = a.denominators[i];
      s.sum += x; s.sumSquares += x * x; s.denominatorSum += y; s.denominatorSumSquares += y * y; s.crossSum += x * y;
    });
    return s;
  });
  near(cw.abRatio({ variants: sums }).comparisons[0].z, ref.z, 1e-9);
  // Mean per learner (no denominators): z equals Welch's t.
  near(cw.abRatio({ variants: ref.arms.map((a) => ({ name: a.name, values: a.values })) }).comparisons[0].z, ref.welch_t, 1e-10);
});

test('LTV: ARPU x margin / churn, cohort curve equals the simple model, CAC and payback', () => {
  const simple = cw.ltv({ arpu: 20, churn: 0.05, margin: 0.8 });
  near(simple.ltv, 320, 1e-12);
  const ret = Array.from({ length: 6 }, (_, t) => 0.9 ** t);
  const cohort = cw.ltv({ arpu: 12, retention: ret, cac: 80 });
  const same = cw.ltv({ arpu: 12, churn: 0.1, cac: 80 });
  near(cohort.ltv, same.ltv, 1e-12);
  assert.equal(cohort.paybackPeriods, same.paybackPeriods);
  const paid = cw.ltv({ arpu: 10, churn: 0.1, marketingSpend: 5000, newCustomers: 125 });
  assert.equal(paid.cac, 40);
  assert.equal(paid.paybackPeriods, 5); // 10 + 9 + 8.1 + 7.29 = 34.39 < 40 <= 40.951
  const never = cw.ltv({ arpu: 10, churn: 0.5, cac: 25 });
  assert.equal(never.paybackPeriods, null);
});

test('bad input throws an Error naming the field, and the module keeps working', () => {
  assert.throws(() => cw.abSampleSize({ baselineRate: 0.1, mde: 0.01, alpha: 1.5 }), { name: 'Error', message: /"alpha" must be between 0 and 1/ });
  assert.throws(() => cw.abSampleSize({ baselineRate: -0.1, mde: 0.01 }), /"baselineRate"/);
  assert.throws(() => cw.abSampleSize({ baselineRate: 0.1, mde: 0.01, power: 0 }), /"power"/);
  assert.throws(() => cw.abAnalyze({ variants: [{ name: 'A', visitors: 10, conversions: 1 }, { name: 'B', visitors: 10, conversions: 11 }] }),
    /variant "B": "conversions" \(11\) cannot exceed "visitors" \(10\)/);
  assert.throws(() => cw.abAnalyze({ variants: [{ name: 'A', visitors: -10, conversions: 0 }, { name: 'B', visitors: 10, conversions: 1 }] }),
    /variant "A": "visitors" must be a non-negative integer/);
  assert.throws(() => cw.abRatio({ variants: [{ name: 'A', values: [1, NaN] }, { name: 'B', values: [1, 2] }] }), /values\[1\] is not a finite number/);
  assert.throws(() => cw.abRatio({ variants: [{ name: 'A', values: [1, 2], denominators: [1] }, { name: 'B', values: [1, 2] }] }), /"denominators" has 1 entries/);
  assert.throws(() => cw.ltv({ arpu: 10, churn: 1.5 }), /"churn" must be in \(0, 1\]/);
  assert.throws(() => cw.ltv(null), /options must be an object/);
  // Still working after the errors.
  assert.equal(cw.abSampleSize({ baselineRate: 0.5, mde: 0.25, power: 0.9 }).perVariant, 77);
});
