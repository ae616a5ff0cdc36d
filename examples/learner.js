// The learner's side of the demo: browse courses, get recommendations computed on this device,
// and (only when the learner asks) share LDP reports with the site's collector.
//
// What stays here: the history (IndexedDB "circlewise-demo-learner"), the privacy state (true
// values of memoised randomisations + the epsilon ledger) and the prepared/sent log (localStorage
// "circlewise-demo-privacy"). What leaves: only POST {collector}/v1/reports with {"reports": [...]},
// each report made by cw.makeReport with the secure random source. The learner sees the exact body
// before it is sent and the collector's answer after. URL parameters (for the demo and tests):
//   ?model=URL      the published item model (default ./model.json; e.g. a collector's /v1/model)
//   ?collector=URL  the collector's base URL (default http://127.0.0.1:8787)
//   ?period=P       the reporting period (default the current UTC month, "YYYY-MM")
// The model file was built with: circlewise generate --seed 7 --learners 3000 --courses 40
//   --communities 4 > p.csv && circlewise model build p.csv -o examples/model.json --k 8 --titles examples/titles.json
import { load } from '../web/learner.js'; // the small learner module: a course page needs no more
import { SITE } from './site_privacy.js';

const STORE_KEY = 'circlewise-demo-privacy';
const HISTORY_DB = 'circlewise-demo-learner';
const OWNED = new Set(['enroll', 'purchase', 'complete']);

const $ = (sel) => document.querySelector(sel);
const params = new URLSearchParams(location.search);
const modelUrl = params.get('model') ?? './model.json';
const period = params.get('period') ?? new Date().toISOString().slice(0, 7);
const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });

function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

function say(target, text, kind = '') {
  target.textContent = text;
  target.className = kind;
}

// The device's privacy record: { state, pending, sent } (never uploaded).
function readRecord() {
  try {
    const r = JSON.parse(localStorage.getItem(STORE_KEY) ?? 'null');
    if (r && typeof r === 'object') return { state: r.state ?? null, pending: r.pending ?? null, sent: Array.isArray(r.sent) ? r.sent : [] };
  } catch { /* a corrupt record is replaced below; the core re-validates the state anyway */ }
  return { state: null, pending: null, sent: [] };
}
function writeRecord(r) { localStorage.setItem(STORE_KEY, JSON.stringify(r)); }

// The unordered pair (i, j), i < j, of a pair report's value (same order as the core's pair_index).
function pairFromIndex(index, d) {
  let i = 0;
  while (i < d - 2 && ((i + 1) * (2 * d - i - 2)) / 2 <= index) i++;
  return [i, i + 1 + (index - (i * (2 * d - i - 1)) / 2)];
}

function collectorEndpoint(base) {
  const u = new URL(base); // throws on a malformed URL: reported to the learner
  if (!/^https?:$/.test(u.protocol)) throw new Error(`the collector URL must start with http:// or https:// (got "${base}")`);
  if (!u.pathname.endsWith('/v1/reports')) u.pathname = `${u.pathname.replace(/\/+$/, '')}/v1/reports`;
  u.search = '';
  u.hash = '';
  return u.href;
}

const status = $('#status');
const shareStatus = $('#share-status');
say(status, 'Loading the course model…');

let cw;
let rec;
let catalogue = [];
let indexOf = new Map();
let store;
let lastSend;
// Created here rather than in the HTML so it never opens the history itself: the page hands it the
// loaded model and the history (the same IndexedDB data) and it recommends from exactly those.
const recs = document.createElement('circlewise-recommendations');

try {
  cw = await load();
  const res = await fetch(modelUrl, { cache: 'no-store' });
  if (!res.ok) throw new Error(`could not load the course model from ${modelUrl}: HTTP ${res.status}`);
  rec = cw.loadModel(new Uint8Array(await res.arrayBuffer()));
  catalogue = rec.toJSON().items;
  indexOf = new Map(catalogue.map((it, i) => [it.id, i]));
  store = await cw.historyStore({ name: HISTORY_DB });
  recs.recommender = rec;
  recs.history = await store.history();
  for (const [k, v] of Object.entries({ id: 'recs', n: '4', 'item-href': '#course/{id}', 'privacy-href': './privacy.html', currency: 'USD', heading: 'Recommended for you' })) {
    recs.setAttribute(k, v);
  }
  $('#recs-slot').replaceWith(recs);
  say(status, '');
} catch (e) {
  say(status, e.message, 'error');
  window.__learner = { error: e.message };
  throw e;
}

$('#collector').value = params.get('collector') ?? 'http://127.0.0.1:8787';

async function history() { return store.history(); }

