// Churn risk and customer value: BG/NBD (who is still active, how many purchases to expect),
// Gamma-Gamma (spend per purchase), a simple CLV, and conversion/revenue per community.
import { call, withProgress, wellFormed } from './module.js';

const COLUMNS = ['frequency', 'recency', 'T', 'monetary', 'pAlive', 'expectedPurchases', 'expectedSpend', 'clv'];

function optionsJson(options) {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new Error('churn options must be an object');
  }
  const { onProgress, ...rest } = options ?? {};
  return JSON.stringify(rest);
}

// Copies everything out of the C++ analysis (columns as Float64Arrays) and frees it.
function collect(analysis) {
  try {
    const result = JSON.parse(call(() => analysis.json()));
    const learners = { ids: JSON.parse(call(() => analysis.learnerIdsJson())) };
    // Each view is copied at once: a later call may grow memory and detach it.
    for (const name of COLUMNS) learners[name] = new Float64Array(call(() => analysis.column(name)));
    result.learners = learners;
    return result;
  } finally {
    analysis.delete();
  }
}

export const datasetMethods = {
  /**
   * Fits BG/NBD (+ Gamma-Gamma when amounts allow) on this dataset's purchases and returns the
   * model, per-learner P(alive), expected purchases, expected spend and CLV (typed arrays aligned
   * with `learners.ids`), what was skipped, and the conversion table per community.
   * `onProgress({ stage, fraction })` is called during the fit and the scoring.
   */
  churn(options = {}) {
    const json = optionsJson(options);
    return collect(withProgress(options?.onProgress, 'churn', (cb) => this.module.churnFromLog(this.handle, json, cb)));
  },

  /** Conversion rate (paying learners / learners, Wilson 95% interval) and revenue per community. */
  conversionByCommunity() {
    return JSON.parse(call(() => this.module.conversionByCommunityJson(this.handle)));
  },
};

export const methods = {
  /**
   * Fits the churn model on a ready summary table: an array of rows
   * `{ learner, frequency, recency, T, monetary_value? }` or the same table as CSV text.
   */
  fitChurnModel(summary, options = {}) {
    const m = this.module;
    const json = optionsJson(options);
    const progress = options?.onProgress;
    if (typeof summary === 'string') {
      const csv = wellFormed(summary, 'the summary table');
      return collect(withProgress(progress, 'fitChurnModel', (cb) => m.churnFromCsv(csv, json, cb)));
    }
    if (!Array.isArray(summary)) {
      throw new Error('fitChurnModel: the summary must be an array of rows {learner, frequency, recency, T, monetary_value?} or CSV text');
    }
    // NaN and Infinity would become null in JSON; name them here, where the row is still known.
    summary.forEach((row, i) => {
      if (row === null || typeof row !== 'object') throw new Error(`row ${i + 1}: must be an object like {learner, frequency, recency, T}`);
      for (const k of ['frequency', 'recency', 'T', 'monetary_value', 'monetary']) {
        const v = row[k];
        if (typeof v === 'number' && !Number.isFinite(v)) {
          throw new Error(`row ${i + 1}, column "${k === 'monetary' ? 'monetary_value' : k}": ${Number.isNaN(v) ? 'is NaN (a number is required)' : 'is infinite'}`);
        }
      }
    });
    return collect(withProgress(progress, 'fitChurnModel', (cb) => m.churnFromRows(JSON.stringify(summary), json, cb)));
  },
};
