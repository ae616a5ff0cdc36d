// forget() on a page whose widget (and another store) hold the same IndexedDB history open: it must
// finish, erase the history for every store on the page, and leave them all usable. Before the fix
// forget() never finished here (a connection opened by concurrent first reads was never closed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser } from './browser.mjs';

let browser;
let page;
before(async () => {
  browser = await openBrowser();
  page = await browser.page('/tests/browser/pages/forget.html');
  await page.waitForFunction(() => window.__ready, null, { timeout: 60000 });
});
after(async () => { await browser?.close(); });

// Runs one step of the page; a step that never finishes fails here with its name.
async function step(name) {
  await page.evaluate((n) => { window.__done = undefined; window.step(n).then((r) => { window.__done = r; }); }, name);
  const h = await page.waitForFunction(() => window.__done, null, { timeout: 60000 })
    .catch(() => { throw new Error(`step "${name}" did not finish`); });
  const r = await h.jsonValue();
  assert.equal(r.failure, undefined, r.failure);
  return r;
}

test('forget() finishes while the widget and another store hold the database, and everyone sees the erasure', async () => {
  const s = await step('setup');
  assert.deepEqual(s.history, ['course-001']);
  assert.equal(s.cards.length, 4);
  assert.ok(!s.cards.includes('course-001'));

  const f = await step('forgetWhileWidgetHolds');
  assert.ok(!f.dbs.includes('cw-forget'), `the database itself is deleted (${f.dbs.join(', ')})`);
  assert.deepEqual([f.a, f.b], [0, 0]);

  const w = await step('widgetAfterForget');
  assert.notDeepEqual(w.cards, s.cards, 'the widget no longer recommends from the erased history');

  const t = await step('trackAgain');
  assert.deepEqual(t.a, ['course-002'], 'a store reopens lazily after another one deleted the database');
  assert.ok(!t.cards.includes('course-002'));

  const o = await step('forgetFromOther');
  assert.equal(o.a, 0);
  assert.deepEqual(o.cards, w.cards);
  assert.deepEqual(browser.logs, []);
});
