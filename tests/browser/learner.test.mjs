// The learner page (examples/learner.html) in Chromium, with EVERY network request intercepted while
// the learner browses, gets recommendations and shares: only LDP reports leave the page. Requests to
// the page's own origin must be GETs of its static files; the only other request allowed is the
// POST of a report batch to the configured collector (fulfilled here, playwright routing), whose
// body must hold nothing but valid reports: no course id or title, no history, no stable identifier
// (cookies and localStorage ids planted by the "site" must not travel), no reused report id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../web/index.js';
import { openBrowser } from './browser.mjs';

const COLLECTOR = 'http://collector.invalid:8787'; // never resolved: every request to it is routed here
const REPORT_KEYS = ['domain', 'epsilon', 'id', 'items', 'kind', 'mechanism', 'payload', 'v'];

let browser;
let cw;
before(async () => { browser = await openBrowser(); cw = await load(); });
after(async () => { await browser?.close(); });

// Routes every request of the page: the collector is answered from here (or made unreachable), all
// else goes to the local server. Returns the log of what the page tried to send.
async function intercept(page, { collectorUp }) {
  const seen = [];
  const cors = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type' };
  await page.route('**/*', async (route) => {
    const r = route.request();
    const headers = await r.allHeaders();
    seen.push({ method: r.method(), url: r.url(), headers, body: r.postData() });
    if (!r.url().startsWith(COLLECTOR)) return route.continue();
    if (!collectorUp.value) return route.abort('connectionrefused');
    if (r.method() === 'OPTIONS') return route.fulfill({ status: 204, headers: cors });
    // A real check of each report, as a collector would do it.
    const batch = JSON.parse(r.postData());
    const results = batch.reports.map((rep) => { cw.validateReport(rep); return { id: rep.id, accepted: true }; });
    return route.fulfill({ status: 200, headers: { ...cors, 'content-type': 'application/json' }, body: JSON.stringify({ accepted: results.length, rejected: 0, results }) });
  });
  return seen;
}

async function ready(page) {
  await page.waitForFunction(() => window.__learnerReady || window.__learner?.error, null, { timeout: 60000 });
  assert.equal(await page.evaluate(() => window.__learner?.error), undefined);
}

