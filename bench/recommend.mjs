// On-device recommend() speed and model sizes.
//   node bench/recommend.mjs [--courses 10000] [--learners 100000] [--calls 2000]
// Builds a model from the synthetic platform (seeded) in WASM with K = 50, then times one
// recommend() call for a 200-event history: WASM (through the public JS API, JSON in and out)
// against a plain-JS implementation of the same scoring on the same model, in the same run.
// Also reports the JSON / binary / gzipped sizes for 1,000 and 10,000 courses.
import { gzipSync } from 'node:zlib';
import { load } from '../web/index.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const COURSES = arg('courses', 10000);
const LEARNERS = arg('learners', 100000);
const CALLS = arg('calls', 2000);
const K = 50;
const HISTORY = 200;

const cw = await load();
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const p95 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length * 0.95)]; };

function buildModel(courses, learners) {
  const t0 = performance.now();
  const ds = cw.generatePlatform({ seed: 7, courses, learners });
  const t1 = performance.now();
  // Views count as engagement here so that every course has K neighbours, as a big catalogue would.
  const rec = cw.buildModel(ds, { k: K, events: ['view', 'enroll', 'purchase', 'complete'] });
  const t2 = performance.now();
  ds.close();
  return { rec, generateMs: t1 - t0, buildMs: t2 - t1 };
}

// The same scoring in plain JS (typed-array CSR, Map for ids), as a peer.
function jsRecommender(json) {
  const n = json.items.length;
  const index = new Map(json.items.map((it, i) => [it.id, i]));
  const off = new Uint32Array(n + 1);
  json.items.forEach((it, i) => { off[i + 1] = off[i] + it.neighbors.length; });
  const nb = new Int32Array(off[n]);
  const w = new Float32Array(off[n]);
  json.items.forEach((it, i) => it.neighbors.forEach(([j, x], e) => { nb[off[i] + e] = j; w[off[i] + e] = x; }));
  const pop = Float64Array.from(json.items, (it) => it.popularity);
  const score = new Float64Array(n);
  const mark = new Uint8Array(n);
  const OWNED = new Set(['enroll', 'purchase', 'complete', 'refund']);
  return (history, count) => {
    const weight = new Map();
    const touched = [];
    for (const e of history) {
      const i = index.get(e.itemId);
      if (i === undefined) continue;
      const ev = e.event;
      const wt = ev === 'refund' ? 0 : OWNED.has(ev) || ev === 'share' ? 1 : 0.5;
      if (OWNED.has(ev)) { if (!mark[i]) touched.push(i); mark[i] |= 2; }
      if (!(weight.get(i) >= wt)) weight.set(i, wt);
    }
    for (const [i, wt] of weight) {
      for (let e = off[i]; e < off[i + 1]; e++) {
        const j = nb[e];
        if (!(mark[j] & 1)) { if (!mark[j]) touched.push(j); mark[j] |= 1; score[j] = 0; }
        score[j] += wt * w[e];
      }
    }
    const cand = touched.filter((j) => mark[j] === 1 && score[j] > 0);
    cand.sort((a, b) => score[b] - score[a] || pop[b] - pop[a] || a - b);
    const out = cand.slice(0, count).map((j) => ({ id: json.items[j].id, score: score[j] }));
    for (const j of touched) mark[j] = 0;
    return out;
  };
}

function sizes(rec) {
  const info = rec.info();
  const bin = rec.toBinary();
  const text = rec.toJSONText();
  return {
    courses: info.items, neighbors: info.neighbors,
    jsonKB: +(text.length / 1024).toFixed(1), jsonGzipKB: +(gzipSync(text).length / 1024).toFixed(1),
    binaryKB: +(bin.length / 1024).toFixed(1), binaryGzipKB: +(gzipSync(bin).length / 1024).toFixed(1),
  };
}

// Model sizes at 1,000 courses (learners scaled with the catalogue).
const small = buildModel(1000, 20000);
const sizeRows = [sizes(small.rec)];
small.rec.close();

const { rec, generateMs, buildMs } = buildModel(COURSES, LEARNERS);
sizeRows.push(sizes(rec));
const json = rec.toJSON();
const peer = jsRecommender(json);

// 200-event histories: a learner browsing (views) and enrolling in ~70 distinct courses.
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const histories = Array.from({ length: 50 }, () => Array.from({ length: HISTORY }, () => ({
  itemId: json.items[Math.floor(rand() * rand() * COURSES)].id,
  event: rand() < 0.3 ? 'enroll' : 'view',
})));

// Same answers first (scores agree to float precision; ids identical).
for (const h of histories.slice(0, 5)) {
  const a = rec.recommend(h, { n: 10, fillWithPopular: false }).items.map((x) => x.id);
  const b = peer(h, 10).map((x) => x.id);
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`WASM and JS peer disagree: ${a} vs ${b}`);
}

function time(fn) {
  for (let i = 0; i < 200; i++) fn(histories[i % histories.length]); // warm-up (JIT tiers)
  const ms = [];
  for (let i = 0; i < CALLS; i++) {
    const h = histories[i % histories.length];
    const t = performance.now();
    fn(h);
    ms.push(performance.now() - t);
  }
  return { median: median(ms), p95: p95(ms) };
}
const wasm = time((h) => rec.recommend(h, { n: 10 }));
const js = time((h) => peer(h, 10));

console.log(`model: ${COURSES} courses, K=${K}, from ${LEARNERS} synthetic learners (generate ${(generateMs / 1000).toFixed(1)} s, build ${(buildMs / 1000).toFixed(1)} s in WASM)`);
console.log(`recommend(), ${HISTORY}-event history, top 10, ${CALLS} calls, Node ${process.versions.node}:`);
console.log(`  WASM (public API, JSON in/out): median ${wasm.median.toFixed(3)} ms, p95 ${wasm.p95.toFixed(3)} ms`);
console.log(`  plain JS peer (same scoring):   median ${js.median.toFixed(3)} ms, p95 ${js.p95.toFixed(3)} ms`);
console.log(`  ratio WASM / JS: ${(wasm.median / js.median).toFixed(2)}  (target: WASM median < 1 ms: ${wasm.median < 1 ? 'met' : 'NOT met'})`);
console.log('model sizes:');
console.table(sizeRows);
rec.close();
