// A small static server for the demo and the browser tests: loopback only, correct MIME types
// for ES modules and WebAssembly, no directory listings, nothing outside the served roots.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.md': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/**
 * Serves `root` (only the top-level folders in `allow`, if given) on 127.0.0.1.
 * @returns {Promise<{url: string, close: () => Promise<void>}>}
 */
export async function serve({ root, port = 0, allow, redirectRoot = '/' } = {}) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://x');
      if (url.pathname === '/') {
        res.writeHead(302, { location: redirectRoot });
        return res.end();
      }
      let path = decodeURIComponent(url.pathname);
      const file = normalize(join(base, path));
      const top = path.split('/')[1];
      if (!file.startsWith(base + sep) || (allow && !allow.includes(top))) throw Object.assign(new Error('forbidden'), { code: 'ENOENT' });
      let target = file;
      if ((await stat(target)).isDirectory()) target = join(target, 'index.html');
      const body = await readFile(target);
      res.writeHead(200, { 'content-type': TYPES[extname(target)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(body);
    } catch (e) {
      res.writeHead(e.code === 'ENOENT' || e.code === 'ENOTDIR' ? 404 : 500, { 'content-type': 'text/plain' });
      res.end(e.code === 'ENOENT' || e.code === 'ENOTDIR' ? 'not found' : 'error');
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }),
  };
}

// `node scripts/serve.mjs [port]`: serve the repository's demo.
if (import.meta.url === `file://${process.argv[1]}`) {
  const root = new URL('..', import.meta.url).pathname;
  const want = Number(process.argv[2] ?? process.env.PORT ?? 8080);
  let s;
  try {
    s = await serve({ root, port: want, allow: ['examples', 'web', 'dist', 'docs', 'node_modules'], redirectRoot: '/examples/' });
  } catch (e) {
    if (e.code !== 'EADDRINUSE') throw e;
    console.log(`port ${want} is busy; using a free one`);
    s = await serve({ root, port: 0, allow: ['examples', 'web', 'dist', 'docs', 'node_modules'], redirectRoot: '/examples/' });
  }
  console.log(`circlewise demo: ${s.url}/examples/   (Ctrl+C to stop)`);
  console.log(`marketer page:   ${s.url}/web/marketer/`);
}
