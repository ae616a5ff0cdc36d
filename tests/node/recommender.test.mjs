// The item model and recommender through the public JS API: build, save (JSON + binary), load,
// recommend, bad input, the history store and the widget module importing under Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from '../../web/index.js';

const cw = await load();

test('buildModel recovers the planted bundles and round-trips through JSON and binary', () => {
  const ds = cw.generatePlatform({ seed: 3, learners: 3000, courses: 30 });
  const rec = cw.buildModel(ds, { k: 10, events: ['purchase'] });
  try {
    assert.equal(rec.size, 30);
    assert.ok(rec.buildReport.learners > 500);
    const json = rec.toJSON();
    assert.equal(json.format, 'circlewise-item-model');
    assert.equal(json.version, 1);
    // Known truth: each anchor's strongest neighbour is its planted follow-up.
    const index = new Map(json.items.map((it, i) => [it.id, i]));
    for (const [a, b] of ds.truth.bundles) {
      assert.equal(json.items[index.get(a)].neighbors[0][0], index.get(b), `${a} -> ${b}`);
    }
    const bin = rec.toBinary();
    assert.ok(bin instanceof Uint8Array);
    assert.equal(String.fromCharCode(...bin.subarray(0, 4)), 'CWIM');
    const fromBin = cw.loadModel(bin);
    const fromText = cw.loadModel(rec.toJSONText());
    const fromObject = cw.loadModel(json);
    for (const r of [fromBin, fromText, fromObject]) {
      assert.deepEqual(r.toJSON(), json);
      r.close();
    }
    const info = rec.info();
    assert.equal(info.binaryBytes, bin.length);
    assert.ok(info.binaryBytes < info.jsonBytes);
  } finally {
    rec.close();
    ds.close();
  }
});

test('recommend: neighbours with reasons, owned and excluded courses left out, unknown ids counted', () => {
  const model = {
    format: 'circlewise-item-model', version: 1, method: 'test', k: 2,
    items: [
      { id: 'a', title: 'Algebra', category: 'math', popularity: 5, neighbors: [[1, 0.9], [2, 0.2]] },
      { id: 'b', title: 'Beta', category: 'math', popularity: 6, neighbors: [] },
      { id: 'c', title: 'Calculus', category: 'math', popularity: 8, neighbors: [] },
      { id: 'd', title: 'Drawing', category: 'art', popularity: 1, neighbors: [[2, 0.5]] },
      { id: 'e', title: 'Etching', category: 'art', popularity: 9, neighbors: [] },
    ],
  };
  const rec = cw.loadModel(model);
  const r = rec.recommend([{ itemId: 'a', event: 'enroll' }, 'd', { itemId: 'ghost', event: 'view' }], { n: 3, exclude: ['e'] });
  assert.deepEqual(r.items.map((x) => x.id), ['b', 'c']);
  assert.equal(r.items[0].reason, 'because you enrolled in Algebra');
  assert.equal(r.items[1].because, 'd');
  assert.ok(Math.abs(r.items[1].score - 0.7) < 1e-6);
  assert.equal(r.unknownEvents, 1);
  assert.deepEqual(r.unknownItems, ['ghost']);
  // New learner: popularity within the community first.
  const fresh = rec.recommend([], { n: 3, community: 'art' });
  assert.deepEqual(fresh.items.map((x) => x.id), ['e', 'd', 'c']);
  assert.equal(fresh.items[0].reason, 'popular in art');
  assert.equal(fresh.strategy, 'popular');
  rec.close();
  assert.throws(() => rec.recommend([]), /has been closed/);
});

