// What a web developer does first: `npm pack` the package, install the tarball into an empty Vite
// project, build it, open it in Chromium, and get a correct summary — on the main thread and in
// the package's module Worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from '../../web/index.js';
import { openBrowser, repoRoot } from '../browser/browser.mjs';

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('npm pack → install in a scratch Vite project → vite build → works in Chromium', async () => {
  const scratch = await mkdtemp(join(tmpdir(), 'circlewise-vite-'));
  let browser;
  try {
    const [{ filename }] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], repoRoot));
    await writeFile(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch-site', private: true, type: 'module' }));
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(scratch, filename)], scratch);
    await writeFile(join(scratch, 'vite.config.js'),
      "export default { worker: { format: 'es' }, optimizeDeps: { exclude: ['circlewise'] }, logLevel: 'warn' };\n");
    await writeFile(join(scratch, 'index.html'),
      '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>' +
      '<body><div id="out"></div><script type="module" src="./main.js"></script></body></html>');
    await writeFile(join(scratch, 'main.js'), `
import { load, loadInWorker } from 'circlewise';
import { load as loadLearner } from 'circlewise/learner';
try {
  const cw = await load();
  const ds = cw.generatePlatform({ seed: 9, learners: 500 });
  const summary = ds.summary();
  const model = cw.buildModel(ds, { k: 5 });
  ds.close();
  // The course-page entry: its own small module, the same answer for the same model.
  const learner = await loadLearner();
  const rec = learner.loadModel(model.toBinary());
  const learnerPicks = rec.recommend(['course-001'], { n: 3 });
  const fullPicks = model.recommend(['course-001'], { n: 3 });
  let learnerError = null;
  try { rec.recommend(['course-001'], { n: 0 }); } catch (e) { learnerError = e instanceof Error && e.message; }
  const remote = await loadInWorker();
  const rds = await remote.generatePlatform({ seed: 9, learners: 500 });
  const workerSummary = await rds.summary();
  let error = null;
  try { cw.parseEvents('user_id,event,ts\\nu,view,2024-13-01\\n'); } catch (e) { error = e instanceof Error && e.message; }
  document.getElementById('out').textContent = summary.users + ' learners';
  window.__result = { summary, workerSummary, error, learnerPicks, fullPicks, learnerError };
} catch (e) { window.__result = { failure: String(e && e.stack || e) }; }
`);
    run(process.execPath, [join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build'], scratch);
    const assets = await readdir(join(scratch, 'dist/assets'));
    assert.ok(assets.some((f) => f.endsWith('.wasm') && !f.includes('learner')), `the full .wasm is emitted as an asset (${assets.join(', ')})`);
    assert.ok(assets.some((f) => f.endsWith('.wasm') && f.includes('learner')), `the learner .wasm is emitted as an asset (${assets.join(', ')})`);

    browser = await openBrowser({ root: join(scratch, 'dist'), allow: null });
    const page = await browser.page('/index.html');
    const r = await page.waitForFunction(() => window.__result, null, { timeout: 60000 }).then((h) => h.jsonValue())
      .catch((e) => { throw new Error(`${e.message}\npage said: ${browser.logs.join('\n')}`); });
    assert.equal(r.failure, undefined, r.failure);
    const expected = (await load()).generatePlatform({ seed: 9, learners: 500 }).summary();
    assert.deepEqual(r.summary, expected);
    assert.deepEqual(r.workerSummary, expected);
    assert.equal(r.learnerPicks.items.length, 3);
    assert.deepEqual(r.learnerPicks, r.fullPicks);
    assert.match(r.learnerError, /"n"/);
    assert.equal(r.error, 'line 2, column "ts": "2024-13-01" is not a valid timestamp: month must be 01-12');
    assert.equal(await page.textContent('#out'), `${expected.users} learners`);
    assert.deepEqual(browser.logs, []);
  } finally {
    await browser?.close();
    if (!process.env.KEEP_SCRATCH) await rm(scratch, { recursive: true, force: true });
  }
});
