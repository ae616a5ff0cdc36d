// Recommendation quality, reproducible: leave-last-out split (each learner's last engaged course
// held out), recall@10, NDCG@10 and catalogue coverage for popularity, popularity within the
// learner's community, item-item cosine (the non-private model) and EASE where the catalogue is
// small enough.
//   node bench/recommender_quality.mjs [--json] [--max-cases N]
// Data: the synthetic platform (seeded, several sizes) and, when present, the real UCI Online
// Retail data in ../shared/data/online-retail-uci (customers = learners, products = courses,
// countries = communities). The same evaluation is `circlewise model evaluate events.csv`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import { load } from '../web/index.js';

const JSON_OUT = process.argv.includes('--json');
const mcIdx = process.argv.indexOf('--max-cases');
const MAX_CASES = mcIdx > 0 ? Number(process.argv[mcIdx + 1]) : 0;
const cw = await load();
const rows = [];

function evaluate(name, ds, options) {
  const t = performance.now();
  const q = ds.evaluateRecommender({ n: 10, maxCases: MAX_CASES, ...options });
  const secs = (performance.now() - t) / 1000;
  for (const m of q.methods) {
    rows.push({ data: name, learners: q.learnersEvaluated, courses: q.courses, method: m.method,
      'recall@10': +m.recall.toFixed(4), 'NDCG@10': +m.ndcg.toFixed(4), coverage: +m.coverage.toFixed(3) });
  }
  const pop = q.methods.find((m) => m.method === 'popularity');
  const item = q.methods.find((m) => m.method === 'item-item cosine');
  if (!(item.recall > pop.recall)) throw new Error(`${name}: item-item (${item.recall}) does not beat popularity (${pop.recall})`);
  if (!JSON_OUT) console.error(`${name}: ${q.learnersEvaluated} learners, ${q.courses} courses, ${secs.toFixed(1)} s; item-item/popularity recall = ${(item.recall / pop.recall).toFixed(2)}x`);
}

for (const [learners, courses] of [[2000, 60], [20000, 60], [20000, 500]]) {
  const ds = cw.generatePlatform({ seed: 42, learners, courses });
  evaluate(`synthetic ${learners}x${courses}`, ds, { ease: courses <= 1000 });
  ds.close();
}

// Real data: UCI Online Retail (Chen 2015), purchases only, cancellations and lines without a
// customer left out (and counted).
const retail = fileURLToPath(new URL('../../shared/data/online-retail-uci/online_retail.csv.xz', import.meta.url));
if (existsSync(retail)) {
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
  evaluate('UCI online retail', ds, { model: { events: ['purchase'] }, ease: false });
  ds.close();
} else if (!JSON_OUT) {
  console.error('(../shared/data/online-retail-uci not present: real-data rows skipped)');
}

if (JSON_OUT) console.log(JSON.stringify(rows, null, 2));
else {
  console.log('| data | learners evaluated | courses | method | recall@10 | NDCG@10 | coverage |');
  console.log('|---|---:|---:|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.data} | ${r.learners} | ${r.courses} | ${r.method} | ${r['recall@10']} | ${r['NDCG@10']} | ${r.coverage} |`);
}
