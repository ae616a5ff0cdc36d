// Learner segmentation (k-means on learner features, with segments labelled from the RFM map),
// classic RFM scores, and k-means on any numeric matrix. All computed in the WASM module; results
// are plain objects and typed arrays copied out of the heap.
import { call, withProgress } from './module.js';

const RFM_SEGMENTS = ['Champions', 'Loyal', 'Potential loyalists', 'New', 'Promising', 'Need attention',
  'About to sleep', 'At risk', "Can't lose them", 'Hibernating', 'Lost'];

function optionsJson(options, name) {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new Error(`${name}: options must be an object`);
  }
  const { onProgress, ...rest } = options ?? {};
  return JSON.stringify(rest);
}

function splitIds(joined) {
  if (!joined) return [];
  const ids = joined.split('\0');
  ids.pop(); // every id is followed by a NUL
  return ids;
}

// Copies the bulk arrays out of the result object (views would detach on the next memory growth)
// and frees it.
function takeOutput(m, out, { labels = false, scores = false, centroids = false, ids = false }) {
  try {
    const r = { json: JSON.parse(out.json()) };
    if (labels) {
      const p = out.labelsPtr() >>> 2, n = out.labelCount();
      r.labels = m.HEAP32.slice(p, p + n);
    }
    if (scores) {
      const p = out.scoresPtr(), n = out.scoreCount();
      r.scores = m.HEAPU8.slice(p, p + n);
    }
    if (centroids) {
      const p = out.centroidsPtr() >>> 3, n = out.centroidCount();
      r.centroids = m.HEAPF64.slice(p, p + n);
    }
    if (ids) r.ids = splitIds(out.ids());
    return r;
  } finally {
    out.delete();
  }
}

// Copies a Float64Array into the heap; returns the pointer (caller frees).
function toHeap(m, data, name) {
  const p = m._malloc(Math.max(8, data.byteLength));
  if (!p) throw new Error(`${name}: out of memory copying ${data.length} numbers into the module`);
  m.HEAPF64.set(data, p >>> 3);
  return p;
}

export const methods = {
  /**
   * k-means on a row-major matrix (Float64Array of rows × cols). Options: k, nInit, maxIter, tol,
   * seed, algorithm ("auto" | "lloyd" | "hamerly"), initialCentroids (Float64Array k × cols:
   * start from these instead of k-means++; then k is their row count), onProgress({ stage, fraction }).
   */
  kmeans(data, rows, cols, options = {}) {
    const m = this.module;
    if (!(data instanceof Float64Array)) throw new Error('kmeans: data must be a Float64Array (row-major rows × cols)');
    if (!Number.isInteger(rows) || rows < 1) throw new Error('kmeans: rows must be a positive integer');
    if (!Number.isInteger(cols) || cols < 1) throw new Error('kmeans: cols must be a positive integer');
    if (data.length !== rows * cols) {
      throw new Error(`kmeans: data has ${data.length} values, expected rows × cols = ${rows * cols}`);
    }
    const { initialCentroids, ...rest } = options ?? {};
    const json = optionsJson(rest, 'kmeans');
    let initRows = 0;
    if (initialCentroids !== undefined) {
      if (!(initialCentroids instanceof Float64Array) || initialCentroids.length === 0 || initialCentroids.length % cols) {
        throw new Error('kmeans: option "initialCentroids" must be a Float64Array of k × cols values');
      }
      initRows = initialCentroids.length / cols;
    }
    const pData = toHeap(m, data, 'kmeans');
    let pInit = 0;
    try {
      if (initRows) pInit = toHeap(m, initialCentroids, 'kmeans');
      const out = withProgress(rest.onProgress, 'kmeans', (cb) => m.kmeansMatrix(pData, rows, cols, pInit, initRows, json, cb));
      const r = takeOutput(m, out, { labels: true, centroids: true });
      return { ...r.json, labels: r.labels, centroids: r.centroids, cols };
    } finally {
      m._free(pData);
      if (pInit) m._free(pInit);
    }
  },
};

export const datasetMethods = {
  /**
   * Segments the dataset's learners by k-means on their standardised features. Options: k (default
   * 4) or autoK with kMin/kMax/silhouetteSample, nInit, maxIter, tol, seed, algorithm, asOf,
   * features, onProgress({ stage, fraction }) (called during k-means). Returns the segments (with `members`), per-learner `assignments` (Int32Array, aligned
   * with `learnerIds`), the feature transforms, the k-means report and, with autoK, the k choice.
   */
  segment(options = {}) {
    const m = this.module;
    const opts = optionsJson(options, 'segment');
    const out = withProgress(options.onProgress, 'segment', (cb) => m.segmentLog(this.handle, opts, cb));
    const r = takeOutput(m, out, { labels: true, ids: true });
    const { json } = r;
    const members = json.segments.map(() => []);
    for (let i = 0; i < r.labels.length; i++) members[r.labels[i]].push(r.ids[i]);
    json.segments.forEach((s, j) => { s.members = members[j]; });
    return { ...json, learnerIds: r.ids, assignments: r.labels };
  },

  /**
   * Classic RFM quintile scores (1–5) of every learner and the RFM-map segment of each. Options:
   * asOf. Per-learner arrays `r`, `f`, `m` (Uint8Array) and `segment` (names) align with `learnerIds`.
   */
  rfm(options = {}) {
    const m = this.module;
    const out = call(() => m.rfmLog(this.handle, optionsJson(options, 'rfm')));
    const { json, scores, ids } = takeOutput(m, out, { scores: true, ids: true });
    const n = ids.length;
    const r = new Uint8Array(n), f = new Uint8Array(n), mm = new Uint8Array(n);
    const segment = new Array(n);
    for (let i = 0; i < n; i++) {
      r[i] = scores[4 * i];
      f[i] = scores[4 * i + 1];
      mm[i] = scores[4 * i + 2];
      segment[i] = RFM_SEGMENTS[scores[4 * i + 3]];
    }
    return { ...json, learnerIds: ids, r, f, m: mm, segment };
  },
};
