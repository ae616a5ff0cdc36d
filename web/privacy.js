// Local differential privacy: the planner, the device's report maker and the aggregator.
// The device state (memoised randomisations + epsilon ledger) is a plain JSON object that the
// caller persists (IndexedDB, localStorage, a file) and passes back; it holds true values and
// must never be uploaded. Only `report` objects leave the device. See docs/privacy.md.
import { call, Owned, wellFormed } from './module.js';

const json = (x) => JSON.stringify(x ?? {});

function estimatesFrom(text) {
  const r = JSON.parse(text);
  const n = r.estimates.length;
  const out = {
    reports: r.reports,
    confidence: r.confidence,
    values: new Float64Array(n),
    count: new Float64Array(n),
    standardError: new Float64Array(n),
    lower: new Float64Array(n),
    upper: new Float64Array(n),
  };
  r.estimates.forEach((e, i) => {
    out.values[i] = e.value;
    out.count[i] = e.count;
    out.standardError[i] = e.standardError;
    out.lower[i] = e.lower;
    out.upper[i] = e.upper;
  });
  if (r.pairs) out.pairs = r.pairs;
  return out;
}

/** Server-side collector of LDP reports of one kind over one catalogue. */
export class PrivacyAggregator extends Owned {
  #module;
  constructor(module, handle) {
    super(handle);
    this.#module = module;
  }
  /** Adds one report or an array of reports (objects or a JSON string). Invalid ones are rejected whole. */
  add(reports) {
    const text = typeof reports === 'string' ? wellFormed(reports, 'the reports') : JSON.stringify(reports);
    return JSON.parse(call(() => this.handle.addReports(text)));
  }
  /** Adds newline-delimited JSON reports; returns how many were accepted (see summary() for rejections). */
  addNdjson(text) {
    if (typeof text !== 'string') throw new Error('addNdjson: the input must be a string of newline-delimited JSON');
    return call(() => this.handle.addNdjson(wellFormed(text, 'the reports')));
  }
  /** Counts of accepted and rejected reports, with the reasons (line/array index). */
  summary() { return JSON.parse(call(() => this.handle.summaryJson())); }
  /** Unbiased counts with standard errors and confidence intervals; `values` = domain indices (default all). */
  estimate(values) {
    const arg = values === undefined ? '' : JSON.stringify(Array.from(values));
    return estimatesFrom(call(() => this.handle.estimateJson(arg)));
  }
  /** @internal */
  get module() { return this.#module; }
}

export const methods = {
  /**
   * Expected error before collecting anything: per mechanism, the standard error of a count and
   * of a frequency, and the learners needed for `targetError`.
   */
  planPrivacy(options = {}) {
    return JSON.parse(call(() => this.module.ldpPlan(json(options))));
  },

  /** An empty device state to persist and pass to makeReport. */
  newPrivacyState() {
    return { version: 1, memo: [], ledger: [] };
  },

  /**
   * Makes one LDP report on this device with the secure random source. `request`:
   * { kind: 'item'|'pair', items, history: [indices], epsilon, mechanism?: 'auto'|'grr'|'oue'|'olh', period }.
   * Returns { report (what may be sent), value (the true value it stands for; never send it),
   * memoised, charged, state (persist it), status }. Throws if over budget or without secure randomness.
   */
  makeReport(request, { state, budget } = {}) {
    const s = state ?? this.newPrivacyState();
    return JSON.parse(call(() => this.module.ldpMakeReport(json(request), json(budget), json(s))));
  },

  /** Epsilon spent and left, and reports used/left in `period`. */
  privacyStatus({ state, budget, period = '' } = {}) {
    return JSON.parse(call(() => this.module.ldpBudgetStatus(json(budget), json(state ?? this.newPrivacyState()), wellFormed(String(period), 'option "period"'))));
  },

  /** Checks a report as the aggregator would; returns it normalised or throws with the reason. */
  validateReport(report) {
    const text = typeof report === 'string' ? wellFormed(report, 'the report') : JSON.stringify(report);
    return JSON.parse(call(() => this.module.ldpValidateReport(text)));
  },

  /** { kind: 'item'|'pair', items, minEpsilon?, maxEpsilon?, confidence? } */
  createAggregator(options) {
    const m = this.module;
    return new PrivacyAggregator(m, call(() => m.newLdpAggregator(json(options))));
  },

  /**
   * Item model (the published format) from an item and a pair aggregator. `catalogue`: item ids or
   * { id, title, category, price } in index order. Returns { model (JSON object for loadModel), report }.
   */
  buildModelFromReports(items, pairs, catalogue, options = {}) {
    if (!(items instanceof PrivacyAggregator) || !(pairs instanceof PrivacyAggregator)) {
      throw new Error('buildModelFromReports: the first two arguments must be aggregators from createAggregator');
    }
    return JSON.parse(call(() => this.module.ldpBuildModel(items.handle, pairs.handle, JSON.stringify(catalogue ?? null), json(options))));
  },
};
