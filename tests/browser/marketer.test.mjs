// The marketer page driven as a marketer would: load the demo history, drag the budget, set a
// bound that cannot be met, export the plan, size an A/B test. Every number on screen is checked
// against the same call made directly on the module under Node (the independent route here is
// "same engine, no page, no worker": it proves the page passes the right options and shows the
// right fields). The allocator itself is checked against brute force in tests/native/allocation_test.cpp.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { load } from '../../web/index.js';
import { openBrowser, repoRoot } from './browser.mjs';
import { learnerFormat as F, pAliveHistogram, atRisk } from '../../web/marketer/learners.js';

let browser;
let cw;
before(async () => { browser = await openBrowser(); cw = await load(); });
after(async () => { await browser?.close(); });

const num2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const num1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

async function planRows(page) {
  return page.$$eval('#plan tbody tr[data-community]', (trs) => trs.map((tr) => ({
    community: tr.dataset.community,
    ...Object.fromEntries([...tr.querySelectorAll('[data-col]'), ...tr.nextElementSibling.querySelectorAll('[data-col]')]
      .map((td) => [td.dataset.col, td.textContent])),
  })));
}
const waitSeq = (page, after) => page.waitForFunction((s) => (window.__marketer?.seq ?? 0) > s, after, { timeout: 30000 });
const seq = (page) => page.evaluate(() => window.__marketer.seq ?? 0);

