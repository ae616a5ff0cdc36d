// Funnels through the public JS API, under Node: a hand-checked log, the Wilson interval against
// its closed form, community conversion on the synthetic platform, and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../web/index.js';

const cw = await load();
const header = 'user_id,item_id,event,ts,community\n';
const z = 1.959963984540054;

// Wilson (1927) closed form, written independently of the C++.
function wilson(x, n) {
  const c = x + (z * z) / 2;
  const h = z * Math.sqrt((x * (n - x)) / n + (z * z) / 4);
  return [(c - h) / (n + z * z), (c + h) / (n + z * z)];
}

test('a hand-checked funnel: counts, conversion, Wilson intervals and hours from entry', () => {
  const ds = cw.parseEvents(header +
    // a: full funnel in 1h, 2h, 5h
    'a,c1,view,2025-01-01T00:00:00Z,club\na,c1,enroll,2025-01-01T01:00:00Z,club\n' +
    'a,c1,purchase,2025-01-01T02:00:00Z,club\na,c1,complete,2025-01-01T05:00:00Z,club\n' +
    // b: enroll before view does not count (strict order); then view -> enroll
    'b,c1,enroll,2025-01-02T00:00:00Z,club\nb,c1,view,2025-01-02T01:00:00Z,club\nb,c1,enroll,2025-01-02T03:00:00Z,club\n' +
    // c: view, purchase after a refund: the refund ends the attempt
    'c,c2,view,2025-01-03T00:00:00Z,guild\nc,c2,enroll,2025-01-03T01:00:00Z,guild\n' +
    'c,c2,refund,2025-01-03T02:00:00Z,guild\nc,c2,purchase,2025-01-03T03:00:00Z,guild\n' +
    // d: only views
    'd,c2,view,2025-01-04T00:00:00Z,guild\n');
  const f = ds.funnel({ exclude: ['refund'] });
  assert.deepEqual(f.steps.map((s) => s.learners), [4, 3, 1, 1]);
  assert.equal(f.entered, 4);
  assert.equal(f.converted, 1);
  assert.equal(f.cutByExclusion, 1);
  const [lo, hi] = wilson(3, 4);
  assert.ok(Math.abs(f.steps[1].fromPrevious.low - lo) < 1e-12);
  assert.ok(Math.abs(f.steps[1].fromPrevious.high - hi) < 1e-12);
  assert.equal(f.steps[2].fromPrevious.rate, 1 / 3);
  // Hours from entry to enroll: a 1, b 2, c 1 -> median 1, mean 4/3.
  assert.equal(f.steps[1].hoursFromEntry.median, 1);
  assert.ok(Math.abs(f.steps[1].hoursFromEntry.mean - 4 / 3) < 1e-12);
  assert.equal(f.steps[3].hoursFromEntry.median, 5);
  assert.deepEqual(f.byCommunity.map((g) => [g.community, g.entered, g.converted]), [['club', 2, 1], ['guild', 2, 0]]);
  // Without the exclusion, c reaches purchase.
  assert.deepEqual(ds.funnel().steps.map((s) => s.learners), [4, 3, 2, 1]);
  // A window of 2 hours cuts a's completion (5 h after entry).
  assert.deepEqual(ds.funnel({ windowDays: 2 / 24 }).steps.map((s) => s.learners), [4, 3, 1, 0]);
  // Any order: b's early enroll still needs to come after the entry view, so nothing changes here.
  assert.deepEqual(ds.funnel({ order: 'any', steps: ['view', 'purchase', 'enroll'] }).steps.map((s) => s.learners), [4, 2, 2]);
  ds.close();
});

test('a step that never occurs gives 0 learners, null rates after it, and a warning', () => {
  const ds = cw.generatePlatform({ seed: 2, learners: 200 });
  const f = ds.funnel({ steps: ['view', 'enroll', 'purchse'] });
  assert.equal(f.steps[2].learners, 0);
  assert.equal(f.steps[2].fromPrevious.rate, 0);
  assert.equal(f.steps[2].hoursFromEntry, null);
  assert.match(f.warnings[0], /"purchse" never occurs/);
  ds.close();
});

test('per-community conversion follows the planted purchase probabilities', () => {
  const ds = cw.generatePlatform({ seed: 5, learners: 8000, communities: 4 });
  const f = ds.funnel({ steps: ['enroll', 'purchase'], sameCourse: true, windowDays: 0 });
  const names = ds.truth.communities.map((c) => c.community);
  const rate = (name) => f.byCommunity.find((g) => g.community === name).steps[1].fromPrevious;
  assert.ok(rate(names[0]).low > rate(names[1]).high);
  assert.ok(rate(names[1]).low > rate(names[3]).high);
  ds.close();
});

test('bad options are Errors naming the option; the module keeps working', () => {
  const ds = cw.generatePlatform({ seed: 3, learners: 100 });
  for (const [opts, re] of [
    [{ steps: ['view'] }, /"steps" must be an array of 2 to 20 steps/],
    [{ windowDays: -1 }, /"windowDays" must be a number in \[0, 3650\]/],
    [{ order: 'loose' }, /"order" must be "strict" or "any"/],
    [{ exclude: ['view'] }, /both a step and an exclusion/],
    [{ steps: ['view', { event: 'enroll', withinHours: -2 }] }, /withinHours/],
    [{ stepz: [] }, /unknown funnel option "stepz"/],
  ]) {
    assert.throws(() => ds.funnel(opts), (e) => e instanceof Error && re.test(e.message));
  }
  assert.throws(() => ds.funnel('view'), /options must be an object/);
  assert.ok(ds.funnel().entered > 0);
  ds.close();
});
