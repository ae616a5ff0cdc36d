// Learner and community analyses at 100k and 1M events: circlewise in WASM (Node) against the
// native CLI and against the straightforward JavaScript a web developer would write (Maps, Sets and
// string keys over one object per row; ml-kmeans for the clustering, as bench/kmeans.mjs), in one run.
//
//   segment()          learner features (RFM + engagement), transforms, z-scores, k-means k = 5
//   rfm()              RFM quintile scores and the RFM-map segments
//   communityHealth()  members, new, active, churned, payers, revenue per community and month
//                      (circlewise also computes DAU/MAU, WAU/MAU, rates and trend flags; the JS
//                      peer does not, so its time is a lower bound for the same output)
//   referrals()        referral tree: K-factor, generations, advocates' direct and chain counts
//                      (circlewise also per community and period; the JS peer does not)
//   inviteTargets()    signals at two moments, logistic regression (IRLS), scoring, ranking
//
// Every JS peer's answer is checked against circlewise's (the numbers it computes must match) and
// the check is printed next to the times. Inputs: each side gets the log already parsed (circlewise
// a Dataset, JS one object per row from papaparse with timestamps as numbers); the native CLI reads
// the CSV itself, so its column includes parsing; `circlewise inspect` (reading alone) runs
// interleaved with it and the difference estimates the analysis alone (CPU time, see native()).
//
// Usage: node bench/communities.mjs [--events 100000,1000000] [--repeat 3] [--no-native] [--no-js]
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { kmeans as mlKmeans } from 'ml-kmeans';
import { load } from '../web/index.js';

const argv = process.argv;
const opt = (name, def) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : def);
const SIZES = opt('events', '100000,1000000').split(',').map(Number);
const REPEAT = Number(opt('repeat', 3));
const CLI = new URL('../build-native/cli/circlewise', import.meta.url).pathname;
const withNative = !argv.includes('--no-native') && existsSync(CLI);
const withJs = !argv.includes('--no-js');
const COURSE = 'course-001';
const DAY = 86400000;

// ───────────── the JavaScript peers ─────────────

function learnerFeatures(rows, asOf) {
  const L = new Map();
  const communityOrder = new Map(); // first appearance in the log = circlewise's tie-break (lowest code)
  for (const e of rows) {
    if (e.community && !communityOrder.has(e.community)) communityOrder.set(e.community, communityOrder.size);
    if (e.ts > asOf) continue;
    let l = L.get(e.user);
    if (!l) {
      l = { user: e.user, last: e.ts, purchases: 0, net: 0, shares: 0, days: new Set(), enrolled: new Set(), completed: new Set(), comm: new Map() };
      L.set(e.user, l);
    }
    if (e.ts > l.last) l.last = e.ts;
    l.days.add(Math.floor(e.ts / DAY));
    if (e.event === 'purchase') {
      l.purchases++;
      if (!Number.isNaN(e.amount)) l.net += e.amount;
    } else if (e.event === 'refund') {
      if (!Number.isNaN(e.amount)) l.net -= e.amount;
    } else if (e.event === 'share') l.shares++;
    else if (e.event === 'enroll' && e.item) l.enrolled.add(e.item);
    else if (e.event === 'complete' && e.item) l.completed.add(e.item);
    if (e.community) l.comm.set(e.community, (l.comm.get(e.community) ?? 0) + 1);
  }
  return [...L.values()].map((l) => {
    let done = 0;
    for (const c of l.completed) if (l.enrolled.has(c)) done++;
    let community = null, best = 0;
    for (const [c, n] of l.comm) {
      if (n > best || (n === best && communityOrder.get(c) < communityOrder.get(community))) [community, best] = [c, n];
    }
    return {
      user: l.user, community,
      x: [(asOf - l.last) / DAY, l.purchases, l.net, l.days.size, l.enrolled.size, l.enrolled.size ? done / l.enrolled.size : 0, l.shares],
    };
  });
}
const lastTs = (rows) => rows.reduce((m, e) => (e.ts > m ? e.ts : m), -Infinity);

