// The marketer's page: every number comes from the circlewise module running in a module Worker
// (loadInWorker), so fitting and re-allocating never freeze the page. This file only reads inputs,
// validates what the page itself can check (so the message sits next to the field), renders, and
// keeps the plan in the URL hash. window.__marketer exposes the last results for the browser tests.
import uPlot from 'uplot';
import { loadInWorker } from '../index.js';
import { initPrivacyTab, privacyFormat } from './privacy.js';
import { setupLearners } from './learners.js';
import { setupRatio } from './ab_ratio.js';
import { setupCohortLtv } from './ltv_cohort.js';
import { readModelOptions, writeModelOptions, compareModels, modelFormat } from './models.js';
import { init as initCommunities, hashState as communitiesHash, restore as restoreCommunities } from './communities.js';

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
const num2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const num1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const pct = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const signed = (f, v) => (v > 0 ? '+' : v < 0 ? '−' : '') + f.format(Math.abs(v));
/** Formats used in the table; exported on window for the browser test so it checks the same text. */
export const format = {
  money: (v) => num2.format(v),
  conversions: (v) => num1.format(v),
  marginal: (v) => v.toPrecision(3),
  change: (v) => signed(num2, v),
  changeConversions: (v) => signed(num1, v),
};

const state = {
  source: null, // 'demo' | 'upload'
  sourceName: '',
  historyText: '',
  fit: null,
  budget: null,
  objective: 'conversions',
  bounds: {}, // community → { min, max, fixed }
  allocation: null,
};
window.__marketer = { format, privacyFormat, modelFormat, state };

let cw;
let pendingRestore = null;
let learnersTab = null; // { hashState, restore } of learners.js
let ratioCard = null;   // { hashState, restore } of ab_ratio.js
let cohortLtv = null;   // { hashState, restore, update } of ltv_cohort.js
const status = $('#status');
function say(text, isError = false) {
  status.textContent = text;
  status.classList.toggle('error', isError);
}
function fieldMsg(el, text, kind = 'error') {
  el.textContent = text ?? '';
  el.classList.toggle('error', !!text && kind === 'error');
  el.classList.toggle('warning', !!text && kind === 'warning');
  el.classList.toggle('info', !!text && kind === 'info');
}
function readNumber(input) {
  const t = input.value.trim();
  return t === '' ? null : Number(t);
}

// ───────────── Tabs ─────────────
function showTab(id) {
  for (const tab of $$('[role=tab]')) {
    const on = tab.id === `tab-${id}`;
    tab.setAttribute('aria-selected', String(on));
    $(`#${tab.getAttribute('aria-controls')}`).hidden = !on;
  }
}
for (const tab of $$('[role=tab]')) {
  tab.addEventListener('click', () => { showTab(tab.id.slice(4)); writeHash(); });
}

// ───────────── URL state ─────────────
// The hash holds the tab, the source (only the demo can be restored: an uploaded file stays on
// the marketer's machine), the budget, the objective and the per-community bounds.
function currentTab() {
  return $$('[role=tab]').find((t) => t.getAttribute('aria-selected') === 'true').id.slice(4);
}
function writeHash() {
  const s = { tab: currentTab() };
  if (state.source) s.src = state.source;
  if (state.budget !== null) s.budget = state.budget;
  if (state.objective !== 'conversions') s.objective = state.objective;
  Object.assign(s, modelHashState());
  const bounds = Object.fromEntries(Object.entries(state.bounds).filter(([, b]) => Object.keys(b).length));
  if (Object.keys(bounds).length) s.bounds = bounds;
  const learners = learnersTab?.hashState();
  if (learners) s.learners = learners;
  const ratio = ratioCard?.hashState();
  if (ratio) s.ratio = ratio;
  const cohort = cohortLtv?.hashState();
  if (cohort) s.cohortLtv = cohort;
  const communities = communitiesHash();
  if (communities) s.communities = communities;
  history.replaceState(null, '', `#${encodeURIComponent(JSON.stringify(s))}`);
}
function readHash() {
  if (location.hash.length < 2) return {};
  try {
    return JSON.parse(decodeURIComponent(location.hash.slice(1)));
  } catch {
    say('The link’s plan could not be read; starting from scratch.', true);
    return {};
  }
}

// ───────────── Budget tab: history → curves ─────────────
function parseHistoryPoints(text) {
  // Only for drawing the dots: the engine parses (and validates) the history itself.
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const head = lines[0].split(',').map((h) => h.trim().toLowerCase());
  const ci = head.indexOf('community'); const si = head.indexOf('spend'); const vi = head.indexOf('conversions');
  const out = new Map();
  if (ci < 0 || si < 0 || vi < 0) return out;
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const c = f[ci]?.replace(/^"|"$/g, '');
    const s = Number(f[si]); const v = Number(f[vi]);
    if (!Number.isFinite(s) || !Number.isFinite(v)) continue;
    if (!out.has(c)) out.set(c, []);
    out.get(c).push([s, v]);
  }
  return out;
}

