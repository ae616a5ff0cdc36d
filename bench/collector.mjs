// Load benchmark of circlewise-collector: wrk (Debian) posts batches of real LDP reports (made by the
// JS API; each request gets fresh report ids so every report is a new row) to the real binary on
// loopback, on SQLite and on a throwaway PostgreSQL. Reports sustained reports/s, request p50/p99
// and checks that every acknowledged report is stored.
//   node bench/collector.mjs [seconds=15] [batch=100] [connections=32]
// Run it with the machine otherwise idle: wrk and the collector share its cores.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { get } from 'node:http';
import { join } from 'node:path';
import { startCollector, cw, ITEMS } from '../tests/collector/collector_harness.mjs';
// COLLECTOR_BIN picks the binary (default build-native/collector/circlewise-collector).

const [seconds = 15, batch = 100, connections = 32] = process.argv.slice(2).map(Number);

// `batch` real reports (items and pairs, mechanisms chosen per domain as a browser would) split
// around their id; the Lua script puts a fresh id into each copy.
const templates = [];
for (let i = 0; i < batch; ++i) {
  const history = [i % ITEMS, (i + 3) % ITEMS];
  const r = cw.makeReport({ kind: i % 2 ? 'pair' : 'item', items: ITEMS, history, epsilon: 2, period: 'bench' }).report;
  const text = JSON.stringify(r);
  templates.push(text.split(r.id));
}
const dir = mkdtempSync(join(tmpdir(), 'cw-bench-'));
const lua = join(dir, 'reports.lua');
writeFileSync(lua, `
local templates = {${templates.map(([a, b]) => `{[==[${a}]==], [==[${b}]==]}`).join(',\n')}}
local counter, prefix = 0, ""
function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  prefix = string.format("%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
end
function request()
  local parts = {}
  for i = 1, #templates do
    counter = counter + 1
    parts[i] = templates[i][1] .. prefix .. string.format("%016x", counter) .. templates[i][2]
  end
  return wrk.format("POST", "/v1/reports", {["Content-Type"] = "application/json"},
                    '{"reports":[' .. table.concat(parts, ",") .. ']}')
end
`);

function wrk(url) {
  const out = execFileSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', lua, `${url}/v1/reports`],
    { encoding: 'utf8' });
  const ms = (label) => {
    const m = out.match(new RegExp(`^\\s+${label}%\\s+([\\d.]+)(us|ms|s)`, 'm'));
    return m ? Number(m[1]) * { us: 1e-3, ms: 1, s: 1e3 }[m[2]] : NaN;
  };
  const requests = Number(out.match(/(\d+) requests in/)[1]);
  const errors = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0) +
    Number(out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/)?.slice(1).reduce((a, b) => a + Number(b), 0) ?? 0);
  return { requests, errors, rps: Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]), p50: ms(50), p99: ms(99), raw: out };
}

// A fresh connection each time (a pooled one may have idled out on the server during the run).
function storedReports(url) {
  return new Promise((resolve, reject) => {
    get(`${url}/healthz`, { agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve(JSON.parse(body).reports));
    }).on('error', reject);
  });
}

async function run(name, storage) {
  const c = await startCollector({ ...storage, args: ['--threads', String(Math.max(8, connections))] });
  try {
    const before = await storedReports(c.url);
    const w = wrk(c.url);
    const stored = (await storedReports(c.url)) - before;
    const acknowledged = (w.requests - w.errors) * batch;
    return { name, ...w, reportsPerSecond: w.rps * batch, stored, acknowledged };
  } finally {
    await c.stop();
    c.cleanup();
  }
}

const results = [await run('SQLite (WAL, synchronous=FULL)', {})];
const pg = spawnSync('bash', ['scripts/throwaway-postgres.sh', 'start'], { encoding: 'utf8' });
if (pg.status === 0) {
  const env = Object.fromEntries(pg.stdout.replace(/^export /, '').trim().split(' ').map((kv) => kv.split('=')));
  try {
    results.push(await run('PostgreSQL 15 (synchronous_commit on)', { db: env.COLLECTOR_PG_URL }));
  } finally {
    spawnSync('bash', ['scripts/throwaway-postgres.sh', 'stop', env.CW_PG_DIR]);
  }
} else {
  console.error('PostgreSQL not available: ' + pg.stderr);
}
rmSync(dir, { recursive: true, force: true });

console.log(`\n${seconds} s per backend, ${batch} reports per request, ${connections} connections, wrk -t1\n`);
console.log('| storage | reports/s | requests/s | p50 | p99 | errors | acknowledged = stored |');
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const r of results) {
  console.log(`| ${r.name} | ${Math.round(r.reportsPerSecond).toLocaleString('en')} | ${Math.round(r.rps).toLocaleString('en')} | ` +
    `${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${r.errors} | ${r.acknowledged} ${r.stored >= r.acknowledged ? '≤' : '>'} ${r.stored} |`);
  if (r.stored < r.acknowledged) process.exitCode = 1;
}
