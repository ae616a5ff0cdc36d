// Response curves and budget allocation: fit curves from a marketing history (CSV text or rows),
// then allocate a budget across communities. Curves are plain objects; the parsed copy inside the
// module is cached per curves object so re-allocating after a slider move stays cheap.
import { call, Owned, wellFormed } from './module.js';

function historyCall(module, history, csvFn, rowsFn, ...rest) {
  if (typeof history === 'string') return call(() => module[csvFn](wellFormed(history, 'the marketing history'), ...rest));
  if (Array.isArray(history)) return call(() => module[rowsFn](JSON.stringify(history), ...rest));
  throw new Error('the marketing history must be CSV text or an array of row objects');
}

function optionsJson(name, options) {
  if (options === undefined || options === null) return '';
  if (typeof options !== 'object' || Array.isArray(options)) throw new Error(`${name}: options must be an object`);
  return JSON.stringify(options);
}

function curvesArray(curves) {
  const list = Array.isArray(curves) ? curves : curves?.curves;
  if (!Array.isArray(list)) throw new Error('curves must be the result of fitCurves or an array of curve objects');
  return list;
}

/** Parsed curves living in the module; `allocate` runs against them without re-parsing. */
export class Allocator extends Owned {
  constructor(module, curves) {
    // The chart band is not needed for allocation; leave it out of the text sent to the module.
    const text = JSON.stringify(curvesArray(curves), (k, v) => (k === 'band' ? undefined : v));
    super(call(() => module.newCurveSet(text)));
  }
  get size() { return this.handle.size(); }
  /** Plans the budget; see index.d.ts (AllocationOptions / Allocation). */
  allocate(options = {}) {
    return JSON.parse(call(() => this.handle.allocate(optionsJson('allocate', options))));
  }
}

// Curves objects → their Allocator. Objects that crossed a Worker boundary are new objects each
// time, so a content fingerprint (parameters, not the whole sample list) backs up the identity key.
// One cache per module instance (load(options) can create several).
const caches = new WeakMap();
const kMaxCached = 8;

function fingerprint(curves) {
  return curvesArray(curves).map((c) => {
    const s = Array.isArray(c.samples) ? c.samples : [];
    return [c.community, c.model, c.base, c.top, c.scale, c.shape, c.adstock, c.valuePerConversion,
      c.maxSpend, c.currentSpend, c.level, s.length, s[0], s[s.length - 1]].join('|');
  }).join('\n');
}

function allocatorFor(module, curves) {
  let cache = caches.get(module);
  if (!cache) caches.set(module, (cache = { byObject: new WeakMap(), byFingerprint: new Map() }));
  const { byObject, byFingerprint } = cache;
  if (curves && typeof curves === 'object') {
    const hit = byObject.get(curves);
    if (hit && !hit.closed) return hit;
  }
  const key = fingerprint(curves);
  let a = byFingerprint.get(key);
  if (!a || a.closed) {
    a = new Allocator(module, curves);
    byFingerprint.set(key, a);
    if (byFingerprint.size > kMaxCached) {
      const [oldKey, old] = byFingerprint.entries().next().value;
      byFingerprint.delete(oldKey);
      old.close();
    }
  }
  if (curves && typeof curves === 'object') byObject.set(curves, a);
  return a;
}

export const methods = {
  /**
   * Fits a response curve per community from a marketing history (CSV text or an array of
   * {period, community, spend, conversions, revenue?, members?, payers?, retained?} rows).
   */
  fitCurves(history, options = {}) {
    return JSON.parse(historyCall(this.module, history, 'fitCurvesCsv', 'fitCurvesRows', optionsJson('fitCurves', options)));
  },

  /** Seed metrics per community: conversion rate, retention, cost per conversion, ROI. */
  historyMetrics(history) {
    return JSON.parse(historyCall(this.module, history, 'historyMetricsCsv', 'historyMetricsRows'));
  },

  /** A simulated marketing history with known curves: `{ csv, truth }`. */
  simulateMarketingHistory(options = {}) {
    return JSON.parse(call(() => this.module.simulateMarketingHistory(optionsJson('simulateMarketingHistory', options))));
  },

  /** Parsed curves for repeated allocation (freed with close(), or by the garbage collector). */
  allocator(curves) {
    return new Allocator(this.module, curves);
  },

  /** Allocates a budget across the curves' communities. */
  allocate(curves, options = {}) {
    return allocatorFor(this.module, curves).allocate({ ...options, mode: 'plan' });
  },

  /** The least budget whose best plan reaches `options.target` conversions per period. */
  budgetForTarget(curves, options = {}) {
    return allocatorFor(this.module, curves).allocate({ ...options, mode: 'target' });
  },

  /** The total budget (and its plan) that maximises profit = value × conversions − spend. */
  profitMaximizingBudget(curves, options = {}) {
    return allocatorFor(this.module, curves).allocate({ ...options, mode: 'profitBudget', objective: 'profit' });
  },
};
