// Frequent-itemset benchmark: FP-growth in circlewise (WASM under Node) against node-fpgrowth
// (pure JS), on the same baskets and the same minimum support, in one run. Both must find the
// same itemsets with the same counts (checked here; a mismatch aborts the run).
//
// Baskets:
//   - synthetic: the synthetic platform's purchases, one basket per learner (planted bundles);
//   - retail: UCI Online Retail invoices (../shared/data/online-retail-uci, unpacked with `xz -dc`),
//     one basket per invoice, cancellations (InvoiceNo starting with C) left out; skipped when the
//     file is absent.
// Timing: best of --repeat runs for circlewise, of min(--repeat, 2) for node-fpgrowth (slow);
// circlewise's time includes encoding the baskets into the heap and decoding the result.
//
// Usage: node bench/rules.mjs [--learners N] [--repeat R] [--no-retail]
import { FPGrowth } from 'node-fpgrowth';
import { load } from '../web/index.js';
import { hasRetail, retailBaskets, syntheticBaskets } from './baskets.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const LEARNERS = arg('learners', 100_000), REPEAT = arg('repeat', 3);

const cw = await load();

const key = (items) => [...items].map(String).sort().join('\u0001');

async function best(n, fn) {
  let t = Infinity, r;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    r = await fn();
    t = Math.min(t, performance.now() - t0);
  }
  return [t, r];
}

async function compare(name, baskets, supports) {
  const rows = [];
  const items = new Set(baskets.flat()).size;
  const mean = baskets.reduce((s, b) => s + b.length, 0) / baskets.length;
  console.log(`\n${name}: ${baskets.length} baskets, ${items} distinct items, mean basket ${mean.toFixed(2)}`);
  for (const support of supports) {
    const [tOurs, ours] = await best(REPEAT, () => cw.frequentItemsets(baskets, { minSupport: support, maxSize: 20 }));
    const [tTheirs, theirs] = await best(Math.min(REPEAT, 2), () => new FPGrowth(support).exec(baskets));
    if (ours.minCount !== Math.ceil(support * baskets.length)) throw new Error(`threshold differs at ${support}`);
    const a = new Map(ours.itemsets.map((s) => [key(s.items), s.count]));
    const b = new Map(theirs.map((s) => [key(s.items), s.support]));
    let same = a.size === b.size && !ours.truncated;
    for (const [k, v] of b) if (a.get(k) !== v) same = false;
    if (!same) throw new Error(`${name} @ ${support}: itemsets differ (${a.size} vs ${b.size})`);
    const row = { data: name, minSupport: support, itemsets: a.size, circlewiseMs: tOurs, nodeFpgrowthMs: tTheirs, speedup: tTheirs / tOurs };
    rows.push(row);
    console.log(`  minSupport ${support}: ${a.size} itemsets (same in both) | circlewise ${tOurs.toFixed(1)} ms | ` +
      `node-fpgrowth ${tTheirs.toFixed(1)} ms | ${row.speedup.toFixed(1)}x`);
  }
  return rows;
}

const rows = [];
rows.push(...await compare(`synthetic platform (${LEARNERS} learners, 60 courses)`, syntheticBaskets(cw, LEARNERS), [0.01, 0.002, 0.0005]));
if (!process.argv.includes('--no-retail') && hasRetail()) {
  rows.push(...await compare('UCI Online Retail invoices', retailBaskets(), [0.03, 0.02, 0.01]));
} else {
  console.log('\n(UCI Online Retail not found or --no-retail: skipped)');
}
console.log('\n| data | min support | itemsets | circlewise ms | node-fpgrowth ms | speed-up |\n|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.data} | ${r.minSupport} | ${r.itemsets} | ${r.circlewiseMs.toFixed(1)} | ${r.nodeFpgrowthMs.toFixed(1)} | ${r.speedup.toFixed(1)}× |`);
}
