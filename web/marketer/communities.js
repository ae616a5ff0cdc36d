// The marketer page's Communities tab: a ranked table of community health with sparklines and
// trend flags, a per-community detail view (small multiples), referrals and top advocates, and
// target lists one click away from a segment or a rule. Every number comes from the circlewise
// module in the page's Worker (the `cw` given to init). window.__marketer.communities exposes the
// last results for the browser test.
const $ = (sel, root = document) => root.querySelector(sel);
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const num2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const pct = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const fmt = {
  members: (v) => int.format(v), new: (v) => int.format(v), active: (v) => int.format(v), churned: (v) => int.format(v),
  payers: (v) => int.format(v), revenue: (v) => num2.format(v), dauMau: (v) => v.toFixed(3), wauMau: (v) => v.toFixed(3),
  eventsPerActive: (v) => v.toFixed(1), shareRate: (v) => pct.format(v), conversionRate: (v) => pct.format(v),
  revenuePerMember: (v) => num2.format(v), payingRatio: (v) => v.toFixed(2), payingRetention: (v) => pct.format(v),
};
const show = (metric, v) => (v === null || v === undefined ? '–' : fmt[metric](v));
const LABELS = {
  members: 'Members', active: 'Active', new: 'New', churned: 'Churned', dauMau: 'DAU/MAU', wauMau: 'WAU/MAU',
  conversionRate: 'Conversion', revenuePerMember: 'Revenue / member', shareRate: 'Share rate',
  eventsPerActive: 'Events / active', payingRetention: 'Paying retention',
};
const TABLE = ['members', 'active', 'dauMau', 'conversionRate', 'revenuePerMember', 'shareRate'];
const DETAIL = ['members', 'active', 'new', 'churned', 'dauMau', 'wauMau', 'conversionRate', 'revenuePerMember', 'shareRate', 'payingRetention'];

let cw;
let ds;
const state = { health: null, referrals: null, rules: null, rfm: null, targets: null, selected: null, src: null, filter: null };
let onState = () => {}; // app.js: rewrites the URL hash (which calls hashState below)

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}
const msg = (text, isError = true) => {
  const m = $('#communities-msg');
  m.textContent = text ?? '';
  m.classList.toggle('error', !!text && isError);
};

