// Cohort retention: birth and compounded retention matrices by day, week or month of first
// activity (or purchase), and paying-learner retention per community. Empty cells are null.
import { call } from './module.js';

export const datasetMethods = {
  /**
   * Options: cohortBy ('firstActivity'|'firstPurchase'), period ('day'|'week'|'month'),
   * activeEvents (event names; default every event), byCommunity.
   */
  cohorts(options = {}) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new Error('cohorts: options must be an object');
    }
    return JSON.parse(call(() => this.module.cohortsJson(this.handle, JSON.stringify(options))));
  },
};
