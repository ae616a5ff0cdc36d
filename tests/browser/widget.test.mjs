// The recommendation widget on a course page in Chromium: cards equal the recommender's answer for the
// history kept in IndexedDB (from the small learner module: the page fetches no other .wasm), they are a keyboard-navigable list, the theme applies, the privacy
// notice links out — and the page sends nothing anywhere: every request is a GET for its own files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { openBrowser, repoRoot } from './browser.mjs';
import { load } from '../../web/index.js';

let browser;
before(async () => { browser = await openBrowser(); });
after(async () => { await browser?.close(); });

test('widget renders the on-device recommendations, accessibly, without uploading anything', async () => {
  const requests = [];
  const p = await browser.context().newPage();
  p.on('pageerror', (e) => browser.logs.push(`pageerror: ${e.message}`));
  p.on('request', (r) => requests.push({ method: r.method(), url: r.url() }));
  await p.goto(`${browser.url}/tests/browser/pages/widget.html`);
  const r = await p.waitForFunction(() => window.__result, null, { timeout: 60000 }).then((h) => h.jsonValue());
  assert.equal(r.failure, undefined, r.failure);
  assert.equal(r.error, undefined, r.error);
  assert.deepEqual(r.history, ['course-001']);
  assert.equal(r.cards.length, 4);
  // The same answer as the full module gives for that model and history.
  const full = await load();
  const model = full.loadModel(await readFile(`${repoRoot}/examples/model.json`, 'utf8'));
  assert.deepEqual(r.cards, model.recommend(r.historyEvents, { n: 4 }).items.map((i) => i.id));
  const owned = model.toJSON().items.find((i) => i.id === 'course-001').title;
  assert.ok(r.reasons.every((t) => t === `because you enrolled in ${owned}`), r.reasons.join(' | '));
  model.close();
  assert.ok(!r.cards.includes('course-001'), 'an owned course is never recommended');
  assert.deepEqual(r.hrefs, r.cards.map((id) => `/courses/${id}`));
  assert.ok(r.list, 'cards are links inside a list');
  assert.equal(r.privacy, '/privacy');
  assert.equal(r.accent, 'rgb(176, 0, 32)', 'the --cw-accent theme variable applies');

  // Keyboard: Tab reaches the first card, ArrowRight moves to the next.
  await p.keyboard.press('Tab');
  const first = await p.evaluate(() => document.getElementById('w').shadowRoot.activeElement?.dataset.id);
  await p.keyboard.press('ArrowRight');
  const second = await p.evaluate(() => document.getElementById('w').shadowRoot.activeElement?.dataset.id);
  assert.equal(first, r.cards[0]);
  assert.equal(second, r.cards[1]);

  // Nothing leaves the page: only GETs of its own files (and the blob: model).
  const origin = new URL(browser.url).origin;
  // The course page fetched the small learner module, never the full one.
  const wasm = requests.filter((q) => q.url.endsWith('.wasm')).map((q) => new URL(q.url).pathname);
  assert.deepEqual(wasm, ['/dist/circlewise-learner.wasm']);
  const outside = requests.filter((q) => q.method !== 'GET' || !(q.url.startsWith(origin) || q.url.startsWith('blob:')));
  assert.deepEqual(outside, []);
  assert.deepEqual(browser.logs, []);
  await p.close();
});