// A sparkline as inline SVG; flagged periods get a red (down) or green (up) dot. A partial period
// (the log starts or ends inside it: the running month shows activity so far) is drawn as the
// cohort heatmap marks it: a dashed segment to a hollow point, so it does not read as a drop.
function sparkline(periods, metric, width = 120, height = 28) {
  const vals = periods.map((p) => p[metric]);
  const finite = vals.filter((v) => v !== null);
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  svg.setAttribute('class', 'spark');
  svg.setAttribute('role', 'img');
  const running = periods.at(-1)?.partial ? `; ${periods.at(-1).period} still running (partial)` : '';
  svg.setAttribute('aria-label', `${LABELS[metric] ?? metric} over ${periods.length} periods${running}`);
  if (finite.length === 0) return svg;
  const lo = Math.min(...finite); const hi = Math.max(...finite);
  const x = (i) => (vals.length === 1 ? width / 2 : 4 + (i * (width - 8)) / (vals.length - 1));
  const y = (v) => (hi === lo ? height / 2 : height - 4 - ((v - lo) * (height - 8)) / (hi - lo));
  const line = (d, partial) => {
    const path = document.createElementNS(svg.namespaceURI, 'path');
    path.setAttribute('d', d);
    path.setAttribute('fill', 'none');
    path.setAttribute('stroke', '#2563eb');
    path.setAttribute('stroke-width', '1.5');
    if (partial) { path.setAttribute('stroke-dasharray', '3 2'); path.setAttribute('class', 'partial'); }
    svg.append(path);
  };
  // Solid between complete periods; each segment touching a partial period is its own dashed path.
  let d = '';
  vals.forEach((v, i) => {
    if (v === null) return;
    const pt = `${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    const prev = i > 0 && vals[i - 1] !== null;
    if (prev && (periods[i].partial || periods[i - 1].partial)) line(`M${x(i - 1).toFixed(1)},${y(vals[i - 1]).toFixed(1)}L${pt}`, true);
    else d += `${d && prev ? 'L' : 'M'}${pt}`;
  });
  if (d) line(d, false);
  periods.forEach((p, i) => {
    if (!p.partial || vals[i] === null) return;
    const c = document.createElementNS(svg.namespaceURI, 'circle');
    c.setAttribute('cx', x(i)); c.setAttribute('cy', y(vals[i])); c.setAttribute('r', 2.5);
    c.setAttribute('fill', '#fff'); c.setAttribute('stroke', '#2563eb'); c.setAttribute('stroke-width', '1.2');
    c.setAttribute('class', 'partial');
    const t = document.createElementNS(svg.namespaceURI, 'title');
    t.textContent = `${p.period}: partial period (the data start or end inside it), ${show(metric, vals[i])} so far`;
    c.append(t);
    svg.append(c);
  });
  periods.forEach((p, i) => {
    const f = p.trend?.[metric]?.flag;
    if (!f || vals[i] === null) return;
    const c = document.createElementNS(svg.namespaceURI, 'circle');
    c.setAttribute('cx', x(i)); c.setAttribute('cy', y(vals[i])); c.setAttribute('r', 3);
    c.setAttribute('fill', f === 'down' ? '#dc2626' : '#16a34a');
    c.setAttribute('class', `flag-${f}`);
    svg.append(c);
  });
  return svg;
}

// The legend under the table and the detail: what a hollow, dashed end means, when there is one.
function partialLegend(h) {
  const partial = h.communities.some((c) => c.periods.at(-1)?.partial);
  const legend = $('#health-legend');
  legend.hidden = !partial;
  if (partial) legend.lastChild.textContent = ` ${h.lastPeriod} was still running when the data end: dashed line, hollow point, activity so far (not a drop). It is never flagged; the table shows ${h.rankedPeriod}, the last complete ${h.period}.`;
}

function flagsOf(period) {
  if (!period) return [];
  return Object.entries(period.trend).filter(([, t]) => t.flag).map(([m, t]) => `${LABELS[m] ?? m} ${t.flag === 'down' ? '↓' : '↑'}`);
}

function renderHealth() {
  const h = state.health;
  $('#health-period').textContent = `ranked by ${h.rankBy} in ${h.rankedPeriod}`;
  partialLegend(h);
  $('#health thead').replaceChildren(el('tr', {}, ...['#', 'Community', ...TABLE.map((m) => LABELS[m]), 'Active, by period', 'Flags']
    .map((t) => el('th', { scope: 'col' }, t))));
  $('#health tbody').replaceChildren(...h.communities.map((c) => {
    const tr = el('tr', { 'data-community': c.community, tabindex: '0', class: 'clickable' });
    if (c.empty) {
      tr.append(el('td', {}, String(c.rank)), el('td', {}, c.community), el('td', { colspan: String(TABLE.length + 2) }, 'empty: nobody has ever been a member'));
      return tr;
    }
    const flags = flagsOf(c.latest);
    tr.append(el('td', {}, String(c.rank)), el('td', {}, c.community),
      ...TABLE.map((m) => el('td', { class: 'num' }, show(m, c.latest?.[m]))),
      el('td', {}, sparkline(c.periods, 'active')),
      el('td', { class: flags.length ? 'flags' : '' }, flags.join(', ')));
    const open = () => selectCommunity(c.community);
    tr.addEventListener('click', open);
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
    return tr;
  }));
}

function selectCommunity(name) {
  const c = state.health.communities.find((x) => x.community === name);
  state.selected = name;
  $('#community-detail').hidden = false;
  $('#detail-name').textContent = name;
  const grid = $('#detail-grid');
  onState();
  $('#detail-legend').textContent = '';
  if (!c || c.empty) { grid.replaceChildren(el('p', {}, 'Nobody has ever been a member of this community.')); return; }
  // Captions give the last complete period (the one ranked); the sparklines show every period.
  const last = c.latest ?? c.periods[c.periods.length - 1];
  grid.replaceChildren(...DETAIL.map((m) => {
    const flagged = c.periods.filter((p) => p.trend?.[m]?.flag).map((p) => `${p.period} ${p.trend[m].flag}`);
    return el('figure', { class: 'multiple', 'data-metric': m },
      el('figcaption', {}, `${LABELS[m]}: ${show(m, last[m])} in ${last.period}`),
      sparkline(c.periods, m, 220, 60),
      el('small', {}, flagged.length ? `flagged: ${flagged.join(', ')}` : `${c.periods[0].period} – ${c.periods[c.periods.length - 1].period}`));
  }));
  const end = c.periods.at(-1);
  if (end.partial) $('#detail-legend').textContent = `Dashed to a hollow point: ${end.period} was still running when the data end, so it shows activity so far, not a drop; it is never flagged. Captions give ${last.period}, the last complete ${state.health.period}.`;
  window.__marketer.communities.selected = name;
}

function renderReferrals() {
  const r = state.referrals;
  const k = (v) => (v === null ? '–' : v.toFixed(3));
  $('#referral-kpis').replaceChildren(...[
    ['Referred learners', `${int.format(r.referred)} of ${int.format(r.learners)}`],
    ['K-factor', k(r.kFactor)],
    ['Deepest chain', `${r.maxGeneration} generations`],
    ['Conversion referred / not', `${r.referredConversion === null ? '–' : pct.format(r.referredConversion)} / ${r.unreferredConversion === null ? '–' : pct.format(r.unreferredConversion)}`],
  ].map(([label, value]) => el('div', { class: 'kpi' }, el('span', { class: 'label' }, label), el('span', { class: 'value' }, value))));
  const notes = [];
  if (r.referredByUnknown) notes.push(`${r.referredByUnknown} learners were brought by ${r.unknownReferrers} ids that never appear as learners (counted as referred, never as advocates).`);
  if (r.selfReferrals) notes.push(`${r.selfReferrals} learners named themselves as referrer (ignored).`);
  if (r.cycles) notes.push(`${r.cycles} referral cycles over ${r.learnersInCycles} learners: one link of each dropped.`);
  $('#referral-notes').replaceChildren(...notes.map((n) => el('li', {}, n)));
  $('#advocates thead').replaceChildren(el('tr', {}, ...['Learner', 'Community', 'Brought directly', 'Through chains', 'Direct revenue', 'Chain revenue', 'Depth']
    .map((t) => el('th', { scope: 'col' }, t))));
  $('#advocates tbody').replaceChildren(...r.advocates.map((a) => el('tr', {},
    el('td', {}, a.learner), el('td', {}, a.community ?? ''), el('td', { class: 'num' }, int.format(a.direct)),
    el('td', { class: 'num' }, int.format(a.chain)), el('td', { class: 'num' }, num2.format(a.directRevenue)),
    el('td', { class: 'num' }, num2.format(a.chainRevenue)), el('td', { class: 'num' }, String(a.depth)))));
}

function renderSources() {
  $('#target-segments tbody').replaceChildren(...state.rfm.segments.filter((s) => s.learners > 0).map((s) => el('tr', {},
    el('td', {}, s.label), el('td', { class: 'num' }, int.format(s.learners)),
    el('td', {}, el('button', { type: 'button', 'data-segment': s.label, onclick: () => targets({ segment: s.label }) }, 'Targets')))));
  $('#target-rules tbody').replaceChildren(...state.rules.rules.map((r) => el('tr', {},
    el('td', {}, `${r.antecedent.join(' + ')} → ${r.consequent.join(' + ')}`),
    el('td', { class: 'num' }, pct.format(r.confidence)), el('td', { class: 'num' }, r.lift.toFixed(2)),
    el('td', {}, el('button', { type: 'button', 'data-rule': `${r.antecedent.join('+')}>${r.consequent.join('+')}`,
      onclick: () => { $('#target-course').value = r.consequent.join(','); targets({ antecedent: r.antecedent }); } }, 'Targets')))));
}

async function targets(filter = {}) {
  const courses = $('#target-course').value.split(',').map((s) => s.trim()).filter(Boolean);
  if (!courses.length) return msg('Name the course (or the bundle’s courses, separated by commas) to find learners for.');
  msg('');
  const options = { courses, limit: 100, ...filter };
  try {
    const [r, csv] = await Promise.all([ds.inviteTargets(options), ds.inviteTargetsCSV(options)]);
    state.targets = { options, result: r };
    state.filter = filter.segment ? { segment: filter.segment } : filter.antecedent ? { antecedent: filter.antecedent } : null;
    onState();
    const scope = filter.segment ? ` in segment “${filter.segment}”` : filter.antecedent ? ` who own ${filter.antecedent.join(' + ')}` : '';
    $('#targets-title').textContent = `Learners to invite for ${courses.join(' + ')}${scope}`;
    $('#targets-summary').textContent = `${int.format(r.candidates)} candidates; the ${r.targets.length} listed are expected to bring ` +
      `${num2.format(r.expectedConversions)} purchases in the next ${Math.round(r.model.horizonDays)} days ` +
      `(an estimate from this log: fitted on ${int.format(r.model.learners)} learners, ${int.format(r.model.buyers)} of whom bought in the last window; AUC ${r.model.auc?.toFixed(2) ?? '–'}).`;
    $('#targets-list thead').replaceChildren(el('tr', {}, ...['Learner', 'Probability', 'Segment', 'Community', 'Best rule from', 'Rule confidence']
      .map((t) => el('th', { scope: 'col' }, t))));
    $('#targets-list tbody').replaceChildren(...r.targets.map((t) => el('tr', {}, el('td', {}, t.learner),
      el('td', { class: 'num' }, pct.format(t.probability)), el('td', {}, t.segment), el('td', {}, t.community ?? ''),
      el('td', {}, t.bestAntecedent ?? ''), el('td', { class: 'num' }, pct.format(t.ruleConfidence)))));
    $('#targets-by-community').replaceChildren(...r.byCommunity.map((c) =>
      el('li', {}, `${c.community ?? '(no community)'}: ${int.format(c.listed)} listed, ${num2.format(c.expected)} expected`)));
    $('#seeding').replaceChildren(...(r.seeding.length ? r.seeding.slice(0, 8).map((g) => el('li', {},
      `Seed “${g.segment}” into ${g.community}: ${pct.format(g.shareIn)} own it there vs ${pct.format(g.shareElsewhere)} elsewhere; ` +
      `${int.format(g.candidates)} candidates → about ${num2.format(g.expectedExtra)} extra buyers (95%: ${num2.format(g.expectedExtraInterval[0])}–${num2.format(g.expectedExtraInterval[1])}; observational estimate).`))
      : [el('li', {}, 'No segment owns this course clearly more often in one community than elsewhere.')]));
    const a = $('#targets-csv');
    URL.revokeObjectURL(a.href);
    a.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    a.download = `targets-${courses.join('+')}.csv`;
    $('#targets-work').hidden = false;
    window.__marketer.communities.targets = { options, count: r.targets.length, csvRows: csv.trim().split('\n').length - 1,
      first: r.targets[0]?.learner ?? null, expected: r.expectedConversions };
  } catch (e) {
    msg(e.message);
  }
}

async function analyse(make, title, src) {
  msg('');
  const status = $('#communities-progress');
  const progress = [];
  try {
    const next = await make();
    await ds?.close();
    ds = next;
    const period = $('#health-period-select').value;
    const all = await ds.communities({ health: { period }, referrals: { top: 10 }, onProgress: (p) => {
      progress.push(p);
      status.textContent = p.fraction === 1 ? '' : `Computing ${p.stage} (${Math.round(100 * p.fraction)}% done)…`;
    } });
    state.src = src;
    const [rules, rfm] = await Promise.all([ds.rules({ minSupport: 0.01, minConfidence: 0.2, maxRules: 10, sortBy: 'lift' }), ds.rfm()]);
    Object.assign(state, { health: all.health, referrals: all.referrals, rules, rfm });
    renderHealth();
    renderReferrals();
    if (!$('#target-course').value && rules.rules[0]) $('#target-course').value = rules.rules[0].consequent.join(',');
    renderSources();
    $('#communities-work').hidden = false;
    const keep = all.health.communities.find((c) => c.community === state.selected && !c.empty) ?? all.health.communities.find((c) => !c.empty);
    if (keep) selectCommunity(keep.community);
    window.__marketer.communities = { ...window.__marketer.communities, title, health: all.health, referrals: all.referrals,
      rules: rules.rules.length, segments: rfm.segments.filter((s) => s.learners > 0).length, progress };
    onState();
  } catch (e) {
    status.textContent = '';
    msg(e.message);
  }
}

const demo = () => analyse(() => cw.generatePlatform({ seed: 42, learners: 3000, communities: 5, advocates: 3, decliningCommunity: true }), 'the demo platform', 'demo');

/**
 * The tab's part of the URL hash (as the budget tab keeps its plan there): the source (only the
 * demo can be restored; an uploaded log stays on the marketer's machine), the period, the selected
 * community, and the target list's course and segment or rule. null before anything is shown.
 */
export function hashState() {
  if (!state.src) return null;
  const s = { src: state.src, period: $('#health-period-select').value };
  if (state.selected) s.community = state.selected;
  if (state.targets) {  // the list on screen: its course (or bundle) and segment or rule
    s.course = state.targets.options.courses.join(',');
    if (state.filter) Object.assign(s, state.filter);
  }
  return s;
}

/** Restores what hashState wrote (from a shared link): re-runs the demo, then the selection and list. */
export async function restore(s) {
  if (!s || typeof s !== 'object') return;
  if (['month', 'week', 'day'].includes(s.period)) $('#health-period-select').value = s.period;
  if (typeof s.community === 'string') state.selected = s.community;
  if (typeof s.course === 'string') $('#target-course').value = s.course;
  if (s.src === 'upload') return msg('This link’s view was made from an uploaded event log: upload the same file to see it.', false);
  if (s.src !== 'demo') return;
  await demo();
  if (typeof s.segment === 'string') await targets({ segment: s.segment });
  else if (Array.isArray(s.antecedent) && s.antecedent.every((a) => typeof a === 'string')) await targets({ antecedent: s.antecedent });
  else if (typeof s.course === 'string' && s.course) await targets();
  onState();
}

/** Wires the tab to `client` (the page's Worker client); `onChange()` is called when the hash state changes. */
export function init(client, { onChange } = {}) {
  cw = client;
  if (onChange) onState = onChange;
  window.__marketer.communities = {};
  $('#communities-demo').addEventListener('click', demo);
  $('#communities-file').addEventListener('change', (e) => {
    const file = e.target.files[0];
    if (file) analyse(() => cw.readEvents(file, { onBadRow: 'skip' }), file.name, 'upload');
  });
  $('#health-period-select').addEventListener('change', async () => {
    onState();
    if (!ds) return;
    try {
      state.health = await ds.communityHealth({ period: $('#health-period-select').value });
      renderHealth();
      if (state.selected) selectCommunity(state.selected);
      window.__marketer.communities.health = state.health;
    } catch (e) { msg(e.message); }
  });
  $('#target-go').addEventListener('click', () => targets());
}
