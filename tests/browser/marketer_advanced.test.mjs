// The marketer page's API-only features, brought to the page: ratio metrics on the A/B tab,
// response-curve model choice on the Budget tab, cohort-based LTV on the LTV tab. Every number on
// screen is checked against the same call made directly on the module under Node with inputs the
// test builds itself (its own CSV split, not the page's parser); bad inputs are flagged next to the
// field and nothing reaches the console.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { load } from '../../web/index.js';
import { openBrowser, repoRoot } from './browser.mjs';
import { ratioFormat as R, parseUnitsCsv } from '../../web/marketer/ab_ratio.js';
import { modelFormat } from '../../web/marketer/models.js';

let browser;
let cw;
before(async () => { browser = await openBrowser(); cw = await load(); });
after(async () => { await browser?.close(); });

const num2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const pct = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const ready = (page) => page.waitForFunction(() => window.__marketer?.ready, null, { timeout: 60000 });
const cells = (page, sel) => page.$$eval(`${sel} tr`, (trs) => trs.slice(1).map((tr) => [...tr.children].map((td) => td.textContent)));

test('ratio CSV reader: quotes, CRLF, BOM, text columns ignored, every bad cell named by line and column', () => {
  const ok = parseUnitsCsv('\uFEFFuser,variant,revenue,orders\r\n"u,1",A,"12.5",1\r\nu2,"B",0,0\r\nu3,A,3,1\r\n');
  assert.deepEqual(ok.columns, ['revenue', 'orders']);
  assert.deepEqual(ok.ignored, ['user']);
  assert.deepEqual(ok.variants.map((v) => [v.name, [...v.columns.revenue], [...v.columns.orders]]), [['A', [12.5, 3], [1, 1]], ['B', [0], [0]]]);
  const err = (t) => { try { parseUnitsCsv(t); } catch (e) { return e.message; } return ''; };
  assert.equal(err(''), 'The file is empty: expected a header such as "variant,revenue,orders".');
  assert.equal(err('arm,revenue\nA,1\n'), 'Line 1: no "variant" column (columns: arm, revenue).');
  assert.equal(err('variant,country\nA,de\nB,fr\n'), 'Line 1: besides "variant" there is no column with numbers (e.g. revenue, orders).');
  assert.equal(err('variant,revenue\nA,1\nB,1,2\n'), 'Line 3: 3 fields, the header has 2.');
  assert.equal(err('variant,revenue\nA,1\nB,\n'), 'Line 3, column 2 ("revenue"): "" is not a number.');
  assert.equal(err('variant,revenue\nA,1\n"B,2\n'), 'Line 3: unterminated quote.');
  assert.equal(err('variant,revenue\nA,1\n\nB,2\n'), 'Line 3: empty line inside the data.');
  assert.equal(err('variant,revenue\n,1\n'), 'Line 2, column 1 ("variant"): empty variant name.');
  assert.equal(err('variant,revenue,revenue\nA,1,1\n'), 'Line 1: column "revenue" appears twice.');
});

