// Recommendation quality, reproducible: leave-last-out split (each learner's last engaged course
// held out), recall@10, NDCG@10 and catalogue coverage for popularity, popularity within the
// learner's community, item-item cosine (the non-private model) and EASE where the catalogue is
// small enough, and models rebuilt from local-differential-privacy reports at epsilon 0.5, 1, 2, 4, 8:
// every training learner's device makes one item and one pair report with the real mechanisms
// (simulate_ldp_reports: the noise is SEEDED for reproducibility, i.e. simulation only, not
// private; devices use the secure source), the aggregator estimates the counts and the model is
// rebuilt from them; and the hybrid ("ldp hybrid eps=E"): the same pair reports, popularity from
// the site's own per-course counts (here the training log's), pairs shrunk towards the prior those
// counts give. "gain kept" = (private - popularity) / (item-item - popularity), recall@10;
// "over community" = the same against popularity within the learner's community, the level both
// private models fall back to.
//   node bench/recommender_quality.mjs [--json] [--max-cases N] [--quick] [--svg docs/img/ldp-utility.svg]
// --quick skips the larger-population runs (which answer: how many learners keep most of the gain
// at epsilon 4?). Data: the synthetic platform (seeded, several sizes) and, when present, the real
// UCI Online Retail data in ../shared/data/online-retail-uci (or $CIRCLEWISE_SHARED_DATA;
// customers = learners, products = courses, countries = communities). The same evaluation is
// `circlewise model evaluate events.csv --ldp-epsilons 0.5,1,2,4,8`.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import { load } from '../web/index.js';

const JSON_OUT = process.argv.includes('--json');
const mcIdx = process.argv.indexOf('--max-cases');
const MAX_CASES = mcIdx > 0 ? Number(process.argv[mcIdx + 1]) : 0;
const svgIdx = process.argv.indexOf('--svg');
const SVG = svgIdx > 0 ? process.argv[svgIdx + 1] : '';
const QUICK = process.argv.includes('--quick');
// --render rows.json: only render the table and chart from saved results ({rows, scaling}, the
// --json output; also what `circlewise model evaluate --json` gives, converted by the caller).
const renderIdx = process.argv.indexOf('--render');
const RENDER = renderIdx > 0 ? process.argv[renderIdx + 1] : '';
const EPSILONS = [0.5, 1, 2, 4, 8];
const cw = RENDER ? null : await load();
const saved = RENDER ? JSON.parse(readFileSync(RENDER, 'utf8')) : null;
const rows = saved?.rows ?? [];
const scaling = saved?.scaling ?? [];

function evaluate(name, ds, options, { table = rows, learners } = {}) {
  const t = performance.now();
  const q = ds.evaluateRecommender({ n: 10, maxCases: MAX_CASES, ...options });
  const secs = (performance.now() - t) / 1000;
  const pop = q.methods.find((m) => m.method === 'popularity');
  const popc = q.methods.find((m) => m.method === 'popularity in community');
  const item = q.methods.find((m) => m.method === 'item-item cosine');
  for (const m of q.methods) {
    const ldp = m.method.startsWith('ldp ');
    table.push({ data: name, learners: learners ?? q.learnersEvaluated, evaluated: q.learnersEvaluated, courses: q.courses, method: m.method,
      epsilon: ldp ? Number(m.method.split('eps=')[1]) : null, hybrid: m.method.startsWith('ldp hybrid'),
      'recall@10': +m.recall.toFixed(4), 'NDCG@10': +m.ndcg.toFixed(4),
      coverage: +m.coverage.toFixed(3), gainKept: ldp ? +((m.recall - pop.recall) / (item.recall - pop.recall)).toFixed(2) : null,
      // Both private models fall back to popularity within the learner's community: the gain their
      // pairs add is measured against that level.
      // (Undefined where item-item does not beat that level.)
      gainOverCommunity: ldp && item.recall > popc.recall ? +((m.recall - popc.recall) / (item.recall - popc.recall)).toFixed(2) : null,
      itemReports: ldp ? q.ldpItemReports : null, pairReports: ldp ? q.ldpPairReports : null });
  }
  if (!(item.recall > pop.recall)) throw new Error(`${name}: item-item (${item.recall}) does not beat popularity (${pop.recall})`);
  if (!JSON_OUT) console.error(`${name}: ${q.learnersEvaluated} learners, ${q.courses} courses, ${secs.toFixed(1)} s; item-item/popularity recall = ${(item.recall / pop.recall).toFixed(2)}x`);
}

