// End to end: a course page in Chromium → the real circlewise-collector → a rebuilt model → the
// widget's recommendations change. The page's learner shares reports made on the device; other
// learners' reports (made by the same JS API in Node) carry the co-enrolment signal; the admin
// rebuild publishes a new version, and the reloaded page recommends from it. Every request the page
// makes to the collector is checked: model GETs, CORS preflights and report batches only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser } from './browser.mjs';
import { startCollector, report, post, rebuild, TOKEN } from '../collector/collector_harness.mjs';

let browser, collector;
before(async () => {
  browser = await openBrowser();
  collector = await startCollector({ args: ['--allow-origin', new URL(browser.url).origin],
    env: { CIRCLEWISE_COLLECTOR_ADMIN_TOKEN: TOKEN } });
});
after(async () => {
  await browser?.close();
  await collector?.stop();
  collector?.cleanup();
});

test('reports shared from the page reach the collector, and the rebuilt model changes the widget', async () => {
  const p = await browser.context().newPage();
  p.on('pageerror', (e) => browser.logs.push(`pageerror: ${e.message}`));
  const toCollector = [];
  p.on('request', (r) => {
    if (r.url().startsWith(collector.url)) toCollector.push({ method: r.method(), path: new URL(r.url()).pathname, body: r.postData() });
  });
  const url = `${browser.url}/tests/browser/pages/collector.html?collector=${encodeURIComponent(collector.url)}`;
  await p.goto(`${url}&learner=first`);
  const first = await p.waitForFunction(() => window.__result, null, { timeout: 60000 }).then((h) => h.jsonValue());
  assert.equal(first.failure, undefined, first.failure);
  assert.equal(first.error, undefined, first.error);
  assert.deepEqual(first.history, ['py-101']);
  assert.ok(first.cards.length > 0);
  assert.ok(!first.cards.some((c) => /because/.test(c.reason)), 'no neighbours before any report');

  // The learner shares (py-101 and ux-201 in the history): the collector stores both reports.
  const shared = await p.evaluate(() => window.share('ux-201'));
  assert.equal(shared.status, 200, JSON.stringify(shared.body));
  assert.equal(shared.body.accepted, 2);
  assert.deepEqual(shared.body.results.map((r) => r.id), shared.sent.map((r) => r.id));

  // 300 other learners took py-101 with ux-201 (their browsers' reports, made by the same API).
  const others = [];
  for (let i = 0; i < 300; ++i) others.push(report('item', [2, 5], { epsilon: 4 }), report('pair', [2, 5], { epsilon: 4 }));
  assert.equal((await post(collector.url, { reports: others })).json.accepted, 600);
  const rebuilt = await rebuild(collector.url);
  assert.equal(rebuilt.status, 200);
  assert.equal(rebuilt.json.itemReports, 301);
  assert.equal(rebuilt.json.pairReports, 301);

  // A learner with only py-101: the reloaded page now recommends ux-201 because of py-101.
  await p.goto(`${url}&learner=second`);
  const second = await p.waitForFunction(() => window.__result, null, { timeout: 60000 }).then((h) => h.jsonValue());
  assert.equal(second.failure, undefined, second.failure);
  assert.deepEqual(second.history, ['py-101']);
  assert.equal(second.cards[0].id, 'ux-201', JSON.stringify(second.cards));
  assert.match(second.cards[0].reason, /because/i);
  assert.notDeepEqual(second.cards, first.cards);

  // What the page sent the collector: model downloads, preflights, and one batch of LDP reports.
  const posts = toCollector.filter((r) => r.method === 'POST');
  assert.equal(posts.length, 1);
  assert.equal(posts[0].path, '/v1/reports');
  const body = JSON.parse(posts[0].body);
  assert.deepEqual(Object.keys(body), ['reports']);
  for (const r of body.reports) {
    assert.deepEqual(Object.keys(r).sort(), ['domain', 'epsilon', 'id', 'items', 'kind', 'mechanism', 'payload', 'v']);
    assert.ok(!JSON.stringify(r).includes('py-101') && !JSON.stringify(r).includes('ux-201'), 'no course id leaves the page');
  }
  assert.ok(toCollector.every((r) => (r.method === 'GET' && r.path === '/v1/model') || r.method === 'OPTIONS' ||
    (r.method === 'POST' && r.path === '/v1/reports')), JSON.stringify(toCollector.map((r) => `${r.method} ${r.path}`)));
  assert.deepEqual(browser.logs, []);
  await p.close();
});