test('bad input throws clear Errors and the module keeps working', () => {
  const rec = cw.loadModel({ format: 'circlewise-item-model', version: 1, method: 'x', k: 1, items: [{ id: 'a', popularity: 1 }, { id: 'b', popularity: 2 }] });
  assert.throws(() => rec.recommend([], { n: 0 }), { name: 'Error', message: /option "n" must be an integer between 1 and 1000/ });
  assert.throws(() => rec.recommend([], { count: 3 }), /unknown recommend option "count"/);
  assert.throws(() => rec.recommend('a'), /history must be an array/);
  assert.throws(() => rec.recommend([42]), /history\[0\]/);
  const bin = rec.toBinary();
  assert.throws(() => cw.loadModel(bin.subarray(0, bin.length - 3)), /truncated/);
  const flipped = bin.slice();
  flipped[flipped.length - 1] ^= 0xff;
  assert.throws(() => cw.loadModel(flipped), /checksum/);
  const v2 = bin.slice();
  v2[4] = 2;
  assert.throws(() => cw.loadModel(v2), /version 2 is not supported/);
  assert.throws(() => cw.loadModel('{"format":"circlewise-item-model","version":1,"k":1,"items":[{"id":"a","neighbors":[[5,1]]}]}'), /outside 0..0/);
  assert.throws(() => cw.loadModel('not a model'), /not a circlewise model/);
  assert.throws(() => cw.loadModel(42), /loadModel: the model must be/);
  const ds = cw.generatePlatform({ learners: 50, courses: 5 });
  assert.throws(() => cw.buildModel(ds, { k: 0 }), /option "k"/);
  assert.throws(() => cw.buildModel(ds, { events: ['enrol'] }), /no engagement/);
  assert.throws(() => cw.buildModel({}, {}), /must be a Dataset/);
  // Still working.
  assert.equal(rec.recommend([], { n: 2 }).items[0].id, 'b');
  ds.close();
  rec.close();
});

test('buildModelFromCounts gives the same model as buildModel on the same counts', () => {
  // Three learners: {x,y}, {x,y,z}, {z}. Counts by hand: f = [2,2,2], c_xy = 2, c_xz = c_yz = 1.
  const csv = 'user_id,item_id,event,ts\n1,x,enroll,2025-01-01\n1,y,enroll,2025-01-02\n2,x,enroll,2025-01-01\n2,y,enroll,2025-01-01\n2,z,enroll,2025-01-03\n3,z,enroll,2025-01-01\n';
  const ds = cw.parseEvents(csv);
  const a = cw.buildModel(ds, { shrinkage: 1 });
  const b = cw.buildModelFromCounts({
    items: [{ id: 'x' }, { id: 'y' }, { id: 'z' }],
    frequencies: [2, 2, 2],
    cooccurrence: [0, 2, 1, 2, 0, 1, 1, 1, 0],
  }, { shrinkage: 1 });
  const ja = a.toJSON();
  const jb = b.toJSON();
  assert.deepEqual(jb.items.map((it) => it.neighbors), ja.items.map((it) => it.neighbors));
  // Closed form: w(x,y) = 2 / (sqrt(2*2) + 1) = 2/3.
  assert.ok(Math.abs(ja.items[0].neighbors[0][1] - 2 / 3) < 1e-6);
  assert.throws(() => cw.buildModelFromCounts({ items: [{ id: 'x' }], frequencies: [1, 2], cooccurrence: [0] }), /"frequencies" has 2 values for 1 items/);
  a.close(); b.close(); ds.close();
});

test('evaluateRecommender: item-item beats popularity on the synthetic platform', () => {
  const ds = cw.generatePlatform({ seed: 42, learners: 4000, courses: 60 });
  const q = ds.evaluateRecommender({ n: 10 });
  const byName = Object.fromEntries(q.methods.map((m) => [m.method, m]));
  assert.ok(byName['item-item cosine'].recall > 1.2 * byName.popularity.recall, JSON.stringify(q));
  assert.ok(byName['item-item cosine'].ndcg > byName.popularity.ndcg);
  ds.close();
});

