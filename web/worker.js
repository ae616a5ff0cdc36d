// Module Worker entry: owns a Circlewise instance and the datasets created in it, and answers
// the requests of worker_client.js.
import { load, Dataset } from './index.js';

const datasets = new Map();
let nextDataset = 1;

function reply(id, value) {
  if (value instanceof Dataset) {
    const ds = nextDataset++;
    datasets.set(ds, value);
    const props = value.truth ? { truth: value.truth } : {};
    postMessage({ id, dataset: ds, result: props });
  } else {
    postMessage({ id, result: value });
  }
}

self.onmessage = async (ev) => {
  const msg = ev.data;
  try {
    const cw = await load();
    if (msg.kind === 'ready') return reply(msg.id, true);
    if (msg.kind === 'close') {
      datasets.get(msg.dataset)?.close();
      datasets.delete(msg.dataset);
      return reply(msg.id, true);
    }
    const args = (msg.args ?? []).map((a) => (a && typeof a === 'object' && a.__dataset ? datasets.get(a.__dataset) : a));
    if (msg.wantsProgress) {
      const last = args.length ? args[args.length - 1] : undefined;
      const opts = last && typeof last === 'object' && !(last instanceof Blob) && !ArrayBuffer.isView(last) ? last : {};
      if (opts !== last) args.push(opts);
      opts.onProgress = (p) => postMessage({ id: msg.id, progress: p });
    }
    let target = cw;
    if (msg.kind === 'dataset') {
      target = datasets.get(msg.dataset);
      if (!target) throw new Error('this dataset has been closed');
    }
    const fn = target[msg.method];
    if (typeof fn !== 'function') throw new Error(`unknown method "${msg.method}"`);
    reply(msg.id, await fn.apply(target, args));
  } catch (e) {
    postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
  }
};
