// Integration tests of circlewise-collector: the real binary on a random loopback port, real LDP
// reports from the JS API, SQLite (and PostgreSQL when COLLECTOR_PG_URL names a server; scripts/test.sh
// starts a throwaway one). Every scenario that touches storage runs on both backends.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { request } from 'node:http';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  startCollector, report, post, rebuild, getJson, metrics, cw, ITEMS, TOKEN, PG_URL, freshPgDatabase, tempDir, rawRequest,
} from './collector_harness.mjs';

const backends = [['sqlite', () => ({})]];
if (PG_URL) backends.push(['postgresql', () => ({ db: freshPgDatabase() })]);

for (const [name, storage] of backends) {
  describe(`collector on ${name}`, () => {
    test('stores valid reports and rejects invalid ones, each with its reason', async () => {
      const c = await startCollector({ ...storage(), args: ['--max-epsilon', '4'] });
      try {
        const good = [report('item', [1]), report('pair', [1, 2]), report('item', [3], { mechanism: 'oue' }),
          report('item', [4], { mechanism: 'olh' }), report('pair', [0, 5], { mechanism: 'grr' })];
        const wrongCatalogue = report('item', [1], { items: 9 });
        const tooLoose = report('item', [1], { epsilon: 6 });
        const extraField = { ...report('item', [2]), userId: 'u-17' };
        const badPayload = report('item', [2], { mechanism: 'grr' });
        badPayload.payload = { value: 99 };
        const r = await post(c.url, { reports: [...good, wrongCatalogue, tooLoose, extraField, badPayload, good[0]] });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.accepted, 5);
        assert.equal(r.json.rejected, 5);
        const byIndex = r.json.results;
        assert.deepEqual(byIndex.slice(0, 5).map((x) => x.status), Array(5).fill('accepted'));
        assert.equal(byIndex[0].id, good[0].id);
        assert.deepEqual(byIndex.slice(5).map((x) => x.code),
          ['wrong_catalogue', 'epsilon_out_of_range', 'invalid', 'invalid', 'duplicate_in_batch']);
        assert.match(byIndex[5].reason, /catalogue size 9 does not match the collector's 8/);
        assert.match(byIndex[6].reason, /epsilon 6 is outside the accepted range \[0\.1, 4\]/);
        assert.match(byIndex[7].reason, /userId/);
        assert.match(byIndex[8].reason, /value/);
        const m = await metrics(c.url);
        assert.equal(m.values.circlewise_collector_reports_accepted_total, 5);
        assert.equal(m.values['circlewise_collector_reports_rejected_total{reason="invalid"}'], 2);
        assert.equal(m.values['circlewise_collector_reports_rejected_total{reason="wrong_catalogue"}'], 1);
        assert.equal(m.values['circlewise_collector_reports_rejected_total{reason="epsilon_out_of_range"}'], 1);
        assert.equal(m.values['circlewise_collector_reports_rejected_total{reason="duplicate_in_batch"}'], 1);
        assert.equal(m.values.circlewise_collector_stored_reports, 5);
        assert.ok(m.values['circlewise_collector_request_duration_seconds_count{route="/v1/reports"}'] >= 1);
        assert.match(m.text, /# TYPE circlewise_collector_request_duration_seconds histogram/);
        const h = await getJson(c.url, '/healthz');
        assert.deepEqual({ status: h.json.status, storage: h.json.storage, reports: h.json.reports },
          { status: 'ok', storage: name, reports: 5 });
      } finally {
        assert.equal(await c.stop(), 0);
        c.cleanup();
      }
    });

    test('a retried batch is acknowledged again but counted once', async () => {
      const c = await startCollector(storage());
      try {
        const batch = { reports: Array.from({ length: 20 }, (_, i) => report(i % 2 ? 'item' : 'pair', [i % ITEMS, (i + 1) % ITEMS])) };
        const first = await post(c.url, batch);
        const again = await post(c.url, batch);
        assert.equal(first.json.accepted, 20);
        assert.equal(again.status, 200);
        assert.equal(again.json.accepted, 0);
        assert.equal(again.json.duplicates, 20);
        assert.ok(again.json.results.every((x) => x.status === 'duplicate'));
        assert.equal((await getJson(c.url, '/healthz')).json.reports, 20);
        assert.equal((await metrics(c.url)).values.circlewise_collector_reports_duplicate_total, 20);
      } finally {
        await c.stop();
        c.cleanup();
      }
    });

    test('rebuild needs the admin token; each rebuild is a new version, old ones stay; ETag and gzip', async () => {
      const c = await startCollector({ ...storage(), env: { CIRCLEWISE_COLLECTOR_ADMIN_TOKEN: TOKEN } });
      try {
        const first = await fetch(`${c.url}/v1/model`);
        assert.equal(first.status, 200);
        const etag = first.headers.get('etag');
        assert.match(etag, /^"v1-\d+"$/);
        assert.equal(first.headers.get('x-model-version'), '1');
        const m1 = await first.json();
        assert.equal(m1.format, 'circlewise-item-model');
        assert.equal(m1.items.length, ITEMS);
        assert.equal(first.headers.get('cache-control'), 'no-cache');
        assert.equal((await fetch(`${c.url}/v1/model`, { headers: { 'If-None-Match': etag } })).status, 304);

        // The admin endpoint: no token, a wrong one, one differing only in its last character.
        assert.equal((await fetch(`${c.url}/v1/model/rebuild`, { method: 'POST' })).status, 401);
        assert.equal((await rebuild(c.url, 'wrong')).status, 403);
        assert.equal((await rebuild(c.url, TOKEN.slice(0, -1) + 'X')).status, 403);
        assert.equal((await rebuild(c.url, TOKEN + 'X')).status, 403);
        assert.equal((await getJson(c.url, '/v1/models')).json.models.length, 1);

        await post(c.url, { reports: [report('item', [2]), report('pair', [2, 3])] });
        const r = await rebuild(c.url);
        assert.equal(r.status, 200, JSON.stringify(r.json));
        assert.equal(r.json.version, 2);
        assert.equal(r.json.itemReports, 1);
        assert.equal(r.json.pairReports, 1);
        const second = await fetch(`${c.url}/v1/model`, { headers: { 'If-None-Match': etag } });
        assert.equal(second.status, 200);
        assert.notEqual(second.headers.get('etag'), etag);
        await second.arrayBuffer();
        const versions = (await getJson(c.url, '/v1/models')).json.models;
        assert.deepEqual(versions.map((v) => v.version), [2, 1]);
        assert.equal(versions[0].reports, 2);
        const old = await fetch(`${c.url}/v1/model?version=1`);
        assert.equal(old.headers.get('etag'), etag);
        assert.equal(old.headers.get('cache-control'), 'public, max-age=31536000, immutable');
        assert.deepEqual(await old.json(), m1);
        assert.equal((await fetch(`${c.url}/v1/model?version=9`)).status, 404);
        assert.equal((await fetch(`${c.url}/v1/model?version=x`)).status, 400);

        // gzip when asked (raw request: fetch would decompress transparently).
        const gz = await rawRequest(c.port, { method: 'GET', path: '/v1/model', headers: { 'Accept-Encoding': 'gzip' } });
        assert.equal(gz.headers['content-encoding'], 'gzip');
        const plain = await rawRequest(c.port, { method: 'GET', path: '/v1/model' });
        assert.equal(plain.headers['content-encoding'], undefined);
        const zipped = await new Promise((resolve) => {
          request({ host: '127.0.0.1', port: c.port, path: '/v1/model', headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
            const chunks = [];
            res.on('data', (x) => chunks.push(x));
            res.on('end', () => resolve(Buffer.concat(chunks)));
          }).end();
        });
        assert.equal(gunzipSync(zipped).toString(), plain.body);
        assert.ok(zipped.length < plain.body.length);
        const m = await metrics(c.url);
        assert.equal(m.values.circlewise_collector_model_version, 2);
        assert.ok(m.values.circlewise_collector_model_age_seconds >= 0);
        assert.equal(m.values['circlewise_collector_requests_refused_total{reason="forbidden"}'], 3);
        assert.equal(m.values['circlewise_collector_requests_refused_total{reason="unauthorized"}'], 1);
      } finally {
        await c.stop();
        c.cleanup();
      }
    });

    test('reports from learners who take two courses together make the rebuilt model recommend one after the other', async () => {
      const c = await startCollector({ ...storage(), env: { CIRCLEWISE_COLLECTOR_ADMIN_TOKEN: TOKEN } });
      try {
        const before = cw.loadModel(await (await fetch(`${c.url}/v1/model`)).json());
        const a = before.recommend(['py-101'], { n: 3 });
        assert.ok(a.items.every((x) => x.source === 'popular'), JSON.stringify(a.items));
        before.close();
        // 400 learners: each has py-101 (2) and py-201 (3), or ux-101 (4) and ux-201 (5).
        const reports = [];
        for (let i = 0; i < 400; ++i) {
          const history = i % 2 ? [2, 3] : [4, 5];
          reports.push(report('item', history, { epsilon: 4 }), report('pair', history, { epsilon: 4 }));
        }
        for (let i = 0; i < reports.length; i += 200) assert.equal((await post(c.url, { reports: reports.slice(i, i + 200) })).json.accepted, 200);
        assert.equal((await rebuild(c.url)).status, 200);
        const after = cw.loadModel(await (await fetch(`${c.url}/v1/model`)).json());
        const b = after.recommend(['py-101'], { n: 3 });
        assert.equal(b.items[0].id, 'py-201', JSON.stringify(b.items));
        assert.equal(b.items[0].source, 'neighbors');
        assert.equal(after.recommend(['ux-201'], { n: 1 }).items[0].id, 'ux-101');
        after.close();

        // Estimates with confidence intervals: 200 learners hold each of 2..5 (half a course each).
        const est = (await getJson(c.url, '/v1/estimates')).json;
        assert.equal(est.kind, 'item');
        assert.equal(est.reports, 400);
        assert.equal(est.estimates.length, ITEMS);
        // The estimate is unbiased for the number of learners whose item report picked the course; that
        // number is itself Binomial(200, 1/2) around 100 (each of 200 learners picks one of two courses).
        // So the truth must lie within 5 sd of the total error, sqrt(SE^2 + 200/4) (a 95% interval on the
        // SE alone would miss 1 run in 20); the interval is count -/+ 1.96 SE.
        for (const [item, truth, sampling] of [['py-101', 100, 50], ['ux-201', 100, 50], ['sql-101', 0, 0], ['mk-201', 0, 0]]) {
          const row = est.estimates.find((e) => e.item === item);
          assert.ok(Math.abs(row.count - truth) <= 5 * Math.sqrt(row.standardError ** 2 + sampling), JSON.stringify(row));
          assert.ok(Math.abs(row.upper - row.count - 1.959964 * row.standardError) < 1e-4, JSON.stringify(row));
          assert.ok(Math.abs(row.count - row.lower - 1.959964 * row.standardError) < 1e-4, JSON.stringify(row));
        }
        const pairs = (await getJson(c.url, '/v1/estimates?kind=pair&top=4')).json;
        assert.equal(pairs.estimates.length, 6);
        const top = pairs.estimates.reduce((x, y) => (y.count > x.count ? y : x));
        const key = [...top.items].sort().join('+');
        assert.ok(['py-101+py-201', 'ux-101+ux-201'].includes(key), key);
        assert.equal((await fetch(`${c.url}/v1/estimates?kind=both`)).status, 400);
      } finally {
        await c.stop();
        c.cleanup();
      }
    });

    test('/v1/estimates is served from a cache until a report is stored or a model is published', async () => {
      const c = await startCollector({ ...storage(), env: { CIRCLEWISE_COLLECTOR_ADMIN_TOKEN: TOKEN } });
      try {
        const batch = (n) => Array.from({ length: n }, (_, i) => [report('item', [i % 4, 4 + (i % 4)]), report('pair', [i % 4, 4 + (i % 4)])]).flat();
        assert.equal((await post(c.url, { reports: batch(20) })).json.accepted, 40);
        const cached = async (path) => {
          const res = await fetch(`${c.url}${path}`);
          return { state: res.headers.get('x-estimates-cache'), text: await res.text() };
        };
        for (const path of ['/v1/estimates', '/v1/estimates?kind=pair&top=4']) {
          const first = await cached(path);
          assert.equal(first.state, 'miss', path);
          const second = await cached(path);
          assert.equal(second.state, 'hit', path);
          assert.equal(second.text, first.text, `${path}: the cached body is the computed one`);
          assert.equal(JSON.parse(second.text).reports, 20);
        }
        // Another "top" is another entry.
        assert.equal((await cached('/v1/estimates?kind=pair&top=5')).state, 'miss');
        // New reports invalidate every entry; the recomputed body counts them.
        assert.equal((await post(c.url, { reports: batch(5) })).json.accepted, 10);
        const after = await cached('/v1/estimates');
        assert.equal(after.state, 'miss');
        assert.equal(JSON.parse(after.text).reports, 25);
        assert.equal((await cached('/v1/estimates?kind=pair&top=4')).state, 'miss');
        assert.equal((await cached('/v1/estimates')).state, 'hit');
        // A duplicate (retried) batch stores nothing: still served from the cache.
        // So does a rejected one. A rebuild (new model version) invalidates.
        assert.equal((await post(c.url, { reports: [{ v: 1 }] })).json.rejected, 1);
        assert.equal((await cached('/v1/estimates')).state, 'hit');
        assert.equal((await rebuild(c.url)).status, 200);
        assert.equal((await cached('/v1/estimates')).state, 'miss');
        assert.equal((await cached('/v1/estimates')).state, 'hit');
        // Counted for Prometheus: 6 computed, 5 from the cache above.
        const m = (await metrics(c.url)).values;
        assert.equal(m['circlewise_collector_estimates_total{cache="miss"}'], 6);
        assert.equal(m['circlewise_collector_estimates_total{cache="hit"}'], 5);
      } finally {
        await c.stop();
        c.cleanup();
      }
    });

    test('with the site\'s public counts the model is the hybrid: their popularity, pairs from reports', async () => {
      const dir = tempDir();
      const file = join(dir, 'counts.json');
      // What the site knows from its own enrolments (mk-201 left out: counts 0, reported as missing).
      const counts = { 'py-101': 200, 'py-201': 200, 'ux-101': 200, 'ux-201': 200, 'sql-101': 30, 'sql-201': 20, 'mk-101': 10 };
      writeFileSync(file, JSON.stringify(counts));
      const c = await startCollector({ ...storage(), args: ['--public-counts', file], env: { CIRCLEWISE_COLLECTOR_ADMIN_TOKEN: TOKEN } });
      try {
        // Before any report: popularity is the site's counts.
        const first = await (await fetch(`${c.url}/v1/model`)).json();
        assert.equal(first.method, 'ldp-hybrid-cosine');
        assert.deepEqual(Object.fromEntries(first.items.map((x) => [x.id, x.popularity])), { ...counts, 'mk-201': 0 });
        const reports = [];
        for (let i = 0; i < 400; ++i) {
          const history = i % 2 ? [2, 3] : [4, 5];
          reports.push(report('item', history, { epsilon: 4 }), report('pair', history, { epsilon: 4 }));
        }
        for (let i = 0; i < reports.length; i += 200) assert.equal((await post(c.url, { reports: reports.slice(i, i + 200) })).json.accepted, 200);
        const r = await rebuild(c.url);
        assert.equal(r.status, 200, JSON.stringify(r.json));
        assert.equal(r.json.method, 'ldp-hybrid-cosine');
        assert.deepEqual(r.json.publicCounts, { file, courses: 7, missing: 1 });
        const model = cw.loadModel(await (await fetch(`${c.url}/v1/model`)).json());
        const b = model.recommend(['py-101'], { n: 3 });
        assert.equal(b.items[0].id, 'py-201', JSON.stringify(b.items));
        assert.equal(b.items[0].source, 'neighbors');
        assert.equal(model.recommend(['ux-201'], { n: 1 }).items[0].id, 'ux-101');
        model.close();
        // The file is read at every rebuild: a bad one fails the rebuild and the last model stays.
        const version = Number((await fetch(`${c.url}/v1/model`)).headers.get('x-model-version'));
        writeFileSync(file, JSON.stringify({ ...counts, 'no-such-course': 3 }));
        const bad = await rebuild(c.url);
        assert.equal(bad.status, 500);
        assert.match(bad.json.error, /"no-such-course" is not in the catalogue/);
        assert.equal(Number((await fetch(`${c.url}/v1/model`)).headers.get('x-model-version')), version);
        writeFileSync(file, '{"py-101": -1');
        assert.match((await rebuild(c.url)).json.error, /is not valid JSON/);
        // Checked at start-up too: a collector with a bad file does not start.
        await assert.rejects(startCollector({ ...storage(), args: ['--public-counts', file] }), /is not valid JSON/);
      } finally {
        await c.stop();
        c.cleanup();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('SIGKILL in the middle of a load run loses no acknowledged report', async () => {
      const opts = storage();
      const data = opts.db ? undefined : tempDir();
      let c = await startCollector({ ...opts, data });
      const acked = [];
      let stop = false;
      // Four concurrent senders of 50-report batches until the server dies under them.
      const sender = async () => {
        while (!stop) {
          const batch = Array.from({ length: 50 }, (_, i) => report('item', [i % ITEMS]));
          try {
            const r = await post(c.url, { reports: batch });
            if (r.status === 200) for (const x of r.json.results) if (x.status === 'accepted') acked.push(batch[x.index]);
          } catch { return; }  // connection refused or reset: the server is gone
        }
      };
      const senders = [sender(), sender(), sender(), sender()];
      while (acked.length < 1000) await new Promise((r) => setTimeout(r, 20));
      assert.equal(await c.kill(), 'SIGKILL');
      stop = true;
      await Promise.all(senders);
      c = await startCollector({ ...opts, data });
      try {
        const stored = (await getJson(c.url, '/healthz')).json.reports;
        assert.ok(stored >= acked.length, `${stored} stored < ${acked.length} acknowledged`);
        // Every acknowledged report is there: resending it is a duplicate, not a new report.
        for (let i = 0; i < acked.length; i += 500) {
          const r = await post(c.url, { reports: acked.slice(i, i + 500) }, {});
          assert.equal(r.json.accepted, 0, 'an acknowledged report was lost');
          assert.equal(r.json.duplicates, Math.min(500, acked.length - i));
        }
      } finally {
        await c.stop();
        if (data) (await import('node:fs')).rmSync(data, { recursive: true, force: true });
      }
    });
  });
}

describe('collector HTTP behaviour', () => {
  test('oversize, malformed and wrongly typed bodies get a clear error and the server stays up', async () => {
    const c = await startCollector({ args: ['--max-body', '4096', '--max-batch', '3'] });
    try {
      const big = await post(c.url, 'x'.repeat(5000));
      assert.equal(big.status, 413);
      assert.match(big.json.error, /larger than the limit of 4096 bytes/);
      const many = await post(c.url, { reports: [1, 2, 3, 4] });
      assert.equal(many.status, 413);
      assert.match(many.json.error, /batch of 4 reports exceeds the limit of 3/);
      const truncated = JSON.stringify({ reports: [report('item', [1])] }).slice(0, -7);
      const t = await post(c.url, truncated);
      assert.equal(t.status, 400);
      assert.match(t.json.error, /body is not valid JSON/);
      assert.equal((await post(c.url, '')).status, 400);
      const overflow = await post(c.url, '{"reports":[{"epsilon":1e999}]}');
      assert.equal(overflow.status, 400);
      assert.match(overflow.json.error, /number overflow/);
      assert.match((await post(c.url, '[1,2]')).json.error, /must be a JSON object/);
      assert.match((await post(c.url, '{"reports": "all of them"}')).json.error, /"reports" array/);
      assert.match((await post(c.url, '{"reports": [], "user": 1}')).json.error, /unknown field "user"/);
      const utf8 = await rawRequest(c.port, { body: Buffer.from([...Buffer.from('{"reports":["'), 0xff, 0xfe, ...Buffer.from('"]}')]) });
      assert.equal(utf8.status, 400);
      assert.match(JSON.parse(utf8.body).error, /UTF-8/);
      const wrongTypes = { ...report('item', [1]), items: '8' };
      const huge = { ...report('item', [1]), items: 1e300 };
      const hugeInt = JSON.stringify({ reports: [report('item', [1], { mechanism: 'grr' })] }).replace(/"value":\d+/, '"value":123456789012345678901234567890');
      const r = await post(c.url, { reports: [wrongTypes, huge] });
      assert.equal(r.status, 200);
      assert.deepEqual(r.json.results.map((x) => x.code), ['invalid', 'invalid']);
      assert.match(r.json.results[0].reason, /items/);
      const h = await post(c.url, hugeInt);
      assert.equal(h.json.results[0].status, 'rejected');
      const chunked = await rawRequest(c.port, { headers: { 'Transfer-Encoding': 'chunked' }, body: 'x'.repeat(5000) });
      assert.equal(chunked.status, 411);
      assert.match(JSON.parse(chunked.body).error, /Content-Length is required/);
      const gz = await rawRequest(c.port, { headers: { 'Content-Encoding': 'gzip' }, body: 'x' });
      assert.equal(gz.status, 415);
      const lying = await rawRequest(c.port, { headers: { 'Content-Length': '99999999999999999999' }, body: '' }).catch(() => ({ status: 'reset' }));
      assert.ok(lying.status === 413 || lying.status === 'reset' || lying.status === 400, String(lying.status));
      assert.equal((await fetch(`${c.url}/v1/nothing`)).status, 404);
      assert.equal((await getJson(c.url, '/healthz')).json.status, 'ok');
      assert.equal((await getJson(c.url, '/healthz')).json.reports, 0);
      const m = await metrics(c.url);
      assert.equal(m.values['circlewise_collector_requests_refused_total{reason="too_large"}'] >= 1, true);
      assert.equal(m.values['circlewise_collector_requests_refused_total{reason="malformed"}'], 7);
    } finally {
      assert.equal(await c.stop(), 0);
      c.cleanup();
    }
  });

  test('CORS answers only the allowed origins; no cookie is ever set', async () => {
    const c = await startCollector({ args: ['--allow-origin', 'http://127.0.0.1:8080, https://courses.example'] });
    try {
      const pre = await fetch(`${c.url}/v1/reports`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://courses.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), 'https://courses.example');
      assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
      assert.match(pre.headers.get('access-control-allow-headers'), /Content-Type/);
      assert.equal(pre.headers.get('access-control-allow-credentials'), null);
      const ok = await post(c.url, { reports: [report('item', [1])] }, { Origin: 'http://127.0.0.1:8080' });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8080');
      const model = await fetch(`${c.url}/v1/model`, { headers: { Origin: 'http://127.0.0.1:8080' } });
      assert.match(model.headers.get('access-control-expose-headers'), /ETag/);
      const evil = await post(c.url, { reports: [report('item', [1])] }, { Origin: 'https://evil.example' });
      assert.equal(evil.status, 403);
      assert.equal(evil.headers.get('access-control-allow-origin'), null);
      const evilPre = await fetch(`${c.url}/v1/reports`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } });
      assert.equal(evilPre.headers.get('access-control-allow-origin'), null);
      // Without an Origin (curl, a server-side relay) there is no CORS question.
      assert.equal((await post(c.url, { reports: [report('item', [2])] })).status, 200);
      assert.equal((await getJson(c.url, '/healthz')).json.reports, 2);
      for (const res of [pre, ok, model, evil]) assert.equal(res.headers.get('set-cookie'), null);
    } finally {
      await c.stop();
      c.cleanup();
    }
  });

  test('a client over its rate gets 429 with Retry-After; health and metrics stay reachable', async () => {
    const c = await startCollector({ args: ['--rate-limit', '1', '--rate-burst', '3'] });
    try {
      const statuses = [];
      for (let i = 0; i < 5; ++i) statuses.push((await post(c.url, { reports: [report('item', [1])] })).status);
      assert.deepEqual(statuses.slice(0, 3), [200, 200, 200]);
      assert.equal(statuses[4], 429);
      const limited = await post(c.url, { reports: [report('item', [1])] });
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      assert.match(limited.json.error, /too many requests/);
      assert.equal((await fetch(`${c.url}/healthz`)).status, 200);
      assert.ok((await metrics(c.url)).values['circlewise_collector_requests_refused_total{reason="rate_limited"}'] >= 2);
    } finally {
      await c.stop();
      c.cleanup();
    }
  });

  test('the schedule rebuilds the model when new reports arrived', async () => {
    const c = await startCollector({ args: ['--rebuild-every', '0.3'] });
    try {
      assert.equal((await post(c.url, { reports: [report('item', [1]), report('pair', [1, 2])] })).json.accepted, 2);
      let version = 1;
      for (let i = 0; i < 100 && version < 2; ++i) {
        await new Promise((r) => setTimeout(r, 100));
        version = Number((await fetch(`${c.url}/v1/model`)).headers.get('x-model-version'));
      }
      assert.equal(version, 2);
      await new Promise((r) => setTimeout(r, 900));  // nothing new: no further version
      assert.equal((await getJson(c.url, '/v1/models')).json.models.length, 2);
      assert.ok(c.logs.some((l) => l.msg === 'model rebuilt' && l.trigger === 'schedule'));
    } finally {
      await c.stop();
      c.cleanup();
    }
  });

  test('logs are JSON lines without addresses or user agents; SIGTERM finishes gracefully', async () => {
    const c = await startCollector({ args: ['--log-requests'] });
    await post(c.url, { reports: [report('item', [1])] }, { 'User-Agent': 'secret-agent/1.0' });
    assert.equal(await c.stop(), 0);
    assert.ok(c.raw.every((l) => { try { JSON.parse(l); return true; } catch { return false; } }), c.raw.join('\n'));
    const requests = c.logs.filter((l) => l.msg === 'request');
    assert.equal(requests.length, 1);
    assert.deepEqual(Object.keys(requests[0]).sort(), ['level', 'method', 'ms', 'msg', 'route', 'status', 'ts']);
    assert.ok(!c.raw.some((l) => l.includes('secret-agent')));
    assert.ok(c.logs.some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM'));
    assert.equal(c.logs.at(-1).msg, 'stopped');
    assert.equal(c.logs.at(-1).storedReports, 1);
    c.cleanup();
  });

  test('--help explains the flags; bad configuration fails with the flag named', async () => {
    const { spawnSync } = await import('node:child_process');
    const { BIN, CATALOGUE } = await import('./collector_harness.mjs');
    const help = spawnSync(BIN, ['--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    for (const flag of ['--catalogue', '--data', '--db', '--admin-token', '--allow-origin', '--max-body', '--max-batch',
      '--rate-limit', '--rebuild-every', 'CIRCLEWISE_COLLECTOR_']) assert.ok(help.stdout.includes(flag), flag);
    const bad = spawnSync(BIN, ['--catalogue', CATALOGUE, '--max-batch', 'lots'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--max-batch must be an integer in \[1, 100000\], got "lots"/);
    const env = spawnSync(BIN, ['--catalogue', CATALOGUE], { encoding: 'utf8', env: { ...process.env, CIRCLEWISE_COLLECTOR_MAX_EPSILON: '99' } });
    assert.equal(env.status, 2);
    assert.match(env.stderr, /CIRCLEWISE_COLLECTOR_MAX_EPSILON must be a number/);
    const unknown = spawnSync(BIN, ['--catalogue', CATALOGUE, '--colour', 'red'], { encoding: 'utf8' });
    assert.match(unknown.stderr, /unknown option --colour/);
    assert.match(spawnSync(BIN, [], { encoding: 'utf8' }).stderr, /--catalogue FILE is required/);
    const missing = spawnSync(BIN, ['--catalogue', '/nonexistent.json'], { encoding: 'utf8' });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /cannot read the catalogue file/);
    // Environment configuration applies (flags would win).
    const c = await startCollector({ env: { CIRCLEWISE_COLLECTOR_MAX_BATCH: '2' } });
    try {
      assert.equal((await post(c.url, { reports: [1, 2, 3] })).status, 413);
    } finally {
      await c.stop();
      c.cleanup();
    }
  });
});

describe('several collectors on one PostgreSQL database', { skip: PG_URL ? false : 'COLLECTOR_PG_URL not set (scripts/test.sh sets it)' }, () => {
  test('reports sent to either count once, and both serve the model either one rebuilt', async () => {
    const db = freshPgDatabase();
    const a = await startCollector({ db, env: { CIRCLEWISE_COLLECTOR_ADMIN_TOKEN: TOKEN } });
    const b = await startCollector({ db });
    try {
      const batch = { reports: [report('item', [1]), report('pair', [1, 2]), report('item', [3])] };
      assert.equal((await post(a.url, batch)).json.accepted, 3);
      assert.equal((await post(b.url, batch)).json.duplicates, 3);  // a retry that reached the other one
      assert.equal((await getJson(b.url, '/healthz')).json.reports, 3);
      const r = await rebuild(a.url);
      assert.equal(r.json.version, 2);
      let seen = 0;
      for (let i = 0; i < 50 && seen < 2; ++i) {
        await new Promise((done) => setTimeout(done, 100));
        seen = Number((await fetch(`${b.url}/v1/model`)).headers.get('x-model-version'));
      }
      assert.equal(seen, 2);
      assert.deepEqual(await (await fetch(`${b.url}/v1/model`)).json(), await (await fetch(`${a.url}/v1/model`)).json());
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe('collector storage backends agree', { skip: PG_URL ? false : 'COLLECTOR_PG_URL not set (scripts/test.sh sets it)' }, () => {
  test('the same reports give the same estimates from PostgreSQL GROUP BY as from SQLite', async () => {
    const lite = await startCollector({});
    const pg = await startCollector({ db: freshPgDatabase() });
    try {
      const reports = [];
      for (let i = 0; i < 300; ++i) {
        const history = [i % ITEMS, (i * 3 + 1) % ITEMS].filter((x, j, a) => a.indexOf(x) === j);
        const mechanism = ['grr', 'oue', 'olh'][i % 3];
        reports.push(report('item', history, { mechanism, epsilon: i % 2 ? 0.5 : 3 }));
        if (history.length === 2) reports.push(report('pair', history, { mechanism, epsilon: 1.5 }));
      }
      for (const c of [lite, pg]) assert.equal((await post(c.url, { reports })).json.accepted, reports.length);
      for (const path of ['/v1/estimates', '/v1/estimates?kind=pair&top=8']) {
        const a = (await getJson(lite.url, path)).json;
        const b = (await getJson(pg.url, path)).json;
        assert.equal(a.reports, b.reports);
        assert.equal(a.estimates.length, b.estimates.length);
        a.estimates.forEach((x, i) => {
          assert.equal(x.value, b.estimates[i].value);
          assert.ok(Math.abs(x.count - b.estimates[i].count) < 1e-9, `${path} ${x.value}: ${x.count} vs ${b.estimates[i].count}`);
          assert.ok(Math.abs(x.standardError - b.estimates[i].standardError) < 1e-9);
        });
      }
    } finally {
      await lite.stop();
      await pg.stop();
      lite.cleanup();
    }
  });
});
