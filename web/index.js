// circlewise: the package entry. `load()` gives a Circlewise instance whose methods run in the
// WASM module; `loadInWorker()` gives the same API running inside a module Worker.
import createCirclewiseModule from '../dist/circlewise.mjs';
import { instantiate } from './module.js';
import * as eventLog from './event_log.js';
import * as churn from './churn.js';
import * as associationRules from './association_rules.js';
import * as funnel from './funnel.js';
import * as retention from './retention.js';
import * as segmentation from './segmentation.js';
import * as recommender from './recommender.js';
import * as widget from './widget.js';
import * as allocation from './allocation.js';
import * as abTest from './ab_test.js';
import * as privacy from './privacy.js';
import * as communities from './communities.js';

// Each feature module exports `methods` (added to Circlewise) and may export `datasetMethods`
// (added to Dataset). Adding a feature is one line here.
const features = [eventLog, associationRules, funnel, retention, segmentation, recommender, widget, allocation, abTest, churn, privacy, communities];

export class Circlewise {
  #module;
  constructor(module) { this.#module = module; }
  /** @internal */
  get module() { return this.#module; }
}
for (const f of features) {
  Object.assign(Circlewise.prototype, f.methods ?? {});
  Object.assign(eventLog.Dataset.prototype, f.datasetMethods ?? {});
}

const start = (options) => instantiate(createCirclewiseModule, () => new URL('../dist/circlewise.wasm', import.meta.url), options);
let shared;
/**
 * Loads the WASM module (once per page/worker/process unless options are given) and returns
 * the API. Options are passed to the Emscripten module factory (e.g. `locateFile`, `wasmBinary`).
 */
export function load(options) {
  if (options) return start(options).then((m) => new Circlewise(m));
  return (shared ??= start().then((m) => new Circlewise(m)).catch((e) => { shared = undefined; throw e; }));
}

export { Dataset } from './event_log.js';
export { loadInWorker } from './worker_client.js';
