// The event log: reading a platform's export (streamed in chunks) into a Dataset, its summary,
// and the synthetic demo platform.
import { call, Owned, wellFormed, yieldToPage } from './module.js';

const DEFAULT_CHUNK = 1 << 20;

export class Dataset extends Owned {
  #module;
  constructor(module, log, extra = {}) {
    super(log);
    this.#module = module;
    if (extra.truth) this.truth = extra.truth;
  }
  /** @internal the WASM module this dataset lives in */
  get module() { return this.#module; }
  get size() { return this.handle.size(); }
  summary() { return JSON.parse(call(() => this.handle.summaryJson())); }
  get ingest() { return this.summary().ingest; }
  toCSV() { return call(() => this.handle.toCsv()); }
}

function readOptionsJson(options) {
  const { onProgress, chunkSize, signal, totalBytes, ...rest } = options ?? {};
  return JSON.stringify(rest);
}

// Yields Uint8Array chunks of at most chunkSize bytes from any supported source, without copying
// the whole input: big pieces from streams are cut (as views) so progress and yielding stay regular.
async function* chunksOf(source, chunkSize) {
  for await (const piece of piecesOf(source, chunkSize)) {
    for (let i = 0; i < piece.length; i += chunkSize) yield piece.subarray(i, i + chunkSize);
  }
}

async function* piecesOf(source, chunkSize) {
  if (typeof source === 'string') {
    wellFormed(source, 'the event log');
    const enc = new TextEncoder();
    const step = Math.max(1, Math.floor(chunkSize / 3));
    for (let i = 0; i < source.length;) {
      let end = Math.min(source.length, i + step);
      // Do not split a surrogate pair between chunks.
      const c = source.charCodeAt(end - 1);
      if (end < source.length && c >= 0xd800 && c <= 0xdbff) end++;
      yield enc.encode(source.slice(i, end));
      i = end;
    }
    return;
  }
  if (source instanceof ArrayBuffer) source = new Uint8Array(source);
  if (ArrayBuffer.isView(source)) {
    const bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
    return;
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    for (let i = 0; i < source.size; i += chunkSize) {
      yield new Uint8Array(await source.slice(i, i + chunkSize).arrayBuffer());
    }
    return;
  }
  if (source && typeof source.getReader === 'function') {
    const reader = source.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield typeof value === 'string' ? new TextEncoder().encode(wellFormed(value, 'the event log')) : value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  if (source && (typeof source[Symbol.asyncIterator] === 'function' || typeof source[Symbol.iterator] === 'function')) {
    for await (const value of source) {
      yield typeof value === 'string' ? new TextEncoder().encode(wellFormed(value, 'the event log')) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    }
    return;
  }
  throw new Error('readEvents: the source must be a string, ArrayBuffer, typed array, Blob/File, ReadableStream or (async) iterable of bytes');
}

function totalBytesOf(source, options) {
  if (options?.totalBytes) return options.totalBytes;
  if (typeof Blob !== 'undefined' && source instanceof Blob) return source.size;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return source.byteLength;
  return undefined;
}

// Feeds bytes through a scratch buffer in the WASM heap that is reused for every chunk.
class Feeder {
  constructor(module, reader, capacity) {
    this.m = module;
    this.reader = reader;
    this.capacity = capacity;
    this.ptr = module._malloc(capacity);
    if (!this.ptr) throw new Error('out of memory: cannot allocate the read buffer');
  }
  feed(bytes) {
    for (let i = 0; i < bytes.length; i += this.capacity) {
      const part = bytes.subarray(i, i + this.capacity);
      this.m.HEAPU8.set(part, this.ptr); // re-read HEAPU8 each time: memory growth detaches it
      call(() => this.reader.feed(this.ptr, part.length));
    }
  }
  free() {
    if (this.ptr) this.m._free(this.ptr);
    this.ptr = 0;
  }
}

export const methods = {
  /**
   * Reads an event log (CSV, JSON array or NDJSON) from a string, bytes, Blob/File, stream or
   * async iterable, chunk by chunk, and returns a Dataset.
   */
  async readEvents(source, options = {}) {
    const m = this.module;
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
    if (!(Number.isInteger(chunkSize) && chunkSize >= 1024)) throw new Error('option "chunkSize" must be an integer >= 1024');
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new Error('option "onProgress" must be a function');
    const reader = call(() => m.newEventReader(readOptionsJson(options)));
    const feeder = new Feeder(m, reader, chunkSize);
    const totalBytes = totalBytesOf(source, options);
    let bytesRead = 0;
    try {
      for await (const chunk of chunksOf(source, chunkSize)) {
        if (options.signal?.aborted) throw new Error('readEvents was aborted');
        feeder.feed(chunk);
        bytesRead += chunk.length;
        options.onProgress?.({ bytesRead, totalBytes, events: reader.eventsRead() });
        await yieldToPage();
      }
      const log = call(() => reader.finish());
      return new Dataset(m, log);
    } finally {
      feeder.free();
      reader.delete();
    }
  },

  /** Reads a whole event log held in memory, synchronously. */
  parseEvents(source, options = {}) {
    const m = this.module;
    if (typeof source !== 'string' && !(source instanceof ArrayBuffer) && !ArrayBuffer.isView(source)) {
      throw new Error('parseEvents: the source must be a string or bytes (use readEvents for files and streams)');
    }
    const bytes = typeof source === 'string' ? new TextEncoder().encode(wellFormed(source, 'the event log'))
      : source instanceof ArrayBuffer ? new Uint8Array(source)
        : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    const reader = call(() => m.newEventReader(readOptionsJson(options)));
    const feeder = new Feeder(m, reader, Math.max(1024, Math.min(bytes.length, DEFAULT_CHUNK)));
    try {
      feeder.feed(bytes);
      return new Dataset(m, call(() => reader.finish()));
    } finally {
      feeder.free();
      reader.delete();
    }
  },

  /** Generates the synthetic course platform (deterministic per seed) as a Dataset. */
  generatePlatform(options = {}) {
    const m = this.module;
    const platform = call(() => m.generatePlatform(JSON.stringify(options ?? {})));
    try {
      const truth = JSON.parse(call(() => platform.truthJson()));
      return new Dataset(m, platform.takeLog(), { truth });
    } finally {
      platform.delete();
    }
  },
};