test('budget tab: demo history, slider, table equals cw.allocate, inline errors, CSV export, shareable URL', async () => {
  const page = await browser.page('/web/marketer/');
  await page.waitForFunction(() => window.__marketer?.ready, null, { timeout: 60000 });
  await page.click('#use-demo');
  await waitSeq(page, 0);

  // The same history (the committed fixture is the page's demo file) fitted under Node.
  const csv = await readFile(new URL('web/marketer/demo-history.csv', `file://${repoRoot}`), 'utf8');
  assert.equal(csv, await readFile(new URL('tests/fixtures/marketing_history.csv', `file://${repoRoot}`), 'utf8'));
  const fit = cw.fitCurves(csv, { seed: 1, bootstrap: 100, minPoints: 8, onTooFewPoints: 'skip' });
  const pageFit = await page.evaluate(() => window.__marketer.state.fit);
  assert.deepEqual(pageFit.curves.map((c) => [c.community, c.model]), fit.curves.map((c) => [c.community, c.model]));
  for (let i = 0; i < fit.curves.length; i++) {
    assert.ok(Math.abs(pageFit.curves[i].r2 - fit.curves[i].r2) < 1e-9);
  }
  assert.equal(await page.locator('#curves figure').count(), 5);
  assert.equal(await page.locator('#curves canvas').count(), 5);

  // Drag the budget: five steps of 100 to the right with the keyboard, as a marketer would.
  const start = Number(await page.inputValue('#budget'));
  const currentTotal = fit.curves.reduce((s, c) => s + c.currentSpend, 0);
  assert.equal(start, Math.round(currentTotal / 100) * 100);
  await page.focus('#budget-slider');
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  await page.waitForFunction((b) => window.__marketer.options?.budget === b, start + 500, { timeout: 30000 });
  assert.equal(Number(await page.inputValue('#budget')), start + 500);
  const expected = cw.allocate(fit, { budget: start + 500, objective: 'conversions', communities: {} });
  let rows = await planRows(page);
  assert.equal(rows.length, expected.communities.length);
  for (const [r, p] of rows.map((r, i) => [r, expected.communities[i]])) {
    assert.equal(r.community, p.community);
    assert.equal(r.spend, num2.format(p.spend));
    assert.equal(r.current, num2.format(p.currentSpend));
    assert.equal(r.conversions, num1.format(p.conversions));
    assert.equal(r.band, `${num1.format(p.lower)}–${num1.format(p.upper)}`);
    assert.equal(r.marginal, p.marginalConversions.toPrecision(3));
    assert.equal(r.note, p.note);
  }
  const planned = rows.reduce((s, r) => s + Number(r.spend.replace(/,/g, '')), 0);
  assert.ok(Math.abs(planned - (start + 500)) < 0.05, `the plan spends the budget (${planned})`);
  assert.equal(await page.textContent('#plan-kpis [data-kpi="conversions"]'), num1.format(expected.totals.conversions));

  // A bound that cannot be met: the first community's minimum above the whole budget.
  const first = expected.communities[0].community;
  let s = await seq(page);
  await page.fill(`#plan tr[data-community="${first}"] input.min`, String(start + 10000));
  await page.waitForFunction(() => window.__marketer.error, null, { timeout: 30000 });
  assert.match(await page.textContent('#budget-msg'), /minimum and fixed spends add up to .*more than the budget/);
  assert.equal(await seq(page), s, 'no plan is shown for impossible bounds');
  // min > max is caught next to the row itself.
  await page.fill(`#plan tr[data-community="${first}"] input.max`, '100');
  assert.match(await page.textContent(`#plan tr[data-community="${first}"] .row-msg`), /Minimum .* is above maximum 100\.00/);
  // A feasible bound: min 1000, max 1500 on the first community.
  s = await seq(page);
  await page.fill(`#plan tr[data-community="${first}"] input.max`, '1500');
  await page.fill(`#plan tr[data-community="${first}"] input.min`, '1000');
  await waitSeq(page, s);
  await page.waitForFunction(() => !window.__marketer.error, null, { timeout: 30000 });
  assert.equal(await page.textContent('#budget-msg'), '');
  const bounded = cw.allocate(fit, { budget: start + 500, objective: 'conversions', communities: { [first]: { min: 1000, max: 1500 } } });
  rows = await planRows(page);
  assert.equal(rows[0].spend, num2.format(bounded.communities[0].spend));
  assert.ok(bounded.communities[0].spend >= 1000 - 1e-9 && bounded.communities[0].spend <= 1500 + 1e-9);

  // Profit objective: the next unit's worth is shown in money (marginalValue).
  s = await seq(page);
  await page.selectOption('#objective', 'profit');
  await waitSeq(page, s);
  const profit = cw.allocate(fit, { budget: start + 500, objective: 'profit', communities: { [first]: { min: 1000, max: 1500 } } });
  rows = await planRows(page);
  assert.deepEqual(rows.map((r) => r.marginal), profit.communities.map((p) => p.marginalValue.toPrecision(3)));
  assert.deepEqual(rows.map((r) => r.spend), profit.communities.map((p) => num2.format(p.spend)));
  s = await seq(page);
  await page.selectOption('#objective', 'conversions');
  await waitSeq(page, s);

  // Negative budget: inline message, the module keeps working afterwards.
  await page.fill('#budget', '-5');
  assert.match(await page.textContent('#budget-msg'), /budget cannot be negative/);
  s = await seq(page);
  await page.fill('#budget', String(start));
  await waitSeq(page, s);
  assert.equal(await page.textContent('#budget-msg'), '');

  // Export: the CSV holds the plan on screen.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  const exported = await readFile(await download.path(), 'utf8');
  const lines = exported.trim().split('\n');
  assert.equal(lines[0], 'community,spend,min,max,status,conversions,lower,upper,marginal_conversions,current_spend,current_conversions,change,change_conversions,note');
  const again = cw.allocate(fit, { budget: start, objective: 'conversions', communities: { [first]: { min: 1000, max: 1500 } } });
  assert.equal(lines.length, 1 + again.communities.length);
  for (let i = 0; i < again.communities.length; i++) {
    const f = lines[i + 1].split(',');
    assert.equal(f[0], again.communities[i].community);
    assert.equal(Number(f[1]), again.communities[i].spend);
    assert.equal(Number(f[5]), again.communities[i].conversions);
  }
  const [jd] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const json = JSON.parse(await readFile(await jd.path(), 'utf8'));
  assert.deepEqual(json.plan.totals, again.totals);

  // The inverse question: the least budget for a conversion target moves the slider there.
  s = await seq(page);
  await page.fill('#target', '440');
  await page.click('#find-target');
  await waitSeq(page, s);
  const need = cw.budgetForTarget(fit, { objective: 'conversions', communities: { [first]: { min: 1000, max: 1500 } }, target: 440 });
  assert.equal(need.targetReached, true);
  assert.match(await page.textContent('#inverse-msg'), new RegExp(`need at least ${num2.format(need.budget).replace(/\./g, '\\.')}`));
  assert.equal(Number(await page.inputValue('#budget')), Math.round(need.budget * 100) / 100);
  await page.fill('#target', '100000');
  await page.click('#find-target');
  await page.waitForFunction(() => window.__marketer.inverse?.target === 100000, null, { timeout: 30000 });
  assert.match(await page.textContent('#inverse-msg'), /cannot be reached within these bounds/);
  s = await seq(page);
  await page.fill('#budget', String(start));
  await waitSeq(page, s);

  // The URL carries the plan: a fresh page opened on it shows the same numbers.
  const url = page.url();
  await browser.screenshot(page, 'marketer-budget');
  const shared = await browser.page(url.slice(url.indexOf('/web/')));
  await shared.waitForFunction(() => window.__marketer?.allocation, null, { timeout: 60000 });
  assert.deepEqual(await planRows(shared), await planRows(page));
  await shared.close();
  assert.deepEqual(browser.logs, []);
  await page.close();
});

