// Ingest benchmark: 1,000,000 generated events as CSV, loaded through the WASM module under Node
// (validating every field, dictionary-encoding ids, columnar storage) next to papaparse parsing
// the same CSV (no validation, one object per row). Each contender runs in its own process so peak
// memory (max RSS) is its own. Usage: node bench/ingest.mjs [events=1000000] [repeats=3]
import { spawnSync } from 'node:child_process';
import { createReadStream, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const self = new URL(import.meta.url).pathname;

async function contender(name, file) {
  const t0 = performance.now();
  let rows = 0;
  if (name === 'circlewise-string' || name === 'circlewise-stream') {
    const { load } = await import('../web/index.js');
    const cw = await load();
    const t1 = performance.now();
    const source = name === 'circlewise-string' ? readFileSync(file, 'utf8') : createReadStream(file, { highWaterMark: 1 << 20 });
    const ds = await cw.readEvents(source);
    rows = ds.size;
    const ms = performance.now() - t1;
    ds.close();
    return { rows, ms, loadMs: t1 - t0 };
  }
  const Papa = (await import('papaparse')).default;
  if (name === 'papaparse-string') {
    const text = readFileSync(file, 'utf8');
    const r = Papa.parse(text, { header: true, skipEmptyLines: true });
    rows = r.data.length;
  } else {
    await new Promise((resolve, reject) => {
      Papa.parse(createReadStream(file), { header: true, skipEmptyLines: true, step: () => { rows++; }, complete: resolve, error: reject });
    });
  }
  return { rows, ms: performance.now() - t0 };
}

if (process.argv[2] === '--child') {
  const r = await contender(process.argv[3], process.argv[4]);
  r.maxRssMB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify(r));
  process.exit(0);
}

const events = Number(process.argv[2] ?? 1_000_000);
const repeats = Number(process.argv[3] ?? 3);
const file = join(tmpdir(), `circlewise-bench-${events}.csv`);
if (!existsSync(file)) {
  const { load } = await import('../web/index.js');
  const ds = (await load()).generatePlatform({ seed: 1, events });
  writeFileSync(file, ds.toCSV());
  ds.close();
}
const mb = statSync(file).size / 1e6;
console.log(`ingest: ${events.toLocaleString('en')} events, ${mb.toFixed(1)} MB CSV, best of ${repeats} runs, Node ${process.version}`);
const results = {};
for (const name of ['papaparse-string', 'papaparse-stream', 'circlewise-string', 'circlewise-stream']) {
  let best;
  for (let i = 0; i < repeats; i++) {
    const out = spawnSync(process.execPath, ['--max-old-space-size=8192', self, '--child', name, file], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`${name} failed: ${out.stderr}`);
    const r = JSON.parse(out.stdout.trim().split('\n').at(-1));
    if (r.rows !== events) throw new Error(`${name} read ${r.rows} rows, expected ${events}`);
    if (!best || r.ms < best.ms) best = r;
  }
  results[name] = best;
  console.log(`  ${name.padEnd(18)} ${best.ms.toFixed(0).padStart(6)} ms  ${(mb / (best.ms / 1000)).toFixed(0).padStart(4)} MB/s  peak RSS ${best.maxRssMB.toFixed(0).padStart(5)} MB`);
}
const ratio = (a, b) => (results[a].ms / results[b].ms).toFixed(2);
console.log(`  speed-up vs papaparse: string ${ratio('papaparse-string', 'circlewise-string')}x, stream ${ratio('papaparse-stream', 'circlewise-stream')}x`);
