// Courses that sell together: association rules on a Dataset, and frequent itemsets on any
// baskets (arrays of strings or numbers), both mined by FP-growth in the WASM module.
import { call, withProgress } from './module.js';

function finiteConviction(result) {
  // JSON has no Infinity: the core writes null for the conviction of a rule with confidence 1.
  for (const r of result.rules ?? []) if (r.conviction === null) r.conviction = Infinity;
  return result;
}

function optionsJson(options, name) {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new Error(`${name}: options must be an object`);
  }
  const { onProgress, ...rest } = options ?? {};
  return JSON.stringify(rest);
}

// Encodes baskets into compressed rows in the heap: item values become dense codes.
function encodeBaskets(baskets) {
  if (!Array.isArray(baskets)) throw new Error('frequentItemsets: baskets must be an array of arrays');
  const codes = new Map();
  const values = [];
  let total = 0;
  for (let b = 0; b < baskets.length; b++) {
    if (!Array.isArray(baskets[b])) throw new Error(`frequentItemsets: basket ${b} is not an array`);
    total += baskets[b].length;
  }
  const items = new Int32Array(total);
  const offsets = new Int32Array(baskets.length + 1);
  let k = 0;
  for (let b = 0; b < baskets.length; b++) {
    for (const v of baskets[b]) {
      if (typeof v !== 'string' && typeof v !== 'number') {
        throw new Error(`frequentItemsets: basket ${b} holds a ${typeof v}; items must be strings or numbers`);
      }
      let c = codes.get(v);
      if (c === undefined) {
        c = values.length;
        codes.set(v, c);
        values.push(v);
      }
      items[k++] = c;
    }
    offsets[b + 1] = k;
  }
  return { items, offsets, values };
}

export const methods = {
  /**
   * Frequent itemsets of any baskets by FP-growth. Items are strings or numbers; repeats inside
   * a basket count once. Options: minSupport (0,1], maxSize 1..20, maxItemsets, onTooMany.
   */
  frequentItemsets(baskets, options = {}) {
    const m = this.module;
    const opts = optionsJson(options, 'frequentItemsets');
    const { items, offsets, values } = encodeBaskets(baskets);
    const pItems = m._malloc(Math.max(4, items.byteLength));
    const pOffsets = m._malloc(offsets.byteLength);
    if (!pItems || !pOffsets) {
      m._free(pItems);
      m._free(pOffsets);
      throw new Error('out of memory: the baskets are too large for this browser tab');
    }
    try {
      m.HEAP32.set(items, pItems >> 2);
      m.HEAP32.set(offsets, pOffsets >> 2);
      const { offsets: off, items: codes, counts, ...meta } =
        JSON.parse(call(() => m.frequentItemsetsJson(pItems, pOffsets, baskets.length, values.length, opts)));
      const itemsets = new Array(counts.length);
      for (let s = 0; s < counts.length; s++) {
        const its = new Array(off[s + 1] - off[s]);
        for (let k = off[s]; k < off[s + 1]; k++) its[k - off[s]] = values[codes[k]];
        itemsets[s] = { items: its, count: counts[s], support: counts[s] / meta.baskets };
      }
      return { ...meta, itemsets };
    } finally {
      m._free(pItems);
      m._free(pOffsets);
    }
  },
};

export const datasetMethods = {
  /**
   * Courses that sell together: baskets per learner (or per session), FP-growth, and rules with
   * support, confidence, lift, leverage and conviction (Infinity when confidence is 1).
   * `onProgress({ stage, fraction })` is called while mining.
   */
  rules(options = {}) {
    const opts = optionsJson(options, 'rules');
    const json = withProgress(options.onProgress, 'rules', (cb) => this.module.associationRulesJson(this.handle, opts, cb));
    return finiteConviction(JSON.parse(json));
  },
};