test('budget tab: a history with too few points for a community says so next to the upload', async () => {
  const page = await browser.page('/web/marketer/');
  await page.waitForFunction(() => window.__marketer?.ready, null, { timeout: 60000 });
  const csv = await readFile(new URL('tests/fixtures/marketing_history.csv', `file://${repoRoot}`), 'utf8');
  const short = `${csv}1,tiny,100,3,150\n2,tiny,200,5,250\n3,tiny,300,6,300\n`;
  await page.setInputFiles('#history-file', { name: 'mine.csv', mimeType: 'text/csv', buffer: Buffer.from(short) });
  await page.waitForFunction(() => window.__marketer.allocation, null, { timeout: 60000 });
  const expected = cw.fitCurves(short, { seed: 1, minPoints: 8, onTooFewPoints: 'skip' });
  assert.equal(expected.skipped.length, 1);
  const msg = await page.textContent('#history-msg');
  assert.ok(msg.includes(`tiny: ${expected.skipped[0].reason}`), msg);
  assert.equal(await page.locator('#plan tbody tr[data-community]').count(), 5);
  // A broken file: the engine's message (line and column) next to the upload.
  await page.setInputFiles('#history-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('period,community,spend,conversions\n1,a,1O,3\n') });
  await page.waitForFunction(() => document.querySelector('#history-msg').classList.contains('error'), null, { timeout: 30000 });
  let err;
  try { cw.fitCurves('period,community,spend,conversions\n1,a,1O,3\n', { seed: 1, onTooFewPoints: 'skip' }); } catch (e) { err = e.message; }
  assert.ok(err);
  assert.equal(await page.textContent('#history-msg'), err);
  assert.deepEqual(browser.logs, []);
  await page.close();
});

test('A/B and LTV tabs: numbers equal cw.abSampleSize / cw.ltv, alpha and rates validated inline', async () => {
  const page = await browser.page('/web/marketer/');
  await page.waitForFunction(() => window.__marketer?.ready, null, { timeout: 60000 });
  await page.click('#tab-ab');
  const f = '#ab-size';
  await page.fill(`${f} [name=baselineRate]`, '0.05');
  await page.fill(`${f} [name=mde]`, '0.2');
  await page.check(`${f} [name=relative]`);
  await page.fill(`${f} [name=dailyTraffic]`, '1500');
  await page.waitForFunction(() => window.__marketer.abSize?.options.baselineRate === 0.05 && window.__marketer.abSize.options.relative && window.__marketer.abSize.options.dailyTraffic === 1500, null, { timeout: 30000 });
  const r = cw.abSampleSize({ baselineRate: 0.05, mde: 0.2, relative: true, alpha: 0.05, power: 0.8, variants: 2, twoSided: true, dailyTraffic: 1500 });
  assert.equal(await page.textContent('#ab-size-result [data-out=perVariant]'), int.format(r.perVariant));
  assert.equal(await page.textContent('#ab-size-result [data-out=total]'), int.format(r.total));
  assert.match(await page.textContent('#ab-size-result [data-out=days]'), new RegExp(`${r.days} days`));
  await page.fill(`${f} [name=alpha]`, '1.5');
  assert.match(await page.textContent(`${f} .field-msg[data-for=alpha]`), /between 0 and 1/);
  await page.fill(`${f} [name=alpha]`, '0.05');
  assert.equal(await page.textContent(`${f} .field-msg[data-for=alpha]`), '');
  await page.fill(`${f} [name=baselineRate]`, '1.2');
  assert.match(await page.textContent(`${f} .field-msg[data-for=baselineRate]`), /between 0 and 1/);
  await page.fill(`${f} [name=baselineRate]`, '0.05');

  // Analyzer: conversions above learners is a rate above 1.
  await page.fill('#ab-variants tbody tr:nth-child(2) [name=conversions]', '5000');
  assert.match(await page.textContent('#ab-analyze .field-msg'), /cannot exceed learners/);
  await page.fill('#ab-variants tbody tr:nth-child(2) [name=conversions]', '470');
  await page.waitForFunction(() => window.__marketer.abAnalyze?.variants[1].conversions === 470, null, { timeout: 30000 });
  const an = cw.abAnalyze({ variants: [{ name: 'A (control)', visitors: 4000, conversions: 400 }, { name: 'B', visitors: 4000, conversions: 470 }], alpha: 0.05, seed: 1 });
  assert.deepEqual(await page.evaluate(() => window.__marketer.abAnalyze), an);
  await browser.screenshot(page, 'marketer-ab');

  await page.click('#tab-ltv');
  await page.fill('#ltv-form [name=churn]', '0.1');
  await page.waitForFunction(() => window.__marketer.ltv?.expectedLifetime && Math.abs(window.__marketer.ltv.expectedLifetime - 10) < 1e-9, null, { timeout: 30000 });
  const l = cw.ltv({ arpu: 20, churn: 0.1, margin: 0.8, discountRate: 0.01, cac: 60, horizon: 36 });
  assert.equal(await page.textContent('#ltv-kpis [data-kpi=ltv]'), num2.format(l.ltv));
  assert.equal(await page.textContent('#ltv-kpis [data-kpi=ratio]'), `${l.ltvToCac.toFixed(2)}×`);
  await page.fill('#ltv-form [name=churn]', '1.5');
  assert.match(await page.textContent('#ltv-form .field-msg'), /Churn per period must be in \(0, 1\]/);
  await browser.screenshot(page, 'marketer-ltv');
  assert.deepEqual(browser.logs, []);
  await page.close();
});

test('learners tab: every card equals the module, and the Worker reports progress while it works', async () => {
  const page = await browser.page('/web/marketer/#%7B%22tab%22%3A%22learners%22%7D');
  await page.waitForFunction(() => window.__marketer?.ready, null, { timeout: 60000 });
  assert.equal(await page.isVisible('#panel-learners'), true);
  await page.click('#gen-platform');
  await page.waitForFunction(() => window.__marketer.learners, null, { timeout: 120000 });
  const ds = cw.generatePlatform({ seed: 42, learners: 3000, communities: 5 });
  const shown = await page.evaluate(() => window.__marketer.learners);

  // First table: conversion and revenue per community.
  const conv = ds.conversionByCommunity();
  const convRows = await page.$$eval('#conversion tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.deepEqual(convRows.map((r) => r[0]), conv.communities.map((c) => c.community));
  conv.communities.forEach((c, i) => {
    assert.deepEqual(convRows[i].slice(1, 6), [int.format(c.learners), int.format(c.payingLearners), F.pct.format(c.conversionRate),
      `${F.pct.format(c.conversionLow)}–${F.pct.format(c.conversionHigh)}`, num2.format(c.revenue)]);
  });
  assert.equal(await page.textContent('#conversion tfoot td:nth-child(3)'), int.format(conv.overall.payingLearners));
  assert.equal(await page.evaluate(() => document.querySelector('#learners-work .card h2').textContent), 'Conversion and revenue per community');

  // Segments, RFM quintiles, funnel.
  const seg = ds.segment({ k: 4, seed: 1 });
  assert.deepEqual(shown.segments, seg.segments.map((s) => ({ label: s.label, size: s.size })));
  const sizes = await page.$$eval('#segments tbody tr td:nth-child(2)', (tds) => tds.map((t) => t.textContent));
  assert.deepEqual(sizes, seg.segments.map((s) => int.format(s.size)));
  const rfm = ds.rfm();
  assert.deepEqual(shown.rfm, rfm.segments.map((s) => [s.label, s.learners]));
  assert.equal(await page.locator('#rfm-bands tbody tr').count(), 5);
  const r5 = rfm.bands.recency.scores[4];
  assert.equal(await page.textContent('#rfm-bands tbody tr:first-child td:nth-child(2)'),
    `${num1.format(r5.min)}–${num1.format(r5.max)} (${int.format(r5.learners)})`);
  assert.deepEqual(shown.funnel, ds.funnel({ byCommunity: false }).steps.map((s) => s.learners));

  // Courses that sell together.
  const rules = ds.rules({ minSupport: 0.01, maxSize: 3 });
  assert.ok(shown.rules.length > 0);
  assert.deepEqual(shown.rules, rules.rules.slice(0, 10).map((r) => ({ antecedent: r.antecedent, consequent: r.consequent, lift: r.lift })));
  assert.equal(await page.textContent('#rules tbody tr:first-child td:nth-child(5)'), num2.format(rules.rules[0].lift));

  // Cohort retention: monthly heatmap; the month still running is hatched, not churn.
  const coh = ds.cohorts({ period: 'month', byCommunity: false });
  assert.deepEqual(shown.cohorts.rows, coh.cohorts.map((c) => [c.cohort, c.size, c.partialIndex]));
  assert.equal(coh.lastPeriodPartial, true);
  const partialCells = await page.locator('#cohorts td.partial').count();
  assert.equal(partialCells, coh.cohorts.filter((c) => c.partialIndex !== null && c.partialIndex < 13).length);
  assert.ok(partialCells > 0);
  assert.match(await page.getAttribute('#cohorts td.partial', 'title'), /still running/);

  // Churn risk: the same model, P(alive) histogram and at-risk learners.
  const churn = ds.churn();
  assert.deepEqual(shown.churn.model, churn.model);
  assert.deepEqual(shown.churn.bins, pAliveHistogram(churn.learners.pAlive));
  assert.equal(shown.churn.bins.reduce((a, b) => a + b, 0), churn.model.learners);
  assert.deepEqual(shown.churn.atRisk, atRisk(churn.learners).top.map((x) => x.id));
  assert.equal(await page.locator('#at-risk tbody tr').count(), Math.min(10, atRisk(churn.learners).count));
  assert.equal(await page.locator('#palive li').count(), 10);

  // Progress arrived from the Worker during segment, rules and churn: rising, ending at 1.
  const progress = await page.evaluate(() => window.__marketer.progress);
  for (const analysis of ['segments', 'rules', 'churn']) {
    const seen = progress.filter((p) => p.analysis === analysis);
    assert.ok(seen.length >= 2, `${analysis}: ${seen.length} progress events`);
    assert.ok(seen.some((p) => p.fraction < 1), `${analysis}: a report before the end`);
    assert.equal(seen[seen.length - 1].fraction, 1);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i].fraction >= seen[i - 1].fraction);
  }
  assert.ok(progress.some((p) => p.analysis === 'churn' && p.stage === 'BG/NBD fit'));
  assert.equal(await page.isVisible('#learners-progress'), false);
  await browser.screenshot(page, 'marketer-learners');
  ds.close();

  // An uploaded log with a bad row: the row is skipped and reported, the rest analysed.
  const csv = 'user_id,item_id,event,ts,amount,community\n' + ds2csv() + 'zz,c1,purchase,not-a-date,10,club\n';
  await page.setInputFiles('#events-file', { name: 'mine.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.waitForFunction(() => window.__marketer.learners?.title === 'mine.csv', null, { timeout: 120000 });
  assert.match(await page.textContent('#learners-msg'), /1 row could not be read and was skipped .*line \d+, column "ts"/);
  assert.deepEqual(browser.logs, []);
  await page.close();
});

// A small log in which everyone buys twice (so churn can be fitted), written out as CSV rows.
function ds2csv() {
  let out = '';
  for (let u = 0; u < 60; u++) {
    const day = 1 + (u % 20);
    out += `u${u},c${u % 3},view,2025-03-${String(day).padStart(2, '0')},,club\n`;
    out += `u${u},c${u % 3},purchase,2025-03-${String(day).padStart(2, '0')}T12:00,20,club\n`;
    if (u % 2) out += `u${u},c${(u + 1) % 3},purchase,2025-04-${String(day).padStart(2, '0')},30,club\n`;
  }
  return out;
}

test('a link made from an uploaded history asks for the file, then restores its plan', async () => {
  const csv = await readFile(new URL('tests/fixtures/marketing_history.csv', `file://${repoRoot}`), 'utf8');
  const hash = encodeURIComponent(JSON.stringify({ tab: 'budget', src: 'upload', budget: 7000, bounds: { 'community-02': { max: 1000 } } }));
  const page = await browser.page(`/web/marketer/#${hash}`);
  await page.waitForFunction(() => window.__marketer?.ready, null, { timeout: 60000 });
  assert.match(await page.textContent('#history-msg'), /upload the same file/);
  await page.setInputFiles('#history-file', { name: 'mine.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.waitForFunction(() => window.__marketer.allocation, null, { timeout: 60000 });
  const fit = cw.fitCurves(csv, { seed: 1, bootstrap: 100, minPoints: 8, onTooFewPoints: 'skip' });
  const expected = cw.allocate(fit, { budget: 7000, objective: 'conversions', communities: { 'community-02': { max: 1000 } } });
  assert.equal(await page.inputValue('#plan tr[data-community="community-02"] input.max'), '1000');
  const spends = await page.$$eval('#plan tbody tr[data-community] [data-col=spend]', (tds) => tds.map((t) => t.textContent));
  assert.deepEqual(spends, expected.communities.map((p) => num2.format(p.spend)));
  assert.deepEqual(browser.logs, []);
  await page.close();
});

test('learners tab: rule thresholds are inputs (validated inline, kept in the URL), and rules report progress while baskets are built', async () => {
  // A link with thresholds restores them and shows the rules they give.
  const hash = encodeURIComponent(JSON.stringify({ tab: 'learners', learners: { src: 'demo', minSupport: 0.02, minConfidence: 0.3, minLift: 1.2 } }));
  const page = await browser.page(`/web/marketer/#${hash}`);
  await page.waitForFunction(() => window.__marketer?.ready && window.__marketer.learners, null, { timeout: 120000 });
  assert.deepEqual(await page.$$eval('#rule-thresholds input', (xs) => xs.map((x) => x.value)), ['2', '30', '1.2']);
  const ds = cw.generatePlatform({ seed: 42, learners: 3000, communities: 5 });
  const expected = (o) => ds.rules({ ...o, maxSize: 3 }).rules.slice(0, 10).map((r) => ({ antecedent: r.antecedent, consequent: r.consequent, lift: r.lift }));
  let shown = await page.evaluate(() => window.__marketer.learners);
  assert.deepEqual(shown.ruleOptions, { minSupport: 0.02, minConfidence: 0.3, minLift: 1.2 });
  assert.deepEqual(shown.rules, expected(shown.ruleOptions));
  assert.ok(shown.rules.length > 0 && shown.rules.every((r) => r.lift >= 1.2));

  // Progress from inside the baskets stage (it used to report only its start, at 0).
  const rulesProgress = (await page.evaluate(() => window.__marketer.progress)).filter((p) => p.analysis === 'rules');
  const baskets = rulesProgress.filter((p) => p.stage === 'baskets');
  assert.ok(baskets.length >= 2 && baskets.at(-1).fraction > 0, JSON.stringify(rulesProgress.slice(0, 5)));
  assert.equal(rulesProgress.at(-1).fraction, 1);

  // Bad values: a message next to the fields, the field marked, nothing re-run, the URL unchanged.
  const runs = await page.evaluate(() => window.__marketer.rulesRuns ?? 0);
  await page.fill('#rule-thresholds [name=minSupport]', '0');
  assert.match(await page.textContent('#rules-msg'), /Min\. support: a percentage of baskets above 0/);
  assert.equal(await page.getAttribute('#rule-thresholds [name=minSupport]', 'aria-invalid'), 'true');
  await page.fill('#rule-thresholds [name=minSupport]', '2');
  await page.fill('#rule-thresholds [name=minConfidence]', '140');
  assert.match(await page.textContent('#rules-msg'), /Min\. confidence: a percentage from 0 to 100/);
  await page.press('#rule-thresholds [name=minConfidence]', 'Enter');
  await page.fill('#rule-thresholds [name=minLift]', '-1');
  await page.press('#rule-thresholds [name=minLift]', 'Enter');
  assert.equal(await page.evaluate(() => window.__marketer.rulesRuns ?? 0), runs);
  assert.equal(await page.getAttribute('#rule-thresholds [name=minSupport]', 'aria-invalid'), 'false');

  // Valid values: only the rules are recomputed, on the dataset on screen, and the URL follows.
  await page.fill('#rule-thresholds [name=minConfidence]', '50');
  await page.fill('#rule-thresholds [name=minLift]', '1');
  assert.equal(await page.textContent('#rules-msg'), '');
  await page.press('#rule-thresholds [name=minLift]', 'Enter');
  await page.waitForFunction((n) => (window.__marketer.rulesRuns ?? 0) > n, runs, { timeout: 60000 });
  shown = await page.evaluate(() => window.__marketer.learners);
  assert.deepEqual(shown.ruleOptions, { minSupport: 0.02, minConfidence: 0.5, minLift: 1 });
  assert.deepEqual(shown.rules, expected(shown.ruleOptions));
  const rows = await page.$$eval('#rules tbody tr', (trs) => trs.map((tr) => tr.children[3].textContent));
  assert.deepEqual(rows, ds.rules({ ...shown.ruleOptions, maxSize: 3 }).rules.slice(0, 10).map((r) => F.pct.format(r.confidence)));
  const state = JSON.parse(decodeURIComponent(new URL(page.url()).hash.slice(1)));
  assert.deepEqual(state.learners, { src: 'demo', minSupport: 0.02, minConfidence: 0.5, minLift: 1 });
  assert.deepEqual(browser.logs, []);
  ds.close();
  await page.close();
});