async function loadHistory(text, name, source, restore = {}) {
  const msg = $('#history-msg');
  const bootstrap = readNumber($('#bootstrap'));
  const minPoints = readNumber($('#min-points'));
  if (bootstrap === null || !Number.isInteger(bootstrap) || bootstrap < 0 || bootstrap > 2000) {
    return fieldMsg(msg, 'Bootstrap refits must be a whole number from 0 to 2000.');
  }
  if (minPoints === null || !Number.isInteger(minPoints) || minPoints < 5) {
    return fieldMsg(msg, 'Min. points per curve must be a whole number of at least 5 (a curve has 4 parameters).');
  }
  const model = readModelOptions();
  fieldMsg($('#model-msg'), model.problem);
  if (model.problem) return;
  say(`Fitting curves to ${name}…`);
  let fit;
  // "skip": a community with too few points is reported next to the upload, the others are fitted.
  const fitOptions = { seed: 1, bootstrap, minPoints, onTooFewPoints: 'skip', ...model.options };
  try {
    fit = await cw.fitCurves(text, fitOptions);
  } catch (e) {
    say('The history could not be used.', true);
    return fieldMsg(msg, e.message);
  }
  const skipped = fit.skipped.map((s) => `${s.community}: ${s.reason}`);
  if (!fit.curves.length) {
    say('No curve could be fitted.', true);
    return fieldMsg(msg, `No community has enough history to fit a curve. ${skipped.join('; ')}`);
  }
  fieldMsg(msg, skipped.length ? `Not planned (too little history): ${skipped.join('; ')}` : '', 'warning');
  state.fit = fit;
  state.fitOptions = fitOptions;
  state.historyText = text;
  state.source = source;
  state.sourceName = name;
  state.points = parseHistoryPoints(text);
  const names = new Set(fit.curves.map((c) => c.community));
  state.bounds = Object.fromEntries(fit.curves.map((c) => [c.community, { ...(restore.bounds?.[c.community] ?? {}) }]));
  for (const k of Object.keys(restore.bounds ?? {})) {
    if (!names.has(k)) fieldMsg(msg, `The shared plan names community "${k}", which this history does not have; its bounds were not applied.`, 'warning');
  }
  state.objective = restore.objective ?? 'conversions';
  const currentTotal = fit.curves.reduce((s, c) => s + c.currentSpend, 0);
  state.budget = restore.budget ?? Math.round(currentTotal / 100) * 100;
  $('#objective').value = state.objective;
  const noValue = fit.curves.some((c) => c.valuePerConversion === null);
  for (const o of $$('#objective option')) o.disabled = o.value !== 'conversions' && noValue;
  $('#find-profit').disabled = noValue;
  fieldMsg($('#inverse-msg'), '');
  const slider = $('#budget-slider');
  slider.max = String(Math.max(1000, Math.ceil((2 * currentTotal) / 100) * 100, state.budget));
  slider.value = String(state.budget);
  $('#budget').value = String(state.budget);
  $('#source-name').textContent = `from ${name} · ${fit.history.rows} rows, ${fit.history.periods} periods`;
  $('#budget-work').hidden = false;
  renderCurves(fit);
  renderMetrics(fit.metrics);
  buildPlanRows(fit);
  say(`Fitted ${fit.curves.length} curves from ${name}.`);
  await replan();
  await compareModels(cw, text, fitOptions, fit);
}

// The model choice (models.js): the URL keeps non-defaults; a change re-fits the history on screen
// and keeps the budget, objective and bounds.
function modelHashState() {
  const { options } = readModelOptions();
  return options ? { ...(options.model ? { model: options.model } : {}), ...(options.adstock !== undefined ? { adstock: options.adstock } : {}) } : {};
}
function onModelChange() {
  const m = readModelOptions();
  fieldMsg($('#model-msg'), m.problem);
  if (m.problem || !state.fit) return writeHash();
  loadHistory(state.historyText, state.sourceName, state.source, { budget: state.budget, objective: state.objective, bounds: state.bounds });
}
$('#curve-model').addEventListener('change', onModelChange);
$('#adstock-mode').addEventListener('change', onModelChange);
$('#adstock-value').addEventListener('input', () => { const m = readModelOptions(); fieldMsg($('#model-msg'), m.problem); });
$('#adstock-value').addEventListener('change', onModelChange);

