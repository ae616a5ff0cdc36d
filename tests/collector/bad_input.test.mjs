// The collector's rows of the bad-input contract (docs/bad-input.md, "Collector"): one test per
// row, named as the row, against the real binary (COLLECTOR_BIN: native or ASan+UBSan). The first
// test checks that the doc's rows and this file's agree, so a row cannot be added untested.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  startCollector, report, post, rebuild, getJson, rawRequest, BIN, CATALOGUE, TOKEN, tempDir,
} from './collector_harness.mjs';

const ORIGIN = 'http://courses.example';
const MAX_BODY = 300000;
let c;      // the collector most rows talk to (started below)
let files;  // a temporary folder for the flag rows' files

// Raw HTTP (rawRequest) for what fetch will not send: bytes that are not UTF-8, a chunked body, a lying length.
async function raw(options) {
  const r = await rawRequest(c.port, options);
  return { ...r, json: JSON.parse(r.body) };
}

// A whole request refused with `status` and an {"error"} naming the problem.
function refused(res, status, message) {
  assert.equal(res.status, status, JSON.stringify(res.json));
  assert.match(res.json.error, message);
}

// One report of the batch rejected with `code` and a reason naming the problem; the others stored.
async function rejected(bad, code, reason) {
  const good = report('item', [2]);
  const r = await post(c.url, { reports: [good, bad] });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.results.map((x) => x.status), ['accepted', 'rejected']);
  assert.equal(r.json.results[1].code, code);
  assert.match(r.json.results[1].reason, reason);
}

// The collector started with `args` (and `env`) exits with `code`, naming the problem on stderr.
function fails(args, code, message, env = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CIRCLEWISE_COLLECTOR_')));
  const r = spawnSync(BIN, args, { encoding: 'utf8', env: { ...clean, ...env } });
  assert.equal(r.status, code, r.stderr);
  assert.match(r.stderr, message);
}
const run = (...args) => ['--catalogue', CATALOGUE, '--data', files, '--port', '0', ...args];
const withItems = (r, patch) => ({ ...r, ...patch });

