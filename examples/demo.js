// The demo page: everything runs in a module Worker (loadInWorker), so generating or reading a
// large export never freezes the page. window.__demo holds the last summary for the browser tests.
import { loadInWorker } from '../web/index.js';

const $ = (sel) => document.querySelector(sel);
const status = $('#status');
const progress = $('#progress');
const fmt = new Intl.NumberFormat('en-US');
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
let current;

function say(text, isError = false) {
  status.textContent = text;
  status.classList.toggle('error', isError);
}

function render(summary, title) {
  $('#source-title').textContent = title;
  for (const el of document.querySelectorAll('[data-kpi]')) {
    const v = summary[el.dataset.kpi];
    el.textContent = el.dataset.kpi === 'netRevenue' ? money.format(v) : fmt.format(v);
  }
  $('#range').textContent = summary.firstEvent ? `From ${summary.firstEvent} to ${summary.lastEvent}` : 'No events.';
  const max = Math.max(1, ...summary.eventsByType.map((t) => t.count));
  $('#event-types').replaceChildren(...summary.eventsByType.map((t) => {
    const li = document.createElement('li');
    li.className = t.known ? '' : 'custom';
    li.dataset.event = t.event;
    li.innerHTML = '<span class="name"></span><span class="bar"></span><span class="n"></span>';
    li.querySelector('.name').textContent = t.known ? t.event : `${t.event}*`;
    li.querySelector('.bar').style.width = `${(100 * t.count) / max}%`;
    li.querySelector('.n').textContent = fmt.format(t.count);
    return li;
  }));
  $('#communities tbody').replaceChildren(...summary.byCommunity.map((c) => {
    const tr = document.createElement('tr');
    tr.dataset.community = c.community;
    for (const v of [c.community, fmt.format(c.members), fmt.format(c.buyers),
      `${((100 * c.buyers) / Math.max(1, c.members)).toFixed(1)}%`, money.format(c.revenue)]) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(td);
    }
    return tr;
  }));
  const ing = summary.ingest;
  const body = $('#ingest-body');
  body.textContent = `${fmt.format(ing.records)} rows read, ${fmt.format(ing.events)} kept, ` +
    `${fmt.format(ing.skippedRows)} skipped, ${fmt.format(ing.blankLines)} blank lines` +
    (ing.ignoredColumns.length ? `; ignored columns: ${ing.ignoredColumns.join(', ')}` : '');
  if (ing.problems.length) {
    const ul = document.createElement('ul');
    for (const p of ing.problems) {
      const li = document.createElement('li');
      li.textContent = p.message;
      ul.append(li);
    }
    body.append(ul);
  }
  $('#summary').hidden = false;
}

async function show(makeDataset, title) {
  try {
    progress.hidden = false;
    progress.value = 0;
    const ds = await makeDataset();
    const summary = await ds.summary();
    await current?.close();
    current = ds;
    render(summary, title);
    say(`Loaded ${fmt.format(summary.events)} events.`);
    window.__demo = { title, summary };
  } catch (e) {
    say(e.message, true);
    window.__demoError = e.message;
  } finally {
    progress.hidden = true;
  }
}

say('Starting the WebAssembly worker…');
const cw = await loadInWorker();

$('#generate').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const options = { seed: Number(f.get('seed')), learners: Number(f.get('learners')), communities: Number(f.get('communities')) };
  say('Generating…');
  show(() => cw.generatePlatform(options), `Demo platform (seed ${options.seed})`);
});

$('#upload').addEventListener('change', (ev) => {
  const form = ev.currentTarget;
  const file = form.elements.file.files[0];
  if (!file) return;
  say(`Reading ${file.name}…`);
  show(() => cw.readEvents(file, {
    onBadRow: form.elements.skip.checked ? 'skip' : 'fail',
    onProgress: (p) => { progress.value = p.totalBytes ? p.bytesRead / p.totalBytes : 0; },
  }), file.name);
});

$('#generate').requestSubmit();
