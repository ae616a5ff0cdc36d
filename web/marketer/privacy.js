// The marketer page's "Privacy" tab: the LDP planner before anything is collected. For an epsilon,
// a number of courses (item reports, or pairs of courses) and a number of learners it shows, per
// mechanism, the standard error of each estimate and the learners needed for a target error. Every
// number is cw.planPrivacy's (in the page's Worker); the page only checks that fields are filled.
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const num1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const NAMES = { grr: 'Randomised response (GRR)', oue: 'Unary encoding (OUE)', olh: 'Local hashing (OLH)' };

/** The exact text each cell shows; the browser test renders cw.planPrivacy's answer with it too. */
export const privacyFormat = {
  count: (v) => num1.format(v),
  share: (v) => `${(100 * v).toFixed(2)}%`,
  learners: (v) => int.format(v),
  epsilon: (v) => v.toPrecision(12),
};

/** Wires the tab to `cw` (the page's Worker client); `onPlan(plan)` receives each result. */
export function initPrivacyTab(cw, { onPlan = () => {} } = {}) {
  const form = document.getElementById('privacy-form');
  const msg = form.querySelector('.field-msg');
  const table = document.getElementById('privacy-plan');
  const summary = document.getElementById('privacy-summary');
  let ticket = 0;

  async function update() {
    const mine = ++ticket; // a later input wins over an answer still on its way
    const o = { kind: form.elements.kind.value };
    for (const n of ['epsilon', 'items', 'learners', 'targetError']) {
      const t = form.elements[n].value.trim();
      if (t === '') {
        msg.textContent = `Fill in "${form.elements[n].closest('label').firstChild.textContent.trim()}".`;
        msg.className = 'field-msg error';
        table.classList.add('stale');
        return;
      }
      o[n] = Number(t);
    }
    o.targetError /= 100; // the field is in percent of learners
    let plan;
    try {
      plan = await cw.planPrivacy(o);
    } catch (e) {
      if (mine !== ticket) return;
      msg.textContent = e.message; // the core's message names the option and its range
      msg.className = 'field-msg error';
      table.classList.add('stale');
      return;
    }
    if (mine !== ticket) return;
    msg.textContent = '';
    msg.className = 'field-msg';
    table.classList.remove('stale');
    table.tBodies[0].replaceChildren(...plan.mechanisms.map((m) => {
      const tr = document.createElement('tr');
      tr.dataset.mechanism = m.mechanism;
      tr.title = NAMES[m.mechanism];
      const cells = m.available
        ? [m.mechanism.toUpperCase() + (m.mechanism === plan.recommended ? ' ★' : ''), privacyFormat.epsilon(m.effectiveEpsilon),
          privacyFormat.count(m.standardError), privacyFormat.share(m.standardErrorFraction), privacyFormat.learners(m.learnersNeeded),
          int.format(m.reportBytes)]
        : [m.mechanism.toUpperCase(), 'not offered for this domain (report too long)', '–', '–', '–', '–'];
      for (const c of cells) {
        const td = document.createElement('td');
        td.textContent = c;
        tr.append(td);
      }
      if (m.mechanism === plan.recommended) tr.className = 'best';
      return tr;
    }));
    const best = plan.mechanisms.find((m) => m.mechanism === plan.recommended);
    summary.textContent = `${int.format(plan.domain)} possible values. With ${int.format(plan.learners)} learners, ` +
      `${NAMES[plan.recommended]} (chosen on the device) estimates each share within ±${privacyFormat.share(1.96 * best.standardErrorFraction)} ` +
      `(95%); ${privacyFormat.learners(best.learnersNeeded)} learners reach a standard error of ${privacyFormat.share(plan.targetError)}.`;
    onPlan(plan);
  }
  form.addEventListener('input', update);
  form.addEventListener('submit', (e) => e.preventDefault());
  return update();
}