// row (as in docs/bad-input.md) -> test
const HTTP = {
  'not JSON': async () => refused(await post(c.url, '{oops'), 400, /body is not valid JSON: .*line 1, column 2/),
  'truncated JSON': async () => refused(await post(c.url, JSON.stringify({ reports: [report('item', [1])] }).slice(0, -7)), 400,
    /body is not valid JSON/),
  'empty body': async () => refused(await post(c.url, ''), 400, /body is not valid JSON/),
  'invalid UTF-8': async () => refused(await raw({ body: Buffer.from([...Buffer.from('{"reports":["'), 0xff, 0xfe, ...Buffer.from('"]}')]) }),
    400, /body is not valid JSON: .*ill-formed UTF-8 byte/),
  'number beyond double': async () => refused(await post(c.url, '{"reports":[{"epsilon":1e999}]}'), 400, /number overflow/),
  'deep JSON': async () => refused(await post(c.url, '['.repeat(100000) + ']'.repeat(100000)), 400, /body must be a JSON object/),
  'not an object': async () => refused(await post(c.url, '[1,2]'), 400, /body must be a JSON object \{"reports": \[\.\.\.\]\}/),
  'no reports array': async () => refused(await post(c.url, '{"reports": "all of them"}'), 400, /body must have a "reports" array/),
  'empty reports': async () => refused(await post(c.url, '{"reports": []}'), 400, /"reports" is empty/),
  'unknown body field': async () => refused(await post(c.url, { reports: [report('item', [1])], user: 'u1' }), 400,
    /unknown field "user" in body \(known: reports\)/),
  'too many reports': async () => refused(await post(c.url, { reports: [1, 2, 3, 4] }), 413, /batch of 4 reports exceeds the limit of 3/),
  'body too large': async () => refused(await post(c.url, 'x'.repeat(MAX_BODY + 1)), 413,
    new RegExp(`request body larger than the limit of ${MAX_BODY} bytes`)),
  'Content-Length beyond any limit': async () => refused(await raw({ headers: { 'Content-Length': '99999999999999999999' } }), 413,
    /request body larger than the limit/),
  'chunked body': async () => refused(await raw({ headers: { 'Transfer-Encoding': 'chunked' }, body: '{"reports":[]}' }), 411,
    /Content-Length is required \(chunked request bodies are not accepted\)/),
  'gzip body': async () => refused(await raw({ headers: { 'Content-Encoding': 'gzip', 'Content-Length': '1' }, body: 'x' }), 415,
    /compressed request bodies are not accepted \(Content-Encoding: gzip\)/),
  'report with a wrong type': async () => rejected(withItems(report('item', [1]), { items: '8' }), 'invalid', /"items"/),
  'report with a huge number': async () => {
    await rejected(withItems(report('item', [1]), { items: 1e300 }), 'invalid', /"items"/);
    const grr = report('item', [1], { mechanism: 'grr' });
    const body = JSON.stringify({ reports: [grr] }).replace(/"value":\d+/, '"value":123456789012345678901234567890');
    const r = await post(c.url, body);
    assert.equal(r.json.results[0].code, 'invalid');
    assert.match(r.json.results[0].reason, /"value" must be an integer in \[0, 7\]/);
  },
  'report with an extra field': async () => rejected(withItems(report('item', [1]), { user: 'u1' }), 'invalid', /unexpected field "user"/),
  'report value outside the domain': async () => {
    const grr = report('item', [1], { mechanism: 'grr' });
    await rejected({ ...grr, payload: { value: 99 } }, 'invalid', /"value" must be an integer in \[0, 7\], got 99/);
  },
  'report over another catalogue': async () => rejected(report('item', [1], { items: 9 }), 'wrong_catalogue',
    /catalogue size 9 does not match the collector's 8/),
  'epsilon outside the range': async () => rejected(report('item', [1], { epsilon: 6 }), 'epsilon_out_of_range',
    /epsilon 6 is outside the accepted range \[0\.1, 4\]/),
  'same id twice in a batch': async () => {
    const r = report('item', [3]);
    const res = await post(c.url, { reports: [r, r] });
    assert.deepEqual(res.json.results.map((x) => x.status), ['accepted', 'rejected']);
    assert.equal(res.json.results[1].code, 'duplicate_in_batch');
    assert.match(res.json.results[1].reason, /appears twice in the batch/);
  },
  'report resent': async () => {
    const r = report('item', [4]);
    const before = (await getJson(c.url, '/healthz')).json.reports;
    assert.equal((await post(c.url, { reports: [r] })).json.accepted, 1);
    const again = await post(c.url, { reports: [r] });
    assert.equal(again.status, 200);
    assert.equal(again.json.duplicates, 1);
    assert.equal(again.json.results[0].status, 'duplicate');
    assert.equal((await getJson(c.url, '/healthz')).json.reports, before + 1);
  },
  // The path is not echoed (nor logged): any path outside the API is "other".
  'unknown endpoint': async () => refused(await getJson(c.url, '/v1/nothing'), 404, /no such endpoint: GET other \(see docs\/collector.md\)/),
  'wrong method': async () => refused(await getJson(c.url, '/v1/reports'), 404, /no such endpoint: GET \/v1\/reports/),
  'model version not a number': async () => refused(await getJson(c.url, '/v1/model?version=abc'), 400,
    /"version" must be a positive integer/),
  'model version that does not exist': async () => refused(await getJson(c.url, '/v1/model?version=999'), 404,
    /model version 999 does not exist/),
  'estimates of an unknown kind': async () => refused(await getJson(c.url, '/v1/estimates?kind=triple'), 400,
    /"kind" must be "item" or "pair"/),
  'estimates top out of range': async () => refused(await getJson(c.url, '/v1/estimates?kind=pair&top=1000'), 400,
    /"top" must be an integer in \[2, 50\]/),
  'rebuild without a token': async () => {
    const res = await fetch(`${c.url}/v1/model/rebuild`, { method: 'POST', headers: { Authorization: 'Basic eDp5' } });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    assert.match((await res.json()).error, /missing admin token/);
  },
  'rebuild with a wrong token': async () => {
    const r = await rebuild(c.url, TOKEN.slice(0, -1) + 'X');
    refused(r, 403, /wrong admin token/);
  },
  'rebuild disabled': async () => {
    const plain = await startCollector();
    try {
      refused(await rebuild(plain.url, TOKEN), 403, /rebuild on request is disabled/);
    } finally {
      await plain.stop();
      plain.cleanup();
    }
  },
  "another site's origin": async () => {
    const r = await post(c.url, { reports: [report('item', [1])] }, { Origin: 'https://evil.example' });
    refused(r, 403, /origin not allowed/);
    assert.equal(r.headers.get('access-control-allow-origin'), null);
    assert.equal((await post(c.url, { reports: [report('item', [1])] }, { Origin: ORIGIN })).status, 200);
  },
  'too many requests': async () => {
    const limited = await startCollector({ args: ['--rate-limit', '0.5', '--rate-burst', '2'] });
    try {
      const statuses = [];
      let last;
      for (let i = 0; i < 3; ++i) statuses.push((last = await post(limited.url, { reports: [report('item', [1])] })).status);
      assert.deepEqual(statuses, [200, 200, 429]);
      refused(last, 429, /too many requests from this client; retry after \d+ s/);
      assert.ok(Number(last.headers.get('retry-after')) >= 1);
      assert.equal((await fetch(`${limited.url}/healthz`)).status, 200);  // health is never limited
    } finally {
      await limited.stop();
      limited.cleanup();
    }
  },
};

const FLAGS = {
  'bad flag value': () => {
    fails(run('--max-batch', 'lots'), 2, /--max-batch must be an integer in \[1, 100000\], got "lots"/);
    fails(run('--max-epsilon', '99'), 2, /--max-epsilon must be a number in \[0\.01/);
    fails(run('--max-body', 'nan'), 2, /--max-body must be an integer/);
  },
  'bad environment value': () => fails(run(), 2, /CIRCLEWISE_COLLECTOR_MAX_EPSILON must be a number/,
    { CIRCLEWISE_COLLECTOR_MAX_EPSILON: '99' }),
  'unknown option': () => fails(run('--colour', 'red'), 2, /unknown option --colour \(see --help\)/),
  'unknown environment variable': () => fails(run(), 2, /unknown environment variable CIRCLEWISE_COLLECTOR_COLOUR/,
    { CIRCLEWISE_COLLECTOR_COLOUR: 'red' }),
  'flag without a value': () => fails(run('--port'), 2, /--port needs a value/),
  'unexpected argument': () => fails(run('extra'), 2, /unexpected argument "extra"/),
  'no catalogue': () => fails([], 2, /--catalogue FILE is required/),
  'min epsilon above max': () => fails(run('--min-epsilon', '5', '--max-epsilon', '1'), 2,
    /--min-epsilon must not exceed --max-epsilon/),
  'short admin token': () => fails(run('--admin-token', 'short'), 2, /--admin-token must be at least 16 characters/),
  'any origin': () => fails(run('--allow-origin', '*'), 2, /"\*" is not allowed; list the site origins/),
  'catalogue file missing': () => fails(['--catalogue', '/nonexistent/courses.json', '--data', files], 1,
    /cannot read the catalogue file \/nonexistent\/courses.json/),
  'catalogue not JSON': async () => {
    await writeFile(join(files, 'broken.json'), '[{"id": "a"');
    fails(['--catalogue', join(files, 'broken.json'), '--data', files], 1, /is not valid JSON/);
  },
  'catalogue with a bad entry': async () => {
    const courses = JSON.parse(await readFile(CATALOGUE, 'utf8'));
    courses[3].title = 42;
    await writeFile(join(files, 'bad-entry.json'), JSON.stringify(courses));
    fails(['--catalogue', join(files, 'bad-entry.json'), '--data', files], 1, /catalogue\[3\]\.title must be a string/);
  },
  'catalogue of one course': async () => {
    await writeFile(join(files, 'one.json'), '["a"]');
    fails(['--catalogue', join(files, 'one.json'), '--data', files], 1, /at least 2 item ids/);
  },
  'unusable data directory': async () => {
    await writeFile(join(files, 'a-file'), '');
    fails(['--catalogue', CATALOGUE, '--data', join(files, 'a-file', 'data')], 1, /cannot create data directory/);
  },
  'unreachable database': () => fails(['--catalogue', CATALOGUE, '--db', 'postgresql://127.0.0.1:1/none?connect_timeout=5'], 1,
    /cannot connect to PostgreSQL/),
  'port in use': () => fails(['--catalogue', CATALOGUE, '--data', files, '--port', String(c.port)], 1, /cannot listen/),
  'public counts not JSON': async () => {
    await writeFile(join(files, 'counts-cut.json'), '{"py-101": 20');
    fails(run('--public-counts', join(files, 'counts-cut.json')), 1, /the public counts file .* is not valid JSON/);
  },
  'public counts of an unknown course': async () => {
    await writeFile(join(files, 'counts-unknown.json'), '{"no-such-course": 3}');
    fails(run('--public-counts', join(files, 'counts-unknown.json')), 1, /public counts: \\"no-such-course\\" is not in the catalogue/);
  },
};

describe('collector bad-input contract', () => {
  before(async () => {
    files = tempDir();
    c = await startCollector({
      args: ['--max-body', String(MAX_BODY), '--max-batch', '3', '--max-epsilon', '4', '--allow-origin', ORIGIN],
      env: { CIRCLEWISE_COLLECTOR_ADMIN_TOKEN: TOKEN },
    });
  });
  after(async () => {
    assert.equal(await c.stop(), 0);  // and under ASan: no leak, no report
    c.cleanup();
  });

  test('docs/bad-input.md lists exactly the collector rows tested here', async () => {
    const doc = await readFile(new URL('../../docs/bad-input.md', import.meta.url), 'utf8');
    const section = doc.split('\n### Collector')[1].split('\n## ')[0];
    const rows = (part) => [...part.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]).sort();
    const [http, flags] = section.split('\n#### Flags');
    assert.deepEqual(rows(http), Object.keys(HTTP).sort());
    assert.deepEqual(rows(flags), Object.keys(FLAGS).sort());
  });

  for (const [row, f] of Object.entries(HTTP)) {
    test(`bad input: ${row}`, async () => {
      await f();
      assert.equal((await getJson(c.url, '/healthz')).json.status, 'ok');  // still serving
    });
  }
  for (const [row, f] of Object.entries(FLAGS)) test(`bad input: ${row}`, f);
});