test('learner page: only LDP reports leave it, nothing that identifies the learner or their history', async () => {
  const collectorUp = { value: false };
  const ctx = browser.context();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => browser.logs.push(`pageerror: ${e.message}`));
  const seen = await intercept(page, { collectorUp });
  const origin = new URL(browser.url).origin;
  const url = (period) => `${browser.url}/examples/learner.html?collector=${encodeURIComponent(COLLECTOR)}&period=${period}`;

  await page.goto(url('2026-11'));
  await ready(page);
  // The "site" keeps identifiers of its own on this origin: none of them may reach the collector.
  await page.evaluate(() => {
    document.cookie = 'site_uid=uid-7f3a9c2e41; path=/';
    localStorage.setItem('site-visitor-id', 'visitor-b81d55e0aa');
  });
  const catalogue = await page.evaluate(() => window.__learner.catalogue);
  assert.equal(catalogue.length, 40);

  // Browse: enroll in two courses, view two more, open a recommendation card.
  const act = async (id, action) => {
    const n = await page.$$eval('#history li', (l) => l.length);
    await page.click(`#catalogue li[data-id="${id}"] [data-action=${action}]`);
    await page.waitForFunction((k) => document.querySelectorAll('#history li').length === k, n + 1);
  };
  await act('course-001', 'enroll');
  await act('course-014', 'enroll');
  await act('course-027', 'view');
  await act('course-033', 'view');
  const cards = () => page.evaluate(() => [...document.getElementById('recs').shadowRoot.querySelectorAll('.card')].map((c) => c.dataset.id));
  await page.waitForFunction(() => document.getElementById('recs')?.shadowRoot?.querySelectorAll('.card').length === 4);
  const shown = await cards();
  assert.ok(!shown.includes('course-001') && !shown.includes('course-014'), 'owned courses are never recommended');
  await page.evaluate(() => document.getElementById('recs').shadowRoot.querySelector('.card').click());
  await page.waitForFunction(() => document.querySelectorAll('#history li').length === 5);

  // Prepare: the exact body is shown before anything is sent, and it is what will be posted.
  await page.click('#prepare');
  await page.waitForFunction(() => window.__learner.record.pending);
  const before1 = JSON.parse(await page.textContent('#pending-body'));
  assert.deepEqual(before1.reports.map((r) => r.kind), ['item', 'pair']);
  assert.match(await page.textContent('#budget'), /ε per report2/);

  // No collector: said plainly, nothing claimed as shared, the reports stay prepared.
  await page.click('#send');
  await page.waitForFunction(() => window.__learner.lastSend);
  assert.match(await page.textContent('#share-status'), /No collector reachable at http:\/\/collector\.invalid:8787\/v1\/reports/);
  assert.equal(await page.evaluate(() => window.__learner.lastSend.ok), false);
  assert.match(await page.textContent('#sent'), /Nothing has been sent/);

  // Collector up: the same reports (same ids) go out; the answer is shown after sending.
  collectorUp.value = true;
  await page.click('#send');
  await page.waitForFunction(() => window.__learner.lastSend?.ok);
  assert.match(await page.textContent('#share-status'), /Shared: HTTP 200.*accepted 2, rejected 0/);
  assert.match(await page.textContent('#sent'), /"reports"/);
  const ledger = await page.$$eval('#ledger tbody tr', (trs) => trs.length);
  assert.equal(ledger, 2);

  // Next period: the period's budget renews; the item report of an unchanged value reuses its randomisation.
  await page.goto(url('2026-12'));
  await ready(page);
  await page.click('#prepare');
  await page.waitForFunction(() => window.__learner.record.pending);
  await page.click('#send');
  await page.waitForFunction(() => window.__learner.lastSend?.ok);

  // Over budget within a period: refused on the device, nothing prepared, nothing sent.
  await page.click('#prepare');
  await page.waitForFunction(() => /No report prepared/.test(document.querySelector('#share-status').textContent));
  assert.match(await page.textContent('#share-status'), /report budget of period "2026-12" is used up/);

  // ---- Everything the page tried to send ----
  const stored = await page.evaluate(() => ({ ...localStorage }));
  const titles = await page.evaluate(() => [...document.querySelectorAll('#catalogue .title')].map((t) => t.textContent));
  const toCollector = seen.filter((q) => q.url.startsWith(COLLECTOR));
  const elsewhere = seen.filter((q) => !q.url.startsWith(COLLECTOR));
  // The course page loaded the small learner module, never the full one.
  const wasm = [...new Set(elsewhere.filter((q) => q.url.endsWith('.wasm')).map((q) => new URL(q.url).pathname))];
  assert.deepEqual(wasm, ['/dist/circlewise-learner.wasm']);
  // Own origin: only GETs of static files, without query strings beyond the page's own URL.
  for (const q of elsewhere) {
    assert.equal(q.method, 'GET', `${q.method} ${q.url}`);
    assert.ok(q.url.startsWith(origin + '/'), `unexpected request to ${q.url}`);
    assert.ok(!q.url.includes('?') || q.url.startsWith(`${origin}/examples/learner.html?`), q.url);
    assert.equal(q.body, null);
  }
  const posts = toCollector.filter((q) => q.method === 'POST');
  assert.ok(toCollector.every((q) => ['POST', 'OPTIONS'].includes(q.method)), toCollector.map((q) => q.method).join());
  assert.equal(posts.length, 3, 'one failed attempt, its retry and the next period');
  const planted = ['uid-7f3a9c2e41', 'visitor-b81d55e0aa', 'site_uid'];
  const ids = new Map();
  for (const q of toCollector) {
    assert.equal(new URL(q.url).pathname, '/v1/reports');
    assert.equal(new URL(q.url).search, '');
    assert.equal(q.headers.cookie, undefined, 'no cookie is sent');
    assert.equal(q.headers.referer, undefined, 'no referrer (the page URL) is sent');
    for (const [k, v] of Object.entries(q.headers)) {
      for (const p of planted) assert.ok(!v.includes(p), `header ${k} carries ${p}`);
    }
    if (q.method !== 'POST') continue;
    for (const p of planted) assert.ok(!q.body.includes(p), `the body carries ${p}`);
    for (const id of catalogue) assert.ok(!q.body.includes(id), `the body names course ${id}`);
    for (const t of titles) assert.ok(!q.body.includes(t), `the body names "${t}"`);
    for (const ev of ['enroll', 'view', 'history', 'itemId', 'ts']) assert.ok(!q.body.includes(`"${ev}"`), `the body has "${ev}"`);
    const batch = JSON.parse(q.body);
    assert.deepEqual(Object.keys(batch), ['reports']);
    for (const r of batch.reports) {
      assert.deepEqual(Object.keys(r).sort(), REPORT_KEYS);
      assert.deepEqual(cw.validateReport(r), r, 'a valid LDP report and nothing more');
      assert.equal(r.epsilon, 2);
      assert.equal(r.items, 40);
      ids.set(r.id, (ids.get(r.id) ?? 0) + 1);
    }
  }
  // Report ids: random per report; only the retry of the failed attempt repeats them (once each).
  const [failed, retry, next] = posts.map((q) => JSON.parse(q.body).reports.map((r) => r.id));
  assert.deepEqual(retry, failed, 'a retry re-sends the same reports');
  for (const id of next) assert.ok(!failed.includes(id), 'a new period gets new report ids');
  assert.equal(ids.size, 4);
  // Nothing stored on the device other than the privacy record holds a sent report id (no id is derived from storage).
  for (const [k, v] of Object.entries(stored)) {
    if (k === 'circlewise-demo-privacy') continue;
    for (const id of ids.keys()) assert.ok(!v.includes(id), `localStorage ${k} holds report id ${id}`);
  }
  assert.deepEqual(browser.logs.filter((l) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(l)), []);
  await browser.screenshot(page, 'learner');
  await page.close();
});