function jsSegment(rows) {
  const f = learnerFeatures(rows, lastTs(rows));
  const tf = [(x) => x, Math.log1p, (x) => Math.sign(x) * Math.log1p(Math.abs(x)), Math.log1p, Math.log1p, (x) => x, Math.log1p];
  const cols = tf.map((t, j) => f.map((l) => t(l.x[j])));
  const stats = cols.map((c) => {
    const mean = c.reduce((a, b) => a + b, 0) / c.length;
    const sd = Math.sqrt(c.reduce((a, b) => a + (b - mean) ** 2, 0) / c.length);
    return { mean, sd };
  });
  const data = f.map((_, i) => cols.map((c, j) => (stats[j].sd > 0 ? (c[i] - stats[j].mean) / stats[j].sd : 0)));
  const km = mlKmeans(data, 5, { initialization: 'kmeans++', seed: 1, maxIterations: 100 });
  return { learners: f.length, stats, clusters: km.centroids.length };
}

function quintiles(values, higherIsBetter) {
  const n = values.length;
  const order = values.map((_, i) => i).sort((a, b) => (higherIsBetter ? values[a] - values[b] : values[b] - values[a]) || a - b);
  const score = new Uint8Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j < n && values[order[j]] === values[order[i]]) j++;
    const s = Math.min(5, 1 + Math.floor((5 * i) / n));
    for (let t = i; t < j; t++) score[order[t]] = s;
    i = j;
  }
  return score;
}
function rfmSegment(r, fm) {
  if (r <= 2) return fm === 5 ? "Can't lose them" : fm >= 3 ? 'At risk' : r === 1 && fm === 1 ? 'Lost' : 'Hibernating';
  if (r === 3) return fm >= 4 ? 'Loyal' : fm === 3 ? 'Need attention' : 'About to sleep';
  if (fm >= 4) return r === 5 ? 'Champions' : 'Loyal';
  if (fm >= 2) return 'Potential loyalists';
  return r === 5 ? 'New' : 'Promising';
}
function rfmScores(f) {
  const r = quintiles(f.map((l) => l.x[0]), false), fr = quintiles(f.map((l) => l.x[1]), true), m = quintiles(f.map((l) => l.x[2]), true);
  const fm = f.map((_, i) => Math.floor((fr[i] + m[i] + 1) / 2));
  return { r, fm, segment: f.map((_, i) => rfmSegment(r[i], fm[i])) };
}
function jsRfm(rows) {
  const f = learnerFeatures(rows, lastTs(rows));
  const s = rfmScores(f);
  const counts = {};
  for (const g of s.segment) counts[g] = (counts[g] ?? 0) + 1;
  return counts;
}

