// The Worker-first API: the module and every dataset live in a module Worker; the page gets
// proxies whose methods return promises. Big inputs (File, Blob, ArrayBuffer) are handed to the
// worker without copying through the page.
let nextId = 1;

class RemoteHandle {
  constructor(client, id) { this.client = client; this.id = id; }
}

// A function cannot cross postMessage: an `onProgress` in the last (options) argument stays on
// this side and the worker posts progress messages that are handed to it.
function splitProgress(args) {
  const last = args[args.length - 1];
  if (last && typeof last === 'object' && typeof last.onProgress === 'function') {
    const { onProgress, ...rest } = last;
    return { args: [...args.slice(0, -1), rest], onProgress };
  }
  return { args, onProgress: undefined };
}

function remoteProxy(client, target) {
  return new Proxy(target, {
    get(t, prop) {
      if (prop in t) return t[prop];
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      return (...all) => {
        const { args, onProgress } = splitProgress(all);
        return client.request({ kind: 'dataset', dataset: t.id, method: prop, args }, onProgress);
      };
    },
  });
}

class WorkerClient {
  constructor(worker) {
    this.worker = worker;
    this.pending = new Map();
    worker.onmessage = (ev) => {
      const msg = ev.data;
      const p = this.pending.get(msg.id);
      if (!p) return;
      if (msg.progress) { p.onProgress?.(msg.progress); return; }
      this.pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(msg.dataset !== undefined ? this.dataset(msg.dataset, msg.result) : msg.result);
    };
    worker.onerror = (ev) => {
      const err = new Error(`circlewise worker failed: ${ev.message ?? 'unknown error'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }
  dataset(id, props) {
    const h = new RemoteHandle(this, id);
    Object.assign(h, props ?? {});
    h.close = () => this.request({ kind: 'close', dataset: id });
    return remoteProxy(this, h);
  }
  request(msg, onProgress, transfer = []) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ ...msg, id, wantsProgress: !!onProgress }, transfer);
    });
  }
  /** Calls a Circlewise method in the worker; methods returning a Dataset give a remote dataset. */
  call(method, ...all) {
    const { args, onProgress } = splitProgress(all);
    return this.request({ kind: 'call', method, args }, onProgress);
  }
  terminate() {
    this.worker.terminate();
    const err = new Error('the circlewise worker was terminated');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/**
 * Starts a module Worker running circlewise and returns a client whose methods mirror
 * Circlewise's (readEvents, generatePlatform, ...) but return promises; datasets stay in the worker.
 */
export async function loadInWorker(options = {}) {
  const worker = options.worker ?? new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const client = new WorkerClient(worker);
  await client.request({ kind: 'ready' });
  return new Proxy(client, {
    get(t, prop) {
      if (prop in t) return typeof t[prop] === 'function' ? t[prop].bind(t) : t[prop];
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      return (...args) => t.call(prop, ...args);
    },
  });
}