test('A/B tab: ratio metrics from per-visitor rows equal cw.abRatio; bad rows and alpha flagged inline; URL restores', async () => {
  const page = await browser.page('/web/marketer/');
  await ready(page);
  await page.click('#tab-ab');
  await page.click('#ratio-demo');
  await page.waitForFunction(() => window.__marketer.abRatio?.result, null, { timeout: 30000 });

  // The demo file split by the test itself.
  const text = await readFile(new URL('web/marketer/demo-ab-ratio.csv', `file://${repoRoot}`), 'utf8');
  const rows = text.trim().split('\n').slice(1).map((l) => l.split(','));
  const arm = (name, den) => ({ name, values: rows.filter((r) => r[0] === name).map((r) => Number(r[1])),
    ...(den ? { denominators: rows.filter((r) => r[0] === name).map((r) => Number(r[2])) } : {}) });
  const check = async (expected) => {
    const shown = await page.evaluate(() => window.__marketer.abRatio.result);
    assert.deepEqual(shown, expected);
    const v = await cells(page, '#ratio-variants');
    assert.deepEqual(v, expected.variants.map((x) => [x.name, R.n(x.n), R.value(x.value), R.value(x.stdError), `${R.value(x.ciLow)} to ${R.value(x.ciHigh)}`]));
    const c = await cells(page, '#ratio-comparisons');
    assert.deepEqual(c, expected.comparisons.map((x) => [x.name, R.value(x.difference), `${R.value(x.ciLow)} to ${R.value(x.ciHigh)}`,
      R.lift(x.relativeLift), R.liftCi(x.liftCiLow, x.liftCiHigh), R.p(x.pValueAdjusted), x.significant ? (x.difference > 0 ? 'higher' : 'lower') : 'not significant']));
  };
  // Revenue per visitor (the default: the revenue column, per visitor).
  assert.equal(await page.inputValue('#ab-ratio [name=numerator]'), 'revenue');
  const rpv = cw.abRatio({ variants: [arm('A'), arm('B')], alpha: 0.05, twoSided: true });
  await check(rpv);
  assert.ok(rpv.comparisons[0].pValue > 0 && rpv.comparisons[0].pValue < 1);

  // Average order value: Σ revenue / Σ orders, per-visitor rows (the delta method's case).
  await page.selectOption('#ab-ratio [name=denominator]', 'orders');
  await page.waitForFunction(() => window.__marketer.abRatio?.options?.denominator === 'orders', null, { timeout: 30000 });
  const aov = cw.abRatio({ variants: [arm('A', true), arm('B', true)], alpha: 0.05, twoSided: true });
  await check(aov);
  // Independent check of the point estimate: Σ revenue / Σ orders by hand.
  const sum = (a) => a.reduce((s, x) => s + x, 0);
  const a = arm('A', true);
  assert.ok(Math.abs(aov.variants[0].value - sum(a.values) / sum(a.denominators)) < 1e-9);

  // B as control, alpha 0.1: the page passes both.
  await page.selectOption('#ab-ratio [name=control]', 'B');
  await page.fill('#ab-ratio [name=alpha]', '0.1');
  await page.waitForFunction(() => window.__marketer.abRatio?.options?.alpha === 0.1 && window.__marketer.abRatio.options.variants[0] === 'B', null, { timeout: 30000 });
  await check(cw.abRatio({ variants: [arm('B', true), arm('A', true)], alpha: 0.1, twoSided: true }));

  // Alpha out of range: inline, the last result greyed; the numerator as denominator: inline.
  await page.fill('#ab-ratio [name=alpha]', '1.5');
  await page.waitForFunction(() => document.querySelector('#ratio-msg').textContent !== '', null, { timeout: 30000 });
  assert.match(await page.textContent('#ratio-msg'), /Alpha must be between 0 and 1/);
  assert.ok(await page.$eval('#ab-ratio-result', (e) => e.classList.contains('stale')));
  await page.fill('#ab-ratio [name=alpha]', '0.1');
  await page.waitForFunction(() => document.querySelector('#ratio-msg').textContent === '', null, { timeout: 30000 });

  // The URL keeps the choice: a fresh page on it shows the same numbers.
  const url = page.url();
  assert.match(decodeURIComponent(url), /"ratio":\{"src":"demo","numerator":"revenue","control":"B","denominator":"orders","alpha":0.1\}/);
  const again = await browser.page(url.slice(url.indexOf('/web/')));
  await ready(again);
  await again.waitForFunction(() => window.__marketer.abRatio?.result, null, { timeout: 30000 });
  assert.deepEqual(await again.evaluate(() => window.__marketer.abRatio.result), await page.evaluate(() => window.__marketer.abRatio.result));
  assert.equal(await again.inputValue('#ab-ratio [name=alpha]'), '0.1');
  await browser.screenshot(page, 'marketer-ab-ratio');

  // A bad cell: line and column next to the upload, the demo's numbers stay.
  const bad = 'variant,revenue,orders\nA,10,1\nB,abc,1\n';
  await page.setInputFiles('#ratio-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await page.waitForFunction(() => /Line 3/.test(document.querySelector('#ratio-file-msg').textContent), null, { timeout: 30000 });
  assert.equal(await page.textContent('#ratio-file-msg'), 'bad.csv: Line 3, column 2 ("revenue"): "abc" is not a number.');
  assert.ok(await page.$eval('#ab-ratio-result', (e) => e.classList.contains('stale')), 'the previous numbers are greyed');
  // One variant only; an arm whose orders sum to 0 (the engine's message next to the fields).
  await page.setInputFiles('#ratio-file', { name: 'one.csv', mimeType: 'text/csv', buffer: Buffer.from('variant,revenue\nA,1\nA,2\n') });
  await page.waitForFunction(() => /at least 2 variants/.test(document.querySelector('#ratio-file-msg').textContent), null, { timeout: 30000 });
  const zero = 'variant,revenue,orders\nA,10,1\nA,0,0\nB,0,0\nB,0,0\n';
  await page.setInputFiles('#ratio-file', { name: 'zero.csv', mimeType: 'text/csv', buffer: Buffer.from(zero) });
  await page.waitForFunction(() => window.__marketer.abRatio?.error, null, { timeout: 30000 });
  let engine = '';
  try {
    // The control select kept "B" (it exists in the new file too), so B is first.
    cw.abRatio({ variants: [{ name: 'B', values: [0, 0], denominators: [0, 0] }, { name: 'A', values: [10, 0], denominators: [1, 0] }], alpha: 0.1, twoSided: true });
  } catch (e) { engine = e.message; }
  assert.ok(engine, 'the engine refuses an arm without a denominator');
  assert.equal(await page.textContent('#ratio-msg'), engine);
  assert.deepEqual(browser.logs, []);
});

test('Budget tab: curve shape and adstock choice; each shape\'s R² and MAPE equal cw.fitCurves; plan, URL and JSON follow the choice', async () => {
  const page = await browser.page('/web/marketer/');
  await ready(page);
  await page.click('#use-demo');
  await page.waitForFunction(() => window.__marketer.models && window.__marketer.allocation, null, { timeout: 60000 });
  const csv = await readFile(new URL('web/marketer/demo-history.csv', `file://${repoRoot}`), 'utf8');
  const base = { seed: 1, minPoints: 8, onTooFewPoints: 'skip' };

  const table = async (expectedOptions) => {
    const hill = cw.fitCurves(csv, { ...base, bootstrap: 0, ...expectedOptions, model: 'hill' });
    const exp = cw.fitCurves(csv, { ...base, bootstrap: 0, ...expectedOptions, model: 'exponential' });
    const used = cw.fitCurves(csv, { ...base, bootstrap: 100, ...expectedOptions });
    const pageFit = await page.evaluate(() => window.__marketer.state.fit);
    assert.deepEqual(pageFit.curves.map((c) => [c.community, c.model, c.adstock, c.r2]), used.curves.map((c) => [c.community, c.model, c.adstock, c.r2]));
    const rows = await page.$$eval('#models tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    const F = modelFormat;
    assert.deepEqual(rows, used.curves.map((u, i) => [u.community, F.r2(hill.curves[i].r2), F.mape(hill.curves[i].mape),
      F.r2(exp.curves[i].r2), F.mape(exp.curves[i].mape), F.adstock(u.adstock), F.name(u)]));
    return used;
  };

  // Auto: per community the lower AICc; the demo has both shapes.
  const auto = await table({});
  assert.ok(new Set(auto.curves.map((c) => c.model)).size === 2, 'the demo history has Hill and exponential communities');
  assert.ok(auto.curves.every((c) => c.adstock === 0));

  // Adstock fitted: the decay per community is shown and the plan uses those curves.
  await page.selectOption('#adstock-mode', 'fit');
  await page.waitForFunction(() => window.__marketer.models?.options?.adstock === 'fit', null, { timeout: 60000 });
  const fitted = await table({ adstock: 'fit' });
  // The demo history was simulated without carry-over: the fitted decay is 0 ("none") everywhere.
  assert.ok(fitted.curves.every((c) => c.adstock >= 0 && c.adstock <= 0.95));

  // Exponential everywhere: every curve is exponential and the plan equals cw.allocate on them.
  await page.selectOption('#curve-model', 'exponential');
  await page.waitForFunction(() => window.__marketer.models?.options?.model === 'exponential', null, { timeout: 60000 });
  await page.waitForFunction(() => window.__marketer.state.fit.curves.every((c) => c.model === 'exponential'), null, { timeout: 60000 });
  const exp = await table({ adstock: 'fit', model: 'exponential' });
  const budget = Number(await page.inputValue('#budget'));
  await page.waitForFunction(() => window.__marketer.allocation.communities.length && window.__marketer.options, null, { timeout: 30000 });
  await page.waitForFunction((b) => window.__marketer.options.budget === b && window.__marketer.state.allocation, budget, { timeout: 30000 });
  const plan = cw.allocate(exp, { budget, objective: 'conversions', communities: {} });
  const shown = await page.evaluate(() => window.__marketer.allocation);
  assert.deepEqual(shown.communities.map((c) => [c.community, c.spend]), plan.communities.map((c) => [c.community, c.spend]));
  assert.equal(shown.totals.conversions, plan.totals.conversions);

  // The JSON export carries the fit options; the URL keeps them and a fresh page restores the same curves.
  const [jd] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const json = JSON.parse(await readFile(await jd.path(), 'utf8'));
  assert.deepEqual(json.fit, { ...base, bootstrap: 100, model: 'exponential', adstock: 'fit' });
  const url = page.url();
  const state = JSON.parse(decodeURIComponent(new URL(url).hash.slice(1)));
  assert.equal(state.model, 'exponential');
  assert.equal(state.adstock, 'fit');
  const again = await browser.page(url.slice(url.indexOf('/web/')));
  await ready(again);
  await again.waitForFunction(() => window.__marketer.models && window.__marketer.allocation, null, { timeout: 60000 });
  assert.equal(await again.inputValue('#curve-model'), 'exponential');
  assert.equal(await again.inputValue('#adstock-mode'), 'fit');
  assert.deepEqual(await again.evaluate(() => window.__marketer.state.fit.curves.map((c) => [c.model, c.adstock])), exp.curves.map((c) => [c.model, c.adstock]));
  await again.close();

  // A fixed decay out of range: message next to the choice, the curves on screen stay.
  await page.selectOption('#adstock-mode', 'fixed');
  await page.waitForFunction(() => window.__marketer.models?.options?.adstock === 0.3, null, { timeout: 60000 });
  const fixed = await table({ adstock: 0.3, model: 'exponential' });
  assert.ok(fixed.curves.every((c) => c.adstock === 0.3));
  assert.match(await page.textContent('#models tbody td:nth-child(6)'), /^0\.30 \(30% of a period’s spend still works the next period\)$/);
  assert.match(await page.textContent('#curves figcaption'), /adstock 0\.30/);
  await page.fill('#adstock-value', '1.2');
  await page.press('#adstock-value', 'Enter');
  assert.match(await page.textContent('#model-msg'), /Adstock decay must be a number from 0 to 0\.95/);
  assert.deepEqual(await page.evaluate(() => window.__marketer.state.fitOptions.adstock), 0.3);
  await browser.screenshot(page, 'marketer-models');
  assert.deepEqual(browser.logs, []);
});

// The pooled first-purchase retention and ARPU computed from the raw events (the test's own route).
function cohortByHand(csv) {
  const lines = csv.trim().split('\n');
  const h = lines[0].split(',');
  const [U, E, T, A] = ['user_id', 'event', 'ts', 'amount'].map((c) => h.indexOf(c));
  const month = (ts) => Number(ts.slice(0, 4)) * 12 + Number(ts.slice(5, 7)) - 1;
  const months = new Map(); // learner → Set of purchase months
  let revenue = 0;
  let last = -Infinity;
  for (const l of lines.slice(1)) {
    const f = l.split(',');
    last = Math.max(last, month(f[T]));
    if (f[E] !== 'purchase') continue;
    revenue += Number(f[A]) || 0;
    if (!months.has(f[U])) months.set(f[U], new Set());
    months.get(f[U]).add(month(f[T]));
  }
  // The last month holds the last event and is still running (the API says so too: lastPeriodPartial).
  const curve = [];
  for (let t = 0; ; t++) {
    let size = 0;
    let active = 0;
    for (const set of months.values()) {
      const first = Math.min(...set);
      if (first + t >= last) continue; // not lived through completely
      size++;
      if (set.has(first + t)) active++;
    }
    if (!size) break;
    curve.push(active / size);
  }
  let learnerMonths = 0;
  for (const set of months.values()) learnerMonths += set.size;
  return { curve, arpu: revenue / learnerMonths, payers: months.size };
}

test('LTV tab: cohort LTV from the event log equals cw.ltv on the retention and ARPU counted from the raw events; Learners tab\'s log; inline errors; URL', async () => {
  const page = await browser.page('/web/marketer/');
  await ready(page);
  await page.click('#tab-ltv');
  // Nothing loaded in the Learners tab yet: said next to the buttons.
  await page.click('#cohort-ltv-learners');
  assert.match(await page.textContent('#cohort-ltv-msg'), /The Learners tab has no event log yet/);

  await page.click('#cohort-ltv-demo');
  await page.waitForFunction(() => window.__marketer.cohortLtv?.result, null, { timeout: 60000 });
  const ds = cw.generatePlatform({ seed: 42, learners: 3000, communities: 5 });
  const hand = cohortByHand(ds.toCSV());
  assert.equal(ds.cohorts({ period: 'month' }).lastPeriodPartial, true);
  const shown = await page.evaluate(() => window.__marketer.cohortLtv);
  assert.equal(shown.period, 'month');
  assert.equal(shown.curve.length, hand.curve.length);
  shown.curve.forEach((p, t) => assert.ok(Math.abs(p.retention - hand.curve[t]) < 1e-12, `retention at ${t}`));
  assert.ok(Math.abs(shown.options.arpu - hand.arpu) < 1e-9 * hand.arpu);
  const expected = cw.ltv({ retention: hand.curve, arpu: hand.arpu, margin: 0.8, discountRate: 0.01, cac: 60, horizon: 36 });
  assert.ok(Math.abs(shown.result.ltv - expected.ltv) < 1e-9 * expected.ltv);
  assert.equal(await page.textContent('#cohort-ltv-kpis [data-kpi=ltv]'), num2.format(expected.ltv));
  assert.equal(await page.textContent('#cohort-ltv-kpis [data-kpi=ratio]'), `${expected.ltvToCac.toFixed(2)}×`);
  assert.equal(await page.textContent('#cohort-ltv-kpis [data-kpi=arpu]'), num2.format(hand.arpu));
  const retentionRow = await page.$$eval('#cohort-curve tbody tr:first-child td', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(retentionRow, hand.curve.slice(0, 13).map((r) => pct.format(r)));
  assert.match(await page.textContent('#cohort-ltv-summary'), new RegExp(`${int.format(hand.payers)} paying learners`));

  // The calculator's margin is shared: a bad one greys the cohort LTV and says why; a good one re-runs it.
  await page.fill('#ltv-form [name=margin]', '1.5');
  await page.waitForFunction(() => /Fix the calculator/.test(document.querySelector('#cohort-ltv-msg').textContent), null, { timeout: 30000 });
  assert.equal(await page.textContent('#cohort-ltv-msg'), 'Fix the calculator’s fields first: Margin must be in (0, 1].');
  assert.ok(await page.$eval('#cohort-ltv', (e) => e.classList.contains('stale')));
  await page.fill('#ltv-form [name=margin]', '0.5');
  await page.waitForFunction(() => window.__marketer.cohortLtv?.options?.margin === 0.5, null, { timeout: 30000 });
  const half = cw.ltv({ retention: hand.curve, arpu: hand.arpu, margin: 0.5, discountRate: 0.01, cac: 60, horizon: 36 });
  assert.equal(await page.textContent('#cohort-ltv-kpis [data-kpi=ltv]'), num2.format(half.ltv));

  // Weeks: the engine's weekly cohorts, pooled the same way.
  await page.selectOption('#cohort-ltv-period', 'week');
  await page.waitForFunction(() => window.__marketer.cohortLtv?.period === 'week', null, { timeout: 30000 });
  const { pooledRetention } = await import('../../web/marketer/ltv_cohort.js');
  const weekly = pooledRetention(ds.cohorts({ period: 'week', cohortBy: 'firstPurchase', activeEvents: ['purchase'], byCommunity: false }));
  assert.deepEqual((await page.evaluate(() => window.__marketer.cohortLtv.curve)), weekly.curve);
  assert.ok(weekly.curve.length > hand.curve.length);

  // The URL keeps source and period: a fresh page shows the same cohort LTV.
  const url = page.url();
  assert.deepEqual(JSON.parse(decodeURIComponent(new URL(url).hash.slice(1))).cohortLtv, { src: 'demo', period: 'week' });
  const again = await browser.page(url.slice(url.indexOf('/web/')));
  await ready(again);
  await again.waitForFunction(() => window.__marketer.cohortLtv?.result, null, { timeout: 60000 });
  assert.deepEqual(await again.evaluate(() => window.__marketer.cohortLtv.curve), weekly.curve);
  await again.close();
  await browser.screenshot(page, 'marketer-cohort-ltv');

  // The Learners tab's log: the same demo platform there, then used here without reading it again.
  await page.selectOption('#cohort-ltv-period', 'month');
  await page.click('#tab-learners');
  await page.click('#gen-platform');
  await page.waitForFunction(() => window.__marketer.learners?.churn, null, { timeout: 120000 });
  await page.click('#tab-ltv');
  await page.click('#cohort-ltv-learners');
  await page.waitForFunction(() => window.__marketer.cohortLtv?.source === 'learners' && window.__marketer.cohortLtv.period === 'month', null, { timeout: 60000 });
  const fromLearners = await page.evaluate(() => window.__marketer.cohortLtv);
  fromLearners.curve.forEach((p, t) => assert.ok(Math.abs(p.retention - hand.curve[t]) < 1e-12));
  assert.match(await page.textContent('#cohort-ltv-summary'), /^From the demo platform:/);

  // An upload without repeat purchases long enough for a curve: said next to the upload.
  const short = 'user_id,item_id,event,ts,amount\nu1,c1,purchase,2025-01-03T00:00:00Z,10\nu2,c1,purchase,2025-01-05T00:00:00Z,20\n';
  await page.setInputFiles('#cohort-ltv-file', { name: 'short.csv', mimeType: 'text/csv', buffer: Buffer.from(short) });
  await page.waitForFunction(() => window.__marketer.cohortLtv?.error, null, { timeout: 30000 });
  assert.match(await page.textContent('#cohort-ltv-msg'), /a retention curve needs at least two periods/);
  ds.close();
  assert.deepEqual(browser.logs, []);
});