async function refresh() {
  const h = await history();
  recs.history = h; // the widget recommends from exactly this history, in WASM
  const owned = new Set(h.filter((e) => OWNED.has(e.event)).map((e) => e.itemId));
  const list = $('#history');
  list.replaceChildren(...h.slice().reverse().map((e) => el('li', {}, `${e.event} · ${catalogue[indexOf.get(e.itemId)]?.title ?? e.itemId}`)));
  $('#history-empty').hidden = h.length > 0;
  for (const li of document.querySelectorAll('#catalogue li')) {
    const enroll = li.querySelector('[data-action=enroll]');
    const mine = owned.has(li.dataset.id);
    enroll.disabled = mine;
    enroll.textContent = mine ? 'Enrolled' : 'Enroll';
  }
  renderPrivacy();
}

function renderCatalogue() {
  const sorted = catalogue.slice().sort((a, b) => a.category.localeCompare(b.category) || a.title.localeCompare(b.title));
  $('#catalogue').replaceChildren(...sorted.map((it) => {
    const li = el('li', { className: 'course' });
    li.dataset.id = it.id;
    li.append(
      el('span', { className: 'title' }, it.title),
      el('span', { className: 'meta' }, `${it.category} · ${it.price ? `$${it.price}` : 'Free'}`),
      el('span', { className: 'buttons' },
        el('button', { type: 'button', className: 'secondary', textContent: 'View' }),
        el('button', { type: 'button', textContent: 'Enroll' })),
    );
    const [view, enroll] = li.querySelectorAll('button');
    view.dataset.action = 'view';
    enroll.dataset.action = 'enroll';
    view.setAttribute('aria-label', `View ${it.title}`);
    enroll.setAttribute('aria-label', `Enroll in ${it.title}`);
    return li;
  }));
}

$('#catalogue').addEventListener('click', async (ev) => {
  const b = ev.target.closest('button[data-action]');
  if (!b) return;
  await store.track(b.dataset.action, b.closest('li').dataset.id);
  await refresh();
});

recs.addEventListener('circlewise-select', async (ev) => {
  ev.preventDefault(); // stay on the page: a click on a card is a "view" of that course
  await store.track('view', ev.detail.id);
  await refresh();
});
recs.addEventListener('circlewise-error', (ev) => say(status, `Recommendations failed: ${ev.detail.message}`, 'error'));

$('#forget').addEventListener('click', async () => {
  await store.forget();
  say(status, 'Your activity was erased from this device.');
  await refresh();
});

function describeValue(kind, value) {
  if (kind === 'item') return catalogue[value]?.title ?? `course #${value}`;
  const [i, j] = pairFromIndex(value, catalogue.length);
  return `${catalogue[i]?.title ?? i} + ${catalogue[j]?.title ?? j}`;
}

function renderPrivacy() {
  const r = readRecord();
  let st;
  try {
    st = cw.privacyStatus({ state: r.state ?? undefined, budget: SITE.budget, period });
  } catch (e) {
    say(shareStatus, `The stored privacy state is unusable: ${e.message}`, 'error');
    return;
  }
  const rows = [
    ['ε per report', `${SITE.epsilon} (at most ${SITE.budget.maxEpsilonPerReport})`],
    ['Reports per period', `${SITE.budget.maxReportsPerPeriod} (this period, ${period}: ${st.reportsThisPeriod} made, ${st.reportsLeftThisPeriod} left)`],
    ['ε spent on this device', `${fmt.format(st.spent)} of ${SITE.budget.maxTotalEpsilon} (${fmt.format(st.remaining)} left)`],
    ['Randomisations kept for reuse', String(st.memoisedValues)],
  ];
  $('#budget').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));

  const pending = $('#pending');
  if (r.pending) {
    pending.replaceChildren(
      el('p', {}, `${r.pending.reports.length} report(s) for period ${r.pending.period}. What each stands for stays on this device:`),
      el('ul', {}, ...r.pending.meaning.map((m) => el('li', {},
        `${m.kind} report: randomised from "${describeValue(m.kind, m.value)}"` +
        (m.memoised ? ' (the same randomisation as before: no new ε)' : ` (ε ${m.charged} charged)`)))),
      el('pre', { className: 'payload', id: 'pending-body' }, JSON.stringify({ reports: r.pending.reports }, null, 2)),
    );
  } else pending.replaceChildren(el('p', { className: 'muted' }, 'No reports prepared.'));
  $('#prepare').disabled = !!r.pending;
  $('#send').disabled = !r.pending;
  $('#discard').hidden = !r.pending;

  const sent = $('#sent');
  if (r.sent.length) {
    sent.replaceChildren(...r.sent.slice().reverse().map((s) => el('div', { className: 'sent' },
      el('p', {}, `${s.at}: POST ${s.url} → ${s.outcome}`),
      el('pre', { className: 'payload' }, s.body),
      el('p', { className: 'muted' }, 'Collector\'s answer:'),
      el('pre', { className: 'payload' }, s.response))));
  } else sent.replaceChildren(el('p', { className: 'muted' }, 'Nothing has been sent from this device.'));

  $('#ledger tbody').replaceChildren(...(r.state?.ledger ?? []).map((l) => {
    const tr = el('tr');
    for (const v of [l.period, l.kind, l.mechanism, l.epsilon, l.charged, l.reportId]) tr.append(el('td', {}, String(v)));
    return tr;
  }));
  window.__learner = { period, catalogue: catalogue.map((c) => c.id), record: r, status: st, lastSend };
}

