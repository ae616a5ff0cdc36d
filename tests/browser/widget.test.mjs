// The recommendation widget on a course page in Chromium: cards equal the recommender's answer for the
// history kept in IndexedDB, they are a keyboard-navigable list, the theme applies, the privacy
// notice links out — and the page sends nothing anywhere: every request is a GET for its own files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser } from './browser.mjs';

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
  assert.deepEqual(r.cards, r.expected);
  assert.ok(!r.cards.includes('course-001'), 'an owned course is never recommended');
  assert.ok(r.reasons.every((t) => /course-001/.test(t)), r.reasons.join(' | '));
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
  const outside = requests.filter((q) => q.method !== 'GET' || !(q.url.startsWith(origin) || q.url.startsWith('blob:')));
  assert.deepEqual(outside, []);
  assert.deepEqual(browser.logs, []);
  await p.close();
});
