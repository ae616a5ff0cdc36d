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
