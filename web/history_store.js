// The learner's own history, kept on their device: IndexedDB in browsers, memory or a JSON file
// in Node. It is read only by the local recommender; nothing here is ever sent anywhere.
const DB_VERSION = 1;
const STORE = 'events';
const MAX_ID = 256;
const MAX_EVENT = 64;

function checkEntry(event, itemId) {
  if (typeof event !== 'string' || event.length === 0 || event.length > MAX_EVENT) {
    throw new Error(`track: "event" must be an event name (1-${MAX_EVENT} characters), e.g. "enroll" or "view"`);
  }
  if (typeof itemId !== 'string' || itemId.length === 0 || itemId.length > MAX_ID) {
    throw new Error(`track: "itemId" must be a course id (1-${MAX_ID} characters)`);
  }
}

class MemoryBackend {
  constructor() { this.events = []; }
  async all() { return this.events.slice(); }
  async add(e) { this.events.push(e); }
  async removeOldest(k) { this.events.splice(0, k); }
  async clear() { this.events = []; }
}

// One JSON file ({"version":1,"events":[...]}) rewritten on each change; fine for one learner.
class FileBackend {
  constructor(path) { this.path = path; this.events = null; }
  async fs() {
    const name = 'node:fs/promises'; // a variable keeps bundlers from resolving a Node builtin
    return import(/* @vite-ignore */ /* webpackIgnore: true */ name);
  }
  async load() {
    if (this.events) return this.events;
    const { readFile } = await this.fs();
    try {
      const data = JSON.parse(await readFile(this.path, 'utf8'));
      if (!data || !Array.isArray(data.events)) throw new Error('no "events" array');
      this.events = data.events;
    } catch (e) {
      if (e.code === 'ENOENT') this.events = [];
      else throw new Error(`history file "${this.path}" is not a circlewise history: ${e.message}`);
    }
    return this.events;
  }
  async save() {
    const { writeFile, rename } = await this.fs();
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, JSON.stringify({ version: 1, events: this.events }));
    await rename(tmp, this.path); // atomic replace: a crash never leaves half a file
  }
  async all() { return (await this.load()).slice(); }
  async add(e) { (await this.load()).push(e); await this.save(); }
  async removeOldest(k) { (await this.load()).splice(0, k); await this.save(); }
  async clear() {
    this.events = [];
    const { rm } = await this.fs();
    await rm(this.path, { force: true }); // forget() erases the file itself
  }
}

// Every store on a page (the page's own, each widget's) has its own connection to the same
// database. A connection must never block another store's forget(): it closes itself when asked
// (versionchange) and reopens on its next use. Concurrent first uses share one opening, so no
// connection is ever opened without that handler (two first reads at once used to leak one, and
// forget() then waited for it forever).
class IndexedDbBackend {
  constructor(name) { this.name = name; this.opening = null; this.db = null; }
  open() {
    this.opening ??= new Promise((resolve, reject) => {
      const r = indexedDB.open(this.name, DB_VERSION);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE, { autoIncrement: true });
      r.onsuccess = () => {
        const db = r.result;
        this.db = db;
        db.onversionchange = () => this.release(db);
        resolve(db);
      };
      r.onerror = () => { this.opening = null; reject(r.error ?? new Error('IndexedDB could not be opened')); };
    });
    return this.opening;
  }
  // Closes `db` (pending transactions still complete) and forgets it, if it is still the current one.
  release(db) {
    db.close();
    if (this.db === db) { this.db = null; this.opening = null; }
  }
  async tx(mode, fn) {
    const db = await this.open();
    const t = db.transaction(STORE, mode);
    const out = fn(t.objectStore(STORE));
    await new Promise((resolve, reject) => {
      t.oncomplete = resolve;
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error ?? new Error('IndexedDB transaction aborted'));
    });
    return out instanceof IDBRequest ? out.result : out;
  }
  async all() { return this.tx('readonly', (s) => s.getAll()); }
  async add(e) { await this.tx('readwrite', (s) => s.add(e)); }
  async removeOldest(k) {
    await this.tx('readwrite', (s) => {
      let left = k;
      s.openCursor().onsuccess = (ev) => {
        const c = ev.target.result;
        if (c && left-- > 0) { c.delete(); c.continue(); }
      };
    });
  }
  // forget(): empties the store through this connection first (so the history is gone at once,
  // whatever else holds the database), then deletes the database itself. Connections of this code
  // close on request; one that does not (another tab with an old page) only delays the deletion of
  // the already empty database: `blocked` does not make forget() wait for it.
  async clear() {
    await this.tx('readwrite', (s) => s.clear());
    if (this.db) this.release(this.db);
    await new Promise((resolve, reject) => {
      const r = indexedDB.deleteDatabase(this.name);
      r.onsuccess = () => resolve();
      r.onblocked = () => resolve();
      r.onerror = () => reject(r.error ?? new Error('IndexedDB: the history database could not be deleted'));
    });
  }
}

/**
 * A learner's history on this device. `track(event, itemId)` appends, `history()` reads (oldest
 * first), `forget()` erases everything. At most `maxEvents` are kept: older ones are removed and
 * counted in `removed` (returned by track()).
 */
export class HistoryStore {
  #backend;
  #max;
  constructor(backend, maxEvents) {
    this.#backend = backend;
    this.#max = maxEvents;
  }

  /**
   * @param {{backend?: 'indexeddb'|'memory'|'file', path?: string, name?: string, maxEvents?: number}} options
   * Default: IndexedDB where it exists (database `name`, default "circlewise-history"), else memory;
   * `path` selects the file backend (Node).
   */
  static async open(options = {}) {
    const { backend, path, name = 'circlewise-history', maxEvents = 1000, ...rest } = options ?? {};
    const unknown = Object.keys(rest);
    if (unknown.length) throw new Error(`historyStore: unknown option "${unknown[0]}" (known: backend, path, name, maxEvents)`);
    if (!(Number.isInteger(maxEvents) && maxEvents >= 1 && maxEvents <= 100000)) {
      throw new Error('historyStore: option "maxEvents" must be an integer between 1 and 100000');
    }
    const kind = backend ?? (path ? 'file' : typeof indexedDB !== 'undefined' ? 'indexeddb' : 'memory');
    let b;
    if (kind === 'memory') b = new MemoryBackend();
    else if (kind === 'file') {
      if (typeof path !== 'string' || !path) throw new Error('historyStore: the "file" backend needs option "path"');
      b = new FileBackend(path);
    } else if (kind === 'indexeddb') {
      if (typeof indexedDB === 'undefined') throw new Error('historyStore: IndexedDB is not available here (use backend "memory" or "file")');
      b = new IndexedDbBackend(name);
    } else throw new Error('historyStore: option "backend" must be "indexeddb", "memory" or "file"');
    return new HistoryStore(b, maxEvents);
  }

  /** Records that the learner did `event` ("view", "enroll", "purchase", ...) on course `itemId`. */
  async track(event, itemId, { ts = Date.now() } = {}) {
    checkEntry(event, itemId);
    if (!Number.isFinite(ts)) throw new Error('track: "ts" must be a time in milliseconds');
    await this.#backend.add({ event, itemId, ts });
    const n = (await this.#backend.all()).length;
    const removed = Math.max(0, n - this.#max);
    if (removed) await this.#backend.removeOldest(removed);
    return { stored: n - removed, removed };
  }

  /** The history, oldest first: [{event, itemId, ts}]. */
  async history() { return this.#backend.all(); }

  /** Erases the whole history (the IndexedDB database or the file itself). */
  async forget() { await this.#backend.clear(); }
}
