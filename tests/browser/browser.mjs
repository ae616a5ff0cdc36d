// Shared setup for browser tests: Debian's Chromium driven by playwright-core, pages served from
// the repository on 127.0.0.1. Console errors and page errors are collected for the assertions.
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

export const repoRoot = new URL('../..', import.meta.url).pathname;

export async function openBrowser({ root = repoRoot, allow = ['examples', 'web', 'dist', 'tests', 'node_modules'] } = {}) {
  const server = await serve({ root, allow });
  const profile = await mkdtemp(join(tmpdir(), 'circlewise-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const logs = [];
  async function page(path) {
    const p = await context.newPage();
    p.on('console', (m) => { if (m.type() === 'error') logs.push(`console: ${m.text()}`); });
    p.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    await p.goto(`${server.url}${path}`);
    return p;
  }
  async function screenshot(p, name) {
    const dir = join(repoRoot, 'tests/browser/screenshots');
    await mkdir(dir, { recursive: true });
    await p.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
  }
  async function close() {
    await context.close();
    await server.close();
    await rm(profile, { recursive: true, force: true });
  }
  return { page, screenshot, close, logs, url: server.url, context: () => context };
}