const monthOf = (ts) => {
  const d = new Date(ts);
  return (d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth();
};
function jsHealth(rows) {
  const sorted = rows.every((e, i) => i === 0 || rows[i - 1].ts <= e.ts) ? rows : [...rows].sort((a, b) => a.ts - b.ts);
  const first = monthOf(sorted[0].ts), last = monthOf(sorted[sorted.length - 1].ts);
  const C = new Map();
  const comm = (c) => {
    let a = C.get(c);
    if (!a) {
      const z = () => new Array(last - first + 2).fill(0);
      a = { memberDiff: z(), fresh: z(), churned: z(), revenue: z(), active: new Map(), payers: new Map(), members: new Map() };
      C.set(c, a);
    }
    return a;
  };
  const countMember = (a, m, from, to) => {
    from = Math.max(from, m.countedTo + 1);
    if (from > to) return;
    a.memberDiff[from - first]++;
    a.memberDiff[to - first + 1]--;
    m.countedTo = to;
  };
  const addTo = (map, p, u) => {
    let s = map.get(p);
    if (!s) map.set(p, (s = new Set()));
    s.add(u);
  };
  for (const e of sorted) {
    if (!e.community) continue;
    const a = comm(e.community), p = monthOf(e.ts);
    let m = a.members.get(e.user);
    if (!m) a.members.set(e.user, (m = { member: false, start: 0, countedTo: -Infinity }));
    if (e.event === 'leave') {
      if (!m.member) continue;
      m.member = false;
      a.churned[p - first]++;
      countMember(a, m, m.start, p);
      continue;
    }
    if (!m.member) {
      m.member = true;
      m.start = p;
      a.fresh[p - first]++;
    }
    if (e.event === 'refund' && !Number.isNaN(e.amount)) a.revenue[p - first] -= e.amount;
    if (e.event === 'join' || e.event === 'refund') continue;
    addTo(a.active, p, e.user);
    if (e.event === 'purchase') {
      addTo(a.payers, p, e.user);
      if (!Number.isNaN(e.amount)) a.revenue[p - first] += e.amount;
    }
  }
  const out = {};
  for (const [c, a] of C) {
    for (const m of a.members.values()) if (m.member) countMember(a, m, m.start, last);
    let members = 0;
    out[c] = [];
    for (let p = first; p <= last; p++) {
      members += a.memberDiff[p - first];
      out[c].push({ p, members, new: a.fresh[p - first], active: a.active.get(p)?.size ?? 0, churned: a.churned[p - first], payers: a.payers.get(p)?.size ?? 0, revenue: a.revenue[p - first] });
    }
  }
  return out;
}

function jsReferrals(rows) {
  const firstTs = new Map(), ref = new Map();
  for (const e of rows) {
    if (!firstTs.has(e.user) || e.ts < firstTs.get(e.user)) firstTs.set(e.user, e.ts);
    if (e.referrer && e.referrer !== e.user && !ref.has(e.user)) ref.set(e.user, e.referrer);
  }
  const parent = new Map();
  for (const [u, r] of ref) if (firstTs.has(r)) parent.set(u, r);
  const gen = new Map();
  const generation = (u) => {
    if (gen.has(u)) return gen.get(u);
    const path = [];
    let v = u;
    while (parent.has(v) && !gen.has(v) && path.length <= firstTs.size) {
      path.push(v);
      v = parent.get(v);
    }
    let g = gen.has(v) ? gen.get(v) : 0;
    if (!gen.has(v)) gen.set(v, 0);
    for (let i = path.length - 1; i >= 0; i--) gen.set(path[i], ++g);
    return gen.get(u);
  };
  const generations = [];
  const direct = new Map(), chain = new Map();
  const byDepth = [...firstTs.keys()].sort((a, b) => generation(b) - generation(a));
  for (const u of byDepth) {
    const g = generation(u);
    generations[g] = (generations[g] ?? 0) + 1;
    const p = parent.get(u);
    if (p === undefined) continue;
    direct.set(p, (direct.get(p) ?? 0) + 1);
    chain.set(p, (chain.get(p) ?? 0) + 1 + (chain.get(u) ?? 0));
  }
  const top = [...chain].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
  return { learners: firstTs.size, referred: parent.size, kFactor: parent.size / firstTs.size, generations, top: top.map(([u, c]) => ({ learner: u, chain: c, direct: direct.get(u) })) };
}

function snapshot(rows, t, target) {
  const f = learnerFeatures(rows, t);
  const s = rfmScores(f);
  const row = new Map(f.map((l, k) => [l.user, k]));
  const ownsTarget = new Uint8Array(f.length), owned = f.map(() => new Set()), activity = new Float64Array(f.length);
  for (const e of rows) {
    if (e.ts > t) continue;
    const k = row.get(e.user);
    if (e.event === 'purchase' && e.item) {
      if (e.item === target) ownsTarget[k] = 1;
      else owned[k].add(e.item);
    }
    if (e.event !== 'join' && e.event !== 'leave' && e.event !== 'refund' && e.ts > t - 30 * DAY) activity[k]++;
  }
  const own = new Map(), both = new Map(), commN = new Map(), commOwn = new Map();
  let targetOwners = 0;
  f.forEach((l, k) => {
    targetOwners += ownsTarget[k];
    for (const i of owned[k]) {
      own.set(i, (own.get(i) ?? 0) + 1);
      both.set(i, (both.get(i) ?? 0) + ownsTarget[k]);
    }
    commN.set(l.community, (commN.get(l.community) ?? 0) + 1);
    commOwn.set(l.community, (commOwn.get(l.community) ?? 0) + ownsTarget[k]);
  });
  const x = f.map((l, k) => {
    let conf = 0, sim = 0;
    for (const i of owned[k]) {
      conf = Math.max(conf, both.get(i) / own.get(i));
      if (targetOwners > 0) sim += both.get(i) / Math.sqrt(own.get(i) * targetOwners);
    }
    return [1, conf, sim, (s.r[k] - 3) / 2, (s.fm[k] - 3) / 2, Math.log1p(activity[k]), commOwn.get(l.community) / commN.get(l.community)];
  });
  return { f, x, ownsTarget, row };
}
const sigmoid = (z) => 1 / (1 + Math.exp(-z));
function fitLogistic(x, y, ridge) {
  const d = x[0].length;
  let w = new Array(d).fill(0);
  for (let it = 0; it < 100; it++) {
    const h = Array.from({ length: d }, () => new Array(d).fill(0)), g = new Array(d).fill(0);
    x.forEach((xi, i) => {
      const p = sigmoid(xi.reduce((s, v, j) => s + v * w[j], 0)), v = p * (1 - p), r = y[i] - p;
      for (let a = 0; a < d; a++) {
        g[a] += xi[a] * r;
        for (let b = 0; b < d; b++) h[a][b] += v * xi[a] * xi[b];
      }
    });
    for (let a = 1; a < d; a++) {
      h[a][a] += ridge;
      g[a] -= ridge * w[a];
    }
    // Gaussian elimination (what one writes without a linear-algebra library).
    const m = h.map((r, a) => [...r, g[a]]);
    for (let c = 0; c < d; c++) {
      for (let r = c + 1; r < d; r++) {
        const q = m[r][c] / m[c][c];
        for (let k = c; k <= d; k++) m[r][k] -= q * m[c][k];
      }
    }
    const step = new Array(d).fill(0);
    for (let r = d - 1; r >= 0; r--) step[r] = (m[r][d] - m[r].slice(r + 1, d).reduce((s, v, k) => s + v * step[r + 1 + k], 0)) / m[r][r];
    w = w.map((v, a) => v + step[a]);
    if (Math.max(...step.map(Math.abs)) < 1e-10) break;
  }
  return w;
}
function jsTargets(rows, course, horizonDays = 30) {
  const end = lastTs(rows), t0 = end - horizonDays * DAY;
  const past = snapshot(rows, t0, course);
  const boughtAfter = new Set(rows.filter((e) => e.ts > t0 && e.event === 'purchase' && e.item === course).map((e) => e.user));
  const x = [], y = [];
  past.f.forEach((l, k) => {
    if (past.ownsTarget[k]) return;
    x.push(past.x[k]);
    y.push(boughtAfter.has(l.user) ? 1 : 0);
  });
  const w = fitLogistic(x, y, 1);
  const now = snapshot(rows, end, course);
  const cand = [];
  now.f.forEach((l, k) => {
    if (!now.ownsTarget[k]) cand.push({ learner: l.user, probability: sigmoid(now.x[k].reduce((s, v, j) => s + v * w[j], 0)) });
  });
  cand.sort((a, b) => b.probability - a.probability || (a.learner < b.learner ? -1 : 1));
  return { w, candidates: cand.length, targets: cand.slice(0, 100) };
}

// ───────────── checks: the JS answer against circlewise's ─────────────

const close = (a, b, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
const checks = {
  segment: (cw, js) => cw.learners === js.learners && cw.features.every((c, j) => close(c.mean, js.stats[j].mean) && close(c.sd, js.stats[j].sd)),
  rfm: (cw, js) => cw.segments.every((s) => (js[s.label] ?? 0) === s.learners),
  health: (cw, js) => cw.communities.every((c) => c.periods.every((p) => {
    const q = js[c.community].find((x) => `${1970 + Math.floor(x.p / 12)}-${String((x.p % 12) + 1).padStart(2, '0')}` === p.period);
    return q && ['members', 'new', 'active', 'churned', 'payers'].every((k) => q[k] === p[k]) && close(q.revenue, p.revenue);
  })),
  referrals: (cw, js) => cw.learners === js.learners && cw.referred === js.referred && close(cw.kFactor, js.kFactor) &&
    cw.generations.every((g, i) => g === js.generations[i]),
  targets: (cw, js) => cw.candidates === js.candidates && cw.targets.slice(0, 20).every((t, i) => t.learner === js.targets[i].learner && close(t.probability, js.targets[i].probability, 1e-6)),
};

// ───────────── the run ─────────────

function best(fn) {
  let ms = Infinity, r;
  for (let i = 0; i < REPEAT; i++) {
    const t0 = performance.now();
    r = fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, r };
}
// The CLI reads the CSV before it analyses; `inspect` only reads it. Both run interleaved, at least
// 5 times each, timed as CPU time (user + system, from bash's `time`): on this shared machine wall
// time moves with other jobs' load, CPU time far less. The analysis alone ≈ best(analysis) − best(inspect).
function native(args, file) {
  const run = (a) => {
    const p = spawnSync('bash', ['-c', 'TIMEFORMAT="%3U %3S"; { time "$0" "$@" > /dev/null; } 2>&1', CLI, ...a], { encoding: 'utf8' });
    const [user, sys] = p.stdout.trim().split(/\s+/).slice(-2).map(Number);
    if (p.status !== 0 || !Number.isFinite(user)) throw new Error(`circlewise ${a.join(' ')}: ${p.stdout} ${p.stderr}`);
    return 1000 * (user + sys);
  };
  let total = Infinity, read = Infinity;
  for (let i = 0; i < Math.max(5, REPEAT); i++) {
    read = Math.min(read, run(['inspect', file]));
    total = Math.min(total, run(args));
  }
  return { total, read };
}

const cw = await load();
console.log(`communities bench: best of ${REPEAT}; node ${process.version}; ${cpus().length} cores; load average at start ` +
  loadavg().map((x) => x.toFixed(1)).join(' '));
const dir = mkdtempSync(join(tmpdir(), 'cw-communities-'));
const fmt = (ms) => (ms === undefined ? '—' : `${ms.toFixed(0)} ms`);
const ratio = (a, b) => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(1)}×`);
for (const events of SIZES) {
  const gen = cw.generatePlatform({ seed: 1, events, advocates: 20 });
  const csv = gen.toCSV();
  gen.close();
  const file = join(dir, `events-${events}.csv`);
  writeFileSync(file, csv);
  const ds = await cw.readEvents(csv);
  const rows = withJs ? Papa.parse(csv, { header: true, skipEmptyLines: true }).data.map((r) => ({
    user: r.user_id, item: r.item_id, event: r.event, ts: Date.parse(r.ts), amount: r.amount === '' ? NaN : Number(r.amount),
    community: r.community, referrer: r.referrer,
  })) : null;
  const learners = ds.summary().users;
  console.log(`\n${events.toLocaleString('en')} events${learners ? `, ${learners.toLocaleString('en')} learners` : ''}; load average now ${loadavg()[0].toFixed(1)}`);
  const cases = [
    ['segment()', () => ds.segment({ k: 5 }), () => jsSegment(rows), ['segment', file, '--k', '5', '--json'], checks.segment],
    ['rfm()', () => ds.rfm(), () => jsRfm(rows), ['segment', file, '--rfm', '--json'], checks.rfm],
    ['communityHealth()', () => ds.communityHealth(), () => jsHealth(rows), ['communities', file, '--json'], checks.health],
    ['referrals()', () => ds.referrals(), () => jsReferrals(rows), ['referrals', file, '--json'], checks.referrals],
    ['inviteTargets()', () => ds.inviteTargets({ course: COURSE }), () => jsTargets(rows, COURSE), ['targets', file, '--course', COURSE, '--json'], checks.targets],
  ];
  console.log('| analysis | circlewise WASM | native CLI, CPU time incl. reading the CSV | native analysis ≈ | WASM / native | plain JS | JS / WASM | JS answer = circlewise |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---|');
  for (const [name, wasmFn, jsFn, cliArgs, check] of cases) {
    const w = best(wasmFn);
    const n = withNative ? native(cliArgs, file) : undefined;
    const j = withJs ? best(jsFn) : undefined;
    const same = j ? (check(w.r, j.r) ? 'yes' : 'NO') : '—';
    console.log(`| ${name} | ${fmt(w.ms)} | ${fmt(n?.total)} (read ${fmt(n?.read)}) | ${fmt(n && n.total - n.read)} | ${n && n.total - n.read > 0 ? ratio(w.ms, n.total - n.read) : '—'} | ${fmt(j?.ms)} | ${ratio(j?.ms, w.ms)} | ${same} |`);
  }
  ds.close();
}
rmSync(dir, { recursive: true, force: true });
