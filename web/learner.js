// circlewise/learner: the entry for course pages. `load()` gives the learner-side API (load a
// published model, recommend from the learner's own history, the history store, and the device's
// LDP reports) backed by the small learner module (dist/circlewise-learner.wasm), so a course page
// does not download the marketer analytics. The methods are the full API's own (same feature
// files); the site-side ones are named too, and throw an Error that points to the full module.
import createCirclewiseLearnerModule from '../dist/circlewise-learner.mjs';
import { instantiate } from './module.js';
import * as recommender from './recommender.js';
import * as privacy from './privacy.js';
import './widget.js'; // defines <circlewise-recommendations> (in browsers), as the full entry does

// Backed by the bindings the learner module links (wasm/CMakeLists.txt CIRCLEWISE_LEARNER_BINDINGS).
const LEARNER_METHODS = ['loadModel', 'historyStore', 'newPrivacyState', 'makeReport', 'privacyStatus', 'validateReport'];

export class CirclewiseLearner {
  #module;
  constructor(module) { this.#module = module; }
  /** @internal */
  get module() { return this.#module; }
}
for (const [name, method] of Object.entries({ ...recommender.methods, ...privacy.methods })) {
  CirclewiseLearner.prototype[name] = LEARNER_METHODS.includes(name) ? method : function siteSide() {
    throw new Error(`${name} is not in the learner module (circlewise/learner); it runs site-side: use the full module, import { load } from 'circlewise'`);
  };
}

const start = (options) => instantiate(createCirclewiseLearnerModule, () => new URL('../dist/circlewise-learner.wasm', import.meta.url), options);
let shared;
/**
 * Loads the learner module (once per page/worker/process unless options are given) and returns
 * the learner API. Options are passed to the Emscripten module factory (e.g. `locateFile`).
 */
export function load(options) {
  if (options) return start(options).then((m) => new CirclewiseLearner(m));
  return (shared ??= start().then((m) => new CirclewiseLearner(m)).catch((e) => { shared = undefined; throw e; }));
}
