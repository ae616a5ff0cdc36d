// circlewise/learner — the course-page entry: the learner-side subset of the API (see index.d.ts
// for each method's documentation), backed by the small learner module.
import type { Circlewise, ModuleOptions } from './index.js';

export type {
  ModuleOptions, Recommender, HistoryStore, HistoryStoreOptions, ReportRequest, PrivacyState, PrivacyBudget,
  PrivacyStatus, MadeReport, LdpReport,
} from './index.js';

/**
 * The learner-side methods, identical to the full module's. The site-side ones (buildModel,
 * buildModelFromCounts, planPrivacy, createAggregator, buildModelFromReports) throw an Error
 * pointing to the full module (`import { load } from 'circlewise'`).
 */
export type CirclewiseLearner = Pick<Circlewise,
  'loadModel' | 'historyStore' | 'newPrivacyState' | 'makeReport' | 'privacyStatus' | 'validateReport'>;

/** Loads the learner module (shared unless options are given). */
export function load(options?: ModuleOptions): Promise<CirclewiseLearner>;
