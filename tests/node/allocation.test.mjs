// Response curves and budget allocation through the public JS API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../web/index.js';

const cw = await load();

// Native reference (build-native/cli/circlewise): `curves simulate --communities 6 --seed 7`,
// `curves fit --bootstrap 20`, `allocate --budget 8000`. WASM must agree (floats to a tolerance:
// Eigen vectorises natively but not in WASM; labels exactly).
const NATIVE = {
  csvRows: 6 * 104,
  curves: [
    ['community-01', 'exponential', 123.30349665536312, 2338.448073720163, 1.0],
    ['community-02', 'hill', 171.91981417813645, 1182.2740961529598, 1.8261010184388256],
    ['community-03', 'exponential', 134.02997207697254, 621.2238819351747, 1.0],
    ['community-04', 'hill', 192.0284699569163, 4664.514132863663, 0.6168764548030559],
    ['community-05', 'hill', 100.73538291714837, 2247.010351954409, 3.5367402654251174],
    ['community-06', 'hill', 59.397841604596536, 2829.714024391098, 1.8767279730362687],
  ],
  spend: [1316.9625816741202, 2050.5652990651606, 1225.1429178820888, 719.5257971135219, 2687.8034042651084, 0],
  status: ['interior', 'interior', 'interior', 'interior', 'interior', 'at_min'],
  conversions: 441.3815826339379,
};

const near = (a, b, rel = 1e-6) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

test('simulated history: fitted curves match the native build and recover the planted curves', () => {
  const sim = cw.simulateMarketingHistory({ communities: 6, seed: 7 });
  assert.equal(sim.csv.trim().split('\n').length - 1, NATIVE.csvRows);
  const fit = cw.fitCurves(sim.csv, { bootstrap: 20 });
  assert.equal(fit.curves.length, 6);
  assert.equal(fit.skipped.length, 0);
  assert.equal(fit.history.rows, NATIVE.csvRows);
  fit.curves.forEach((c, i) => {
    const [name, model, top, scale, shape] = NATIVE.curves[i];
    assert.equal(c.community, name);
    assert.equal(c.model, model);
    assert.ok(near(c.top, top, 1e-5) && near(c.scale, scale, 1e-5) && near(c.shape, shape, 1e-5), JSON.stringify(c));
    assert.equal(c.samples.length, 20);
    assert.equal(c.band.spend.length, 41);
    // Simulation with known truth: within 20% of the planted conversions at the planted scale.
    const t = sim.truth[i];
    const atScale = (p, s) => {
      const h = p.model === 'hill' ? (s / p.scale) ** p.shape / (1 + (s / p.scale) ** p.shape) : 1 - Math.exp(-s / p.scale);
      return p.base + p.top * h;
    };
    assert.ok(Math.abs(atScale(c, t.scale) - atScale(t, t.scale)) < 0.2 * atScale(t, t.scale), `${name}`);
    assert.ok(c.r2 > 0.8, `${name} r2 ${c.r2}`);
  });
  assert.equal(fit.metrics.length, 6);
  assert.ok(fit.metrics[0].costPerConversion > 0);
});

test('allocation matches the native build, spends the budget and beats the current split', () => {
  const fit = cw.fitCurves(cw.simulateMarketingHistory({ communities: 6, seed: 7 }).csv, { bootstrap: 20 });
  const plan = cw.allocate(fit, { budget: 8000 });
  assert.deepEqual(plan.communities.map((c) => c.status), NATIVE.status);
  plan.communities.forEach((c, i) => assert.ok(Math.abs(c.spend - NATIVE.spend[i]) < 1e-3, `${c.community} ${c.spend}`));
  assert.ok(near(plan.totals.conversions, NATIVE.conversions, 1e-6));
  assert.ok(Math.abs(plan.totals.spend - 8000) < 1e-6);
  assert.ok(plan.totals.lower <= plan.totals.conversions && plan.totals.conversions <= plan.totals.upper);
  for (const c of plan.communities) {
    assert.ok(c.lower <= c.conversions + 1e-9 && c.conversions <= c.upper + 1e-9);
    assert.equal(typeof c.note, 'string');
    assert.ok(Math.abs(c.change - (c.spend - c.currentSpend)) < 1e-9);
  }
  // With the budget of the current split, the plan is at least as good as that split.
  const same = cw.allocate(fit, { budget: plan.current.spend });
  assert.ok(same.currentFeasible);
  assert.ok(same.totals.conversions >= same.current.conversions - 1e-9);
});

test('rows and CSV give the same curves', () => {
  const csv = cw.simulateMarketingHistory({ communities: 2, periods: 30, seed: 2 }).csv;
  const lines = csv.trim().split('\n');
  const head = lines[0].split(',');
  const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [head[i], v])));
  const a = cw.fitCurves(csv, { bootstrap: 5 });
  const b = cw.fitCurves(rows, { bootstrap: 5 });
  assert.deepEqual(a.curves, b.curves);
});

