// The event log through the public JS API, under Node: the same behaviours as the native tests,
// plus what only JS has (streaming sources, progress, Errors, lifetimes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { load, Dataset } from '../../web/index.js';

const cw = await load();
const header = 'user_id,item_id,event,ts,amount,community,referrer\n';

function throwsWith(fn, pattern) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, `expected an Error, got ${typeof e}: ${e}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test('reads CSV with quotes, CRLF and BOM into a summary', () => {
  const ds = cw.parseEvents('\uFEFFuser_id,item_id,event,ts,amount,community\r\n' +
    '"a,1","Course ""X""",purchase,2024-01-01,19.99,club\r\n' +
    'b,c2,view,2024-01-02T10:00:00+02:00,,\r\n');
  const s = ds.summary();
  assert.equal(s.events, 2);
  assert.equal(s.users, 2);
  assert.equal(s.revenue, 19.99);
  assert.equal(s.firstEvent, '2024-01-01T00:00:00Z');
  assert.equal(s.lastEvent, '2024-01-02T08:00:00Z');
  assert.deepEqual(s.byCommunity.map((c) => [c.community, c.members, c.revenue]), [['club', 1, 19.99]]);
  ds.close();
});

test('every bad-input case is an Error naming line, column and problem', () => {
  const cases = [
    ['user_id,event,ts\nu,view,2024-13-01\n', /^line 2, column "ts": "2024-13-01" is not a valid timestamp: month must be 01-12$/],
    ['', /the input is empty/],
    ['user_id,event\nu,view\n', /missing required column "ts"/],
    ['user_id,event,ts,ts\nu,view,1,2\n', /duplicate column "ts" in the header \(columns 3 and 4\)/],
    ['user_id,event,ts,amount\nu,purchase,1,abc\n', /line 2, column "amount": "abc" is not a number/],
    ['user_id,event,ts,amount\nu,purchase,1,-3\n', /line 2, column "amount": "-3" is negative/],
    ['user_id,event,ts\nu,view\n', /line 2: expected 3 fields as in the header, found 2/],
    ['user_id,event,ts\nu\u0000x,view,1\n', /NUL byte/],
    ['[{"user_id":"u","event":"view","ts":"2024-02-30"}]', /line 1 \(record 1\), field "ts": .* no such day/],
  ];
  for (const [input, pattern] of cases) throwsWith(() => cw.parseEvents(input), pattern);
  // binary garbage (invalid UTF-8 in an id)
  const bytes = new Uint8Array([...new TextEncoder().encode('user_id,event,ts\n'), 0xff, 0xfe, 0x2c, 0x76, 0x2c, 0x31, 0x0a]);
  throwsWith(() => cw.parseEvents(bytes), /column "user_id": is not valid UTF-8/);
  // the module keeps working after every error
  assert.equal(cw.parseEvents('user_id,event,ts\nu,view,1\n').size, 1);
});

test('unknown event names are kept and reported as custom', () => {
  const s = cw.parseEvents('user_id,event,ts\nu,wishlist,1\nu,view,2\n').summary();
  assert.deepEqual(s.eventsByType.find((t) => t.event === 'wishlist'), { event: 'wishlist', count: 1, known: false });
  assert.equal(s.eventsByType.filter((t) => t.known).length, 9);
});

test('skip mode counts and itemises every skipped row', () => {
  const ds = cw.parseEvents('user_id,event,ts\nu,view,1\nu,view,never\n\nv,view\nw,view,3\n', { onBadRow: 'skip' });
  const { ingest } = ds.summary();
  assert.equal(ds.size, 2);
  assert.equal(ingest.records, 4);
  assert.equal(ingest.skippedRows, 2);
  assert.equal(ingest.blankLines, 1);
  assert.deepEqual(ingest.problems.map((p) => [p.line, p.column]), [[3, 'ts'], [5, '']]);
});

test('configurable column names and options are validated by name', () => {
  const ds = cw.parseEvents('learner;action;time\nx;view;2024-01-01\n', {
    delimiter: ';', columns: { user_id: 'learner', event: 'action', ts: 'time' },
  });
  assert.equal(ds.size, 1);
  throwsWith(() => cw.parseEvents('a', { onBadRow: 'ignore' }), /option "onBadRow" must be "fail" or "skip"/);
  throwsWith(() => cw.parseEvents('a', { colums: {} }), /unknown read option "colums"/);
  throwsWith(() => cw.generatePlatform({ courses: 1 }), /option "courses" must be between 2 and 100000, got 1/);
});

test('JSON array and NDJSON read alike', () => {
  const a = cw.parseEvents('[{"user_id":"u","event":"purchase","ts":1704067200,"amount":5}]').summary();
  const b = cw.parseEvents('{"user_id":"u","event":"purchase","ts":"2024-01-01T00:00:00Z","amount":"5"}\n').summary();
  assert.equal(a.firstEvent, b.firstEvent);
  assert.equal(a.revenue, 5);
  assert.equal(b.revenue, 5);
});

test('streams from strings, Blobs, Node streams and iterables with progress, any chunk size', async () => {
  const platform = cw.generatePlatform({ seed: 3, learners: 200 });
  const csv = platform.toCSV();
  const expected = platform.summary();
  const sources = {
    string: csv,
    blob: new Blob([csv]),
    nodeStream: Readable.from([Buffer.from(csv)]),
    bytes: new TextEncoder().encode(csv),
  };
  for (const [name, source] of Object.entries(sources)) {
    const progress = [];
    const ds = await cw.readEvents(source, { chunkSize: 4096, onProgress: (p) => progress.push(p) });
    const s = ds.summary();
    assert.equal(s.events, expected.events, name);
    assert.equal(s.revenue, expected.revenue, name);
    assert.deepEqual(s.byCommunity, expected.byCommunity, name);
    assert.ok(progress.length > 10, `${name}: progress reported per chunk`);
    assert.ok(progress.every((p, i) => i === 0 || p.bytesRead > progress[i - 1].bytesRead), name);
    assert.equal(progress.at(-1).events, expected.events, name);
    ds.close();
  }
  platform.close();
});

test('a stream error leaves nothing behind and the module usable', async () => {
  async function* broken() { yield 'user_id,event,ts\nu,view,1\n'; throw new Error('network went away'); }
  await assert.rejects(cw.readEvents(broken()), /network went away/);
  await assert.rejects(cw.readEvents('user_id,event,ts\nu,view,x\n'), /line 2, column "ts"/);
  assert.equal((await cw.readEvents('user_id,event,ts\nu,view,1\n')).size, 1);
});

test('the generator is deterministic and identical to the native build', async () => {
  const fixture = await readFile(new URL('../fixtures/platform_seed5.csv', import.meta.url), 'utf8');
  const ds = cw.generatePlatform({ seed: 5, learners: 40, courses: 12, communities: 3, days: 120 });
  assert.equal(ds.toCSV(), fixture);
  assert.ok(ds.truth.bundles.length > 0);
  const other = cw.generatePlatform({ seed: 6, learners: 40, courses: 12, communities: 3, days: 120 });
  assert.notEqual(other.toCSV(), fixture);
});

test('datasets are owned by the shell: close() frees, use after close is an Error', () => {
  const ds = cw.generatePlatform({ learners: 10 });
  assert.ok(ds instanceof Dataset);
  ds.close();
  ds.close(); // idempotent
  assert.equal(ds.closed, true);
  throwsWith(() => ds.summary(), /has been closed/);
});
