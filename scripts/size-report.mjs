// Reports the gzipped size of what the npm package ships, and of what each kind of page downloads
// (the .wasm and the JS it imports; type declarations are for editors and never reach a browser),
// checked against the budgets: a course page should not pay more for circlewise than for a hero
// image (issue 2), so it loads the learner module; a marketer page loads the full module.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

// The course page: the recommendation widget and web/learner.js (learner module). The marketer
// page: web/index.js (full module). The full module's budget started at 400 KB too; with every
// feature in it, docs/architecture.md ("Size") says where the bytes go.
const PAGES = [
  { name: 'course page (learner module + its JS)', entries: ['web/widget.js', 'web/learner.js'], dynamic: true, budgetKB: 400 },
  { name: 'marketer page (full module + its JS)', entries: ['web/index.js'], dynamic: false, budgetKB: 500 },
];
const root = new URL('..', import.meta.url).pathname;
const gz = (path) => gzipSync(readFileSync(root + path), { level: 9 }).length;
const kb = (n) => (n / 1024).toFixed(1).padStart(8);

// Files a page fetches from its entries: relative imports (dynamic ones too when the page runs
// them, as the widget does), and each Emscripten factory's .wasm next to it.
function pageFiles(entries, dynamic) {
  const seen = new Set();
  const visit = (path) => {
    if (seen.has(path)) return;
    seen.add(path);
    if (path.endsWith('.mjs') && path.startsWith('dist/')) { seen.add(path.replace(/\.mjs$/, '.wasm')); return; }
    const text = readFileSync(root + path, 'utf8');
    const re = dynamic ? /(?:from|import)\s*\(?\s*'(\.\.?\/[^']+)'/g : /(?:from|^import)\s*'(\.\.?\/[^']+)'/gm;
    for (const [, rel] of text.matchAll(re)) visit(new URL(rel, `file:///${path}`).pathname.slice(1));
  };
  entries.forEach(visit);
  return [...seen];
}

const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }));
let shipped = 0;
let typesGz = 0;
for (const { path } of pack.files) {
  if (path.endsWith('.d.ts')) typesGz += gz(path);
  else if (path !== 'package.json' && !path.endsWith('.md')) shipped += gz(path);
}
console.log('package size (gzip -9):');
console.log(`  ${kb(shipped)} KB  everything npm pack ships that runs (${pack.files.length} files)`);
console.log(`  ${kb(typesGz)} KB  type declarations (editor only)`);

const over = [];
for (const page of PAGES) {
  const files = pageFiles(page.entries, page.dynamic);
  const missing = files.filter((f) => !pack.files.some((p) => p.path === f));
  if (missing.length) over.push(`${page.name}: ${missing.join(', ')} not in the package ("files" in package.json)`);
  const sizes = files.map((f) => [f, gz(f)]).sort((a, b) => b[1] - a[1]);
  const total = sizes.reduce((s, [, g]) => s + g, 0);
  const wasm = sizes.filter(([f]) => f.endsWith('.wasm')).reduce((s, [, g]) => s + g, 0);
  console.log(`${page.name}: ${kb(total).trim()} KB gzipped (wasm ${kb(wasm).trim()} KB, JS ${kb(total - wasm).trim()} KB in ${files.length - 1} files), budget ${page.budgetKB} KB`);
  for (const [f, g] of sizes.slice(0, 3)) console.log(`  ${kb(g)} KB  ${f}`);
  if (total > page.budgetKB * 1024) over.push(`${page.name}: ${(total / 1024).toFixed(1)} KB > ${page.budgetKB} KB gzipped`);
}
if (process.argv.includes('--check') && over.length) {
  for (const o of over) console.error(`size budget exceeded: ${o}`);
  process.exit(1);
}