test('held-fixed communities, bounds, explanations and the inverse questions', () => {
  const fit = cw.fitCurves(cw.simulateMarketingHistory({ communities: 4, seed: 3 }).csv, { bootstrap: 0 });
  const [c1, c2, c3] = fit.curves.map((c) => c.community);
  const plan = cw.allocate(fit, {
    budget: 5000,
    communities: { [c1]: { fixed: 700 }, [c2]: { max: 300 }, [c3]: { min: 1000 } },
  });
  assert.equal(plan.communities[0].spend, 700);
  assert.equal(plan.communities[0].status, 'fixed');
  assert.ok(plan.communities[1].spend <= 300 + 1e-9);
  assert.ok(plan.communities[2].spend >= 1000 - 1e-9);
  // A bound that binds is reported.
  if (plan.communities[1].status === 'at_max') assert.match(plan.communities[1].note, /capped by its maximum/);

  const target = cw.budgetForTarget(fit, { target: plan.totals.conversions });
  assert.equal(target.mode, 'target');
  assert.ok(target.targetReached);
  assert.ok(target.totals.conversions >= plan.totals.conversions - 1e-6);
  // Without the fixed/bound constraints the same conversions cost at most the constrained budget.
  assert.ok(target.budget <= 5000 * (1 + 1e-6));

  const unreachable = cw.budgetForTarget(fit, { target: 1e7 });
  assert.equal(unreachable.targetReached, false);
  assert.match(unreachable.notes[0], /cannot be reached/);

  const best = cw.profitMaximizingBudget(fit, {});
  assert.equal(best.objective, 'profit');
  // Profit at the chosen budget beats spending 20% more or less (same optimiser).
  for (const f of [0.8, 1.2]) {
    const other = cw.allocate(fit, { budget: best.budget * f, objective: 'profit' });
    assert.ok(best.totals.profit >= other.totals.profit - 1e-6 * Math.abs(other.totals.profit));
  }
});

test('bad input throws an Error naming the problem, and the module keeps working', () => {
  assert.throws(() => cw.fitCurves('period,community,spend,conversions\n1,A,10,2\n2,A,abc,3\n'),
    { name: 'Error', message: /line 3, column 3 \(spend\)/ });
  assert.throws(() => cw.fitCurves('period,community,spend,conversions\n1,A,10,2\n2,A,20,3\n'),
    { message: /"A": 2 history points, at least 8/ });
  assert.throws(() => cw.fitCurves([{ period: 1, community: 'A', spend: -1, conversions: 1 }]),
    { message: /row 1, field spend: must be >= 0/ });
  assert.throws(() => cw.fitCurves(42), { message: /CSV text or an array/ });
  assert.throws(() => cw.fitCurves('period,community,spend,conversions\n', { level: 2 }), { message: /"level"/ });
  const fit = cw.fitCurves(cw.simulateMarketingHistory({ communities: 2, seed: 1 }).csv, { bootstrap: 0 });
  assert.throws(() => cw.allocate(fit, { budget: -5 }), { message: /"budget"/ });
  assert.throws(() => cw.allocate(fit, {}), { message: /"budget" must be a number/ });
  assert.throws(() => cw.allocate(fit, { budget: 100, communities: { nope: { min: 1 } } }), { message: /"nope" has no response curve/ });
  assert.throws(() => cw.allocate(fit, { budget: 100, communities: { [fit.curves[0].community]: { min: 500 } } }),
    { message: /more than the budget/ });
  assert.throws(() => cw.allocate([{ community: 'x', model: 'hill', top: 1 }], { budget: 1 }), { message: /"scale" is required/ });
  // Still works.
  assert.ok(cw.allocate(fit, { budget: 1000 }).totals.spend > 0);
});

test('same seed, same curves; re-allocation reuses the parsed curves', () => {
  const csv = cw.simulateMarketingHistory({ communities: 3, seed: 9 }).csv;
  assert.deepEqual(cw.fitCurves(csv, { seed: 4, bootstrap: 10 }), cw.fitCurves(csv, { seed: 4, bootstrap: 10 }));
  const fit = cw.fitCurves(csv, { bootstrap: 10 });
  const a = cw.allocate(fit, { budget: 3000 });
  const copy = structuredClone(fit); // as after a Worker round trip
  assert.deepEqual(cw.allocate(copy, { budget: 3000 }), a);
  const alloc = cw.allocator(fit);
  assert.equal(alloc.size, 3);
  assert.deepEqual(alloc.allocate({ budget: 3000 }), a);
  alloc.close();
  assert.throws(() => alloc.allocate({ budget: 1 }), /closed/);
});

test('seed metrics per community from a history with members and payers', () => {
  const m = cw.historyMetrics('period,community,spend,conversions,revenue,members,payers,retained\n' +
    '1,A,100,10,500,1000,8,\n2,A,300,20,900,1000,12,6\n');
  assert.equal(m.length, 1);
  assert.equal(m[0].conversionRate, 20 / 2000);
  assert.equal(m[0].retention, 6 / 8);
  assert.equal(m[0].costPerConversion, 400 / 30);
  assert.equal(m[0].roi, (1400 - 400) / 400);
});
