// End to end on the demo's learner page (examples/learner.html) in Chromium, with a REAL collector:
// the learner enrolls, prepares and shares anonymously → circlewise-collector stores the two LDP
// reports → other learners' reports (made by the same JS API in Node) carry a co-enrolment signal →
// the admin rebuild publishes a new model version → the reloaded page, whose widget loads the model
// from the collector, recommends the course those learners took together, "because you enrolled".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openBrowser, repoRoot } from './browser.mjs';
import { startCollector, post, rebuild, cw, TOKEN } from '../collector/collector_harness.mjs';

const MODEL = `${repoRoot}examples/model.json`;
let browser, collector;
before(async () => {
  browser = await openBrowser();
  collector = await startCollector({
    args: ['--catalogue', MODEL, '--allow-origin', new URL(browser.url).origin],
    env: { CIRCLEWISE_COLLECTOR_ADMIN_TOKEN: TOKEN },
  });
});
after(async () => {
  await browser?.close();
  await collector?.stop();
  collector?.cleanup();
});

test('learner page → real collector → rebuilt model → the widget recommends differently', async () => {
  const catalogue = JSON.parse(readFileSync(MODEL, 'utf8')).items.map((i) => i.id);
  const page = await browser.context().newPage();
  page.on('pageerror', (e) => browser.logs.push(`pageerror: ${e.message}`));
  const toCollector = [];
  page.on('request', (r) => { if (r.url().startsWith(collector.url)) toCollector.push(`${r.method()} ${new URL(r.url()).pathname}`); });
  const url = `${browser.url}/examples/learner.html?model=${encodeURIComponent(`${collector.url}/v1/model`)}` +
    `&collector=${encodeURIComponent(collector.url)}&period=2026-11`;
  const ready = () => page.waitForFunction(() => window.__learnerReady || window.__learner?.error, null, { timeout: 60000 });
  const cards = () => page.evaluate(() => [...document.getElementById('recs').shadowRoot.querySelectorAll('.card')]
    .map((c) => ({ id: c.dataset.id, reason: c.querySelector('.reason')?.textContent ?? '' })));
  await page.goto(url);
  await ready();
  assert.equal(await page.evaluate(() => window.__learner?.error), undefined);
  const enroll = async (id) => {
    const n = await page.$$eval('#history li', (l) => l.length);
    await page.click(`#catalogue li[data-id="${id}"] [data-action=enroll]`);
    await page.waitForFunction((k) => document.querySelectorAll('#history li').length === k, n + 1);
  };
  await enroll('course-001');
  await enroll('course-014');
  await page.waitForFunction(() => document.getElementById('recs')?.shadowRoot?.querySelectorAll('.card').length > 0);
  const before1 = await cards();
  assert.ok(!before1.some((c) => /because/i.test(c.reason)), `no neighbours in a model without reports: ${JSON.stringify(before1)}`);

  // Share anonymously: the page posts its two reports to the real collector, which stores them.
  await page.click('#prepare');
  await page.waitForFunction(() => window.__learner.record.pending);
  await page.click('#send');
  await page.waitForFunction(() => window.__learner.lastSend);
  assert.equal(await page.evaluate(() => window.__learner.lastSend.ok), true, await page.textContent('#share-status'));
  assert.match(await page.textContent('#share-status'), /Shared: HTTP 200.*accepted 2/);
  assert.equal((await (await fetch(`${collector.url}/healthz`)).json()).reports, 2);

  // 300 other learners enrolled in course-001 and course-027 together.
  const a = catalogue.indexOf('course-001');
  const b = catalogue.indexOf('course-027');
  const budget = { maxEpsilonPerReport: 4, maxTotalEpsilon: 100 };
  const others = [];
  for (let i = 0; i < 300; ++i) {
    for (const kind of ['item', 'pair']) {
      others.push(cw.makeReport({ kind, items: catalogue.length, history: [a, b], epsilon: 4, period: 'p' }, { budget }).report);
    }
  }
  assert.equal((await post(collector.url, { reports: others })).json.accepted, 600);
  const r = await rebuild(collector.url);
  assert.equal(r.status, 200);
  assert.equal(r.json.version, 2);
  assert.equal(r.json.itemReports + r.json.pairReports, 602);

  // The reloaded page loads model version 2 from the collector and recommends course-027 first.
  await page.goto(url);
  await ready();
  await page.waitForFunction(() => document.getElementById('recs')?.shadowRoot?.querySelectorAll('.card').length > 0);
  const after1 = await cards();
  assert.equal(after1[0].id, 'course-027', JSON.stringify(after1));
  assert.match(after1[0].reason, /because/i);
  assert.notDeepEqual(after1, before1);
  // What the page asked of the collector: the model, CORS preflights and the one report batch.
  assert.ok(toCollector.every((q) => ['GET /v1/model', 'OPTIONS /v1/reports', 'POST /v1/reports'].includes(q)), toCollector.join(', '));
  assert.equal(toCollector.filter((q) => q === 'POST /v1/reports').length, 1);
  assert.deepEqual(browser.logs, []);
  await page.close();
});