const charts = [];
function renderCurves(fit) {
  for (const c of charts.splice(0)) c.destroy();
  const box = $('#curves');
  box.replaceChildren();
  $('#band-level').textContent = pct.format(fit.curves[0].level).replace('.0%', '%');
  const styles = getComputedStyle(document.documentElement);
  const accent = styles.getPropertyValue('--accent').trim() || '#2563eb';
  for (const curve of fit.curves) {
    const fig = document.createElement('figure');
    fig.dataset.community = curve.community;
    const cap = document.createElement('figcaption');
    cap.innerHTML = '<strong></strong> <span class="q"></span>';
    cap.querySelector('strong').textContent = curve.community;
    cap.querySelector('.q').textContent = `${curve.model}${curve.model === 'hill' && curve.shape > 1 ? ' (S-curve)' : ''} · ` +
      `R² ${curve.r2 === null ? '–' : curve.r2.toFixed(3)} · MAPE ${curve.mape === null ? '–' : pct.format(curve.mape)}` +
      (curve.adstock > 0 ? ` · adstock ${curve.adstock.toFixed(2)}` : '');
    fig.append(cap);
    box.append(fig);
    // uPlot needs one shared x: the band's grid and the history spends merged, nulls elsewhere.
    const b = curve.band;
    const pts = (state.points.get(curve.community) ?? []).slice().sort((p, q) => p[0] - q[0]);
    const rows = [];
    b.spend.forEach((x, i) => rows.push([x, b.fit[i], b.lower[i], b.upper[i], null]));
    for (const [x, y] of pts) rows.push([x, null, null, null, y]);
    rows.sort((p, q) => p[0] - q[0]);
    const data = [0, 1, 2, 3, 4].map((k) => rows.map((r) => r[k]));
    const opts = {
      width: Math.max(260, fig.clientWidth - 12), height: 200,
      legend: { show: false },
      cursor: { points: { show: false } },
      scales: { x: { time: false } },
      axes: [{ size: 30, values: (u, v) => v.map((x) => int.format(x)) }, { size: 40 }],
      series: [
        {},
        { label: 'fit', stroke: accent, width: 2, spanGaps: true },
        { label: 'lower', stroke: 'rgba(37,99,235,0.25)', spanGaps: true },
        { label: 'upper', stroke: 'rgba(37,99,235,0.25)', spanGaps: true },
        { label: 'history', stroke: '#b45309', paths: () => null, points: { show: true, size: 5, fill: '#f59e0b' } },
      ],
      bands: [{ series: [3, 2], fill: 'rgba(37,99,235,0.15)' }],
      // Current (grey, dashed) and planned (green) spend as vertical markers, redrawn after each plan.
      hooks: { draw: [(u) => drawMarkers(u, curve.community)] },
    };
    const chart = new uPlot(opts, data, fig);
    chart.community = curve.community;
    charts.push(chart);
  }
}

function drawMarkers(u, community) {
  const p = state.allocation?.communities.find((c) => c.community === community);
  if (!p) return;
  const { ctx } = u;
  const { top, height } = u.bbox;
  ctx.save();
  for (const [x, color, dash] of [[p.currentSpend, '#6b7280', [4, 4]], [p.spend, '#059669', []]]) {
    const px = u.valToPos(x, 'x', true);
    if (!(px >= u.bbox.left && px <= u.bbox.left + u.bbox.width)) continue;
    ctx.strokeStyle = color;
    ctx.lineWidth = 2 * devicePixelRatio;
    ctx.setLineDash(dash.map((d) => d * devicePixelRatio));
    ctx.beginPath();
    ctx.moveTo(px, top);
    ctx.lineTo(px, top + height);
    ctx.stroke();
  }
  ctx.restore();
}

function renderMetrics(metrics) {
  const f = (v, fm) => (v === null || v === undefined ? '–' : fm(v));
  $('#metrics tbody').replaceChildren(...metrics.map((m) => row([
    m.community, int.format(m.periods), num2.format(m.spend), num1.format(m.conversions), num2.format(m.revenue),
    f(m.conversionRate, pct.format), f(m.retention, pct.format), f(m.costPerConversion, num2.format), f(m.roi, pct.format),
  ])));
}

function row(cells, tag = 'td') {
  const tr = document.createElement('tr');
  for (const v of cells) {
    const td = document.createElement(tag);
    if (v instanceof Node) td.append(v); else td.textContent = v;
    tr.append(td);
  }
  return tr;
}

