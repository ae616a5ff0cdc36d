// The marketer page's Learners tab: who the learners are, computed in the page's Worker from the
// uploaded or demo event log. First the conversion and revenue per community, then segments, RFM
// quintiles, the funnel, courses that sell together, cohort retention (the period still running is
// hatched, not churn) and churn risk (BG/NBD, P(alive), at-risk learners, CLV). The long analyses
// (segment, rules, churn) report progress from inside the Worker. window.__marketer.learners holds
// what is shown, for the browser test.

const $ = (sel, root = document) => root.querySelector(sel);
const num1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const num2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const pct = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const pct0 = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 0 });
const sig = (v) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toPrecision(3));
/** Text formats of the tab, exported for the browser test so it checks the same strings. */
export const learnerFormat = { int, num1, num2, pct, pct0, sig };

/** Learners at risk: P(alive) below this, ranked by the repeat spend they have brought so far. */
export const AT_RISK_P_ALIVE = 0.5;
const AT_RISK_ROWS = 10;
const RULE_ROWS = 10;
const HEATMAP_COLUMNS = 13;

function row(cells, tag = 'td', numericFrom = 1) {
  const tr = document.createElement('tr');
  cells.forEach((v, i) => {
    const td = document.createElement(i === 0 && tag === 'td' ? 'th' : tag);
    if (i === 0 && tag === 'td') td.scope = 'row';
    if (i >= numericFrom && tag === 'td') td.className = 'num';
    if (v instanceof Node) td.append(v); else td.textContent = v;
    tr.append(td);
  });
  return tr;
}
const head = (table, cells) => $(`${table} thead`).replaceChildren(row(cells, 'th'));
function fieldMsg(el, text, kind = 'error') {
  el.textContent = text ?? '';
  el.classList.toggle('error', !!text && kind === 'error');
  el.classList.toggle('warning', !!text && kind === 'warning');
}

// ───────────── Renderers (one per card) ─────────────

function renderConversion(c) {
  head('#conversion', ['Community', 'Learners', 'Paying learners', 'Conversion rate', '95% interval', 'Revenue', 'Revenue / learner', 'Revenue / paying learner']);
  const cells = (x) => [x.community, int.format(x.learners), int.format(x.payingLearners), pct.format(x.conversionRate),
    `${pct.format(x.conversionLow)}–${pct.format(x.conversionHigh)}`, num2.format(x.revenue), num2.format(x.revenuePerLearner),
    x.revenuePerPayingLearner === null ? '–' : num2.format(x.revenuePerPayingLearner)];
  $('#conversion tbody').replaceChildren(...c.communities.map((x) => row(cells(x))));
  const total = row(cells({ ...c.overall, community: 'All learners' }));
  $('#conversion tfoot').replaceChildren(total);
}

function renderSegments(seg) {
  head('#segments', ['Segment', 'Learners', 'Share', 'Revenue share', 'Purchases', 'Days since last', 'Completion']);
  $('#segments tbody').replaceChildren(...seg.segments.map((s) => row([`#${s.segment + 1} ${s.label ?? ''}`, int.format(s.size),
    pct.format(s.share), pct.format(s.revenueShare), num1.format(s.centroid.frequency), num1.format(s.centroid.recencyDays),
    pct.format(s.centroid.completionRate)])));
}

function renderRfm(rfm) {
  head('#rfm-segments', ['RFM segment', 'Learners', 'Share', 'Revenue share']);
  $('#rfm-segments tbody').replaceChildren(...rfm.segments.filter((s) => s.learners > 0).map((s) => row([s.label,
    int.format(s.learners), pct.format(s.share), pct.format(s.revenueShare)])));
  head('#rfm-bands', ['Score', 'Days since last', 'Purchases', 'Net spend']);
  const band = (b, fmt) => (b.learners ? `${fmt(b.min)}–${fmt(b.max)} (${int.format(b.learners)})` : '–');
  $('#rfm-bands tbody').replaceChildren(...[5, 4, 3, 2, 1].map((score) => row([String(score),
    band(rfm.bands.recency.scores[score - 1], (v) => num1.format(v)),
    band(rfm.bands.frequency.scores[score - 1], (v) => int.format(v)),
    band(rfm.bands.monetary.scores[score - 1], (v) => int.format(v))])));
}

