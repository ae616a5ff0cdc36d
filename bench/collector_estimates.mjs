// GET /v1/estimates computed (cache miss) against served from the collector's cache (hit), on a
// collector holding simulated reports of a synthetic platform (SQLite in a temporary directory).
//   node bench/collector_estimates.mjs [learners=20000] [courses=500]
// Needs build-native (circlewise + circlewise-collector). Reports come from `circlewise ldp
// simulate` (seeded noise: a benchmark, not private).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [learners = '20000', courses = '500'] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'cw-estimates-'));
const cli = join(root, 'build-native/cli/circlewise');
const events = execFileSync(cli, ['generate', '--seed', '42', '--learners', learners, '--courses', courses], { maxBuffer: 1 << 30 });
const reports = execFileSync(cli, ['ldp', 'simulate', '-', '--epsilon', '4', '--seed', '1', '--catalogue', join(dir, 'cat.json')],
  { input: events, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'ignore'] }).toString().trim().split('\n');
const proc = spawn(join(root, 'build-native/collector/circlewise-collector'), ['--catalogue', join(dir, 'cat.json'),
  '--data', join(dir, 'data'), '--port', '0', '--rebuild-every', '0', '--rate-limit', '0', '--max-epsilon', '8'],
{ stdio: ['ignore', 'ignore', 'pipe'] });
const port = await new Promise((resolve) => {
  let log = '';
  proc.stderr.on('data', (c) => { log += c; const m = log.match(/"port":(\d+)/); if (m) resolve(Number(m[1])); });
});
const url = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; i < reports.length; i += 1000) {
    const r = await fetch(`${url}/v1/reports`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: `{"reports":[${reports.slice(i, i + 1000).join(',')}]}` });
    await r.text();
  }
  console.log(`${reports.length} reports stored (${learners} learners, ${courses} courses, epsilon 4)`);
  for (const path of ['/v1/estimates', '/v1/estimates?kind=pair&top=50']) {
    const runs = [];
    for (let k = 0; k < 6; ++k) {
      const t = performance.now();
      const r = await fetch(url + path);
      await r.text();
      runs.push({ cache: r.headers.get('x-estimates-cache'), ms: performance.now() - t });
    }
    const hits = runs.filter((r) => r.cache === 'hit').map((r) => r.ms).sort((a, b) => a - b);
    console.log(`${path}: miss ${runs[0].ms.toFixed(1)} ms (${runs[0].cache}), hit median ${hits[Math.floor(hits.length / 2)].toFixed(1)} ms of ${hits.length}`);
  }
} finally {
  proc.kill('SIGTERM');
  await new Promise((r) => proc.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
