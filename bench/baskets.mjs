// Baskets for the frequent-itemset benchmarks (bench/rules.mjs, bench/ab_builds.mjs), built in one
// place so both measure the same input.
//   - synthetic: the synthetic platform's purchases, one basket per learner (planted bundles);
//   - retail: UCI Online Retail invoices (../shared/data/online-retail-uci, unpacked with `xz -dc`),
//     one basket per invoice, cancellations (InvoiceNo starting with C) left out.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const RETAIL = new URL('../../shared/data/online-retail-uci/online_retail.csv.xz', import.meta.url);
export const hasRetail = () => existsSync(RETAIL);

export function syntheticBaskets(cw, learners) {
  const ds = cw.generatePlatform({ seed: 1, learners, courses: 60 });
  const lines = ds.toCSV().split('\n');
  ds.close();
  const head = lines[0].split(',');
  const [iu, ii, ie] = ['user_id', 'item_id', 'event'].map((c) => head.indexOf(c));
  const byUser = new Map();
  for (let k = 1; k < lines.length; k++) {
    const f = lines[k].split(',');
    if (f[ie] !== 'purchase') continue;
    if (!byUser.has(f[iu])) byUser.set(f[iu], new Set());
    byUser.get(f[iu]).add(f[ii]);
  }
  return [...byUser.values()].map((s) => [...s]);
}

export function retailBaskets() {
  const out = spawnSync('xz', ['-dc', RETAIL.pathname], { maxBuffer: 1 << 30, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`xz failed: ${out.stderr}`);
  const byInvoice = new Map();
  const lines = out.stdout.split('\n');
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k];
    if (!line) continue;
    const comma = line.indexOf(',');
    const invoice = line.slice(0, comma);
    if (invoice.startsWith('C')) continue;
    if (!byInvoice.has(invoice)) byInvoice.set(invoice, new Set());
    byInvoice.get(invoice).add(line.slice(comma + 1, line.indexOf(',', comma + 1)));
  }
  return [...byInvoice.values()].map((s) => [...s]);
}