function renderFunnel(funnel) {
  const max = Math.max(1, ...funnel.steps.map((s) => s.learners));
  $('#funnel').replaceChildren(...funnel.steps.map((s) => {
    const li = document.createElement('li');
    li.innerHTML = '<span class="name"></span><span class="bar"></span><span class="n"></span>';
    li.querySelector('.name').textContent = s.event;
    li.querySelector('.bar').style.width = `${(100 * s.learners) / max}%`;
    li.querySelector('.n').textContent = `${int.format(s.learners)}${s.fromPrevious.rate === null ? '' : ` (${pct.format(s.fromPrevious.rate)})`}`;
    const h = s.hoursFromEntry;
    if (h && h.count) li.title = `${s.event}: 95% interval from the previous step ${pct.format(s.fromPrevious.low)}–${pct.format(s.fromPrevious.high)}; ` +
      `hours from entry: median ${num1.format(h.median)}, 10–90% ${num1.format(h.p10)}–${num1.format(h.p90)}`;
    return li;
  }));
  $('#funnel-note').textContent = `${int.format(funnel.entered)} learners entered; ${int.format(funnel.converted)} reached the last step within the window. ` +
    `Median time to ${funnel.steps.at(-1).event}: ${funnel.steps.at(-1).hoursFromEntry ? `${num1.format(funnel.steps.at(-1).hoursFromEntry.median)} h` : '–'} (hover a step for its interval and times).`;
}

function renderRules(rules) {
  head('#rules', ['Bought…', '…also bought', 'Support', 'Confidence', 'Lift', 'Learners']);
  const top = rules.rules.slice(0, RULE_ROWS);
  $('#rules tbody').replaceChildren(...top.map((r) => row([r.antecedent.join(' + '), r.consequent.join(' + '),
    pct.format(r.support), pct.format(r.confidence), num2.format(r.lift), int.format(r.count)], 'td', 2)));
  $('#rules-note').textContent = `${int.format(rules.baskets.count)} baskets (one per paying learner); ${int.format(rules.count)} frequent itemsets at ` +
    `support ≥ ${int.format(rules.minCount)} baskets; ${int.format(rules.rulesPassing)} rules, the ${top.length} highest-lift shown.` +
    (rules.warnings.length ? ` ${rules.warnings.join(' ')}` : '');
  return top;
}

function renderCohorts(c) {
  const width = Math.min(HEATMAP_COLUMNS, Math.max(0, ...c.cohorts.map((x) => x.birth.length)));
  head('#cohorts', ['Cohort', 'Learners', ...Array.from({ length: width }, (_, t) => `+${t}`)]);
  $('#cohorts tbody').replaceChildren(...c.cohorts.map((x) => {
    const cells = [x.cohort, int.format(x.size)];
    const tr = row(cells);
    for (let t = 0; t < width; t++) {
      const td = document.createElement('td');
      const v = x.birth[t];
      if (v !== null && v !== undefined) {
        td.textContent = pct0.format(v);
        td.style.setProperty('--v', String(v));
        td.className = v > 0.5 ? 'cell dark' : 'cell';
        if (x.partialIndex === t) {
          td.classList.add('partial');
          td.title = `${c.lastPeriod} was still running at ${c.asOf}: ${int.format(x.active[t])} of ${int.format(x.size)} active so far`;
        } else {
          td.title = `${int.format(x.active[t])} of ${int.format(x.size)} active`;
        }
      }
      tr.append(td);
    }
    return tr;
  }));
  $('#cohorts-note').textContent = `Share of each ${c.period}'s new learners active t ${c.period}s later. Empty: not lived through yet.` +
    (c.lastPeriodPartial ? ` Hatched: ${c.lastPeriod} was still running when the data end (${c.asOf}); it shows activity so far, not churn.` : '');
}

