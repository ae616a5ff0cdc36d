// A/B test, LTV and CAC calculators. Every method takes a plain options object and returns a
// plain object; the numbers are computed by the C++ core (see docs/ab_test.md for the formulas).
import { call } from './module.js';

function optionsJson(options, name) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${name}: options must be an object`);
  }
  return JSON.stringify(options);
}

// Per-learner arrays go through the heap as Float64Array and come back as sufficient sums, so a
// million learners cost one copy, not a million JSON numbers.
function sumsOf(m, variant, index) {
  const name = variant.name ?? String.fromCharCode(65 + index);
  const toF64 = (a, field) => {
    if (a instanceof Float64Array) return a;
    if (Array.isArray(a) || ArrayBuffer.isView(a)) return Float64Array.from(a);
    throw new Error(`abRatio: variants[${index}].${field} must be an array or typed array of numbers`);
  };
  const x = toF64(variant.values, 'values');
  const y = variant.denominators === undefined ? null : toF64(variant.denominators, 'denominators');
  if (y && y.length !== x.length) {
    throw new Error(`abRatio: variant "${name}": "denominators" has ${y.length} entries but "values" has ${x.length}`);
  }
  for (const key of Object.keys(variant)) {
    if (!['name', 'values', 'denominators'].includes(key)) {
      throw new Error(`abRatio: variant "${name}": give either per-learner arrays (values, denominators) or sums, not "${key}" too`);
    }
  }
  const bytes = Math.max(8, x.byteLength);
  const px = m._malloc(bytes);
  const py = y ? m._malloc(bytes) : 0;
  if (!px || (y && !py)) {
    m._free(px);
    if (py) m._free(py);
    throw new Error('out of memory: the arrays are too large for this browser tab');
  }
  try {
    m.HEAPF64.set(x, px >> 3); // re-read HEAPF64 after malloc: memory growth detaches old views
    if (y) m.HEAPF64.set(y, py >> 3);
    return JSON.parse(call(() => m.abRatioSumsJson(name, px, py, x.length)));
  } finally {
    m._free(px);
    if (py) m._free(py);
  }
}

export const methods = {
  /** Learners needed per variant (and days at `dailyTraffic`) for a conversion-rate test. */
  abSampleSize(options) {
    return JSON.parse(call(() => this.module.abSampleSizeJson(optionsJson(options, 'abSampleSize'))));
  },
  /** Significance of observed conversions: z-test, chi-square, Bayesian, sequential, SRM. */
  abAnalyze(options) {
    return JSON.parse(call(() => this.module.abAnalyzeJson(optionsJson(options, 'abAnalyze'))));
  },
  /** A ratio metric (revenue per learner, revenue per session) by the delta method. */
  abRatio(options) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new Error('abRatio: options must be an object');
    }
    // Replace per-learner arrays by their sums before anything is serialised.
    const variants = Array.isArray(options.variants)
      ? options.variants.map((v, i) => (v && typeof v === 'object' && v.values !== undefined ? sumsOf(this.module, v, i) : v))
      : options.variants;
    return JSON.parse(call(() => this.module.abRatioJson(JSON.stringify({ ...options, variants }))));
  },
  /** Lifetime value, CAC, LTV/CAC and payback period. */
  ltv(options) {
    return JSON.parse(call(() => this.module.ltvJson(optionsJson(options, 'ltv'))));
  },
};
