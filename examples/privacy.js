// Fills the "what leaves this device" page with the numbers as implemented (the planner's exact
// epsilon for this site's configuration) and a live example report made with the secure source.
// The example is made with a throwaway state: it is neither stored nor sent.
import { load } from '../web/index.js';
import { SITE } from './site_privacy.js';

const fact = (name, text) => { for (const e of document.querySelectorAll(`[data-fact="${name}"]`)) e.textContent = text; };
const pct = (x) => `${(100 * x).toFixed(1)}%`;

try {
  const cw = await load();
  const res = await fetch(new URLSearchParams(location.search).get('model') ?? './model.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`could not load the course model: HTTP ${res.status}`);
  const rec = cw.loadModel(new Uint8Array(await res.arrayBuffer()));
  const items = rec.toJSON().items;
  const plan = cw.planPrivacy({ epsilon: SITE.epsilon, kind: 'item', items: items.length });
  const m = plan.mechanisms.find((x) => x.mechanism === plan.recommended);
  const E = Math.exp(m.effectiveEpsilon);
  fact('epsilon', String(SITE.epsilon));
  fact('effective', m.effectiveEpsilon.toPrecision(15));
  fact('ratio', E.toFixed(2));
  fact('items', String(items.length));
  fact('reportsPerPeriod', String(SITE.budget.maxReportsPerPeriod));
  fact('period', SITE.period);
  fact('total', `ε = ${SITE.budget.maxTotalEpsilon}`);
  fact('mechanism', { grr: 'randomised response', oue: 'unary encoding', olh: 'local hashing' }[m.mechanism] + ` (${m.mechanism})`);
  const plain = {
    grr: `the report names your real course with probability ${pct(E / (E + m.g - 1))} and each other course with probability ${pct(1 / (E + m.g - 1))}.`,
    oue: `the report is a list of courses: yours is on it with probability 50%, each other course with probability ${pct(1 / (E + 1))}.`,
    olh: `the device draws a random hash that sorts the ${items.length} courses into ${m.g} buckets, and reports the bucket of your course with probability ${pct(E / (E + m.g - 1))}, each other bucket with probability ${pct(1 / (E + m.g - 1))}. Each bucket holds about ${Math.round(items.length / m.g)} courses.`,
  }[m.mechanism];
  fact('mechanismPlain', plain);
  const example = items[0];
  fact('exampleTitle', example.title);
  const made = cw.makeReport({ kind: 'item', items: items.length, history: [0], epsilon: SITE.epsilon, period: 'example' },
    { state: cw.newPrivacyState(), budget: SITE.budget });
  document.getElementById('example').textContent = JSON.stringify(made.report, null, 2);
  rec.close();
  window.__privacyPage = { report: made.report, effectiveEpsilon: m.effectiveEpsilon, mechanism: m.mechanism, g: m.g, items: items.length };
} catch (e) {
  document.getElementById('example').textContent = `Could not make an example: ${e.message}`;
  window.__privacyPage = { error: e.message };
}