function buildPlanRows(fit) {
  $('#plan tbody').replaceChildren(...fit.curves.map((c) => {
    const b = state.bounds[c.community];
    const tr = document.createElement('tr');
    tr.dataset.community = c.community;
    tr.innerHTML = `<th scope="row" class="name"></th>
      <td><input class="min" type="number" min="0" step="any" placeholder="0"></td>
      <td><input class="max" type="number" min="0" step="any" placeholder="auto"></td>
      <td><input class="fixed" type="checkbox" title="Hold at the current spend"></td>
      <td class="num" data-col="current"></td><td class="num" data-col="spend"></td><td class="num" data-col="change"></td>
      <td class="num" data-col="conversions"></td><td class="num band" data-col="band"></td><td class="num" data-col="changeConversions"></td>
      <td class="num" data-col="marginal"></td>`;
    tr.querySelector('.name').textContent = c.community;
    const min = tr.querySelector('.min'); const max = tr.querySelector('.max'); const fixed = tr.querySelector('.fixed');
    min.setAttribute('aria-label', `Minimum spend for ${c.community}`);
    max.setAttribute('aria-label', `Maximum spend for ${c.community}`);
    fixed.setAttribute('aria-label', `Hold ${c.community} at its current spend`);
    if (b.min !== undefined) min.value = String(b.min);
    if (b.max !== undefined) max.value = String(b.max);
    fixed.checked = !!b.fixed;
    const msg = document.createElement('div');
    msg.className = 'field-msg row-msg';
    tr.querySelector('.name').append(msg);
    for (const el of [min, max, fixed]) el.addEventListener(el === fixed ? 'change' : 'input', () => onBoundsChange(tr, c.community));
    // The optimiser's reason gets a full-width line under the numbers, so the table stays compact.
    const why = document.createElement('tr');
    why.className = 'why-row';
    why.innerHTML = '<td></td><td colspan="10" class="why" data-col="note"></td>';
    return [tr, why];
  }).flat());
}

function onBoundsChange(tr, community) {
  const msg = tr.querySelector('.row-msg');
  const min = readNumber(tr.querySelector('.min'));
  const max = readNumber(tr.querySelector('.max'));
  const fixed = tr.querySelector('.fixed').checked;
  let problem = '';
  if (min !== null && (!Number.isFinite(min) || min < 0)) problem = 'Minimum must be a number ≥ 0.';
  else if (max !== null && (!Number.isFinite(max) || max < 0)) problem = 'Maximum must be a number ≥ 0.';
  else if (min !== null && max !== null && min > max) problem = `Minimum ${num2.format(min)} is above maximum ${num2.format(max)}.`;
  fieldMsg(msg, problem);
  tr.classList.toggle('invalid', !!problem);
  if (problem) return;
  const b = {};
  if (min !== null) b.min = min;
  if (max !== null) b.max = max;
  if (fixed) b.fixed = true;
  state.bounds[community] = b;
  replan();
}

function onBudgetInput(value, from) {
  const msg = $('#budget-msg');
  const v = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(v)) return fieldMsg(msg, 'Enter the total budget per period as a number.');
  if (v < 0) return fieldMsg(msg, `The budget cannot be negative (got ${num2.format(v)}).`);
  if (from === 'slider') $('#budget').value = String(v);
  else $('#budget-slider').value = String(v);
  state.budget = v;
  replan();
}
$('#budget-slider').addEventListener('input', (e) => onBudgetInput(e.target.value, 'slider'));
$('#budget').addEventListener('input', (e) => onBudgetInput(e.target.value, 'number'));
$('#objective').addEventListener('change', (e) => { state.objective = e.target.value; replan(); });

function allocationOptions() {
  const communities = {};
  for (const [c, b] of Object.entries(state.bounds)) if (Object.keys(b).length) communities[c] = { ...b };
  return { budget: state.budget, objective: state.objective, communities };
}

// Slider moves can outrun the worker: only the newest request's answer is shown.
let planSeq = 0;
async function replan() {
  if (!state.fit) return;
  if ($$('#plan tr.invalid').length) return;
  const seq = ++planSeq;
  const options = allocationOptions();
  const msg = $('#budget-msg');
  let a;
  try {
    a = await cw.allocate(state.fit, options);
  } catch (e) {
    if (seq !== planSeq) return;
    // The engine names the option; bounds that cannot be met belong next to the budget.
    fieldMsg(msg, e.message);
    $('#plan').classList.add('stale');
    window.__marketer.error = e.message;
    return;
  }
  if (seq !== planSeq) return;
  fieldMsg(msg, '');
  $('#plan').classList.remove('stale');
  state.allocation = a;
  window.__marketer.error = null;
  window.__marketer.options = options;
  window.__marketer.allocation = a;
  window.__marketer.seq = seq;
  renderPlan(a);
  writeHash();
}

