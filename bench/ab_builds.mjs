// Compares two builds of the module in one process (e.g. a build flag on and off), alternating
// calls so machine load hits both alike: FP-growth (frequentItemsets) on bench/rules.mjs's
// synthetic and UCI Online Retail baskets (retail skipped when ../shared/data is absent), and
// ingest of a generated CSV (readEvents). Results must be identical; prints min and median per build.
// A tree is a directory holding web/ and dist/ (e.g. `cp -r web package.json X/` and the build's dist/).
// Usage: node bench/ab_builds.mjs <treeA> <treeB> [--repeat 15] [--events 1000000]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hasRetail, retailBaskets, syntheticBaskets } from './baskets.mjs';

const [dirA, dirB] = process.argv.slice(2, 4);
if (!dirB) throw new Error('usage: node bench/ab_builds.mjs <treeA> <treeB> [--repeat N] [--events N]');
const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : def; };
const REPEAT = arg('repeat', 15), EVENTS = arg('events', 1_000_000);
const loadTree = async (d) => (await import(pathToFileURL(resolve(d, 'web/index.js')).href)).load();
const builds = [['A', await loadTree(dirA)], ['B', await loadTree(dirB)]];

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// Runs (awaits) fn(cw) REPEAT times per build, alternating which build goes first; checks equal results.
async function compare(label, fn) {
  const times = { A: [], B: [] }, first = {};
  for (let i = 0; i < REPEAT; i++) {
    for (const [name, cw] of i % 2 ? [...builds].reverse() : builds) {
      const t0 = performance.now();
      const r = await fn(cw);
      times[name].push(performance.now() - t0);
      first[name] ??= r;
    }
  }
  if (first.A !== first.B) throw new Error(`${label}: the builds' results differ`);
  const [a, b] = [median(times.A), median(times.B)];
  console.log(`${label}: A min ${Math.min(...times.A).toFixed(1)} median ${a.toFixed(1)} ms | ` +
    `B min ${Math.min(...times.B).toFixed(1)} median ${b.toFixed(1)} ms | A/B ${(a / b).toFixed(3)}`);
}

console.log(`A = ${dirA}, B = ${dirB}, ${REPEAT} alternating runs each, Node ${process.version}`);
const csv = (() => { const ds = builds[0][1].generatePlatform({ seed: 1, events: EVENTS }); const t = ds.toCSV(); ds.close(); return t; })();
await compare(`ingest ${EVENTS} events (readEvents, string)`, async (cw) => {
  const ds = await cw.readEvents(csv);
  const n = String(ds.size);
  ds.close();
  return n;
});
const sets = [['synthetic', syntheticBaskets(builds[0][1], 100_000), [0.01, 0.002, 0.0005]]];
if (hasRetail()) sets.push(['retail', retailBaskets(), [0.03, 0.02, 0.01]]);
for (const [name, baskets, supports] of sets) {
  for (const minSupport of supports) {
    await compare(`frequentItemsets ${name} minSupport ${minSupport}`,
      (cw) => JSON.stringify(cw.frequentItemsets(baskets, { minSupport, maxSize: 20 })));
  }
}
