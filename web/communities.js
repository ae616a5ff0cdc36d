// Communities: health per community and period (with trend flags), referrals and word of mouth
// (K-factor, chains, advocates), and who to invite next for a course (propensity list, seeding
// suggestions). Computed in the WASM module; definitions in docs/communities.md.
import { call, yieldToPage } from './module.js';

function checkOptions(name, options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${name}: options must be an object`);
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new Error(`${name}: option "onProgress" must be a function`);
  }
  const { onProgress, ...rest } = options;
  return [JSON.stringify(rest), onProgress];
}

export const datasetMethods = {
  /**
   * Health of every community per period. Options: period ('day'|'week'|'month'), trendZ,
   * minHistory, rankBy (a metric name).
   */
  communityHealth(options = {}) {
    const [json] = checkOptions('communityHealth', options);
    return JSON.parse(call(() => this.module.communitiesText(this.handle, 'health', json)));
  },
  /** Referrals, chains and advocates. Options: period, top, rankBy ('members'|'revenue'). */
  referrals(options = {}) {
    const [json] = checkOptions('referrals', options);
    return JSON.parse(call(() => this.module.communitiesText(this.handle, 'referrals', json)));
  },
  /**
   * Learners to invite for a course or bundle, by propensity to buy. Options: course | courses,
   * horizonDays, limit, segment, antecedent, minGroup.
   */
  inviteTargets(options) {
    const [json] = checkOptions('inviteTargets', options ?? null);
    return JSON.parse(call(() => this.module.communitiesText(this.handle, 'targets', json)));
  },
  /** The same target list as CSV text (learner,probability,segment,community,...). */
  inviteTargetsCSV(options) {
    const [json] = checkOptions('inviteTargetsCSV', options ?? null);
    return call(() => this.module.communitiesText(this.handle, 'targetsCsv', json));
  },
  /**
   * Everything the Communities page shows, in stages with progress and a pause between stages on
   * the main thread: { health, referrals, targets? }. Options: health, referrals, targets (the
   * options of each; targets only when given), onProgress. Progress has the shape of every long
   * analysis, { stage, fraction }: each stage as it starts (fraction = stages done / stages), then
   * the last stage at fraction 1.
   */
  async communities(options = {}) {
    const [, onProgress] = checkOptions('communities', options);
    const stages = [['health', 'communityHealth'], ['referrals', 'referrals']];
    if (options.targets) stages.push(['targets', 'inviteTargets']);
    const out = {};
    for (let i = 0; i < stages.length; ++i) {
      const [stage, method] = stages[i];
      onProgress?.({ stage, fraction: i / stages.length });
      await yieldToPage();
      out[stage] = this[method](options[stage] ?? {});
    }
    onProgress?.({ stage: stages[stages.length - 1][0], fraction: 1 });
    return out;
  },
};
