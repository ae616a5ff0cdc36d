// Funnels: step-by-step conversion with Wilson 95% intervals and time from entry, overall and
// per community. Computed in the WASM module; see docs/funnel.md for the exact definition.
import { call } from './module.js';

export const datasetMethods = {
  /**
   * Funnel over ordered steps (default view → enroll → purchase → complete), 30-day window
   * anchored at entry. Options: steps, windowDays, order ('strict'|'any'), exclude, sameCourse,
   * byCommunity. Times are in hours.
   */
  funnel(options = {}) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new Error('funnel: options must be an object');
    }
    return JSON.parse(call(() => this.module.funnelJson(this.handle, JSON.stringify(options))));
  },
};