for (const [learners, courses] of RENDER ? [] : [[2000, 60], [20000, 60], [20000, 500]]) {
  const ds = cw.generatePlatform({ seed: 42, learners, courses });
  evaluate(`synthetic ${learners}x${courses}`, ds, { ease: courses <= 1000, ldpEpsilons: EPSILONS });
  ds.close();
}

// How many learners keep most of the gain at epsilon 4 (and 2, 8)? Larger simulated populations.
if (!QUICK && !RENDER) {
  for (const courses of [60, 500]) {
    for (const learners of [2000, 5000, 20000, 50000, 100000, 200000]) {
      const ds = cw.generatePlatform({ seed: 42, learners, courses });
      evaluate(`synthetic ${learners}x${courses}`, ds, { ldpEpsilons: [2, 4, 8] }, { table: scaling, learners });
      ds.close();
    }
  }
}

// Real data: UCI Online Retail (Chen 2015), purchases only, cancellations and lines without a
// customer left out (and counted).
const shared = process.env.CIRCLEWISE_SHARED_DATA ?? fileURLToPath(new URL('../../shared/data', import.meta.url));
const retail = `${shared}/online-retail-uci/online_retail.csv.xz`;
if (RENDER) {
  // nothing to compute
} else if (existsSync(retail)) {
  const text = await new Promise((resolve, reject) => {
    const xz = spawn('xz', ['-dc', retail]);
    const chunks = [];
    xz.stdout.on('data', (c) => chunks.push(c));
    xz.on('error', reject);
    xz.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`xz exited ${code}`))));
  });
  const parsed = Papa.parse(text, { header: true, skipEmptyLines: true });
  let noCustomer = 0;
  let cancelled = 0;
  const lines = ['user_id,item_id,event,ts,amount,community'];
  const q = (s) => `"${String(s).replaceAll('"', '""')}"`;
  for (const r of parsed.data) {
    if (!r.CustomerID || r.CustomerID === 'NA') { noCustomer++; continue; }
    if (r.InvoiceNo.startsWith('C') || !(Number(r.Quantity) > 0)) { cancelled++; continue; }
    const amount = Math.max(0, Number(r.Quantity) * Number(r.UnitPrice)).toFixed(2);
    lines.push(`${r.CustomerID},${q(r.StockCode)},purchase,${r.InvoiceDate.replace(' ', 'T')}Z,${amount},${q(r.Country)}`);
  }
  const ds = cw.parseEvents(lines.join('\n'));
  if (!JSON_OUT) console.error(`online retail: ${parsed.data.length} lines, ${noCustomer} without customer and ${cancelled} cancellations/returns left out, ${ds.size} purchase events`);
  evaluate('UCI online retail', ds, { model: { events: ['purchase'] }, ease: false, ldpEpsilons: EPSILONS });
  ds.close();
} else if (!JSON_OUT) {
  console.error('(../shared/data/online-retail-uci not present: real-data rows skipped)');
}