/** P(alive) histogram: ten bins of width 0.1 (the last one closed). */
export function pAliveHistogram(pAlive) {
  const bins = new Array(10).fill(0);
  for (const p of pAlive) bins[Math.min(9, Math.floor(p * 10))]++;
  return bins;
}

/** At-risk learners: P(alive) < AT_RISK_P_ALIVE, the most repeat spend (frequency × monetary) first. */
export function atRisk(learners, n = AT_RISK_ROWS) {
  const idx = [];
  for (let i = 0; i < learners.ids.length; i++) if (learners.pAlive[i] < AT_RISK_P_ALIVE && learners.frequency[i] > 0) idx.push(i);
  const value = (i) => learners.frequency[i] * (Number.isFinite(learners.monetary[i]) ? learners.monetary[i] : 0);
  idx.sort((a, b) => value(b) - value(a) || (learners.ids[a] < learners.ids[b] ? -1 : 1));
  return { count: idx.length, top: idx.slice(0, n).map((i) => ({ id: learners.ids[i], purchases: learners.frequency[i] + 1, repeatSpend: value(i),
    pAlive: learners.pAlive[i], expected: learners.expectedPurchases[i], clv: learners.clv[i] })) };
}

function renderChurn(ch) {
  const m = ch.model;
  const kpi = (label, value, title = '') => {
    const d = document.createElement('div');
    d.className = 'kpi';
    d.title = title;
    d.innerHTML = '<span class="label"></span><span class="value"></span>';
    d.firstChild.textContent = label;
    d.lastChild.textContent = value;
    return d;
  };
  $('#churn-kpis').replaceChildren(
    kpi('Mean P(alive)', pct.format(ch.totals.meanPAlive), 'Average probability that a paying learner is still active'),
    kpi(`Purchases expected, next ${ch.horizon} ${ch.unit}`, num1.format(ch.totals.expectedPurchases)),
    kpi('Customer lifetime value (total)', ch.totals.clv === null ? '–' : num2.format(ch.totals.clv), `${ch.clvOptions.periods} steps of ${ch.clvOptions.step} ${ch.unit}, discounted`),
    kpi('BG/NBD r, α', `${sig(m.r)}, ${sig(m.alpha)}`, 'Purchase rate ~ Gamma(r, α) per period while active'),
    kpi('BG/NBD a, b', `${sig(m.a)}, ${sig(m.b)}`, 'Dropout after each purchase ~ Beta(a, b)'),
    kpi('Log-likelihood', num1.format(m.logLikelihood), `${int.format(m.learners)} paying learners, ${int.format(m.repeatLearners)} with repeat purchases`),
  );
  const bins = pAliveHistogram(ch.learners.pAlive);
  const max = Math.max(1, ...bins);
  $('#palive').replaceChildren(...bins.map((n, b) => {
    const li = document.createElement('li');
    li.innerHTML = '<span class="name"></span><span class="bar"></span><span class="n"></span>';
    li.querySelector('.name').textContent = `${(b / 10).toFixed(1)}–${((b + 1) / 10).toFixed(1)}`;
    li.querySelector('.bar').style.width = `${(100 * n) / max}%`;
    li.querySelector('.n').textContent = int.format(n);
    return li;
  }));
  const risk = atRisk(ch.learners);
  head('#at-risk', ['Learner', 'Purchases', 'Repeat spend', 'P(alive)', `Expected next ${ch.horizon} ${ch.unit}`, 'CLV']);
  $('#at-risk tbody').replaceChildren(...risk.top.map((r) => row([r.id, int.format(r.purchases), num2.format(r.repeatSpend),
    pct.format(r.pAlive), num2.format(r.expected), Number.isFinite(r.clv) ? num2.format(r.clv) : '–'])));
  $('#at-risk-note').textContent = `${int.format(risk.count)} paying learners with repeat purchases have P(alive) below ${pct0.format(AT_RISK_P_ALIVE)}; ` +
    `the ${risk.top.length} who brought the most repeat spend are listed.`;
  $('#churn-notes').textContent = [...m.warnings, ...(ch.spend?.warnings ?? []), ch.spendNote].filter(Boolean).join(' ');
  return { bins, atRisk: risk };
}

