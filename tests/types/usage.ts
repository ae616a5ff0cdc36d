// Compiled (not run) by the test command with `tsc --noEmit`: the public types must describe the
// API as a TypeScript user would call it. A wrong or missing declaration fails this file.
import { load, loadInWorker, Dataset, type DatasetSummary, type ReadProgress, type AnalysisProgress, type CohortResult } from 'circlewise';

async function main(file: File): Promise<void> {
  const cw = await load();
  const ds: Dataset = await cw.readEvents(file, {
    onBadRow: 'skip',
    columns: { user_id: 'learner' },
    onProgress: (p: ReadProgress) => console.log(p.bytesRead, p.totalBytes ?? 0, p.events),
  });
  const s: DatasetSummary = ds.summary();
  const top: string | undefined = s.byCommunity[0]?.community;
  const skipped: number = s.ingest.skippedRows;
  console.log(top, skipped, s.eventsByType.map((t) => t.known), ds.size, ds.toCSV().length);
  ds.close();

  const demo = cw.generatePlatform({ seed: 1, learners: 100, start: '2025-01-01' });
  const firstBundle: [string, string] | undefined = demo.truth?.bundles[0];
  console.log(firstBundle, cw.parseEvents('user_id,event,ts\nu,view,1\n').size);

  const plat = cw.generatePlatform({ seed: 2, learners: 500, advocates: 2, decliningCommunity: true });
  const h = plat.communityHealth({ period: 'week', rankBy: 'conversionRate', trendZ: 3 });
  const flag: 'up' | 'down' | null | undefined = h.communities[0]?.latest?.trend.active?.flag;
  const refs = plat.referrals({ top: 5, rankBy: 'revenue' });
  const targets = plat.inviteTargets({ course: 'course-002', segment: 'At risk', antecedent: ['course-001'] });
  const csv: string = plat.inviteTargetsCSV({ courses: ['course-002', 'course-003'], limit: 0 });
  const all = await plat.communities({ targets: { course: 'course-001' }, onProgress: (p) => console.log(p.stage, p.fraction) });
  console.log(flag, refs.advocates[0]?.chainRevenue, targets.expectedConversions, targets.seeding[0]?.expectedExtraInterval[1],
    csv.length, all.targets?.model.auc, plat.truth?.advocates?.length);

  const remote = await loadInWorker();
  const rds = await remote.readEvents(file);
  const rs: DatasetSummary = await rds.summary();
  console.log(rs.users);
  // Learner analyses in the Worker, with progress reported while they run.
  const seg = await rds.segment({ k: 4, onProgress: (p: AnalysisProgress) => console.log(p.stage, p.fraction) });
  const coh: CohortResult = await rds.cohorts({ period: 'week', asOf: '2025-07-01', partialPeriod: 'mark' });
  const partial: number | null = coh.cohorts[0]?.partialIndex ?? null;
  const churn = await rds.churn({ onProgress: ({ fraction }) => console.log(fraction) });
  console.log(seg.segments.length, partial, coh.lastPeriodPartial, churn.model.r, (await rds.rules({ minSupport: 0.01 })).rules.length);
  await rds.close();
  remote.terminate();
}
void main;

// The course-page entry: the learner-side subset, typed like the full API.
import { load as loadLearner, type CirclewiseLearner, type MadeReport, type HistoryStore } from 'circlewise/learner';
async function coursePage(modelBytes: Uint8Array): Promise<void> {
  const cw: CirclewiseLearner = await loadLearner();
  const rec = cw.loadModel(modelBytes);
  const store: HistoryStore = await cw.historyStore();
  const top: string | undefined = rec.recommend(await store.history(), { n: 3 }).items[0]?.id;
  const made: MadeReport = cw.makeReport({ kind: 'item', items: rec.size, history: [0], epsilon: 1, period: '2026-11' },
    { state: cw.newPrivacyState() });
  console.log(top, cw.validateReport(made.report).kind, cw.privacyStatus({ state: made.state }).reportsLeftThisPeriod);
  rec.close();
}
void coursePage;
