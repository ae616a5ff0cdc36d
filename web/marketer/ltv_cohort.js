// The LTV tab's cohort-based LTV: instead of one assumed churn rate, the retention curve measured
// in an event log. Paying learners are grouped by the period of their first purchase
// (ds.cohorts({ cohortBy: 'firstPurchase', activeEvents: ['purchase'] })); the curve pools the
// cohorts (learners still buying t periods after their first purchase / learners of the cohorts
// that have lived through period t, the running period left out); ARPU is the log's gross revenue
// per purchasing learner-period. cw.ltv({ retention, arpu, margin, discountRate, cac }) then sums
// the curve and continues it geometrically (docs/ab_test.md, "LTV"). Margin, discount rate and CAC
// are the simple calculator's fields, so both answers sit side by side on the same assumptions.
// window.__marketer.cohortLtv holds { options, result, curve } for the browser test.

const $ = (sel, root = document) => root.querySelector(sel);
const num1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const num2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const pct = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
/** Text formats of the card, exported so the browser test checks the same strings. */
export const cohortFormat = { num1, num2, int, pct };
/** Columns of the retention table. */
export const CURVE_COLUMNS = 13;

/**
 * The pooled retention curve of a cohorts() result: for each t, Σ active[t] / Σ size over the
 * cohorts that lived through t completely (null cells and the running period are left out).
 * Stops at the first t no complete cohort reaches. Also the purchasing learner-periods (all cells,
 * running period included, matching the revenue, which includes it too).
 */
export function pooledRetention(cohorts) {
  const curve = [];
  for (let t = 0; ; t++) {
    let active = 0;
    let size = 0;
    let n = 0;
    for (const c of cohorts.cohorts) {
      const v = c.active[t];
      if (v === null || v === undefined || c.partialIndex === t) continue;
      active += v;
      size += c.size;
      n++;
    }
    if (!n || !size) break;
    curve.push({ t, cohorts: n, learners: size, active, retention: active / size });
  }
  let learnerPeriods = 0;
  for (const c of cohorts.cohorts) for (const v of c.active) if (v !== null) learnerPeriods += v;
  return { curve, learnerPeriods };
}

function fieldMsg(el, text, kind = 'error') {
  el.textContent = text ?? '';
  el.classList.toggle('error', !!text && kind === 'error');
  el.classList.toggle('warning', !!text && kind === 'warning');
  el.classList.toggle('info', !!text && kind === 'info');
}

/**
 * Wires the card. `learnersLog()` returns the Learners tab's dataset on screen (or null);
 * `simpleOptions()` the simple calculator's { margin, discountRate, cac } or { problem }.
 * Returns { hashState, restore, update } (update: re-run with new simple-calculator fields).
 */
