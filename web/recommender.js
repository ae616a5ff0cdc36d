// Item model + on-device recommender: load a published model (JSON or binary), build one from a
// dataset or from counts (e.g. LDP estimates), recommend from a learner's own history.
import { call, Owned, wellFormed } from './module.js';
import { HistoryStore } from './history_store.js';

// Copies bytes into the WASM heap for the duration of `fn(ptr, length)`.
function withHeapBytes(m, bytes, fn) {
  const ptr = m._malloc(Math.max(1, bytes.length));
  if (!ptr) throw new Error('out of memory: cannot copy the model into the module');
  try {
    m.HEAPU8.set(bytes, ptr); // re-read HEAPU8: memory growth detaches old views
    return fn(ptr, bytes.length);
  } finally {
    m._free(ptr);
  }
}

function modelBytes(source) {
  if (typeof source === 'string') return new TextEncoder().encode(wellFormed(source, 'the model'));
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (source && typeof source === 'object') return new TextEncoder().encode(JSON.stringify(source));
  throw new Error('loadModel: the model must be JSON text, a parsed JSON object, or the bytes of a .json/.cwm file');
}

const PLAIN = /^[^\t\n\r]+$/;

// The history as "event<TAB>item" lines (cheap to parse in WASM), or null when some entry is
// unusual: then it goes as JSON, where the core names the bad entry.
function historyLines(history) {
  let out = '';
  for (const e of history) {
    if (typeof e === 'string') {
      if (!PLAIN.test(e)) return null;
      out += `enroll\t${e}\n`;
      continue;
    }
    const item = e?.itemId ?? e?.item;
    const event = e?.event ?? 'enroll';
    if (typeof item !== 'string' || typeof event !== 'string' || !PLAIN.test(item) || !PLAIN.test(event)) return null;
    out += `${event}\t${item}\n`;
  }
  return out;
}

/**
 * A loaded item model, ready to recommend. It owns WASM memory: call close() when done (it is
 * also freed when garbage-collected); users never call .delete().
 */
export class Recommender extends Owned {
  #report;
  constructor(handle, report) {
    super(handle);
    this.#report = report;
  }
  /** Number of courses in the model. */
  get size() { return this.handle.size(); }
  /** What the builder used and left out (models built here; undefined for loaded files). */
  get buildReport() { return this.#report; }
  /**
   * Top-n courses for a learner's own history (array of course ids or {itemId, event, ts}).
   * Owned courses (enroll/purchase/complete/refund) and `exclude` are never recommended.
   */
  recommend(history = [], options = {}) {
    if (history == null) history = [];
    if (!Array.isArray(history)) throw new Error('recommend: history must be an array of course ids or {itemId, event} objects');
    const opts = JSON.stringify(options ?? {});
    const lines = historyLines(history);
    return JSON.parse(call(() => (lines !== null
      ? this.handle.recommendLines(lines, opts)
      : this.handle.recommendJson(JSON.stringify(history), opts))));
  }
  /** Version, method, k, counts and the JSON/binary sizes. */
  info() { return JSON.parse(call(() => this.handle.infoJson())); }
  /** The model as its JSON object (format "circlewise-item-model"). */
  toJSON() { return JSON.parse(call(() => this.handle.modelJson())); }
  /** The model as JSON text. */
  toJSONText() { return call(() => this.handle.modelJson()); }
  /** The compact binary form (.cwm), a fresh Uint8Array. */
  toBinary() { return call(() => this.handle.modelBinary()); }
}

function fromBuild(build) {
  try {
    const report = JSON.parse(call(() => build.reportJson()));
    return new Recommender(call(() => build.takeRecommender()), report);
  } finally {
    build.delete();
  }
}

export const methods = {
  /** Loads a published model: JSON text/object or bytes (binary .cwm or JSON), detected by content. */
  loadModel(source) {
    const m = this.module;
    const bytes = modelBytes(source);
    return new Recommender(withHeapBytes(m, bytes, (ptr, n) => call(() => m.loadItemModel(ptr, n))));
  },

  /** Builds the non-private item model from a dataset (item-item cosine with shrinkage, or EASE). */
  buildModel(dataset, options = {}) {
    if (!dataset || typeof dataset.handle !== 'object') throw new Error('buildModel: the first argument must be a Dataset');
    const m = this.module;
    return fromBuild(call(() => m.buildItemModel(dataset.handle, JSON.stringify(options ?? {}))));
  },

  /**
   * Builds a model in the same format from counts: `items` (catalogue), `frequencies` (n
   * learners per course) and `cooccurrence` (n*n, row-major, learners per pair), e.g. the LDP
   * aggregator's estimates.
   */
  buildModelFromCounts({ items, frequencies, cooccurrence } = {}, options = {}) {
    const m = this.module;
    if (!Array.isArray(items)) throw new Error('buildModelFromCounts: "items" must be an array of {id, title, category, price}');
    const n = items.length;
    const f = Float64Array.from(frequencies ?? []);
    const c = Float64Array.from(cooccurrence ?? []);
    if (f.length !== n) throw new Error(`buildModelFromCounts: "frequencies" has ${f.length} values for ${n} items`);
    if (c.length !== n * n) throw new Error(`buildModelFromCounts: "cooccurrence" must have n*n = ${n * n} values, got ${c.length}`);
    const fp = m._malloc(Math.max(8, f.byteLength));
    const cp = m._malloc(Math.max(8, c.byteLength));
    try {
      if (!fp || !cp) throw new Error('out of memory: the co-occurrence matrix does not fit');
      m.HEAPF64.set(f, fp >> 3);
      m.HEAPF64.set(c, cp >> 3);
      return fromBuild(call(() => m.buildItemModelFromCounts(JSON.stringify(items), fp, cp, n, JSON.stringify(options ?? {}))));
    } finally {
      if (fp) m._free(fp);
      if (cp) m._free(cp);
    }
  },

  /**
   * The learner's local history: IndexedDB in browsers, memory (or a JSON file with `path`) in
   * Node. Nothing in it ever leaves the device.
   */
  historyStore(options = {}) { return HistoryStore.open(options); },
};

export const datasetMethods = {
  /** Leave-last-out recall@n, NDCG@n and coverage: popularity vs item-item (and EASE). */
  evaluateRecommender(options = {}) {
    return JSON.parse(call(() => this.module.evaluateRecommender(this.handle, JSON.stringify(options ?? {}))));
  },
};
