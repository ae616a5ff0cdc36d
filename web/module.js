// Loading a WASM module in every environment we support: browser pages, module Workers,
// bundlers (Vite) and Node 20. Two artifacts (built with ENVIRONMENT=web,worker): the full module
// (index.js) and the learner module for course pages (learner.js); each entry passes its own
// factory and .wasm URL, so a page only downloads the one it imports. Under Node the .wasm bytes
// are read from disk and handed over, because Node's fetch cannot read file: URLs.

const isNode = typeof process !== 'undefined' && !!process.versions?.node &&
  typeof window === 'undefined' && typeof importScripts === 'undefined' &&
  typeof WorkerGlobalScope === 'undefined';

// `factory`: the Emscripten module factory; `wasmUrl()`: where its .wasm is (only called in Node).
export async function instantiate(factory, wasmUrl, options = {}) {
  const opts = { ...options };
  if (isNode && !opts.wasmBinary && !opts.instantiateWasm) {
    const fsName = 'node:fs/promises'; // a variable keeps bundlers from resolving a Node builtin
    const { readFile } = await import(/* @vite-ignore */ /* webpackIgnore: true */ fsName);
    opts.wasmBinary = await readFile(wasmUrl());
  }
  if (typeof globalThis.crypto?.getRandomValues !== 'function') {
    // Privacy noise must come from a secure source; there is no weak fallback (see docs/privacy.md).
    throw new Error('circlewise needs crypto.getRandomValues (a secure random source); this environment has none');
  }
  return raisePendingErrors(await factory(opts));
}

// The bindings report a C++ error by returning normally with the message pending (wasm/js_error.h),
// so that Embind frees its argument buffers; here every bound function and method is wrapped to
// throw that message as an Error, after freeing the empty object a failed factory returned.
function raisePendingErrors(m) {
  const flag = m.pendingErrorFlag() >>> 2;
  const take = m.takePendingError;
  const wrap = (f) => {
    const g = function (...args) {
      const r = f.apply(this, args);
      if (m.HEAP32[flag] === 0) return r; // re-read: memory growth replaces HEAP32
      const message = take();
      if (r && typeof r.delete === 'function') r.delete();
      throw new Error(message);
    };
    g.argCount = f.argCount;
    return g;
  };
  const bound = (f) => typeof f === 'function' && (f.argCount !== undefined || f.overloadTable !== undefined);
  for (const name of Object.keys(m)) {
    const v = m[name];
    if (name !== 'takePendingError' && bound(v)) m[name] = wrap(v);
    // Embind classes: their methods live on the prototype (ClassHandle's own have no argCount).
    if (typeof v === 'function' && v.prototype && typeof v.prototype.isAliasOf === 'function') {
      for (const method of Object.getOwnPropertyNames(v.prototype)) {
        const f = v.prototype[method];
        if (method !== 'constructor' && bound(f)) v.prototype[method] = wrap(f);
      }
    }
  }
  return m;
}

// Calls into the module and turns anything thrown that is not an Error (a raw C++ exception
// pointer, should one ever slip past the bindings) into an Error with a clear message.
export function call(fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error) throw e;
    throw new Error(`circlewise internal error (${String(e)})`);
  }
}

// Runs a long analysis with an optional `onProgress({ stage, fraction })` callback, which the
// module calls from inside the computation (fraction 0..1 of the whole analysis, never
// decreasing). The callback must not throw into the C++ frames: an exception from it is held and
// rethrown once the analysis has returned (the partial result is freed).
export function withProgress(onProgress, name, fn) {
  if (onProgress === undefined || onProgress === null) return call(() => fn(null));
  if (typeof onProgress !== 'function') throw new Error(`${name}: option "onProgress" must be a function`);
  let failure;
  const report = (stage, fraction) => {
    if (failure) return;
    try { onProgress({ stage, fraction }); } catch (e) { failure = e; }
  };
  const result = call(() => fn(report));
  if (failure) {
    if (typeof result?.delete === 'function') result.delete();
    throw failure;
  }
  return result;
}

// Text handed to the module must be well-formed Unicode. A lone UTF-16 surrogate (from a bad
// decode or a string cut in half) would otherwise reach C++ with the character after it swallowed
// by Emscripten's UTF-8 conversion, or become U+FFFD through TextEncoder: silently altered data.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export function wellFormed(text, what) {
  if (typeof text.isWellFormed === 'function' ? text.isWellFormed() : !loneSurrogate.test(text)) return text;
  const at = text.search(loneSurrogate);
  const line = text.slice(0, at).split('\n').length;
  throw new Error(`${what}: line ${line} is not valid Unicode text (a lone UTF-16 surrogate at character ${at + 1}; was the file decoded with the wrong encoding?)`);
}

export const inBrowserMainThread = typeof window !== 'undefined' && typeof document !== 'undefined';

// Gives the page a chance to paint between chunks of work on the main thread.
export function yieldToPage() {
  if (!inBrowserMainThread) return Promise.resolve();
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => { ch.port1.close(); resolve(); };
    ch.port2.postMessage(0);
  });
}

// Owns a C++ object's lifetime for a JS wrapper: freed by dispose(), or by the garbage collector
// as a safety net should the wrapper be dropped without it.
// How many wrappers hold a C++ object right now (for the long-session memory test).
let liveOwned = 0;
/** @internal */
export const liveHandles = () => liveOwned;

const registry = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((handle) => {
    liveOwned--;
    try { if (!handle.isDeleted()) handle.delete(); } catch { /* already gone */ }
  })
  : null;

export class Owned {
  #handle;
  constructor(handle) {
    this.#handle = handle;
    liveOwned++;
    registry?.register(this, handle, this);
  }
  get handle() {
    if (!this.#handle) throw new Error(`this ${this.constructor.name} has been closed`);
    return this.#handle;
  }
  get closed() { return !this.#handle; }
  close() {
    if (!this.#handle) return;
    registry?.unregister(this);
    this.#handle.delete();
    this.#handle = null;
    liveOwned--;
  }
  [Symbol.dispose ?? Symbol.for('Symbol.dispose')]() { this.close(); }
}
