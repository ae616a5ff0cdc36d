// The demo page and the Worker path in headless Chromium: the numbers on screen must be the ones
// the module computes (checked against the same computation under Node).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../web/index.js';
import { openBrowser } from './browser.mjs';

let browser;
let cw;
before(async () => { browser = await openBrowser(); cw = await load(); });
after(async () => { await browser?.close(); });

const fmt = new Intl.NumberFormat('en-US');

test('demo page shows the synthetic platform summary computed in its worker', async () => {
  const page = await browser.page('/examples/');
  const shown = await page.waitForFunction(() => window.__demo, null, { timeout: 60000 }).then((h) => h.jsonValue());
  const expected = cw.generatePlatform({ seed: 42, learners: 5000, communities: 5 }).summary();
  assert.deepEqual(shown.summary, expected);
  const kpi = async (name) => page.textContent(`[data-kpi="${name}"]`);
  assert.equal(await kpi('users'), fmt.format(expected.users));
  assert.equal(await kpi('events'), fmt.format(expected.events));
  assert.equal(await kpi('buyers'), fmt.format(expected.buyers));
  const rows = await page.$$eval('#communities tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.equal(rows.length, expected.byCommunity.length);
  assert.equal(rows[0][0], expected.byCommunity[0].community);
  assert.equal(rows[0][1], fmt.format(expected.byCommunity[0].members));
  assert.equal(await page.textContent('[data-event="purchase"] .n'), fmt.format(expected.purchases));
  await browser.screenshot(page, 'demo');
  assert.deepEqual(browser.logs, []);
  await page.close();
});

test('demo page reads an uploaded export, reports bad rows, and shows errors with line and column', async () => {
  const page = await browser.page('/examples/');
  await page.waitForFunction(() => window.__demo, null, { timeout: 60000 });
  const csv = 'user_id,item_id,event,ts,amount,community\n' +
    'a,c1,purchase,2024-01-01,10,club\nb,c1,purchase,2024-13-01,10,club\nc,c2,view,2024-01-02,,club\n';
  await page.check('#upload input[name=skip]');
  await page.setInputFiles('#upload input[type=file]', { name: 'export.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.waitForFunction(() => window.__demo?.title === 'export.csv', null, { timeout: 30000 });
  const s = await page.evaluate(() => window.__demo.summary);
  assert.equal(s.events, 2);
  assert.equal(s.ingest.skippedRows, 1);
  assert.match(await page.textContent('#ingest-body'), /line 3, column "ts": "2024-13-01" is not a valid timestamp/);
  await page.uncheck('#upload input[name=skip]');
  await page.setInputFiles('#upload input[type=file]', { name: 'export2.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.waitForFunction(() => document.querySelector('#status').classList.contains('error'), null, { timeout: 30000 });
  assert.match(await page.textContent('#status'), /^line 3, column "ts": "2024-13-01" is not a valid timestamp: month must be 01-12$/);
  await page.close();
});

test('a module Worker streams a large File with progress and agrees with the main thread', async () => {
  const page = await browser.page('/tests/browser/pages/worker.html?events=200000');
  const r = await page.waitForFunction(() => window.__result, null, { timeout: 120000 }).then((h) => h.jsonValue());
  assert.equal(r.failure, undefined, r.failure);
  assert.equal(r.workerSummary.events, 200000);
  assert.deepEqual({ ...r.workerSummary, ingest: undefined }, { ...r.mainSummary, ingest: undefined });
  assert.equal(r.workerSummary.ingest.bytes, r.bytes);
  assert.ok(r.progress.length >= Math.floor(r.bytes / (1 << 20)), `progress per 1 MiB chunk (${r.progress.length})`);
  assert.equal(r.progress.at(-1).bytesRead, r.bytes);
  assert.equal(r.progress.at(-1).totalBytes, r.bytes);
  assert.deepEqual(r.error, { isError: true, message: 'line 2, column "ts": "2024-13-01" is not a valid timestamp: month must be 01-12' });
  assert.equal(r.afterErrorEvents, 1);
  assert.deepEqual(browser.logs, []);
  await page.close();
});