// ───────────── Rule thresholds ─────────────

// The fields are in percent (support, confidence) and plain (lift); the options are fractions.
const THRESHOLDS = [
  { name: 'minSupport', scale: 100, ok: (v) => v > 0 && v <= 100, msg: 'Min. support: a percentage of baskets above 0 and at most 100, e.g. 1.' },
  { name: 'minConfidence', scale: 100, ok: (v) => v >= 0 && v <= 100, msg: 'Min. confidence: a percentage from 0 to 100, e.g. 20.' },
  { name: 'minLift', scale: 1, ok: (v) => v >= 0 && v <= 1e12, msg: 'Min. lift: a number of at least 0, e.g. 1.2 (1 = no association).' },
];
export const RULE_DEFAULTS = { minSupport: 0.01, minConfidence: 0, minLift: 0 };

/** The fields as rules() options: { options, problem (the first one's message), bad (field names) }. */
function parseThresholds() {
  const form = $('#rule-thresholds');
  const options = {};
  const bad = [];
  for (const t of THRESHOLDS) {
    const text = form.elements[t.name].value.trim();
    const v = text === '' ? NaN : Number(text);
    if (!(Number.isFinite(v) && t.ok(v))) bad.push(t.name);
    options[t.name] = v / t.scale;
  }
  return { options, bad, problem: bad.length ? THRESHOLDS.find((t) => t.name === bad[0]).msg : '' };
}
/** The thresholds as options, or null after marking the bad fields and putting the message next to them. */
function readThresholds() {
  const { options, bad, problem } = parseThresholds();
  for (const t of THRESHOLDS) $('#rule-thresholds').elements[t.name].setAttribute('aria-invalid', String(bad.includes(t.name)));
  fieldMsg($('#rules-msg'), problem);
  $('#rules').closest('.card').classList.toggle('invalid', !!problem);
  return problem ? null : options;
}
function writeThresholds(o) {
  const form = $('#rule-thresholds');
  for (const t of THRESHOLDS) {
    const v = o?.[t.name];
    if (typeof v === 'number' && Number.isFinite(v) && t.ok(v * t.scale)) form.elements[t.name].value = String(Number((v * t.scale).toPrecision(12)));
  }
}

// ───────────── The analysis run ─────────────

/**
 * Wires the tab to `cw` (the page's Worker client). `onChange()` is called when what the URL keeps
 * changes; returns { hashState, restore } for app.js's URL hash.
 */
