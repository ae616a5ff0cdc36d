// Cohort retention through the public JS API, under Node: a hand-checked log (empty cells are
// null, not 0), a brute-force check on a generated platform, and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../web/index.js';

const cw = await load();

test('a hand-checked weekly matrix: birth, compounded, and null for weeks not lived through', () => {
  const ds = cw.parseEvents('user_id,event,ts,community,item_id\n' +
    'a,view,2025-01-06,club,x\na,view,2025-01-14,club,x\na,purchase,2025-01-28,club,x\n' +
    'b,view,2025-01-15,club,x\n' +
    'c,purchase,2025-01-22,guild,x\nc,purchase,2025-01-29,guild,x\n');
  const r = ds.cohorts({ period: 'week' });
  assert.equal(r.firstPeriod, '2025-01-06');
  assert.equal(r.lastPeriod, '2025-01-27');
  assert.deepEqual(r.cohorts.map((c) => [c.cohort, c.size]), [['2025-01-06', 1], ['2025-01-13', 1], ['2025-01-20', 1]]);
  assert.deepEqual(r.cohorts[0].birth, [1, 1, 0, 1]);
  assert.deepEqual(r.cohorts[0].compounded, [1, 1, 0, 0]);
  assert.deepEqual(r.cohorts[1].birth, [1, 0, 0, null]);
  assert.deepEqual(r.cohorts[2].birth, [1, 1, null, null]);
  const guild = r.paying.find((p) => p.community === 'guild');
  assert.deepEqual(guild.periods.map((p) => p.payers), [0, 0, 1, 1]);
  assert.equal(guild.periods[3].retention, 1);
  assert.equal(guild.periods[2].ratio, null); // nobody paid the week before: undefined
  ds.close();
});

test('monthly first-purchase cohorts equal a brute-force count on the synthetic platform', () => {
  const ds = cw.generatePlatform({ seed: 8, learners: 400, days: 200 });
  const r = ds.cohorts({ period: 'month', cohortBy: 'firstPurchase', activeEvents: ['purchase'] });
  // Brute force from the CSV export.
  const rows = ds.toCSV().trim().split('\n').slice(1).map((l) => l.split(','));
  const month = (ts) => ts.slice(0, 7);
  const buys = new Map();
  for (const [user, , event, ts] of rows) {
    if (event !== 'purchase') continue;
    if (!buys.has(user)) buys.set(user, new Set());
    buys.get(user).add(month(ts));
  }
  const months = [...new Set(rows.map((r) => month(r[3])))].sort();
  for (const c of r.cohorts) {
    const members = [...buys].filter(([, m]) => [...m].sort()[0] === c.cohort);
    assert.equal(c.size, members.length);
    const start = months.indexOf(c.cohort);
    c.active.forEach((v, t) => {
      if (start + t >= months.length) return assert.equal(v, null);
      assert.equal(v, members.filter(([, m]) => m.has(months[start + t])).length);
    });
  }
  const buyers = buys.size;
  assert.equal(r.cohorts.reduce((s, c) => s + c.size, 0), buyers);
  ds.close();
});

test('bad options are Errors naming the option; the module keeps working', () => {
  const ds = cw.generatePlatform({ seed: 3, learners: 100 });
  assert.throws(() => ds.cohorts({ period: 'year' }), /"period" must be "day", "week" or "month"/);
  assert.throws(() => ds.cohorts({ cohortBy: 'signup' }), /"cohortBy"/);
  assert.throws(() => ds.cohorts({ perod: 'day' }), /unknown cohort option "perod"/);
  assert.ok(ds.cohorts({ period: 'month' }).cohorts.length > 0);
  ds.close();
});

test('asOf: the week still running is flagged partial (so far), not churn; "empty" leaves it null', () => {
  const csv = 'user_id,event,ts,community,item_id\n' +
    'a,view,2025-01-06,club,x\na,purchase,2025-01-13,club,x\n' +
    'b,view,2025-01-14,club,x\nb,purchase,2025-01-21,club,x\n' +
    'c,view,2025-01-27,club,x\n';
  const ds = cw.parseEvents(csv);
  const r = ds.cohorts({ asOf: '2025-01-22T12:00' });
  assert.equal(r.asOf, '2025-01-22T12:00:00Z');
  assert.equal(r.eventsAfterAsOf, 1);
  assert.equal(r.lastPeriod, '2025-01-20');
  assert.equal(r.lastPeriodPartial, true);
  assert.deepEqual(r.cohorts.map((c) => c.partialIndex), [2, 1]);
  assert.deepEqual(r.cohorts[0].birth, [1, 1, 0]); // a not seen yet in the running week: 0 so far, flagged
  assert.deepEqual(r.paying[0].periods.map((p) => p.partial), [false, false, true]);
  const e = ds.cohorts({ asOf: '2025-01-22T12:00', partialPeriod: 'empty' });
  assert.deepEqual(e.cohorts[0].birth, [1, 1, null]);
  assert.deepEqual(e.cohorts[1].birth, [1, null, null]);
  assert.equal(e.paying[0].periods[2].ratio, null);
  // Without asOf the data end just after the last event (Monday 2025-01-27): that week is running.
  const d = ds.cohorts();
  assert.equal(d.lastPeriod, '2025-01-27');
  assert.equal(d.lastPeriodPartial, true);
  assert.equal(d.eventsAfterAsOf, 0);
  // asOf on a week boundary: nothing partial.
  assert.equal(ds.cohorts({ asOf: '2025-01-20' }).lastPeriodPartial, false);
  assert.throws(() => ds.cohorts({ asOf: '2024-01-01' }), /no event before asOf/);
  assert.throws(() => ds.cohorts({ partialPeriod: 'drop' }), /"partialPeriod" must be "mark" or "empty"/);
  assert.equal(ds.cohorts({ period: 'month' }).cohorts.length, 1);
  ds.close();
});