function renderPlan(a) {
  for (const p of a.communities) {
    const tr = $$('#plan tbody tr[data-community]').find((r) => r.dataset.community === p.community);
    if (!tr) continue;
    const set = (col, text) => { (tr.querySelector(`[data-col="${col}"]`) ?? tr.nextElementSibling.querySelector(`[data-col="${col}"]`)).textContent = text; };
    set('current', format.money(p.currentSpend));
    set('spend', format.money(p.spend));
    set('change', format.change(p.change));
    set('conversions', format.conversions(p.conversions));
    set('band', `${format.conversions(p.lower)}–${format.conversions(p.upper)}`);
    set('changeConversions', format.changeConversions(p.changeConversions));
    // For revenue/profit the next unit's worth is in money, not conversions.
    set('marginal', format.marginal(a.objective === 'conversions' ? p.marginalConversions : p.marginalValue));
    set('note', p.note);
    tr.dataset.status = p.status;
    tr.querySelector('[data-col="change"]').className = `num ${p.change > 0 ? 'up' : p.change < 0 ? 'down' : ''}`;
  }
  for (const chart of charts) chart.redraw(false, false);
  $('#marginal-head').textContent = a.objective === 'conversions' ? 'Next unit' : `Next unit (${a.objective})`;
  const t = a.totals; const c = a.current;
  $('#plan tfoot').replaceChildren(row(['Total', '', '', '', format.money(c.spend), format.money(t.spend),
    format.change(t.spend - c.spend), format.conversions(t.conversions), `${format.conversions(t.lower)}–${format.conversions(t.upper)}`,
    format.changeConversions(t.conversions - c.conversions), a.keptCurrent ? 'kept the current split: already the best' : ''], 'th'));
  const kpi = (k, v) => { $(`#plan-kpis [data-kpi="${k}"]`).textContent = v; };
  kpi('spend', format.money(t.spend));
  kpi('conversions', format.conversions(t.conversions));
  kpi('band', `${pct.format(a.communities[0]?.lower !== undefined ? state.fit.curves[0].level : 0.9).replace('.0%', '%')} band ${format.conversions(t.lower)}–${format.conversions(t.upper)}`);
  kpi('current', format.conversions(c.conversions));
  kpi('gain', signed(num1, t.conversions - c.conversions));
  $('#notes').replaceChildren(...a.notes.map((n) => { const li = document.createElement('li'); li.textContent = n; return li; }));
  updateExports(a);
}

// The inverse questions: the engine finds the budget, the page moves the slider there and re-plans.
async function inverse(kind) {
  const msg = $('#inverse-msg');
  if (!state.fit) return;
  let a;
  const options = allocationOptions();
  delete options.budget;
  try {
    if (kind === 'target') {
      const target = readNumber($('#target'));
      if (target === null || !Number.isFinite(target) || target <= 0) return fieldMsg(msg, 'Enter the conversions per period to reach (a number above 0).');
      a = await cw.budgetForTarget(state.fit, { ...options, target });
    } else {
      a = await cw.profitMaximizingBudget(state.fit, { ...options, objective: 'profit' });
    }
  } catch (e) {
    return fieldMsg(msg, e.message);
  }
  window.__marketer.inverse = a;
  if (kind === 'target' && !a.targetReached) {
    return fieldMsg(msg, `${format.conversions(a.target)} conversions per period cannot be reached within these bounds: ` +
      `at most ${format.conversions(a.totals.conversions)} for ${format.money(a.budget)}; raise the maximums or the extrapolation cap.`);
  }
  fieldMsg(msg, kind === 'target'
    ? `${format.conversions(a.target)} conversions per period need at least ${format.money(a.budget)} (expected ${format.conversions(a.totals.conversions)}).`
    : `Profit peaks at a budget of ${format.money(a.budget)}: ${format.conversions(a.totals.conversions)} conversions, profit ${format.money(a.totals.profit)} per period.`, 'info');
  const b = Math.round(a.budget * 100) / 100;
  const slider = $('#budget-slider');
  if (Number(slider.max) < b) slider.max = String(Math.ceil(b / 100) * 100);
  if (kind === 'profit') { state.objective = 'profit'; $('#objective').value = 'profit'; }
  $('#budget').value = String(b);
  onBudgetInput(String(b), 'number');
}
$('#find-target').addEventListener('click', () => inverse('target'));
$('#find-profit').addEventListener('click', () => inverse('profit'));

