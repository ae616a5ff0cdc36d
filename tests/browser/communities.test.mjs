// The marketer page's Communities tab, driven as a community manager would: generate the demo
// platform, read the ranked health table and a community's detail, the advocates, then one click
// from a segment and from a rule to a target list and its CSV. Every number on screen is checked
// against the same call made directly on the module under Node (same engine, no page, no worker);
// the analyses themselves are checked against hand-computed values in the native and Node tests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../web/index.js';
import { openBrowser } from './browser.mjs';

let browser;
let cw;
before(async () => { browser = await openBrowser(); cw = await load(); });
after(async () => { await browser?.close(); });

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const pct = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });

test('communities tab: ranked health, detail, advocates, targets from a segment and a rule, CSV', async () => {
  const page = await browser.page('/web/marketer/');
  await page.waitForFunction(() => window.__marketer?.ready, null, { timeout: 60000 });
  await page.click('#tab-communities');
  await page.click('#communities-demo');
  await page.waitForFunction(() => window.__marketer.communities?.health, null, { timeout: 120000 });

  const ds = cw.generatePlatform({ seed: 42, learners: 3000, communities: 5, advocates: 3, decliningCommunity: true });
  const health = ds.communityHealth({ period: 'month' });
  const rows = await page.$$eval('#health tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(rows.map((r) => r[1]), health.communities.map((c) => c.community));
  for (const [r, c] of rows.map((r, i) => [r, health.communities[i]])) {
    assert.equal(r[0], String(c.rank));
    assert.equal(r[2], int.format(c.latest.members));
    assert.equal(r[3], int.format(c.latest.active));
    assert.equal(r[5], pct.format(c.latest.conversionRate));
  }
  assert.equal(await page.locator('#health tbody svg.spark').count(), health.communities.length);
  // Progress came through the Worker in the analyses' shape.
  assert.deepEqual(await page.evaluate(() => window.__marketer.communities.progress),
    [{ stage: 'health', fraction: 0 }, { stage: 'referrals', fraction: 0.5 }, { stage: 'referrals', fraction: 1 }]);

  // The running month (the log ends inside it) is marked as the cohort heatmap marks it: a dashed
  // segment to a hollow point in every sparkline, a legend naming it; it is never flagged.
  assert.ok(health.communities.every((c) => c.empty || c.periods.at(-1).partial), 'the demo log ends inside a month');
  assert.equal(health.lastPeriod === health.rankedPeriod, false);
  const sparks = await page.$$eval('#health tbody svg.spark', (svgs) => svgs.map((svg) => {
    const dots = [...svg.querySelectorAll('circle')];
    return { dashed: svg.querySelectorAll('path.partial[stroke-dasharray]').length, hollow: dots.filter((d) => d.classList.contains('partial')).length,
      lastHollow: dots.filter((d) => d.classList.contains('partial')).some((d) => Number(d.getAttribute('cx')) > 110),
      flagsAtEnd: dots.filter((d) => d.getAttribute('class')?.startsWith('flag-') && Number(d.getAttribute('cx')) > 110).length,
      label: svg.getAttribute('aria-label') };
  }));
  for (const [i, sp] of sparks.entries()) {
    const c = health.communities[i];
    const partial = c.periods.filter((p) => p.partial).length;
    assert.equal(sp.hollow, partial, `${c.community}: one hollow point per partial period`);
    assert.ok(sp.lastHollow && sp.dashed >= 1, `${c.community}: the running period ends dashed and hollow`);
    assert.equal(sp.flagsAtEnd, 0, `${c.community}: the running period is never flagged`);
    assert.ok(sp.label.includes(`${health.lastPeriod} still running`));
  }
  assert.equal(await page.isVisible('#health-legend'), true);
  assert.ok((await page.textContent('#health-legend')).includes(`${health.lastPeriod} was still running`));
  assert.ok(health.communities.every((c) => c.empty || !Object.values(c.periods.at(-1).trend).some((t) => t.flag)));

  // The planted declining community: its detail shows the flagged drop of active members.
  const declining = ds.truth.decliningCommunity;
  await page.click(`#health tbody tr[data-community="${declining}"]`);
  await page.waitForFunction((n) => window.__marketer.communities.selected === n, declining);
  assert.equal(await page.textContent('#detail-name'), declining);
  assert.equal(await page.locator('#detail-grid figure').count(), 10);
  assert.ok(await page.locator('#detail-grid figure[data-metric="active"] circle.flag-down').count() >= 1);
  assert.equal(await page.locator('#detail-grid figure svg circle.partial').count() >= 10, true);
  assert.ok((await page.textContent('#detail-legend')).includes(`${health.lastPeriod} was still running`));

  // Advocates as the API ranks them (chain members first); the planted ones bring the most directly.
  const refs = ds.referrals({ top: 10 });
  const adv = await page.$$eval('#advocates tbody tr', (trs) => trs.map((tr) => [tr.children[0].textContent, tr.children[2].textContent]));
  assert.deepEqual(adv.map((a) => a[0]), refs.advocates.map((a) => a.learner));
  assert.deepEqual(adv.map((a) => a[1]), refs.advocates.map((a) => int.format(a.direct)));
  const byDirect = [...refs.advocates].sort((a, b) => b.direct - a.direct).slice(0, 3).map((a) => a.learner);
  assert.deepEqual(byDirect.sort(), [...ds.truth.advocates].sort());

  // One click from a segment to its target list.
  const course = await page.inputValue('#target-course');
  assert.ok(course.length > 0);
  const seg = await page.getAttribute('#target-segments tbody button', 'data-segment');
  await page.click('#target-segments tbody button');
  await page.waitForFunction(() => window.__marketer.communities.targets, null, { timeout: 60000 });
  let t = await page.evaluate(() => window.__marketer.communities.targets);
  let expected = ds.inviteTargets({ courses: course.split(','), limit: 100, segment: seg });
  assert.equal(t.count, expected.targets.length);
  assert.equal(t.csvRows, expected.targets.length);
  assert.equal(t.first, expected.targets[0]?.learner ?? null);
  const shown = await page.$$eval('#targets-list tbody tr', (trs) => trs.map((tr) => [tr.children[0].textContent, tr.children[2].textContent]));
  assert.deepEqual(shown, expected.targets.map((x) => [x.learner, x.segment]));
  const href = await page.getAttribute('#targets-csv', 'href');
  assert.ok(href.startsWith('blob:'));

  // One click from a rule: the list is for the rule's consequent, among owners of its antecedent.
  const rule = await page.getAttribute('#target-rules tbody button', 'data-rule');
  const [ante, cons] = rule.split('>').map((s) => s.split('+'));
  await page.evaluate(() => { window.__marketer.communities.targets = null; });
  await page.click('#target-rules tbody button');
  await page.waitForFunction(() => window.__marketer.communities.targets, null, { timeout: 60000 });
  t = await page.evaluate(() => window.__marketer.communities.targets);
  expected = ds.inviteTargets({ courses: cons, limit: 100, antecedent: ante });
  assert.deepEqual(t.options.antecedent, ante);
  assert.equal(t.count, expected.targets.length);
  assert.ok(Math.abs(t.expected - expected.expectedConversions) < 1e-9);

  // The URL keeps the tab's state: a new page from the link shows the same community and list.
  const link = page.url();
  const state = JSON.parse(decodeURIComponent(new URL(link).hash.slice(1)));
  assert.equal(state.tab, 'communities');
  assert.deepEqual(state.communities, { src: 'demo', period: 'month', community: declining, course: cons.join(','), antecedent: ante });
  const again = await browser.page(new URL(link).pathname + new URL(link).hash);
  await again.waitForFunction(() => window.__marketer?.ready, null, { timeout: 120000 });
  assert.equal(await again.isVisible('#panel-communities'), true);
  assert.equal(await again.evaluate(() => window.__marketer.communities.selected), declining);
  assert.equal(await again.textContent('#detail-name'), declining);
  const t2 = await again.evaluate(() => window.__marketer.communities.targets);
  assert.deepEqual(t2.options, t.options);
  assert.equal(t2.first, t.first);
  // The period too: a week link restores the weekly table.
  await again.selectOption('#health-period-select', 'week');
  await again.waitForFunction(() => window.__marketer.communities.health.period === 'week');
  assert.equal(JSON.parse(decodeURIComponent(new URL(again.url()).hash.slice(1))).communities.period, 'week');
  await again.close();

  // A bad course is an inline message, and the tab keeps working.
  await page.fill('#target-course', 'no-such-course');
  await page.click('#target-go');
  await page.waitForFunction(() => document.querySelector('#communities-msg').textContent.includes('never occurs'));
  assert.deepEqual(browser.logs, []);
  await browser.screenshot(page, 'communities');
  ds.close();
});