// Prepares this period's reports: one course and one pair of courses from the history, each
// randomised with the secure source. The state is saved at once: a prepared report is paid for
// (charged) whether or not it is sent, and a retry re-sends the same reports (same ids).
$('#prepare').addEventListener('click', async () => {
  const r = readRecord();
  if (r.pending) return;
  const h = await history();
  const known = [...new Set(h.map((e) => e.itemId))].filter((id) => indexOf.has(id));
  if (!known.length) {
    say(shareStatus, 'Nothing to share yet: you have no activity on courses of this catalogue.', 'error');
    return;
  }
  const indices = known.map((id) => indexOf.get(id));
  let state = r.state ?? cw.newPrivacyState();
  const made = [];
  const notes = [];
  for (const kind of ['item', 'pair']) {
    if (kind === 'pair' && indices.length < 2) { notes.push('no pair report: it needs activity on 2 different courses'); continue; }
    try {
      const m = cw.makeReport({ kind, items: catalogue.length, history: indices, epsilon: SITE.epsilon, period }, { state, budget: SITE.budget });
      state = m.state;
      made.push(m);
    } catch (e) {
      notes.push(`no ${kind} report: ${e.message}`);
    }
  }
  const pending = made.length ? {
    period,
    reports: made.map((m) => m.report),
    meaning: made.map((m) => ({ kind: m.report.kind, value: m.value, memoised: m.memoised, charged: m.charged })),
  } : null;
  writeRecord({ ...r, state, pending });
  say(shareStatus, made.length
    ? `Prepared ${made.length} report(s); nothing has been sent. Check them below, then share.${notes.length ? ` (${notes.join('; ')})` : ''}`
    : `No report prepared: ${notes.join('; ')}.`, made.length ? '' : 'error');
  renderPrivacy();
});

$('#discard').addEventListener('click', () => {
  const r = readRecord();
  if (!r.pending) return;
  writeRecord({ ...r, pending: null }); // the epsilon they cost stays charged in the ledger
  say(shareStatus, 'The prepared reports were discarded without being sent (the ε they cost stays charged).');
  renderPrivacy();
});

$('#send').addEventListener('click', async () => {
  const r = readRecord();
  if (!r.pending) return;
  let url;
  try {
    url = collectorEndpoint($('#collector').value.trim());
  } catch (e) {
    say(shareStatus, `Not sent: ${e.message}`, 'error');
    return;
  }
  const body = JSON.stringify({ reports: r.pending.reports });
  $('#send').disabled = true;
  say(shareStatus, `Sending ${r.pending.reports.length} report(s) to ${url}…`);
  let res;
  let text;
  try {
    // No cookies, no referrer: the request carries the reports and nothing about the page or learner.
    res = await fetch(url, {
      method: 'POST', body, headers: { 'content-type': 'application/json' },
      credentials: 'omit', referrerPolicy: 'no-referrer', cache: 'no-store', mode: 'cors',
    });
    text = await res.text();
  } catch (e) {
    say(shareStatus, `No collector reachable at ${url} (${e.message}). Your reports were not delivered; ` +
      'they stay prepared on this device and the same reports (same ids) are sent when you share again.', 'error');
    $('#send').disabled = false;
    lastSend = { ok: false, url, error: e.message };
    renderPrivacy();
    return;
  }
  let outcome;
  let counts = '';
  try {
    const j = JSON.parse(text);
    const n = (x) => (Array.isArray(x) ? x.length : Number(x));
    if (j && j.accepted !== undefined) {
      counts = ` (accepted ${n(j.accepted)}${j.duplicates ? `, already received ${n(j.duplicates)}` : ''}, rejected ${n(j.rejected ?? 0)})`;
    }
  } catch { /* not JSON: the answer is shown as text */ }
  if (res.ok) {
    outcome = `HTTP ${res.status}: the collector answered${counts}`;
    r.pending = null;
  } else {
    outcome = `HTTP ${res.status}: the collector refused the batch`;
  }
  r.sent.push({ at: new Date().toISOString(), url, outcome, body, response: text });
  r.sent = r.sent.slice(-10);
  writeRecord(r);
  say(shareStatus, res.ok ? `Shared: ${outcome}.` : `Not shared: ${outcome}. ${text.slice(0, 300)}`, res.ok ? '' : 'error');
  lastSend = { ok: res.ok, url, status: res.status, response: text };
  renderPrivacy();
});

renderCatalogue();
await refresh();
window.__learnerReady = true;