test('"what leaves this device" page: the exact epsilon as implemented and a live, valid example report', async () => {
  const page = await browser.context().newPage();
  const requests = [];
  page.on('request', (r) => requests.push({ method: r.method(), url: r.url() }));
  await page.goto(`${browser.url}/examples/privacy.html`);
  const shown = await page.waitForFunction(() => window.__privacyPage, null, { timeout: 60000 }).then((h) => h.jsonValue());
  assert.equal(shown.error, undefined, shown.error);
  const plan = cw.planPrivacy({ epsilon: 2, kind: 'item', items: 40 });
  const m = plan.mechanisms.find((x) => x.mechanism === plan.recommended);
  assert.equal(shown.mechanism, plan.recommended);
  assert.equal(shown.effectiveEpsilon, m.effectiveEpsilon);
  assert.equal(await page.textContent('[data-fact="effective"]'), m.effectiveEpsilon.toPrecision(15));
  assert.equal(await page.textContent('[data-fact="ratio"]'), Math.exp(m.effectiveEpsilon).toFixed(2));
  assert.ok(m.effectiveEpsilon <= 2 && m.effectiveEpsilon > 2 - 2 ** -32);
  const example = JSON.parse(await page.textContent('#example'));
  assert.deepEqual(example, shown.report);
  assert.deepEqual(cw.validateReport(example), example);
  assert.deepEqual(Object.keys(example).sort(), REPORT_KEYS);
  assert.ok(!JSON.stringify(example).includes('course-'), 'no course id in a report');
  // The page only reads its own files.
  const origin = new URL(browser.url).origin;
  assert.deepEqual(requests.filter((q) => q.method !== 'GET' || !q.url.startsWith(origin)), []);
  await browser.screenshot(page, 'privacy-page');
  await page.close();
});

test('the learner page links its privacy notice to that page', async () => {
  const page = await browser.context().newPage();
  await page.goto(`${browser.url}/examples/learner.html`);
  await ready(page);
  await page.waitForFunction(() => document.getElementById('recs')?.shadowRoot?.querySelector('.privacy a'));
  const href = await page.evaluate(() => document.getElementById('recs').shadowRoot.querySelector('.privacy a').href);
  assert.equal(href, `${browser.url}/examples/privacy.html`);
  await page.close();
});