export function setupCohortLtv(cw, { learnersLog, simpleOptions, onChange = () => {} }) {
  const msg = $('#cohort-ltv-msg');
  const card = $('#cohort-ltv');
  let ds = null;      // the dataset in use
  let owned = false;  // closed when replaced (the Learners tab's is only borrowed)
  let src = null;     // 'demo' | 'learners' | 'upload'
  let title = '';
  let cohortResult = null;
  let revenue = 0;
  let ticket = 0;    // newest log/period request
  let ltvTicket = 0; // newest ltv request (the calculator's fields change independently)

  async function useDataset(make, source, name) {
    const mine = ++ticket;
    fieldMsg(msg, `Reading ${name}…`, 'info');
    let next;
    let own;
    try {
      ({ ds: next, own } = await make());
      const summary = await next.summary();
      const skipped = summary.ingest?.skippedRows ?? 0;
      if (mine !== ticket) { if (own) await next.close(); return; }
      if (owned) await ds?.close();
      ds = next; owned = own; src = source; title = name;
      fieldMsg(msg, skipped ? `${int.format(skipped)} ${skipped === 1 ? 'row' : 'rows'} could not be read and ${skipped === 1 ? 'was' : 'were'} skipped (first: ${summary.ingest.problems[0]?.message ?? '?'}).` : '', 'warning');
    } catch (e) {
      if (own) await next?.close();
      return fieldMsg(msg, e.message);
    }
    await analyse();
  }

  // The cohorts and revenue of the log (once per log and period), then the LTV.
  async function analyse() {
    if (src === 'learners') ds = learnersLog()?.dataset ?? null; // the tab may have loaded another log since
    if (!ds) return;
    const mine = ++ticket;
    const period = $('#cohort-ltv-period').value;
    card.classList.add('stale');
    try {
      const c = await ds.cohorts({ period, cohortBy: 'firstPurchase', activeEvents: ['purchase'], byCommunity: false });
      const conv = await ds.conversionByCommunity();
      if (mine !== ticket) return;
      cohortResult = c;
      revenue = conv.overall.revenue;
    } catch (e) {
      if (mine !== ticket) return;
      cohortResult = null;
      window.__marketer.cohortLtv = { error: e.message };
      return fieldMsg(msg, e.message);
    }
    onChange();
    await update();
  }

  async function update() {
    if (!cohortResult) return;
    const mine = ++ltvTicket;
    const simple = simpleOptions();
    if (simple.problem) {
      card.classList.add('stale');
      return fieldMsg(msg, `Fix the calculator’s fields first: ${simple.problem}`);
    }
    const { curve, learnerPeriods } = pooledRetention(cohortResult);
    if (curve.length < 2 || !learnerPeriods) {
      card.classList.add('stale');
      window.__marketer.cohortLtv = { error: 'too short' };
      return fieldMsg(msg, `The log has ${curve.length ? 'only one complete' : 'no complete'} ${cohortResult.period} after the first purchases: ` +
        'a retention curve needs at least two periods (try a shorter period, or a longer log).');
    }
    const arpu = revenue / learnerPeriods;
    const options = { retention: curve.map((p) => p.retention), arpu, ...simple.options, horizon: 36 };
    let r;
    try {
      r = await cw.ltv(options);
    } catch (e) {
      if (mine !== ltvTicket) return;
      card.classList.add('stale');
      return fieldMsg(msg, e.message);
    }
    if (mine !== ltvTicket) return;
    fieldMsg(msg, '');
    card.classList.remove('stale');
    render(r, curve, arpu, learnerPeriods);
    window.__marketer.cohortLtv = { options, result: r, curve, period: cohortResult.period, source: src };
  }

  function render(r, curve, arpu, learnerPeriods) {
    const per = cohortResult.period;
    const kpi = (k, v) => { $(`#cohort-ltv-kpis [data-kpi="${k}"]`).textContent = v; };
    kpi('ltv', num2.format(r.ltv));
    kpi('ratio', r.ltvToCac === null ? '–' : `${r.ltvToCac.toFixed(2)}×`);
    kpi('payback', r.paybackPeriods === null ? (r.cac === null ? '–' : 'never') : `${num1.format(r.paybackPeriods)} ${per}s`);
    kpi('arpu', num2.format(arpu));
    const payers = cohortResult.cohorts.reduce((s, c) => s + c.size, 0);
    $('#cohort-ltv-summary').textContent = `From ${title}: ${int.format(payers)} paying learners in ${cohortResult.cohorts.length} ` +
      `cohorts by ${per} of first purchase; revenue ${num2.format(revenue)} over ${int.format(learnerPeriods)} purchasing learner-${per}s ` +
      `= ARPU ${num2.format(arpu)}. Observed ${curve.length} ${per}s: ${num2.format(r.observedLtv)}` +
      (r.tailLtv > 0 || r.tailRetention !== null ? `; the tail after them (retention ×${r.tailRetention === null ? '–' : r.tailRetention.toFixed(3)} a ${per}): ${num2.format(r.tailLtv)}.` : '.') +
      ` The simple calculator (one churn rate) gives ${$('#ltv-kpis [data-kpi="ltv"]').textContent}.`;
    const shown = curve.slice(0, CURVE_COLUMNS);
    const head = document.createElement('tr');
    const body = [document.createElement('tr'), document.createElement('tr')];
    const cell = (tr, text, tag = 'td') => { const td = document.createElement(tag); td.textContent = text; tr.append(td); };
    cell(head, `${per}s after first purchase`, 'th');
    cell(body[0], 'Still buying', 'th');
    cell(body[1], 'Learners (cohorts)', 'th');
    for (const p of shown) {
      cell(head, String(p.t), 'th');
      cell(body[0], pct.format(p.retention));
      cell(body[1], `${int.format(p.learners)} (${p.cohorts})`);
    }
    $('#cohort-curve thead').replaceChildren(head);
    $('#cohort-curve tbody').replaceChildren(...body);
    $('#cohort-ltv-notes').replaceChildren(...r.warnings.map((s) => { const li = document.createElement('li'); li.textContent = s; return li; }));
  }

  const demo = () => useDataset(async () => ({ ds: await cw.generatePlatform({ seed: 42, learners: 3000, communities: 5 }), own: true }), 'demo', 'the demo platform');
  $('#cohort-ltv-demo').addEventListener('click', demo);
  $('#cohort-ltv-learners').addEventListener('click', () => {
    const log = learnersLog();
    if (!log) return fieldMsg(msg, 'The Learners tab has no event log yet: generate or upload one there first (or use the buttons here).');
    useDataset(async () => ({ ds: log.dataset, own: false }), 'learners', log.title);
  });
  $('#cohort-ltv-file').addEventListener('change', (e) => {
    const file = e.target.files[0];
    if (file) useDataset(async () => ({ ds: await cw.readEvents(file, { onBadRow: 'skip' }), own: true }), 'upload', file.name);
  });
  $('#cohort-ltv-period').addEventListener('change', () => { onChange(); analyse(); });

  return {
    update,
    hashState() {
      const s = {};
      if (src) s.src = src;
      if ($('#cohort-ltv-period').value !== 'month') s.period = $('#cohort-ltv-period').value;
      return Object.keys(s).length ? s : null;
    },
    async restore(s) {
      if (!s || typeof s !== 'object') return;
      if (['month', 'week'].includes(s.period)) $('#cohort-ltv-period').value = s.period;
      if (s.src === 'demo') await demo();
      else if (s.src === 'learners') {
        const log = learnersLog();
        if (log) await useDataset(async () => ({ ds: log.dataset, own: false }), 'learners', log.title);
        else fieldMsg(msg, 'This link’s cohort LTV used the Learners tab’s event log: load it there, then press “Use the Learners tab’s log”.', 'warning');
      } else if (s.src === 'upload') fieldMsg(msg, 'This link’s cohort LTV was made from an uploaded event log: upload the same file to see it.', 'warning');
    },
  };
}
