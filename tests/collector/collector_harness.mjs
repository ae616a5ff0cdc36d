// Starts the real circlewise-collector binary on a random loopback port for the integration tests,
// and makes real LDP reports with the JS API (the same code the learner's browser runs).
import { spawn, execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from '../../web/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// COLLECTOR_BIN selects the build (test.sh runs the suite against build-native and build-asan).
export const BIN = process.env.COLLECTOR_BIN ?? join(root, 'build-native/collector/circlewise-collector');
export const CATALOGUE = join(root, 'tests/fixtures/collector_catalogue.json');
export const ITEMS = 8;
export const TOKEN = 'test-admin-token-0123456789';
// postgresql://... of a throwaway server (scripts/test.sh starts one); the Postgres tests need it.
export const PG_URL = process.env.COLLECTOR_PG_URL ?? '';

export const cw = await load();

/** A fresh PostgreSQL database on the throwaway server; returns its URL. */
export function freshPgDatabase() {
  const name = `cw_${process.pid}_${Math.random().toString(16).slice(2, 10)}`;
  execFileSync('psql', [PG_URL, '-q', '-c', `CREATE DATABASE ${name}`]);
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export function tempDir() {
  return mkdtempSync(join(tmpdir(), 'cw-collector-'));
}

/**
 * Starts the collector; resolves once it logs "listening". `storage`: { data } or { db }.
 * Returns { url, port, proc, logs (parsed JSON lines), exited (promise of the exit code), stop, kill }.
 */
export async function startCollector({ args = [], env = {}, data, db, port = 0 } = {}) {
  const dir = data ?? (db ? null : tempDir());
  const argv = ['--catalogue', CATALOGUE, '--port', String(port), '--rebuild-every', '0', '--rate-limit', '0',
    ...(db ? ['--db', db] : ['--data', dir]), ...args];
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CIRCLEWISE_COLLECTOR_')));
  const proc = spawn(BIN, argv, { env: { ...cleanEnv, ASAN_OPTIONS: 'detect_leaks=1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = [];
  const raw = [];
  let buffered = '';
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal)));
  const listening = new Promise((resolve, reject) => {
    proc.stderr.on('data', (chunk) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        raw.push(line);
        let parsed;
        try { parsed = JSON.parse(line); } catch { parsed = { unparsed: line }; }
        logs.push(parsed);
        if (parsed.msg === 'listening') resolve(parsed.port);
      }
    });
    exited.then((code) => reject(new Error(`collector exited (${code}) before listening:\n${raw.join('\n')}`)));
  });
  const actualPort = await listening;
  const url = `http://127.0.0.1:${actualPort}`;
  return {
    url, port: actualPort, proc, logs, raw, exited, data: dir,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
    async kill() {
      proc.kill('SIGKILL');
      return exited;
    },
    cleanup() { if (dir && !data) rmSync(dir, { recursive: true, force: true }); },
  };
}

/** One device's report over the test catalogue (a fresh device state each time). */
export function report(kind, history, { epsilon = 2, mechanism = 'auto', items = ITEMS } = {}) {
  // A fresh device each time, with a site budget that allows the test's epsilons.
  return cw.makeReport({ kind, items, history, epsilon, mechanism, period: '2026-11' },
    { budget: { maxEpsilonPerReport: 10, maxTotalEpsilon: 100 } }).report;
}

export async function post(url, body, headers = {}) {
  const res = await fetch(`${url}/v1/reports`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, json, text };
}

export async function rebuild(url, token = TOKEN) {
  const res = await fetch(`${url}/v1/model/rebuild`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  return { status: res.status, json: await res.json() };
}

export async function getJson(url, path, headers = {}) {
  const res = await fetch(`${url}${path}`, { headers });
  return { status: res.status, headers: res.headers, json: res.status === 304 ? null : await res.json() };
}

export async function metrics(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const values = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return { text, values };
}

// Raw HTTP for what fetch refuses to send (a lying Content-Length, bytes that are not UTF-8, a chunked
// body). A request refused before its body is read leaves the rest of the body on the connection, which
// the client may then report as an error after the response: the response is what counts.
export function rawRequest(port, { method = 'POST', path = '/v1/reports', headers = {}, body = '' }) {
  return new Promise((resolve, reject) => {
    let response = null;
    const chunks = [];
    const done = () => resolve({ ...response, body: Buffer.concat(chunks).toString() });
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      response = { status: res.statusCode, headers: res.headers };
      res.on('data', (c) => chunks.push(c));
      res.on('end', done);
      res.on('error', done);
    });
    req.on('error', (e) => (response ? done() : reject(e)));
    req.end(body);
  });
}