export function setupLearners(cw, say, { onChange = () => {} } = {}) {
  let current; // the dataset whose results are on screen (closed when replaced)
  let running = false;
  let rulesAgain = false; // thresholds changed while something ran: re-run the rules after it
  let src = null;         // 'demo' | 'upload' once something is shown
  let currentTitle = '';  // what the log on screen is ("the demo platform", a file name)
  let rulesFor = '';      // the thresholds of the rules on screen (JSON), so an unchanged value re-runs nothing
  const bar = $('#learners-progress');

  function progress(analysis) {
    return (p) => {
      bar.hidden = false;
      bar.querySelector('progress').value = p.fraction;
      bar.querySelector('.stage').textContent = `${analysis}: ${p.stage} ${pct0.format(p.fraction)}`;
      window.__marketer.progress.push({ analysis, ...p });
    };
  }

  async function run(make, title, source) {
    const msg = $('#learners-msg');
    const k = Number($('#k').value);
    if (!Number.isInteger(k) || k < 1 || k > 20) return fieldMsg(msg, 'Segments: a whole number from 1 to 20.');
    const period = $('#cohort-period').value;
    if (!readThresholds()) return fieldMsg(msg, 'Fix the rule thresholds first (next to “Courses that sell together”).');
    if (running) return fieldMsg(msg, 'An analysis is still running; wait for it to finish.', 'warning');
    running = true;
    fieldMsg(msg, '');
    window.__marketer.learners = null;
    window.__marketer.progress = [];
    say(`Analysing ${title}…`);
    let ds;
    try {
      ds = await make(progress('reading'));
      const summary = await ds.summary();
      const skipped = summary.ingest?.skippedRows ?? 0;
      if (skipped) fieldMsg(msg, `${int.format(skipped)} ${skipped === 1 ? 'row' : 'rows'} could not be read and ${skipped === 1 ? 'was' : 'were'} skipped (first: ${summary.ingest.problems[0]?.message ?? '?'}).`, 'warning');
      const shown = { title };
      $('#learners-work').hidden = false;
      for (const card of document.querySelectorAll('#learners-work .card')) card.classList.add('stale');
      const done = (id) => $(id).closest('.card').classList.remove('stale');

      shown.conversion = await ds.conversionByCommunity();
      renderConversion(shown.conversion);
      done('#conversion');
      const seg = await ds.segment({ k, seed: 1, onProgress: progress('segments') });
      renderSegments(seg);
      shown.segments = seg.segments.map((s) => ({ label: s.label, size: s.size }));
      const rfm = await ds.rfm();
      renderRfm(rfm);
      shown.rfm = rfm.segments.map((s) => [s.label, s.learners]);
      done('#segments');
      done('#rfm-segments');
      const funnel = await ds.funnel({ byCommunity: false });
      renderFunnel(funnel);
      shown.funnel = funnel.steps.map((s) => s.learners);
      done('#funnel');
      const thresholds = readThresholds() ?? RULE_DEFAULTS;
      try {
        const rules = await ds.rules({ ...thresholds, maxSize: 3, onProgress: progress('rules') });
        shown.rules = renderRules(rules).map((r) => ({ antecedent: r.antecedent, consequent: r.consequent, lift: r.lift }));
        shown.ruleOptions = thresholds;
        rulesFor = JSON.stringify(thresholds);
        done('#rules');
      } catch (e) {
        // E.g. a support so low that the itemsets explode: the engine's message, next to the fields.
        $('#rules tbody').replaceChildren();
        $('#rules-note').textContent = '';
        fieldMsg($('#rules-msg'), e.message);
        shown.rules = { error: e.message };
        rulesFor = '';
      }
      const cohorts = await ds.cohorts({ period, byCommunity: false });
      renderCohorts(cohorts);
      shown.cohorts = { period, lastPeriodPartial: cohorts.lastPeriodPartial, rows: cohorts.cohorts.map((c) => [c.cohort, c.size, c.partialIndex]) };
      done('#cohorts');
      try {
        const churn = await ds.churn({ onProgress: progress('churn') });
        const r = renderChurn(churn);
        shown.churn = { model: churn.model, totals: churn.totals, bins: r.bins, atRisk: r.atRisk.top.map((x) => x.id) };
        done('#churn-kpis');
      } catch (e) {
        // E.g. no repeat purchases: the other analyses stand; say why churn risk is missing.
        $('#churn-kpis').replaceChildren();
        $('#palive').replaceChildren();
        $('#at-risk tbody').replaceChildren();
        $('#churn-notes').textContent = `Churn risk could not be estimated: ${e.message}`;
        shown.churn = { error: e.message };
      }
      bar.hidden = true;
      await current?.close();
      current = ds;
      currentTitle = title;
      src = source;
      say(`${title}: ${int.format(seg.learners)} learners in ${seg.segments.length} segments.`);
      window.__marketer.learners = shown;
      onChange();
    } catch (e) {
      bar.hidden = true;
      await ds?.close();
      fieldMsg(msg, e.message);
      say('The event log could not be analysed.', true);
    } finally {
      running = false;
      if (rulesAgain) rerunRules();
    }
  }

  // New thresholds: only the rules are recomputed, on the dataset on screen.
  async function rerunRules() {
    rulesAgain = false;
    const thresholds = readThresholds();
    if (!thresholds) return;
    onChange();
    if (!current) return;
    if (running) { rulesAgain = true; return; }
    if (JSON.stringify(thresholds) === rulesFor) return;
    running = true;
    const card = $('#rules').closest('.card');
    card.classList.add('stale');
    window.__marketer.progress = [];
    try {
      const rules = await current.rules({ ...thresholds, maxSize: 3, onProgress: progress('rules') });
      const top = renderRules(rules).map((r) => ({ antecedent: r.antecedent, consequent: r.consequent, lift: r.lift }));
      card.classList.remove('stale');
      rulesFor = JSON.stringify(thresholds);
      Object.assign(window.__marketer.learners ?? {}, { rules: top, ruleOptions: thresholds });
    } catch (e) {
      fieldMsg($('#rules-msg'), e.message); // the last rules stay, greyed
      Object.assign(window.__marketer.learners ?? {}, { rules: { error: e.message }, ruleOptions: thresholds });
    } finally {
      bar.hidden = true;
      running = false;
      window.__marketer.rulesRuns = (window.__marketer.rulesRuns ?? 0) + 1;
      if (rulesAgain) rerunRules();
    }
  }

  const demo = () => run(() => cw.generatePlatform({ seed: 42, learners: 3000, communities: 5 }), 'the demo platform', 'demo');
  $('#gen-platform').addEventListener('click', demo);
  $('#events-file').addEventListener('change', (e) => {
    const file = e.target.files[0];
    if (file) run((onProgress) => cw.readEvents(file, { onBadRow: 'skip', onProgress: (p) => onProgress({ stage: 'reading', fraction: p.totalBytes ? p.bytesRead / p.totalBytes : 0 }) }), file.name, 'upload');
  });
  const form = $('#rule-thresholds');
  form.addEventListener('input', () => readThresholds()); // inline validation while typing
  form.addEventListener('change', rerunRules);             // a committed value (Enter, leaving the field)
  form.addEventListener('submit', (e) => { e.preventDefault(); rerunRules(); });
  for (const id of ['#k', '#cohort-period']) $(id).addEventListener('change', () => onChange());

  return {
    /** The log on screen ({ dataset, title }) for the LTV tab's cohort LTV, or null. */
    log: () => (current ? { dataset: current, title: currentTitle } : null),
    /** The tab's part of the URL hash: the source (only the demo can be restored), k, cohort period, rule thresholds. */
    hashState() {
      const s = {};
      if (src) s.src = src;
      const k = Number($('#k').value);
      if (Number.isInteger(k) && k >= 1 && k <= 20 && k !== 4) s.k = k;
      if ($('#cohort-period').value !== 'month') s.period = $('#cohort-period').value;
      const t = parseThresholds();
      if (!t.problem) for (const [n, v] of Object.entries(t.options)) if (v !== RULE_DEFAULTS[n]) s[n] = v;
      return Object.keys(s).length ? s : null;
    },
    /** Restores what hashState wrote (from a shared link), re-running the demo when it was shown. */
    async restore(s) {
      if (!s || typeof s !== 'object') return;
      if (Number.isInteger(s.k) && s.k >= 1 && s.k <= 20) $('#k').value = String(s.k);
      if (s.period === 'week' || s.period === 'month') $('#cohort-period').value = s.period;
      writeThresholds(s);
      if (s.src === 'demo') await demo();
      else if (s.src === 'upload') fieldMsg($('#learners-msg'), 'This link’s view was made from an uploaded event log: upload the same file to see it.', 'warning');
    },
  };
}
