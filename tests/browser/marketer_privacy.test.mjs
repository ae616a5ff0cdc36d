// The marketer page's Privacy tab (web/marketer/privacy.js): the planner's numbers on screen equal
// cw.planPrivacy's for the same inputs, and bad inputs show the core's message next to the fields.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../web/index.js';
import { openBrowser } from './browser.mjs';

let browser;
let cw;
before(async () => { browser = await openBrowser(); cw = await load(); });
after(async () => { await browser?.close(); });

test('Privacy tab: standard errors and learners needed per mechanism equal the JS API', async () => {
  const page = await browser.page('/web/marketer/');
  await page.waitForFunction(() => window.__marketer?.ready && window.__marketer.privacy, null, { timeout: 60000 });
  await page.click('#tab-privacy');
  assert.equal(await page.isVisible('#privacy-form'), true);

  const check = async (o) => {
    const plan = cw.planPrivacy({ ...o, targetError: o.targetError / 100 });
    const rows = await page.$$eval('#privacy-plan tbody tr', (trs) => trs.map((tr) => ({ m: tr.dataset.mechanism, cells: [...tr.children].map((td) => td.textContent) })));
    const f = await page.evaluate(() => window.__marketer.privacyFormat !== undefined);
    assert.ok(f);
    assert.deepEqual(rows.map((r) => r.m), plan.mechanisms.map((m) => m.mechanism));
    for (const [i, m] of plan.mechanisms.entries()) {
      if (!m.available) { assert.match(rows[i].cells[1], /not offered/); continue; }
      const fmt1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
      const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
      assert.equal(rows[i].cells[1], m.effectiveEpsilon.toPrecision(12));
      assert.equal(rows[i].cells[2], fmt1.format(m.standardError));
      assert.equal(rows[i].cells[3], `${(100 * m.standardErrorFraction).toFixed(2)}%`);
      assert.equal(rows[i].cells[4], int.format(m.learnersNeeded));
      assert.equal(rows[i].cells[5], int.format(m.reportBytes));
      assert.equal(rows[i].cells[0].endsWith('★'), m.mechanism === plan.recommended);
    }
    assert.deepEqual(await page.evaluate(() => window.__marketer.privacy), plan);
  };
  await check({ epsilon: 2, kind: 'item', items: 500, learners: 20000, targetError: 1 });

  const set = async (name, value, done) => {
    if (name === 'kind') await page.selectOption(`#privacy-form [name=kind]`, value);
    else await page.fill(`#privacy-form [name=${name}]`, String(value));
    await page.waitForFunction(done, null, { timeout: 30000 });
  };
  await set('epsilon', 4, () => window.__marketer.privacy.epsilon === 4);
  await set('kind', 'pair', () => window.__marketer.privacy.kind === 'pair');
  await set('items', 300, () => window.__marketer.privacy.items === 300);
  await check({ epsilon: 4, kind: 'pair', items: 300, learners: 20000, targetError: 1 });
  await set('epsilon', 0.5, () => window.__marketer.privacy.epsilon === 0.5);
  await set('kind', 'item', () => window.__marketer.privacy.kind === 'item');
  await set('items', 4, () => window.__marketer.privacy.items === 4);
  await check({ epsilon: 0.5, kind: 'item', items: 4, learners: 20000, targetError: 1 });
  assert.match(await page.textContent('#privacy-plan tr.best td'), /GRR/);

  // Bad input: the core's message, the table marked stale, then usable again.
  await page.fill('#privacy-form [name=epsilon]', '0');
  await page.waitForFunction(() => document.querySelector('#privacy-form .field-msg').textContent !== '');
  assert.match(await page.textContent('#privacy-form .field-msg'), /epsilon.*\[0\.01, 10\]/);
  assert.ok(await page.$eval('#privacy-plan', (t) => t.classList.contains('stale')));
  await page.fill('#privacy-form [name=epsilon]', '1');
  await page.fill('#privacy-form [name=items]', '1');
  await page.waitForFunction(() => /items/.test(document.querySelector('#privacy-form .field-msg').textContent));
  await page.fill('#privacy-form [name=items]', '');
  await page.waitForFunction(() => /Fill in/.test(document.querySelector('#privacy-form .field-msg').textContent));
  await page.fill('#privacy-form [name=items]', '50');
  await page.waitForFunction(() => window.__marketer.privacy.items === 50 && window.__marketer.privacy.epsilon === 1);
  assert.equal(await page.textContent('#privacy-form .field-msg'), '');
  await check({ epsilon: 1, kind: 'item', items: 50, learners: 20000, targetError: 1 });
  await browser.screenshot(page, 'marketer-privacy');
  assert.deepEqual(browser.logs, []);
  await page.close();
});
