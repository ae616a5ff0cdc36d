// The A/B tab's ratio metrics card: revenue per visitor, average order value and any other
// Σ numerator / Σ denominator metric, from a CSV of per-visitor rows (what a marketer exports from a
// shop or analytics tool). The page reads the CSV (so a bad cell is named by line and column next to
// the upload), splits it into per-variant arrays and calls cw.abRatio (delta method, in the Worker).
// window.__marketer.abRatio holds { options, result } of what is shown, for the browser test.

const $ = (sel, root = document) => root.querySelector(sel);
const pct = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const signedPct = (v) => (v > 0 ? '+' : v < 0 ? '−' : '') + pct.format(Math.abs(v));
/** Text formats of the card, exported so the browser test checks the same strings. */
export const ratioFormat = {
  value: (v) => v.toPrecision(4),
  n: (v) => int.format(v),
  lift: (v) => (v === null ? '–' : signedPct(v)),
  liftCi: (lo, hi) => (lo === null || hi === null ? '–' : `${signedPct(lo)} to ${signedPct(hi)}`),
  p: (v) => v.toPrecision(3),
};
/** Rows per upload the page accepts (the arrays are copied to the Worker). */
export const MAX_ROWS = 5_000_000;

// One CSV line → fields (quotes with "" escapes; a comma inside quotes stays in the field).
function splitLine(line) {
  const out = [];
  let i = 0;
  for (;;) {
    let f = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return null; // unterminated quote
        f += line.slice(i, q);
        i = q + 1;
        if (line[i] === '"') { f += '"'; i++; } else break;
      }
      const c = line.indexOf(',', i);
      if (line.slice(i, c < 0 ? undefined : c).trim() !== '') return null;
      out.push(f);
      if (c < 0) return out;
      i = c + 1;
    } else {
      const c = line.indexOf(',', i);
      out.push(line.slice(i, c < 0 ? undefined : c).trim());
      if (c < 0) return out;
      i = c + 1;
    }
  }
}

/**
 * Per-visitor rows → { columns: numeric column names, ignored: text column names,
 * variants: [{ name, columns: {col: Float64Array} }] }
 * in order of first appearance. Throws an Error naming the line and column of the first bad cell.
 */
export function parseUnitsCsv(text) {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  if (!lines.length) throw new Error('The file is empty: expected a header such as "variant,revenue,orders".');
  const head = splitLine(lines[0]);
  if (!head) throw new Error('Line 1: unterminated quote in the header.');
  const names = head.map((h) => h.trim());
  const vi = names.findIndex((h) => h.toLowerCase() === 'variant');
  if (vi < 0) throw new Error(`Line 1: no "variant" column (columns: ${names.join(', ')}).`);
  const seen = new Set();
  for (const c of names) {
    if (c === '') throw new Error('Line 1: a column has no name.');
    if (seen.has(c)) throw new Error(`Line 1: column "${c}" appears twice.`);
    seen.add(c);
  }
  // Text columns of an export (country, user id…) are recognised by the first data row and ignored
  // (listed in `ignored`); a numeric column must hold a number in every row.
  const first = lines.length > 1 ? splitLine(lines[1]) : null;
  const isText = (i) => first && first.length === names.length && first[i].trim() !== '' && !Number.isFinite(Number(first[i].trim()));
  const cols = names.map((h, i) => ({ name: h, i })).filter((c) => c.i !== vi && !isText(c.i));
  const ignored = names.filter((h, i) => i !== vi && isText(i));
  if (!cols.length) throw new Error('Line 1: besides "variant" there is no column with numbers (e.g. revenue, orders).');
  if (lines.length - 1 > MAX_ROWS) throw new Error(`The file has ${int.format(lines.length - 1)} rows; the page takes at most ${int.format(MAX_ROWS)}.`);
  const byVariant = new Map(); // name → arrays of numbers per column
  for (let ln = 1; ln < lines.length; ln++) {
    if (lines[ln].trim() === '') throw new Error(`Line ${ln + 1}: empty line inside the data.`);
    const f = splitLine(lines[ln]);
    if (!f) throw new Error(`Line ${ln + 1}: unterminated quote.`);
    if (f.length !== names.length) throw new Error(`Line ${ln + 1}: ${f.length} fields, the header has ${names.length}.`);
    const v = f[vi].trim();
    if (v === '') throw new Error(`Line ${ln + 1}, column ${vi + 1} ("variant"): empty variant name.`);
    let arrays = byVariant.get(v);
    if (!arrays) byVariant.set(v, arrays = cols.map(() => []));
    cols.forEach((c, k) => {
      const t = f[c.i].trim();
      const x = t === '' ? NaN : Number(t);
      if (!Number.isFinite(x)) throw new Error(`Line ${ln + 1}, column ${c.i + 1} ("${c.name}"): "${f[c.i]}" is not a number.`);
      arrays[k].push(x);
    });
  }
  if (byVariant.size < 2) throw new Error(`Found ${byVariant.size === 0 ? 'no rows' : `only variant "${[...byVariant.keys()][0]}"`}: a test needs at least 2 variants.`);
  return {
    columns: cols.map((c) => c.name),
    ignored,
    variants: [...byVariant].map(([name, arrays]) => ({
      name, columns: Object.fromEntries(cols.map((c, k) => [c.name, Float64Array.from(arrays[k])])),
    })),
  };
}

