// The Budget tab's response-curve model choice: which shape (Hill / S-curve, exponential, or the
// engine's "auto" = lower AICc per community) and the adstock (carry-over of spend into later
// periods: none, fitted, or a fixed decay). The comparison card fits each shape on the same history
// (no bootstrap: only R² and MAPE are shown) so the marketer sees what the choice costs; the curves
// the plan uses come from app.js's fitCurves call with the chosen options.
// window.__marketer.models holds { options, hill, exponential } for the browser test.

const $ = (sel, root = document) => root.querySelector(sel);
const pct = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const pct0 = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 0 });
/** Text formats of the comparison, exported so the browser test checks the same strings. */
export const modelFormat = {
  r2: (v) => (v === null ? '–' : v.toFixed(3)),
  mape: (v) => (v === null ? '–' : pct.format(v)),
  adstock: (v) => (v > 0 ? `${v.toFixed(2)} (${pct0.format(v)} of a period’s spend still works the next period)` : 'none'),
  name: (c) => (c.model === 'hill' ? (c.shape > 1 ? 'Hill (S-curve)' : 'Hill') : 'exponential'),
};

/**
 * The fitCurves options the form asks for ({ model, adstock }), or { problem } for a bad adstock.
 * Defaults (auto, no carry-over) are left out, so the call equals the one before this choice existed.
 */
export function readModelOptions() {
  const model = $('#curve-model').value;
  const mode = $('#adstock-mode').value;
  const o = {};
  if (model !== 'auto') o.model = model;
  $('#adstock-value').disabled = mode !== 'fixed';
  if (mode === 'fit') o.adstock = 'fit';
  else if (mode === 'fixed') {
    const t = $('#adstock-value').value.trim();
    const v = t === '' ? NaN : Number(t);
    $('#adstock-value').setAttribute('aria-invalid', String(!(v >= 0 && v <= 0.95)));
    if (!(v >= 0 && v <= 0.95)) return { problem: 'Adstock decay must be a number from 0 to 0.95 (the share of a period’s spend that still works the next period).' };
    if (v > 0) o.adstock = v;
  }
  return { options: o };
}

/** Sets the form from a shared link's { model, adstock }; unknown values are ignored. */
export function writeModelOptions(s = {}) {
  $('#curve-model').value = ['hill', 'exponential'].includes(s.model) ? s.model : 'auto';
  if (s.adstock === 'fit') $('#adstock-mode').value = 'fit';
  else if (typeof s.adstock === 'number' && s.adstock > 0 && s.adstock <= 0.95) {
    $('#adstock-mode').value = 'fixed';
    $('#adstock-value').value = String(s.adstock);
  } else $('#adstock-mode').value = 'none';
  $('#adstock-value').disabled = $('#adstock-mode').value !== 'fixed';
}

/**
 * Fits both shapes with the chosen adstock and shows R², MAPE and the decay per community next to
 * the curve in use (`fit`, from app.js). A shape that cannot be fitted shows the engine's reason.
 */
export async function compareModels(cw, text, base, fit) {
  const card = $('#models-card');
  card.hidden = false;
  card.classList.add('stale');
  const options = { ...base, bootstrap: 0 };
  delete options.model;
  const both = {};
  for (const model of ['hill', 'exponential']) {
    try {
      both[model] = await cw.fitCurves(text, { ...options, model });
    } catch (e) {
      both[model] = { error: e.message };
    }
  }
  const by = (f, c) => f.curves?.find((x) => x.community === c) ?? null;
  const rows = fit.curves.map((used) => {
    const tr = document.createElement('tr');
    tr.dataset.community = used.community;
    const cells = [used.community];
    for (const m of ['hill', 'exponential']) {
      const c = by(both[m], used.community);
      cells.push(c ? modelFormat.r2(c.r2) : '–', c ? modelFormat.mape(c.mape) : '–');
    }
    cells.push(modelFormat.adstock(used.adstock), modelFormat.name(used));
    cells.forEach((v, i) => {
      const td = document.createElement(i === 0 ? 'th' : 'td');
      if (i > 0) td.className = i === cells.length - 1 ? 'used' : 'num';
      td.textContent = v;
      tr.append(td);
    });
    return tr;
  });
  $('#models tbody').replaceChildren(...rows);
  const errors = ['hill', 'exponential'].filter((m) => both[m].error).map((m) => `${m}: ${both[m].error}`);
  $('#models-note').textContent = errors.length ? `Not fitted — ${errors.join('; ')}` : '';
  card.classList.remove('stale');
  window.__marketer.models = { options: base, hill: both.hill, exponential: both.exponential };
}