test('history store: track, history, forget in memory and in a file', async () => {
  const mem = await cw.historyStore({ backend: 'memory', maxEvents: 3 });
  await mem.track('view', 'a', { ts: 1 });
  await mem.track('enroll', 'a', { ts: 2 });
  await mem.track('view', 'b', { ts: 3 });
  const r = await mem.track('enroll', 'b', { ts: 4 });
  assert.deepEqual(r, { stored: 3, removed: 1 });
  assert.deepEqual((await mem.history()).map((e) => e.ts), [2, 3, 4]);
  await assert.rejects(mem.track('', 'a'), /"event" must be an event name/);
  await assert.rejects(mem.track('view', 7), /"itemId" must be a course id/);
  await mem.forget();
  assert.deepEqual(await mem.history(), []);
  await assert.rejects(cw.historyStore({ size: 3 }), /unknown option "size"/);

  const dir = await mkdtemp(join(tmpdir(), 'cw-history-'));
  try {
    const path = join(dir, 'history.json');
    const f = await cw.historyStore({ path });
    await f.track('enroll', 'course-001');
    const again = await cw.historyStore({ path });
    assert.deepEqual((await again.history()).map((e) => e.itemId), ['course-001']);
    assert.match(await readFile(path, 'utf8'), /course-001/);
    await again.forget();
    await assert.rejects(readFile(path), { code: 'ENOENT' });
    await writeFile(path, 'garbage');
    await assert.rejects((await cw.historyStore({ path })).history(), /not a circlewise history/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the widget module imports under Node without customElements', async () => {
  const w = await import('../../web/widget.js');
  assert.equal(typeof w.renderRecommendations, 'function');
  assert.equal(globalThis.customElements, undefined);
  const html = w.renderRecommendations({
    items: [
      { id: 'c1', title: 'SQL <basics>', category: 'data', price: 29, reason: 'because you enrolled in X' },
      { id: 'c2', title: 'Python', category: null, price: null, reason: 'popular with learners' },
    ],
  }, { itemHref: '/courses/{id}', privacyHref: '/privacy' });
  // List semantics, one tab stop (roving tabindex), escaped text, the privacy link.
  assert.match(html, /<ul role="list"[^>]*><li><a class="card" data-id="c1" tabindex="0" href="\/courses\/c1">/);
  assert.match(html, /data-id="c2" tabindex="-1"/);
  assert.match(html, /SQL &lt;basics&gt;/);
  assert.match(html, /<a href="\/privacy">What leaves this device<\/a>/);
  assert.match(w.renderRecommendations({ items: [] }), /role="status">No recommendations yet/);
});

test('evaluateRecommender also rebuilds models from simulated LDP reports (ldpEpsilons), reproducibly', () => {
  const ds = cw.generatePlatform({ seed: 5, learners: 4000, courses: 20 });
  try {
    const q = ds.evaluateRecommender({ ldpEpsilons: [1, 8], ldpSeed: 2 });
    assert.deepEqual(q.methods.map((m) => m.method), ['popularity', 'popularity in community', 'item-item cosine',
      'ldp eps=1', 'ldp hybrid eps=1', 'ldp eps=8', 'ldp hybrid eps=8']);
    assert.ok(q.ldpItemReports > q.ldpPairReports && q.ldpPairReports > 0);
    const [pop, , item, , , weak, hybrid] = q.methods;
    assert.ok(weak.recall > pop.recall, `ldp eps=8 ${weak.recall} vs popularity ${pop.recall}`);
    assert.ok(hybrid.recall > pop.recall, `ldp hybrid eps=8 ${hybrid.recall} vs popularity ${pop.recall}`);
    assert.ok(item.recall > pop.recall);
    assert.deepEqual(ds.evaluateRecommender({ ldpEpsilons: [1, 8], ldpSeed: 2 }), q, 'seeded: reproducible');
    assert.throws(() => ds.evaluateRecommender({ ldpEpsilons: [0.001] }), /every epsilon must be a number in \[0\.01, 10\]/);
    assert.throws(() => ds.evaluateRecommender({ ldpTopItems: 1 }), /ldpTopItems/);
  } finally {
    ds.close();
  }
});