function fieldMsg(el, text, kind = 'error') {
  el.textContent = text ?? '';
  el.classList.toggle('error', !!text && kind === 'error');
  el.classList.toggle('warning', !!text && kind === 'warning');
  el.classList.toggle('info', !!text && kind === 'info');
}
function row(cells, tag = 'td') {
  const tr = document.createElement('tr');
  cells.forEach((v, i) => {
    const td = document.createElement(tag);
    if (i > 0 && tag === 'td') td.className = 'num';
    td.textContent = v;
    tr.append(td);
  });
  return tr;
}
function fill(select, values, labels = values) {
  const keep = select.value;
  const fixed = [...select.options].filter((o) => o.dataset.fixed);
  select.replaceChildren(...fixed, ...values.map((v, i) => {
    const o = document.createElement('option');
    o.value = v;
    o.textContent = labels[i];
    return o;
  }));
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}

/**
 * Wires the card to `cw`. `onChange()` is called when what the URL keeps changes; returns
 * { hashState, restore } for app.js's URL hash.
 */
export function setupRatio(cw, { onChange = () => {} } = {}) {
  const form = $('#ab-ratio');
  const out = $('#ab-ratio-result');
  const msg = $('#ratio-msg');
  const fileMsg = $('#ratio-file-msg');
  form.elements.denominator.options[0].dataset.fixed = '1';
  let data = null; // parseUnitsCsv's answer on screen
  let src = null;  // 'demo' | 'upload'
  let ticket = 0;

  function use(text, source, name, restore = {}) {
    let parsed;
    try {
      parsed = parseUnitsCsv(text);
    } catch (e) {
      fieldMsg(fileMsg, `${name}: ${e.message}`);
      out.classList.add('stale'); // the numbers on screen are the previous file's
      ++ticket; // and a calculation still running for it (e.g. from a field's change on blur) must not un-grey them
      return false;
    }
    data = parsed;
    src = source;
    const units = data.variants.reduce((s, v) => s + v.columns[data.columns[0]].length, 0);
    fieldMsg(fileMsg, `${name}: ${int.format(units)} rows, variants ${data.variants.map((v) => `"${v.name}"`).join(', ')}` +
      `${data.ignored.length ? `; text columns ignored: ${data.ignored.join(', ')}` : ''}.`, 'info');
    fill(form.elements.numerator, data.columns);
    fill(form.elements.denominator, data.columns, data.columns.map((c) => `Σ ${c} (e.g. average order value)`));
    fill(form.elements.control, data.variants.map((v) => v.name));
    // A first load picks revenue / per visitor when such a column exists; a shared link its own choice.
    const pick = (sel, v) => { if (v !== undefined && [...sel.options].some((o) => o.value === v)) sel.value = v; };
    pick(form.elements.numerator, data.columns.find((c) => /revenue|amount|value/i.test(c)));
    pick(form.elements.numerator, restore.numerator);
    pick(form.elements.denominator, restore.denominator);
    pick(form.elements.control, restore.control);
    if (typeof restore.alpha === 'number') form.elements.alpha.value = String(restore.alpha);
    if (restore.twoSided === false) form.elements.twoSided.checked = false;
    return true;
  }

  /** The options for cw.abRatio from the form, or null after putting the problem next to the fields. */
  function read() {
    const alphaText = form.elements.alpha.value.trim();
    const alpha = alphaText === '' ? NaN : Number(alphaText);
    let problem = '';
    const num = form.elements.numerator.value;
    const den = form.elements.denominator.value;
    if (!(alpha > 0 && alpha < 1)) problem = 'Alpha must be between 0 and 1 (exclusive), e.g. 0.05.';
    else if (den !== '' && den === num) problem = `Numerator and denominator are both "${num}": the ratio would be 1 for every arm.`;
    form.elements.alpha.setAttribute('aria-invalid', String(!(alpha > 0 && alpha < 1)));
    fieldMsg(msg, problem);
    if (problem) return null;
    const control = form.elements.control.value;
    const ordered = [...data.variants.filter((v) => v.name === control), ...data.variants.filter((v) => v.name !== control)];
    return {
      alpha,
      twoSided: form.elements.twoSided.checked,
      variants: ordered.map((v) => ({ name: v.name, values: v.columns[num], ...(den ? { denominators: v.columns[den] } : {}) })),
    };
  }

  async function update() {
    if (!data) return;
    const mine = ++ticket;
    const options = read();
    onChange();
    if (!options) { out.classList.add('stale'); return; }
    let r;
    try {
      r = await cw.abRatio(options);
    } catch (e) {
      if (mine !== ticket) return;
      fieldMsg(msg, e.message); // e.g. a denominator that sums to 0 in an arm: the engine says which
      out.classList.add('stale');
      window.__marketer.abRatio = { error: e.message };
      return;
    }
    if (mine !== ticket) return;
    render(r, options);
    window.__marketer.abRatio = { options: describe(options), result: r };
  }

  function render(r, options) {
    const num = form.elements.numerator.value;
    const den = form.elements.denominator.value;
    const metric = den ? `Σ ${num} / Σ ${den}` : `${num} per visitor`;
    out.classList.remove('stale');
    const t = document.createElement('table');
    t.id = 'ratio-variants';
    t.append(row(['Variant', 'Visitors', metric, 'Std. error', `${pct.format(1 - r.alpha).replace('.0%', '%')} interval`], 'th'));
    for (const v of r.variants) {
      t.append(row([v.name, ratioFormat.n(v.n), ratioFormat.value(v.value), ratioFormat.value(v.stdError),
        `${ratioFormat.value(v.ciLow)} to ${ratioFormat.value(v.ciHigh)}`]));
    }
    const c = document.createElement('table');
    c.id = 'ratio-comparisons';
    const adjusted = r.comparisons.length > 1;
    c.append(row(['vs control', 'Difference', 'Interval', 'Lift', 'Lift interval', adjusted ? 'p-value (Bonferroni)' : 'p-value', 'Verdict'], 'th'));
    for (const x of r.comparisons) {
      c.append(row([x.name, ratioFormat.value(x.difference), `${ratioFormat.value(x.ciLow)} to ${ratioFormat.value(x.ciHigh)}`,
        ratioFormat.lift(x.relativeLift), ratioFormat.liftCi(x.liftCiLow, x.liftCiHigh), ratioFormat.p(x.pValueAdjusted),
        x.significant ? (x.difference > 0 ? 'higher' : 'lower') : 'not significant']));
    }
    const w = document.createElement('ul');
    w.className = 'notes';
    for (const s of r.warnings) { const li = document.createElement('li'); li.textContent = s; w.append(li); }
    const hint = document.createElement('p');
    hint.className = 'hint';
    hint.textContent = `Control: ${options.variants[0].name}. ${r.twoSided ? 'Two-sided' : 'One-sided (higher than control)'} test at alpha ${r.alpha}` +
      `${adjusted ? `, ${r.alphaPerComparison.toPrecision(3)} per comparison` : ''}; intervals are for the difference and the relative lift.`;
    out.replaceChildren(t, c, hint, w);
  }

  // What the test (and the JSON of the state) needs: the arrays by variant name, not the typed arrays.
  function describe(o) {
    return { alpha: o.alpha, twoSided: o.twoSided, numerator: form.elements.numerator.value,
      denominator: form.elements.denominator.value || null, variants: o.variants.map((v) => v.name) };
  }

  async function demo(restore = {}) {
    const res = await fetch(new URL('./demo-ab-ratio.csv', import.meta.url));
    if (!res.ok) return fieldMsg(fileMsg, `The demo test could not be loaded (${res.status}).`);
    if (use(await res.text(), 'demo', 'demo test', restore)) await update();
  }
  $('#ratio-demo').addEventListener('click', () => demo());
  $('#ratio-file').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    if (use(await file.text(), 'upload', file.name, pendingRestore ?? {})) await update();
    pendingRestore = null;
  });
  let pendingRestore = null;
  form.addEventListener('input', update);
  form.addEventListener('submit', (e) => e.preventDefault());

  return {
    /** The card's part of the URL hash (only the demo can be re-run from a link). */
    hashState() {
      if (!src) return null;
      const s = { src, numerator: form.elements.numerator.value, control: form.elements.control.value };
      if (form.elements.denominator.value) s.denominator = form.elements.denominator.value;
      const a = Number(form.elements.alpha.value);
      if (a > 0 && a < 1 && a !== 0.05) s.alpha = a;
      if (!form.elements.twoSided.checked) s.twoSided = false;
      return s;
    },
    async restore(s) {
      if (!s || typeof s !== 'object') return;
      if (s.src === 'demo') await demo(s);
      else if (s.src === 'upload') {
        pendingRestore = s;
        fieldMsg(fileMsg, 'This link’s ratio test was made from an uploaded file: upload the same file to see it.', 'warning');
      }
    },
  };
}
