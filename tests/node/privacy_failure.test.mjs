// Privacy failure modes through the JS API: no secure random source means no report (never a
// weaker fallback, never a dead module), a caller cannot raise epsilon above the configured
// maximum, and a report carries no raw id. Natively the same refusals are tested in
// tests/native/ldp_test.cpp (a failing source and a non-secure source: RandomnessUnavailable,
// state unchanged).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { load } from '../../web/index.js';

const entry = new URL('../../web/index.js', import.meta.url).href;
const REQUEST = { kind: 'item', items: 5, history: [1, 3], epsilon: 1, period: '2026-11' };

// Runs `body` as an ES module in a fresh Node process (the global crypto is changed there, not
// here) and returns what it printed as JSON.
function child(body) {
  const code = `import { load } from ${JSON.stringify(entry)};\nconst out = {};\n${body}\nconsole.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}
const hide = "Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true, writable: true });";

test('without crypto.getRandomValues the module refuses to load', () => {
  const out = child(`${hide}
    try { await load(); out.loaded = true; } catch (e) { out.error = e.message; }`);
  assert.equal(out.loaded, undefined);
  assert.match(out.error, /needs crypto\.getRandomValues \(a secure random source\)/);
});

test('crypto removed after loading: the report is refused with an Error, the module stays usable, and reports resume when it is back', () => {
  const out = child(`const cw = await load();
    const saved = globalThis.crypto;
    const state = cw.newPrivacyState();
    ${hide}
    for (const k of ['first', 'second']) {
      try { cw.makeReport(${JSON.stringify(REQUEST)}, { state }); out[k] = 'made'; } catch (e) { out[k] = e.message; }
    }
    out.stateUnchanged = JSON.stringify(state) === JSON.stringify(cw.newPrivacyState());
    out.planner = cw.planPrivacy({ epsilon: 1, items: 5 }).domain;
    Object.defineProperty(globalThis, 'crypto', { value: saved, configurable: true, writable: true });
    out.after = cw.makeReport(${JSON.stringify(REQUEST)}, { state }).charged;`);
  assert.match(out.first, /no secure random source: crypto\.getRandomValues is missing or failed, so no report was made/);
  assert.equal(out.second, out.first);
  assert.equal(out.stateUnchanged, true);
  assert.equal(out.planner, 5);
  assert.equal(out.after, 1);
});

test('a crypto.getRandomValues that throws is a refusal too, not a fallback', () => {
  const out = child(`const cw = await load();
    const real = crypto.getRandomValues.bind(crypto);
    crypto.getRandomValues = () => { throw new Error('blocked by policy'); };
    try { cw.makeReport(${JSON.stringify(REQUEST)}); out.made = true; } catch (e) { out.error = e.message; }
    crypto.getRandomValues = real;
    out.after = cw.makeReport(${JSON.stringify(REQUEST)}).charged;`);
  assert.equal(out.made, undefined);
  assert.match(out.error, /no secure random source/);
  assert.equal(out.after, 1);
});

const cw = await load();

test('epsilon cannot be raised above the configured maximum by the caller', () => {
  const budget = { maxEpsilonPerReport: 1, maxReportsPerPeriod: 10, maxTotalEpsilon: 4 };
  for (const epsilon of [1.0000001, 2, 10, 11, 1e308, Number.POSITIVE_INFINITY, Number.NaN, '1', [1], null]) {
    assert.throws(() => cw.makeReport({ ...REQUEST, epsilon }, { budget }), Error, `epsilon ${epsilon}`);
  }
  // The budget itself is capped: 10 is the most any site may configure.
  assert.throws(() => cw.makeReport({ ...REQUEST, epsilon: 11 }, { budget: { maxEpsilonPerReport: 11 } }), /\[0\.01, 10\]/);
  assert.throws(() => cw.makeReport({ ...REQUEST, epsilon: 1 }, { budget: { maxEpsilonPerReport: Number.POSITIVE_INFINITY } }), /maxEpsilonPerReport/);
  assert.throws(() => cw.makeReport({ ...REQUEST, epsilon: 1 }, { budget: { maxEpsilonPerReport: 1, unlimited: true } }), /unlimited/);
  // Exactly the maximum is allowed; the total is enforced across reports.
  let state = cw.newPrivacyState();
  let spent = 0;
  for (let period = 0; period < 10; period++) {
    try {
      const r = cw.makeReport({ ...REQUEST, history: [period % 5], period: `p${period}` }, { budget, state });
      state = r.state;
      spent += r.charged;
      assert.ok(r.report.epsilon <= 1);
    } catch (e) {
      assert.match(e.message, /privacy budget exhausted/);
    }
  }
  assert.ok(spent <= budget.maxTotalEpsilon, `spent ${spent}`);
  // An edited state cannot give the budget back.
  const forged = { ...state, ledger: state.ledger.map((e) => ({ ...e, charged: -100 })) };
  assert.throws(() => cw.makeReport({ ...REQUEST, history: [4], period: 'x' }, { budget, state: forged }), /charged/);
});

test('a report never includes raw ids: nothing of the request but the noisy payload leaves', () => {
  const secretPeriod = 'learner-42@example.com';
  const r = cw.makeReport({ kind: 'pair', items: 30, history: [3, 7, 11], epsilon: 1, period: secretPeriod });
  assert.deepEqual(Object.keys(r.report).sort(), ['domain', 'epsilon', 'id', 'items', 'kind', 'mechanism', 'payload', 'v']);
  const text = JSON.stringify(r.report);
  assert.ok(!text.includes(secretPeriod) && !text.includes('learner'));
  assert.match(r.report.id, /^[0-9a-f]{32}$/); // random per report, not per device
  const again = cw.makeReport({ kind: 'pair', items: 30, history: [3, 7, 11], epsilon: 1, period: 'other' }, { state: r.state });
  assert.notEqual(again.report.id, r.report.id);
  // A caller cannot smuggle an id into the request or the report.
  assert.throws(() => cw.makeReport({ ...REQUEST, userId: 'u1' }), /userId/);
  assert.throws(() => cw.validateReport({ ...r.report, userId: 'u1' }), /unexpected field "userId"/);
});