// Utility against epsilon: recall@10 of each private model, with the item-item (solid) and
// popularity (dotted) levels of the same data; log2 epsilon axis.
function chart(table) {
  const sets = [...new Set(table.map((r) => r.data))];
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
  const W = 720, H = 420, L = 60, R = 220, T = 30, B = 50;
  const ymax = Math.ceil(Math.max(...table.map((r) => r['recall@10'])) * 10 + 0.5) / 10;
  const x = (e) => L + ((Math.log2(e) + 1) / 4) * (W - L - R);
  const y = (v) => T + (1 - v / ymax) * (H - T - B);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<title>Recall@10 of models rebuilt from LDP reports (and the hybrid with public counts) against epsilon</title>`, `<rect width="${W}" height="${H}" fill="#fff"/>`];
  for (let v = 0; v <= ymax + 1e-9; v += 0.1) {
    out.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/><text x="${L - 8}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`);
  }
  for (const e of EPSILONS) out.push(`<text x="${x(e)}" y="${H - B + 18}" text-anchor="middle">${e}</text>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">epsilon per report (one item + one pair report per learner)</text>`,
    `<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">recall@10 (leave-last-out)</text>`,
    `<line x1="${L}" x2="${W - R}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/><line x1="${L}" x2="${L}" y1="${T}" y2="${y(0)}" stroke="#333"/>`);
  sets.forEach((name, i) => {
    const c = colours[i % colours.length];
    const pts = table.filter((r) => r.data === name && r.epsilon !== null && !r.hybrid).sort((a, b) => a.epsilon - b.epsilon);
    const hyb = table.filter((r) => r.data === name && r.hybrid).sort((a, b) => a.epsilon - b.epsilon);
    const level = (m) => table.find((r) => r.data === name && r.method === m)['recall@10'];
    out.push(`<line x1="${L}" x2="${W - R}" y1="${y(level('item-item cosine'))}" y2="${y(level('item-item cosine'))}" stroke="${c}" stroke-opacity=".6"/>`,
      `<line x1="${L}" x2="${W - R}" y1="${y(level('popularity'))}" y2="${y(level('popularity'))}" stroke="${c}" stroke-dasharray="2 4"/>`,
      `<polyline fill="none" stroke="${c}" stroke-width="2.5" points="${pts.map((p) => `${x(p.epsilon)},${y(p['recall@10'])}`).join(' ')}"/>`,
      ...pts.map((p) => `<circle cx="${x(p.epsilon)}" cy="${y(p['recall@10'])}" r="3.5" fill="${c}"/>`),
      `<polyline fill="none" stroke="${c}" stroke-width="1.5" stroke-dasharray="6 3" points="${hyb.map((p) => `${x(p.epsilon)},${y(p['recall@10'])}`).join(' ')}"/>`,
      ...hyb.map((p) => `<rect x="${x(p.epsilon) - 3.5}" y="${y(p['recall@10']) - 3.5}" width="7" height="7" fill="#fff" stroke="${c}" stroke-width="1.5"/>`),
      `<rect x="${W - R + 14}" y="${T + i * 38}" width="14" height="4" fill="${c}"/><text x="${W - R + 34}" y="${T + i * 38 + 6}">${name}</text>`,
      `<text x="${W - R + 34}" y="${T + i * 38 + 21}" fill="#555" font-size="10">${pts[0]?.learners ?? ''} learners evaluated</text>`);
  });
  out.push(`<text x="${W - R + 14}" y="${H - B - 44}" font-size="10" fill="#555">- - hybrid: public counts + pairs (squares)</text>`,
    `<text x="${W - R + 14}" y="${H - B - 30}" font-size="10" fill="#555">── private model (dots)</text>`,
    `<text x="${W - R + 14}" y="${H - B - 16}" font-size="10" fill="#555">thin line: non-private item-item</text>`,
    `<text x="${W - R + 14}" y="${H - B - 2}" font-size="10" fill="#555">dotted: popularity</text>`, '</svg>');
  return out.join('\n');
}

const md = (table, withLearners) => {
  const lines = [`| data |${withLearners ? ' learners |' : ''} learners evaluated | courses | method | recall@10 | NDCG@10 | coverage | gain kept | over community |`,
    `|---|${withLearners ? '---:|' : ''}---:|---:|---|---:|---:|---:|---:|---:|`];
  for (const r of table) {
    lines.push(`| ${r.data} |${withLearners ? ` ${r.learners} |` : ''} ${r.evaluated} | ${r.courses} | ${r.method} | ${r['recall@10']} | ${r['NDCG@10']} | ${r.coverage} | ${r.gainKept ?? ''} | ${r.gainOverCommunity ?? ''} |`);
  }
  return lines.join('\n');
};
if (SVG) writeFileSync(SVG, `${chart(rows)}\n`);
if (JSON_OUT) console.log(JSON.stringify({ rows, scaling }, null, 2));
else {
  console.log(md(rows, false));
  if (scaling.length) {
    console.log('\nLarger simulated populations (synthetic platform, seed 42), private models at epsilon 2, 4, 8:\n');
    console.log(md(scaling, true));
  }
}