function csvField(v) {
  const s = String(v ?? '');
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
export function planCsv(a) {
  const head = ['community', 'spend', 'min', 'max', 'status', 'conversions', 'lower', 'upper', 'marginal_conversions',
    'current_spend', 'current_conversions', 'change', 'change_conversions', 'note'];
  const lines = [head.join(',')];
  for (const p of a.communities) {
    lines.push([p.community, p.spend, p.min, p.max, p.status, p.conversions, p.lower, p.upper, p.marginalConversions,
      p.currentSpend, p.currentConversions, p.change, p.changeConversions, p.note].map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}
const exportUrls = [];
function updateExports(a) {
  for (const u of exportUrls.splice(0)) URL.revokeObjectURL(u);
  const csv = URL.createObjectURL(new Blob([planCsv(a)], { type: 'text/csv' }));
  const json = URL.createObjectURL(new Blob([JSON.stringify({ source: state.sourceName, fit: state.fitOptions, options: allocationOptions(), plan: a }, null, 2)],
    { type: 'application/json' }));
  exportUrls.push(csv, json);
  $('#export-csv').href = csv;
  $('#export-json').href = json;
}
$('#copy-link').addEventListener('click', async () => {
  writeHash();
  try {
    await navigator.clipboard.writeText(location.href);
    say('Link to this plan copied.');
  } catch {
    say('Copy the address bar to share this plan.');
  }
});

async function useDemo(restore) {
  const res = await fetch(new URL('./demo-history.csv', import.meta.url));
  if (!res.ok) return fieldMsg($('#history-msg'), `The demo history could not be loaded (${res.status}).`);
  await loadHistory(await res.text(), 'the demo history (5 communities, 52 weeks)', 'demo', restore);
}
$('#use-demo').addEventListener('click', () => useDemo({}));
$('#history-file').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  // A shared link made from an uploaded history restores its plan once the same file is uploaded.
  const restore = pendingRestore ?? {};
  pendingRestore = null;
  await loadHistory(await file.text(), file.name, 'upload', restore);
});

// ───────────── A/B tab ─────────────
function abSizeInputs() {
  const f = $('#ab-size');
  const v = (n) => readNumber(f.elements[n]);
  return {
    baselineRate: v('baselineRate'), mde: v('mde'), relative: f.elements.relative.checked, alpha: v('alpha'),
    power: v('power'), variants: v('variants'), twoSided: f.elements.twoSided.checked, dailyTraffic: v('dailyTraffic'),
  };
}
function validateAbSize(o) {
  const bad = {};
  const in01 = (x) => x !== null && Number.isFinite(x) && x > 0 && x < 1;
  if (o.baselineRate === null || !(o.baselineRate >= 0 && o.baselineRate <= 1)) bad.baselineRate = 'A rate is between 0 and 1 (e.g. 0.1 for 10 %).';
  else if (o.baselineRate === 0 || o.baselineRate === 1) bad.baselineRate = 'The baseline rate must be strictly between 0 and 1 to test a change.';
  if (o.mde === null || !(o.mde > 0)) bad.mde = 'The effect must be a number above 0.';
  else if (!o.relative && o.baselineRate !== null && o.baselineRate + o.mde > 1) bad.mde = `Baseline + effect = ${o.baselineRate + o.mde}: a rate cannot exceed 1.`;
  if (!in01(o.alpha)) bad.alpha = 'Alpha must be between 0 and 1 (exclusive), e.g. 0.05.';
  if (!in01(o.power)) bad.power = 'Power must be between 0 and 1 (exclusive), e.g. 0.8.';
  if (o.variants === null || !Number.isInteger(o.variants) || o.variants < 2 || o.variants > 100) bad.variants = 'Arms: a whole number from 2 to 100.';
  if (o.dailyTraffic !== null && !(o.dailyTraffic > 0)) bad.dailyTraffic = 'Daily traffic must be above 0 (or empty).';
  return bad;
}
let abSeq = 0;
async function updateAbSize() {
  const f = $('#ab-size');
  const o = abSizeInputs();
  const bad = validateAbSize(o);
  for (const m of $$('.field-msg[data-for]', f)) fieldMsg(m, bad[m.dataset.for]);
  const out = $('#ab-size-result');
  if (Object.keys(bad).length) { out.classList.add('stale'); return; }
  if (o.dailyTraffic === null) delete o.dailyTraffic;
  const seq = ++abSeq;
  try {
    const r = await cw.abSampleSize(o);
    if (seq !== abSeq) return;
    out.classList.remove('stale');
    out.innerHTML = '<p class="big"><span data-out="perVariant"></span> learners per arm</p><p><span data-out="total"></span> in total' +
      '<span data-out="days"></span>.</p><p class="hint" data-out="detail"></p>';
    $('[data-out=perVariant]', out).textContent = int.format(r.perVariant);
    $('[data-out=total]', out).textContent = int.format(r.total);
    $('[data-out=days]', out).textContent = r.days === null ? '' : `, ${int.format(r.days)} day${r.days === 1 ? '' : 's'} at your traffic`;
    $('[data-out=detail]', out).textContent = `Detects ${pct.format(r.baselineRate)} → ${pct.format(r.targetRate)} ` +
      `(${signed(pct, r.relativeMde)} relative) with power ${pct.format(r.powerAtPerVariant)}; alpha per comparison ${r.alphaPerComparison.toPrecision(3)}.`;
    window.__marketer.abSize = { options: o, result: r };
  } catch (e) {
    if (seq !== abSeq) return;
    const m = /option "(\w+)"/.exec(e.message);
    const target = $(`.field-msg[data-for="${m?.[1]}"]`, f) ?? $('.field-msg[data-for="baselineRate"]', f);
    fieldMsg(target, e.message);
    out.classList.add('stale');
  }
}
$('#ab-size').addEventListener('input', updateAbSize);
$('#ab-size').addEventListener('submit', (e) => e.preventDefault());

async function updateAbAnalyze() {
  const f = $('#ab-analyze');
  const msg = $('.field-msg[data-for="analyze"]', f);
  const variants = $$('#ab-variants tbody tr').map((tr) => ({
    name: tr.querySelector('[name=name]').value,
    visitors: readNumber(tr.querySelector('[name=visitors]')),
    conversions: readNumber(tr.querySelector('[name=conversions]')),
  }));
  const alpha = readNumber(f.elements.alpha);
  const out = $('#ab-analyze-result');
  let problem = '';
  if (alpha === null || !(alpha > 0 && alpha < 1)) problem = 'Alpha must be between 0 and 1 (exclusive), e.g. 0.05.';
  for (const v of variants) {
    if (problem) break;
    if (v.visitors === null || !Number.isInteger(v.visitors) || v.visitors < 0) problem = `Variant "${v.name}": learners must be a whole number ≥ 0.`;
    else if (v.conversions === null || !Number.isInteger(v.conversions) || v.conversions < 0) problem = `Variant "${v.name}": conversions must be a whole number ≥ 0.`;
    else if (v.conversions > v.visitors) problem = `Variant "${v.name}": conversions (${v.conversions}) cannot exceed learners (${v.visitors}) — a rate is at most 1.`;
  }
  fieldMsg(msg, problem);
  if (problem) { out.classList.add('stale'); return; }
  const seq = ++abSeq;
  try {
    const r = await cw.abAnalyze({ variants, alpha, seed: 1 });
    if (seq !== abSeq) return;
    out.classList.remove('stale');
    const t = document.createElement('table');
    t.append(row(['', 'Rate', 'CI', 'P(best)'], 'th'));
    for (const v of r.variants) t.append(row([v.name, pct.format(v.rate), `${pct.format(v.ciLow)}–${pct.format(v.ciHigh)}`, pct.format(v.probBest)]));
    const c = document.createElement('table');
    c.append(row(['vs control', 'Lift', 'p-value', 'P(beats control)', 'Sequential p', 'Verdict'], 'th'));
    for (const x of r.comparisons) {
      c.append(row([x.name, x.relativeLift === null ? '–' : signed(pct, x.relativeLift), x.pValueAdjusted.toPrecision(3),
        pct.format(x.probBeatsControl), x.sequential.pValue.toPrecision(3),
        x.significant ? (x.difference > 0 ? 'better' : 'worse') : 'not significant']));
    }
    const w = document.createElement('ul');
    w.className = 'notes';
    for (const s of r.warnings) { const li = document.createElement('li'); li.textContent = s; w.append(li); }
    const hint = document.createElement('p');
    hint.className = 'hint';
    hint.textContent = 'Looked at the numbers while the test was running? Trust the sequential p-value: it stays valid however often you peek. ' +
      'The p-value column assumes one look at the planned sample size.';
    out.replaceChildren(t, c, hint, w);
    window.__marketer.abAnalyze = r;
  } catch (e) {
    if (seq !== abSeq) return;
    fieldMsg(msg, e.message);
    out.classList.add('stale');
  }
}
$('#ab-analyze').addEventListener('input', updateAbAnalyze);
$('#ab-analyze').addEventListener('submit', (e) => e.preventDefault());
$('#ab-add').addEventListener('click', () => {
  const body = $('#ab-variants tbody');
  const tr = body.lastElementChild.cloneNode(true);
  tr.querySelector('[name=name]').value = String.fromCharCode(65 + body.children.length);
  body.append(tr);
  updateAbAnalyze();
});

// ───────────── LTV tab ─────────────
// The fields the cohort LTV (ltv_cohort.js) shares with the simple calculator: margin, discount, CAC.
function sharedLtvOptions() {
  const f = $('#ltv-form');
  const options = {};
  for (const n of ['margin', 'discountRate', 'cac']) {
    const v = readNumber(f.elements[n]);
    if (v !== null) options[n] = v;
  }
  if (options.margin !== undefined && !(options.margin > 0 && options.margin <= 1)) return { problem: 'Margin must be in (0, 1].' };
  if (options.discountRate !== undefined && !(options.discountRate >= 0 && options.discountRate < 1)) return { problem: 'Discount rate must be in [0, 1).' };
  if (options.cac !== undefined && !(options.cac >= 0)) return { problem: 'CAC must be a number ≥ 0.' };
  return { options };
}
let ltvChart;
async function updateLtv() {
  const f = $('#ltv-form');
  const msg = $('.field-msg[data-for="ltv"]', f);
  const o = {};
  for (const n of ['arpu', 'churn', 'margin', 'discountRate', 'cac']) {
    const v = readNumber(f.elements[n]);
    if (v !== null) o[n] = v;
  }
  let problem = '';
  if (o.arpu === undefined || !(o.arpu >= 0)) problem = 'Revenue per customer per period must be a number ≥ 0.';
  else if (o.churn === undefined || !(o.churn > 0 && o.churn <= 1)) problem = 'Churn per period must be in (0, 1], e.g. 0.08 for 8 % a period.';
  else if (o.margin !== undefined && !(o.margin > 0 && o.margin <= 1)) problem = 'Margin must be in (0, 1].';
  else if (o.discountRate !== undefined && !(o.discountRate >= 0 && o.discountRate < 1)) problem = 'Discount rate must be in [0, 1).';
  else if (o.cac !== undefined && !(o.cac >= 0)) problem = 'CAC must be a number ≥ 0.';
  fieldMsg(msg, problem);
  $('#ltv-result').classList.toggle('stale', !!problem);
  if (problem) return cohortLtv?.update(); // the cohort LTV only needs margin, discount and CAC
  let r;
  try {
    r = await cw.ltv({ ...o, horizon: 36 });
  } catch (e) {
    $('#ltv-result').classList.add('stale');
    return fieldMsg(msg, e.message);
  }
  const kpi = (k, v) => { $(`#ltv-kpis [data-kpi="${k}"]`).textContent = v; };
  kpi('ltv', num2.format(r.ltv));
  kpi('ratio', r.ltvToCac === null ? '–' : `${r.ltvToCac.toFixed(2)}×`);
  kpi('payback', r.paybackPeriods === null ? (r.cac === null ? '–' : 'never') : `${num1.format(r.paybackPeriods)} periods`);
  kpi('lifetime', r.expectedLifetime === null ? '–' : `${num1.format(r.expectedLifetime)} periods`);
  $('#ltv-notes').replaceChildren(...r.warnings.map((s) => { const li = document.createElement('li'); li.textContent = s; return li; }));
  const xs = r.cumulative.map((_, i) => i + 1);
  const data = [xs, r.cumulative, xs.map(() => r.cac)];
  if (ltvChart) ltvChart.setData(data);
  else {
    ltvChart = new uPlot({
      width: 460, height: 240, scales: { x: { time: false } },
      series: [{ label: 'period' }, { label: 'value per customer', stroke: '#2563eb', width: 2 }, { label: 'CAC', stroke: '#dc2626', dash: [6, 4], points: { show: false } }],
    }, data, $('#ltv-chart'));
  }
  window.__marketer.ltv = r;
  await cohortLtv?.update();
}
$('#ltv-form').addEventListener('input', updateLtv);
$('#ltv-form').addEventListener('submit', (e) => e.preventDefault());

// ───────────── Start ─────────────
try {
  cw = await loadInWorker();
  learnersTab = setupLearners(cw, say, { onChange: writeHash });
  initCommunities(cw, { onChange: writeHash });
  ratioCard = setupRatio(cw, { onChange: writeHash });
  cohortLtv = setupCohortLtv(cw, { learnersLog: () => learnersTab.log(), simpleOptions: sharedLtvOptions, onChange: writeHash });
  say('Ready. Upload your history or use the demo history.');
  const restore = readHash();
  if (restore.tab && $(`#tab-${restore.tab}`)) showTab(restore.tab);
  writeModelOptions(restore);
  updateAbSize();
  updateAbAnalyze();
  updateLtv();
  initPrivacyTab(cw, { onPlan: (p) => { window.__marketer.privacy = p; } });
  if (restore.src === 'demo') await useDemo(restore);
  else if (restore.src === 'upload') {
    pendingRestore = restore;
    fieldMsg($('#history-msg'), 'This link’s plan was made from an uploaded history: upload the same file to see it.', 'warning');
  }
  if (restore.ratio) await ratioCard.restore(restore.ratio);
  if (restore.learners) await learnersTab.restore(restore.learners);
  if (restore.cohortLtv) await cohortLtv.restore(restore.cohortLtv);
  if (restore.communities) await restoreCommunities(restore.communities);
  window.__marketer.ready = true;
} catch (e) {
  say(`The engine could not start: ${e.message}`, true);
}
