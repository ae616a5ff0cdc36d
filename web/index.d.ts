// circlewise — public API. Every method that takes options validates them and throws an `Error`
// naming the option and its allowed range; every parse error names the line and column. After
// any error the module keeps working.

// ───────────────────────────── Loading ─────────────────────────────

/**
 * Loads the WebAssembly module and returns the API. Called without options, the module is
 * loaded once and shared. Works in browser pages, module Workers, Vite builds and Node ≥ 20.
 * @param options Passed to the Emscripten factory, e.g. `{ locateFile }` or `{ wasmBinary }`.
 * @throws Error when the environment has no `crypto.getRandomValues`.
 */
export function load(options?: ModuleOptions): Promise<Circlewise>;

/**
 * Starts a module Worker running circlewise. The returned client has the same methods as
 * {@link Circlewise}, each returning a promise; datasets stay inside the worker and come back
 * as {@link RemoteDataset}s. Use it in pages so that large files never freeze the page.
 */
export function loadInWorker(options?: { worker?: Worker }): Promise<WorkerCirclewise>;

export interface ModuleOptions {
  locateFile?: (path: string, prefix: string) => string;
  wasmBinary?: ArrayBuffer | Uint8Array;
  [key: string]: unknown;
}

// ───────────────────────────── Event log ─────────────────────────────

/** The event names the analyses understand; any other name is kept and reported as custom. */
export type KnownEvent =
  | 'view' | 'click' | 'enroll' | 'purchase' | 'complete' | 'share' | 'join' | 'leave' | 'refund';

/** Names of the input's columns (CSV) or keys (JSON) for each event field. */
export interface EventColumns {
  /** Learner id (required). Default `"user_id"`. */
  user_id?: string;
  /** Course/product id; empty for events about no course, such as `join`. Default `"item_id"`. */
  item_id?: string;
  /** Event name (required). Default `"event"`. */
  event?: string;
  /** ISO-8601 text or Unix seconds (required), 1970-01-01 to 2099-12-31. Default `"ts"`. */
  ts?: string;
  /** Money, a plain non-negative decimal. Default `"amount"`. */
  amount?: string;
  /** The community/channel the learner came through or belongs to. Default `"community"`. */
  community?: string;
  /** The learner whose invite or share brought this learner. Default `"referrer"`. */
  referrer?: string;
}

export interface ReadOptions {
  /** `"auto"` (default) detects JSON by a leading `[` or `{`. */
  format?: 'auto' | 'csv' | 'json';
  columns?: EventColumns;
  /** `"fail"` (default) throws at the first bad row; `"skip"` skips, counts and itemises them. */
  onBadRow?: 'fail' | 'skip';
  /** CSV field delimiter, one character. Default `","`. */
  delimiter?: string;
  /** Refuse inputs with more events than this (default 50,000,000). */
  maxEvents?: number;
  /** Refuse fields longer than this many bytes (default 65,536): protects against binary files. */
  maxFieldBytes?: number;
  /** How many skipped rows are itemised in the report (all are counted). Default 1000. */
  maxProblemDetails?: number;
}

export interface ReadProgress {
  bytesRead: number;
  /** Known for strings, bytes and Blobs/Files, or when given as `totalBytes`. */
  totalBytes?: number;
  events: number;
}

/**
 * Progress of a long analysis ({@link Dataset.segment}, {@link Dataset.rules},
 * {@link Dataset.churn}, `kmeans`, `fitChurnModel`), reported from inside the computation. In a
 * Worker (`loadInWorker`) the reports arrive as messages while the worker is still busy.
 */
export interface AnalysisProgress {
  /**
   * What is being computed: "learner features", "k-means" (segment, kmeans); "baskets", "frequent itemsets",
   * "rules" (rules); "purchase summary", "BG/NBD fit", "spend model", "scoring learners", "conversion per community" (churn);
   * "health", "referrals", "targets" (communities: each stage as it starts, then the last one at 1).
   */
  stage: string;
  /** Estimated share of the whole analysis done, 0..1, never decreasing; reported in steps of at least 1% (and at 1). */
  fraction: number;
}

/** Options of every long analysis. An exception thrown by the callback is rethrown once the analysis has returned (its result discarded). */
export interface ProgressOptions {
  onProgress?: (progress: AnalysisProgress) => void;
}

export interface StreamReadOptions extends ReadOptions {
  /** Called after each chunk. */
  onProgress?: (progress: ReadProgress) => void;
  /** Bytes per chunk (default 1 MiB, minimum 1024). */
  chunkSize?: number;
  /** Size of a stream source, for progress reporting. */
  totalBytes?: number;
  signal?: AbortSignal;
}

/** Anything `readEvents` can read from. */
export type EventSource =
  | string | ArrayBuffer | ArrayBufferView | Blob | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

export interface RowProblem {
  /** 1-based line where the row starts (JSON: line of the record's opening brace). */
  line: number;
  /** Column or field name; empty when the problem concerns the whole row. */
  column: string;
  /** Full message, e.g. `line 17, column "ts": "2024-13-01" is not a valid timestamp: month must be 01-12`. */
  message: string;
}

/** What happened while reading: nothing is dropped without being counted here. */
export interface IngestReport {
  bytes: number;
  /** Data rows / JSON records seen. */
  records: number;
  /** Rows kept as events. */
  events: number;
  skippedRows: number;
  blankLines: number;
  /** The first `maxProblemDetails` skipped rows. */
  problems: RowProblem[];
  /** Input columns that map to no event field. */
  ignoredColumns: string[];
}

export interface CommunityTotals {
  community: string;
  /** Learners with at least one event in this community. */
  members: number;
  events: number;
  purchases: number;
  buyers: number;
  /** Sum of purchase amounts, rounded to cents. */
  revenue: number;
  refunds: number;
  netRevenue: number;
}

export interface DatasetSummary {
  events: number;
  /** Distinct learners with at least one event (a referrer alone does not count). */
  users: number;
  items: number;
  communities: number;
  referredUsers: number;
  usersWithoutCommunity: number;
  /** All nine known event types (possibly 0), then custom names seen. */
  eventsByType: { event: string; count: number; known: boolean }[];
  /** ISO-8601 UTC, null when empty. */
  firstEvent: string | null;
  lastEvent: string | null;
  purchases: number;
  buyers: number;
  /** Sum of purchase amounts, rounded to cents. */
  revenue: number;
  /** Sum of refund amounts. */
  refunds: number;
  netRevenue: number;
  /** Amounts on events other than purchase/refund (not counted as revenue). */
  amountsOnOtherEvents: number;
  /** By descending revenue. */
  byCommunity: CommunityTotals[];
  ingest: IngestReport;
}

/** Options of the synthetic course platform. Same seed, same platform, in Node, browsers and the CLI. */
export interface PlatformOptions {
  seed?: number;
  /** Learners to simulate (1–10,000,000; default 2000). Ignored when `events` is set. */
  learners?: number;
  /** Courses (2–100,000; default 30). */
  courses?: number;
  /** Communities (1–1000; default 5). */
  communities?: number;
  /** Days simulated (1–3650; default 365). */
  days?: number;
  /** First day, `"YYYY-MM-DD"` (default `"2025-01-01"`). */
  start?: string;
  /** When > 0, exactly this many events (up to 50,000,000). */
  events?: number;
  /** Planted advocates (0–1000, default 0): early members who bring a quarter of later joiners of their community. */
  advocates?: number;
  /** When true, the second community's members stop being active after two thirds of the period. */
  decliningCommunity?: boolean;
}

/** The effects planted in a synthetic platform, for checking that analyses recover them. */
export interface PlatformTruth {
  /** [anchor, follow-up]: buyers of the anchor buy the follow-up with `bundleFollowProbability`. */
  bundles: [string, string][];
  bundleFollowProbability: number;
  /** Probability of buying after enrolling, per community. */
  communities: { community: string; purchaseProbability: number }[];
  referredPurchaseMultiplier: number;
  meanActiveDays: number;
  /** With `advocates`: their learner ids, and the probability that a later joiner is theirs. */
  advocates?: string[];
  advocateInviteProbability?: number;
  /** With `decliningCommunity`: its name and the day (after start) its decline begins. */
  decliningCommunity?: string;
  declineDay?: number;
}

/**
 * A platform's event log, held by column inside the WASM module. Free it with `close()` when
 * done (it is also freed when garbage-collected); you never call `.delete()`.
 */
export declare class Dataset {
  /** Number of events. */
  readonly size: number;
  /** Present on generated platforms. */
  readonly truth?: PlatformTruth;
  readonly closed: boolean;
  /** Learners, courses, communities, events by type, time range, revenue, per-community totals. */
  summary(): DatasetSummary;
  /** The ingest report (also in `summary().ingest`). */
  readonly ingest: IngestReport;
  /** The log as CSV with the default column names. */
  toCSV(): string;
  /** Frees the WASM memory now. Further use throws. Idempotent. */
  close(): void;
}

export interface Circlewise {
  /**
   * Reads an event log (CSV with a header row, JSON array of objects, or NDJSON; UTF-8 with or
   * without BOM; CRLF or LF) chunk by chunk, reporting progress. Never holds the whole input
   * twice: only one chunk plus the columnar dataset.
   * @throws Error naming line and column, e.g. `line 17, column "ts": "2024-13-01" is not a valid timestamp: month must be 01-12`;
   *   missing/duplicate header columns; empty input; fields beyond `maxFieldBytes`.
   */
  readEvents(source: EventSource, options?: StreamReadOptions): Promise<Dataset>;
  /** Synchronous `readEvents` for text or bytes already in memory. */
  parseEvents(source: string | ArrayBuffer | ArrayBufferView, options?: ReadOptions): Dataset;
  /** A synthetic course platform with planted effects (see {@link PlatformTruth}). */
  generatePlatform(options?: PlatformOptions): Dataset;
}

// ───────────────────────────── Worker ─────────────────────────────

/** A dataset living in the worker: the Dataset methods, returning promises. */
export interface RemoteDataset {
  readonly truth?: PlatformTruth;
  summary(): Promise<DatasetSummary>;
  toCSV(): Promise<string>;
  close(): Promise<void>;
  [method: string]: unknown;
}

export interface WorkerCirclewise {
  readEvents(source: EventSource, options?: StreamReadOptions): Promise<RemoteDataset>;
  parseEvents(source: string | ArrayBuffer | ArrayBufferView, options?: ReadOptions): Promise<RemoteDataset>;
  generatePlatform(options?: PlatformOptions): Promise<RemoteDataset>;
  /** Stops the worker; pending calls reject. */
  terminate(): void;
  [method: string]: unknown;
}

// ───────────────────────────── Response curves and budget allocation ─────────────────────────────
// Amounts are per period (the history's period: a week, a month) in the history's currency.

/**
 * One row of a marketing history. Numbers may also be numeric strings; optional fields may be
 * absent or null. A (period, community) pair may appear once. Periods are ordered numerically
 * when all are numbers, else as text (ISO dates, "2024-W07").
 */
export interface MarketingHistoryRow {
  period: string | number;
  community: string;
  /** Spend in the period, >= 0. */
  spend: number | string;
  /** Conversions (e.g. purchases) in the period, >= 0. */
  conversions: number | string;
  revenue?: number | string | null;
  /** Community size in the period (for the conversion rate). */
  members?: number | string | null;
  /** Distinct paying learners (default: conversions). */
  payers?: number | string | null;
  /** Payers of this period who also paid in the previous one (for retention). */
  retained?: number | string | null;
}

export interface CurveFitOptions {
  /** `"auto"` (default) fits both and keeps the lower AICc. */
  model?: 'auto' | 'hill' | 'exponential';
  /** Fixes the Hill exponent (0.3–8); default: fitted. > 1 = S-curve. */
  shape?: number;
  /** Geometric carry-over of spend into later periods: a number in [0, 0.95] (default 0) or `"fit"`. */
  adstock?: number | 'fit';
  /** Seeded Levenberg–Marquardt starting points per model, 1–100 (default 6). */
  starts?: number;
  /** Residual-bootstrap refits for the band, 0–10000 (default 100; 0 = no band). */
  bootstrap?: number;
  /** Band coverage in (0, 1), default 0.9. */
  level?: number;
  seed?: number;
  /** Fewest points a curve is fitted from, >= 5 (default 8). */
  minPoints?: number;
  /** `"fail"` (default) throws for a community with too few points or constant spend; `"skip"` lists it in `skipped`. */
  onTooFewPoints?: 'fail' | 'skip';
}

/**
 * conversions(spend) = base + top · h(x), x = spend / (1 − adstock) under steady spend;
 * hill: h = x^shape / (scale^shape + x^shape); exponential: h = 1 − exp(−x / scale).
 */
export interface ResponseCurve {
  community: string;
  model: 'hill' | 'exponential';
  base: number;
  top: number;
  scale: number;
  shape: number;
  adstock: number;
  /** Revenue / conversions in the history; null without revenue. */
  valuePerConversion: number | null;
  points: number;
  r2: number | null;
  /** Mean absolute percentage error over the `mapePoints` points with conversions > 0. */
  mape: number | null;
  mapePoints: number;
  sse: number;
  /** Largest and mean spend in the history (plans are capped at `maxExtrapolation` × maxSpend). */
  maxSpend: number;
  meanSpend: number;
  /** Spend in the latest period: the "current split". */
  currentSpend: number;
  level: number;
  /** Bootstrap parameter sets [base, top, scale, shape]. */
  samples: number[][];
  /** For charts: fitted conversions and band over 0..1.5 × maxSpend (41 points). */
  band: { spend: number[]; fit: number[]; lower: number[]; upper: number[] };
}

/** Seed metrics per community; null where the inputs are missing or a denominator is zero. */
export interface CommunityMarketingMetrics {
  community: string;
  periods: number;
  spend: number;
  conversions: number;
  revenue: number;
  /** payers / members. */
  conversionRate: number | null;
  /** Σ retained / Σ previous period's payers. */
  retention: number | null;
  /** Payers in the last period / in the one before. */
  payerRatio: number | null;
  costPerConversion: number | null;
  /** (revenue − spend) / spend. */
  roi: number | null;
  valuePerConversion: number | null;
}

export interface CurveFit {
  curves: ResponseCurve[];
  /** Communities not fitted (with `onTooFewPoints: "skip"`) and why. */
  skipped: { community: string; reason: string }[];
  metrics: CommunityMarketingMetrics[];
  history: { rows: number; periods: number; communities: number; ignoredColumns: string[] };
}

export interface CommunityConstraint {
  min?: number;
  max?: number;
  /** Holds the spend at this amount; `true` holds the current spend. */
  fixed?: number | boolean;
  /** The current spend (default: the curve's `currentSpend`). */
  current?: number;
  /** Value per conversion for revenue/profit (default: `valuePerConversion` option, then the curve's). */
  value?: number;
}

export interface AllocationOptions {
  /** Budget per period, >= 0 (required for `allocate`). */
  budget?: number;
  /** What is maximised; default `"conversions"`. Profit = value × conversions − spend. */
  objective?: 'conversions' | 'revenue' | 'profit';
  valuePerConversion?: number;
  /** Per community, keyed by name. Unknown names throw. */
  communities?: Record<string, CommunityConstraint>;
  /** Without a `max`, a community gets at most this × the largest spend in its history (default 3; 0 = no cap). */
  maxExtrapolation?: number;
  /** DP grid steps (0 = auto, else 2–20000). */
  grid?: number;
  /** Continuous refinement after the grid optimum (default true). */
  refine?: boolean;
  /** Conversions per period to reach (`budgetForTarget`). */
  target?: number;
}

export interface CommunityPlan {
  community: string;
  spend: number;
  min: number;
  max: number;
  /** What set `max`: "option", "extrapolation", "budget", "saturation", "fixed". */
  maxSource: string;
  status: 'fixed' | 'at_min' | 'at_max' | 'interior';
  /** Expected conversions per period and the curve's band. */
  conversions: number;
  lower: number;
  upper: number;
  /** Extra conversions per extra unit of spend, and the objective's value of it. */
  marginalConversions: number;
  marginalValue: number;
  currentSpend: number;
  currentConversions: number;
  change: number;
  changeConversions: number;
  /** Why the community is where it is (binding bound, below an S-curve threshold, …). */
  note: string;
}

export interface SplitTotals {
  spend: number;
  conversions: number;
  lower: number;
  upper: number;
  revenue: number | null;
  profit: number | null;
  objective: number;
}

export interface Allocation {
  mode: 'plan' | 'target' | 'profitBudget';
  objective: 'conversions' | 'revenue' | 'profit';
  /** The budget planned (found by the solver for target / profitBudget). */
  budget: number;
  communities: CommunityPlan[];
  totals: SplitTotals;
  /** The current split evaluated on the same curves. */
  current: SplitTotals;
  currentFeasible: boolean;
  /** True when the current split was at least as good as the optimiser's plan (it is returned then). */
  keptCurrent: boolean;
  improvement: number;
  grid: { steps: number; unit: number };
  /** Binding bounds, budget that cannot be spent and why, the best place for one more unit. */
  notes: string[];
  target?: number;
  targetReached?: boolean;
}

/** Parsed curves kept in the module for repeated allocation; `close()` frees them early. */
export interface Allocator {
  readonly size: number;
  allocate(options: AllocationOptions): Allocation;
  close(): void;
}

export interface Circlewise {
  /**
   * Fits a response curve per community (Levenberg–Marquardt, seeded starts, bootstrap band).
   * @param history CSV text (header with period, community, spend, conversions; optional revenue,
   *   members, payers, retained) or rows.
   * @throws Error naming line and column (CSV) or row and field (rows); too few points (names the
   *   community and `minPoints`); spend that never varies; options out of range (names the option).
   */
  fitCurves(history: string | MarketingHistoryRow[], options?: CurveFitOptions): CurveFit;
  /** Seed metrics per community (conversion rate, retention, cost per conversion, ROI). */
  historyMetrics(history: string | MarketingHistoryRow[]): CommunityMarketingMetrics[];
  /** A simulated history from seeded random curves: `{ csv, truth }` (for demos and tests). */
  simulateMarketingHistory(options?: { communities?: number; periods?: number; noise?: number; seed?: number }):
    { csv: string; truth: (Pick<ResponseCurve, 'community' | 'model' | 'base' | 'top' | 'scale' | 'shape' | 'adstock'> & { valuePerConversion: number })[] };
  /**
   * Splits `options.budget` to maximise the objective, optimal also for S-curves (exact DP on a
   * spend grid + continuous refinement); never worse than a feasible current split. Parsed curves
   * are cached per curves object (and by content), so re-allocating is cheap.
   * @throws Error for a missing/negative budget, minimums above the budget, min > max, unknown
   *   communities, revenue/profit without a value per conversion.
   */
  allocate(curves: CurveFit | ResponseCurve[], options: AllocationOptions): Allocation;
  /** The least budget whose best plan reaches `options.target` conversions per period (`targetReached` false when impossible). */
  budgetForTarget(curves: CurveFit | ResponseCurve[], options: AllocationOptions & { target: number }): Allocation;
  /** The total budget (and its plan) that maximises profit, searched up to the communities' maximums. */
  profitMaximizingBudget(curves: CurveFit | ResponseCurve[], options?: AllocationOptions): Allocation;
  /** Parsed curves for repeated allocation. */
  allocator(curves: CurveFit | ResponseCurve[]): Allocator;
}

/** The same calls through `loadInWorker()` (curves cross the boundary as plain objects; the worker
 * re-uses its parsed copy when the same curves come back, so slider moves stay cheap). */
export interface WorkerCirclewise {
  fitCurves(history: string | MarketingHistoryRow[], options?: CurveFitOptions): Promise<CurveFit>;
  historyMetrics(history: string | MarketingHistoryRow[]): Promise<CommunityMarketingMetrics[]>;
  allocate(curves: CurveFit | ResponseCurve[], options: AllocationOptions): Promise<Allocation>;
  budgetForTarget(curves: CurveFit | ResponseCurve[], options: AllocationOptions & { target: number }): Promise<Allocation>;
  profitMaximizingBudget(curves: CurveFit | ResponseCurve[], options?: AllocationOptions): Promise<Allocation>;
}

// ───────────────────── A/B tests, LTV and CAC (ab_test.js) ─────────────────────

export interface AbSampleSizeOptions {
  /** Control conversion rate, in (0, 1). Required. */
  baselineRate: number;
  /** Minimum detectable effect: absolute difference in rate, or a fraction of the baseline with `relative`. Required, > 0. */
  mde: number;
  relative?: boolean;
  /** Family-wise significance level, (0, 1). Default 0.05. */
  alpha?: number;
  /** Power, (0, 1). Default 0.8. */
  power?: number;
  /** Default true. One-sided tests "variant > control". */
  twoSided?: boolean;
  /** Arms including control, 2..100 (Bonferroni over the k−1 comparisons). Default 2. */
  variants?: number;
  /** "pooled" (default; = R power.prop.test) or "evan-miller" (Evan Miller's calculator). */
  formula?: 'pooled' | 'evan-miller';
  /** Learners entering the test per day (all arms together), for `days`. */
  dailyTraffic?: number;
}

export interface AbSampleSizeResult {
  baselineRate: number; targetRate: number; absoluteMde: number; relativeMde: number;
  comparisons: number; alphaPerComparison: number;
  /** Before rounding up. */
  exactPerVariant: number;
  /** Learners needed in each arm. */
  perVariant: number;
  total: number;
  /** Power at `perVariant` (>= the requested power). */
  powerAtPerVariant: number;
  /** Whole days at `dailyTraffic`; null without it. */
  days: number | null;
}

export interface AbVariantCounts { name?: string; visitors: number; conversions: number }

export interface AbAnalyzeOptions {
  /** >= 2 variants; the first is the control. Counts are non-negative integers, conversions <= visitors. */
  variants: AbVariantCounts[];
  alpha?: number;
  twoSided?: boolean;
  /** Planned traffic weights for the sample-ratio-mismatch check (default equal). */
  expectedSplit?: number[];
  /** Mismatch flagged when the goodness-of-fit p-value is below this. Default 0.001. */
  srmAlpha?: number;
  /** Beta prior on every rate. Default { alpha: 1, beta: 1 }. */
  prior?: { alpha?: number; beta?: number };
  /** mSPRT mixing sd on the rate difference; 0/absent = 10 % of the control rate. */
  sequentialTau?: number;
  /** Monte Carlo P(best) for > 2 variants: seed and draws (1000..1e7, default 50000). */
  seed?: number;
  draws?: number;
}

export interface AbComparison {
  /** The treatment, compared with the control. */
  name: string;
  /** Rate difference (variant − control) and its Wald CI. */
  difference: number; diffCiLow: number; diffCiHigh: number;
  /** variant/control − 1 and its CI (delta method on the log ratio); null when undefined (0 conversions). */
  relativeLift: number | null; liftCiLow: number | null; liftCiHigh: number | null;
  /** Pooled two-proportion z-test; pValueAdjusted is Bonferroni-corrected. */
  z: number; pValue: number; pValueAdjusted: number; significant: boolean;
  /** Posterior P(variant rate > control rate). */
  probBeatsControl: number;
  /** E[max(control − variant, 0)]: expected rate lost by shipping the variant. */
  expectedLossVariant: number;
  /** E[max(variant − control, 0)]: expected rate lost by keeping the control. */
  expectedLossControl: number;
  /** Always-valid (mSPRT) p-value and CI: safe to check after every visitor. */
  sequential: { pValue: number; ciLow: number | null; ciHigh: number | null; significant: boolean };
}

export interface AbAnalyzeResult {
  variants: { name: string; visitors: number; conversions: number; rate: number; ciLow: number; ciHigh: number;
    probBest: number; expectedVisitors: number }[];
  comparisons: AbComparison[];
  alpha: number; alphaPerComparison: number; twoSided: boolean;
  /** Chi-square test of independence over all variants. */
  chiSquare: { statistic: number; df: number; pValue: number };
  /** Sample-ratio mismatch (goodness of fit to expectedSplit). */
  srm: { statistic: number; pValue: number; mismatch: boolean };
  sequentialTau: number;
  prior: { alpha: number; beta: number };
  /** E.g. sample ratio mismatch, expected counts below 5. */
  warnings: string[];
}

/** A ratio-metric arm: per-learner arrays, or their sums. */
export type AbRatioVariant =
  | { name?: string; values: ArrayLike<number>; denominators?: ArrayLike<number> }
  | { name?: string; n: number; sum: number; sumSquares: number; denominatorSum?: number;
      denominatorSumSquares?: number; crossSum?: number };

export interface AbRatioResult {
  variants: { name: string; n: number; value: number; stdError: number; ciLow: number; ciHigh: number }[];
  comparisons: { name: string; difference: number; stdError: number; ciLow: number; ciHigh: number;
    relativeLift: number | null; liftCiLow: number | null; liftCiHigh: number | null;
    z: number; pValue: number; pValueAdjusted: number; significant: boolean }[];
  alpha: number; alphaPerComparison: number; twoSided: boolean; warnings: string[];
}

export interface LtvOptions {
  /** Revenue per active customer per period (>= 0); with churn or retention. */
  arpu?: number;
  /** Simple model: share of customers lost per period, (0, 1]. */
  churn?: number;
  /** Cohort model: share of the cohort active in period 0, 1, ... (each in [0, 1]). */
  retention?: number[];
  /** Cohort model: a cohort's revenue per period, with cohortSize. */
  cohortRevenue?: number[];
  cohortSize?: number;
  /** Continue a cohort curve geometrically beyond the data. Default true. */
  extrapolate?: boolean;
  /** Gross margin, (0, 1]. Default 1. */
  margin?: number;
  /** Per period, [0, 1). Default 0. */
  discountRate?: number;
  /** Acquisition cost per customer, or marketingSpend / newCustomers. */
  cac?: number;
  marketingSpend?: number;
  newCustomers?: number;
  /** Periods of the `cumulative` curve, 1..1200. Default 36. */
  horizon?: number;
}

export interface LtvResult {
  model: 'simple' | 'cohort';
  /** Margin-adjusted, discounted value per customer. */
  ltv: number; observedLtv: number; tailLtv: number;
  tailRetention: number | null;
  /** Periods a customer stays active; null when unknown. */
  expectedLifetime: number | null;
  /** Value per customer after periods 1..horizon. */
  cumulative: number[];
  cac: number | null; ltvToCac: number | null;
  /** Periods until the cumulative value reaches CAC; null = never (or no CAC). */
  paybackPeriods: number | null;
  /** CAC / (ARPU · margin), the churn-free rule of thumb. */
  simplePayback: number | null;
  warnings: string[];
}

export interface Circlewise {
  /**
   * Learners per variant for a conversion-rate test, and days at `dailyTraffic`.
   * @throws Error naming the option, e.g. `option "alpha" must be between 0 and 1 (exclusive), got 1.5`.
   */
  abSampleSize(options: AbSampleSizeOptions): AbSampleSizeResult;
  /**
   * Is the observed difference real? Frequentist, Bayesian and always-valid sequential answers,
   * plus a sample-ratio-mismatch check. See docs/ab_test.md for the formulas.
   * @throws Error naming the variant, e.g. `variant "B": "conversions" (120) cannot exceed "visitors" (100)`.
   */
  abAnalyze(options: AbAnalyzeOptions): AbAnalyzeResult;
  /**
   * Ratio metrics (revenue per learner, revenue per session) by the delta method.
   * @throws Error for non-finite values (with the index), mismatched array lengths, inconsistent sums.
   */
  abRatio(options: { variants: AbRatioVariant[]; alpha?: number; twoSided?: boolean }): AbRatioResult;
  /**
   * Lifetime value per customer, LTV/CAC and payback period (per period).
   * @throws Error naming the option, e.g. `option "churn" must be in (0, 1] per period, got 1.5`.
   */
  ltv(options: LtvOptions): LtvResult;
}

// ───────────────────────────── Local differential privacy ─────────────────────────────
// What leaves a learner's device: item and pair reports randomised on the device (GRR, OUE or
// OLH, Wang et al. 2017) with crypto.getRandomValues. docs/privacy.md has the model and the maths.

export type LdpMechanism = 'grr' | 'oue' | 'olh';
export type LdpReportKind = 'item' | 'pair';

export interface PrivacyPlanOptions {
  /** Epsilon per report, 0.01..10. Default 1. */
  epsilon?: number;
  /** `item`: one course per learner (domain = items); `pair`: one pair (domain = items·(items−1)/2). */
  kind?: LdpReportKind;
  /** Catalogue size (≥ 2; ≤ 65,536 for pairs). Default 100. */
  items?: number;
  /** Learners expected to report. Default 10,000. */
  learners?: number;
  /** Wanted standard error of a frequency, as a fraction of learners, (0, 1]. Default 0.01. */
  targetError?: number;
}

export interface PrivacyMechanismPlan {
  mechanism: LdpMechanism;
  /** false for OUE above 4,096 values (the report would be that many bits). */
  available: boolean;
  reason?: string;
  /** The epsilon the integer implementation guarantees: ln(floor(e^ε·2³²)/2³²) ≤ ε. */
  effectiveEpsilon?: number;
  /** OLH hash range (GRR: the domain; OUE: 2). */
  g?: number;
  /** Variance of a count estimate per report, for a rare value. */
  variancePerReport?: number;
  /** Standard error of an estimated count, in learners. */
  standardError?: number;
  /** Standard error of an estimated frequency (count / learners). */
  standardErrorFraction?: number;
  /** Learners needed for `standardErrorFraction` ≤ `targetError`. */
  learnersNeeded?: number;
  /** Approximate JSON size of one report. */
  reportBytes?: number;
}

export interface PrivacyPlan {
  epsilon: number; kind: LdpReportKind; items: number; domain: number; learners: number; targetError: number;
  /** Lowest variance; among mechanisms within 5 % of it, the shortest report. */
  recommended: LdpMechanism;
  mechanisms: PrivacyMechanismPlan[];
}

/** What leaves the device. No user or device id; `id` is random per report (for deduplication). */
export interface LdpReport {
  v: 1;
  id: string;
  kind: LdpReportKind;
  items: number;
  domain: number;
  mechanism: LdpMechanism;
  epsilon: number;
  /** grr: `{ value }`; oue: `{ ones: number[] }`; olh: `{ seed: string (32 hex), y }`. */
  payload: { value?: number; ones?: number[]; seed?: string; y?: number };
}

/** Set by the site, not by whoever asks for a report. */
export interface PrivacyBudget {
  /** Requests above this are refused. Default 2. */
  maxEpsilonPerReport?: number;
  /** Reports (fresh or memoised) per period. Default 2. */
  maxReportsPerPeriod?: number;
  /** Sum of the epsilons of all fresh randomisations, ever. Default 16. */
  maxTotalEpsilon?: number;
}

/**
 * The device's memo (permanent randomisations, RAPPOR-style) and epsilon ledger. Plain JSON: the
 * caller persists it (IndexedDB, localStorage, a file). It holds true values: never upload it.
 */
export interface PrivacyState {
  version: 1;
  memo: { kind: LdpReportKind; mechanism: LdpMechanism; epsilon: number; items: number; value: number; payload: LdpReport['payload'] }[];
  ledger: { period: string; reportId: string; kind: LdpReportKind; mechanism: LdpMechanism; epsilon: number; charged: number }[];
}

export interface ReportRequest {
  kind: LdpReportKind;
  /** Catalogue size. */
  items: number;
  /** Catalogue indices of the courses the learner engaged with; one (or one pair) is sampled. */
  history: number[];
  epsilon: number;
  /** Default `auto` (lowest variance for the domain and epsilon). */
  mechanism?: 'auto' | LdpMechanism;
  /** Reporting period, e.g. `"2026-11"`. */
  period: string;
}

export interface PrivacyStatus {
  spent: number; remaining: number; reportsThisPeriod: number; reportsLeftThisPeriod: number; memoisedValues: number;
}

export interface MadeReport {
  /** The only thing to send. */
  report: LdpReport;
  /** The true value (item index, or pair index) it stands for; show it to the learner, never send it. */
  value: number;
  /** true when the value's earlier randomisation was reused (no epsilon charged). */
  memoised: boolean;
  charged: number;
  /** The updated state: persist it. */
  state: PrivacyState;
  status: PrivacyStatus;
}

export interface PrivacyEstimates {
  reports: number;
  confidence: number;
  /** Domain indices estimated (item index, or pair index). */
  values: Float64Array;
  /** Unbiased estimated learners per value (may be negative for rare values). */
  count: Float64Array;
  standardError: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  /** Pair aggregators: `[i, j]` per value. */
  pairs?: [number, number][];
}

export interface PrivacyAggregatorSummary {
  kind: LdpReportKind; items: number; domain: number; accepted: number; rejected: number;
  /** The first 1,000 rejections (all are counted): 1-based position and why. */
  rejections: { index: number; reason: string }[];
}

/** Collects reports of one kind over one catalogue. Free it with `close()` (or let GC do it). */
export interface PrivacyAggregator {
  /**
   * Adds a report or an array of them. Invalid reports (wrong size, unknown field, epsilon out of
   * range, malformed payload, replayed id) are rejected whole and listed with their array index.
   */
  add(reports: LdpReport | LdpReport[] | string): { accepted: number; rejected: { index: number; reason: string }[] };
  /** Newline-delimited JSON; returns how many were accepted. */
  addNdjson(text: string): number;
  summary(): PrivacyAggregatorSummary;
  /** Estimates for `values` (domain indices; default: the whole domain). @throws Error for values outside the domain. */
  estimate(values?: ArrayLike<number>): PrivacyEstimates;
  close(): void;
}

export interface Circlewise {
  /**
   * Expected error before collecting: per mechanism, standard errors and learners needed.
   * @throws Error naming the option and its range, e.g. `option "epsilon" must be a number in [0.01, 10]`.
   */
  planPrivacy(options?: PrivacyPlanOptions): PrivacyPlan;
  /** An empty {@link PrivacyState}. */
  newPrivacyState(): PrivacyState;
  /**
   * Makes one report on this device with crypto.getRandomValues (refuses without it). The same
   * value in a later period reuses its memoised randomisation and costs no epsilon.
   * @throws Error for an empty history, an index outside the catalogue, epsilon above the budget's
   * maximum, a period whose report budget is used up, an exhausted epsilon budget, a corrupt state.
   */
  makeReport(request: ReportRequest, options?: { state?: PrivacyState; budget?: PrivacyBudget }): MadeReport;
  /** Epsilon spent/left and reports used/left in `period`. */
  privacyStatus(options: { state?: PrivacyState; budget?: PrivacyBudget; period?: string }): PrivacyStatus;
  /** Validates a report as the aggregator does; returns it normalised. @throws Error with the reason. */
  validateReport(report: LdpReport | string): LdpReport;
  /** @throws Error when `items` is missing or options are out of range. */
  createAggregator(options: { kind?: LdpReportKind; items: number; minEpsilon?: number; maxEpsilon?: number; confidence?: number }): PrivacyAggregator;
  /**
   * An item model (the published format, method `ldp-cosine`) from an item and a pair aggregator
   * over the same catalogue: pairs among the `topItems` most frequent courses (default 300).
   * Pass `model` to {@link Circlewise.loadModel}.
   *
   * `publicCounts` (the hybrid, method `ldp-hybrid-cosine`): the site's own number of learners per
   * course, in catalogue order. Popularity and the top courses then come from these counts (item
   * reports are not used) and the private pair estimates are shrunk towards the independence prior
   * they give (docs/privacy.md, "The hybrid model"); what devices report does not change.
   * @throws Error when `publicCounts` does not have one count >= 0 per catalogue course.
   */
  buildModelFromReports(items: PrivacyAggregator, pairs: PrivacyAggregator,
    catalogue: (string | { id: string; title?: string; category?: string; price?: number })[],
    options?: { topItems?: number; k?: number; shrinkage?: number; minSupport?: number; method?: 'cosine' | 'ease';
      minZ?: number | 'auto'; publicCounts?: number[] }):
    { model: object; report: object };
}

// ───────────────────────────── Churn risk and customer value ─────────────────────────────

/**
 * Options of {@link Dataset.churn} and {@link Circlewise.fitChurnModel}. Time is in whole
 * periods (`unit`) counted from each learner's first purchase.
 */
export interface ChurnOptions extends ProgressOptions {
  /** Period length for an event log: `"days"` (default) or `"weeks"` (starting Monday). Ignored for summary tables. */
  unit?: 'days' | 'weeks';
  /** End of observation (event logs only), e.g. `"2025-12-31"`; default the last event. Later purchases are ignored and counted. */
  asOf?: string;
  /** Periods ahead for `expectedPurchases`, 0..100000. Default 30. */
  horizon?: number;
  /** CLV: number of discounting steps, 1..1200. Default 12. */
  clvPeriods?: number;
  /** CLV: periods per step (> 0). Default 30 (a month when the unit is days). */
  clvStep?: number;
  /** CLV: discount rate per step, 0..10. Default 0.01. */
  discountRate?: number;
  /** CLV: share of revenue that is profit, 0..1. Default 1. */
  margin?: number;
  /** L2 penalty on the parameters (as lifetimes' `penalizer_coef`), >= 0. Default 0 (plain MLE). */
  penalizer?: number;
  /** Optimiser budget, 100..10,000,000. Default 20000. */
  maxEvaluations?: number;
}

/** One row of a ready summary table (the `lifetimes` convention). */
export interface ChurnSummaryRow {
  learner: string;
  /** Repeat purchase periods (whole number >= 0). */
  frequency: number;
  /** Periods from first to last purchase; 0 when frequency is 0; <= T. */
  recency: number;
  /** Periods from first purchase to the end of observation. */
  T: number;
  /** Mean spend per repeat period; `null`/absent = unknown (`monetary` is accepted too). */
  monetary_value?: number | null;
}

/** Conversion (paying learners / learners) and revenue of one community. */
export interface CommunityConversion {
  /** `"(none)"` for learners with no community on any event. */
  community: string;
  learners: number;
  payingLearners: number;
  conversionRate: number;
  /** Wilson 95% interval of the conversion rate. */
  conversionLow: number;
  conversionHigh: number;
  /** Purchase amounts; purchases without a community count for each community of their learner. */
  revenue: number;
  revenuePerLearner: number;
  revenuePerPayingLearner: number;
}

export interface ConversionTable {
  /** By descending conversion rate, then name; `"(none)"` last. */
  communities: CommunityConversion[];
  overall: CommunityConversion;
  learnersWithoutCommunity: number;
  /** Counted as paying, add nothing to revenue. */
  purchasesWithoutAmount: number;
}

export interface ChurnResult {
  /** BG/NBD (Fader, Hardie & Lee 2005) maximum-likelihood fit. `alpha` is in periods. */
  model: {
    r: number; alpha: number; a: number; b: number;
    logLikelihood: number; learners: number; repeatLearners: number;
    evaluations: number; converged: boolean;
    /** E.g. a parameter the data do not identify. */
    warnings: string[];
  };
  /** Gamma-Gamma spend model; `null` when it cannot be fitted (`spendNote` says why). */
  spend: null | {
    p: number; q: number; gamma: number; logLikelihood: number;
    learners: number; skippedNoRepeat: number; skippedNoAmount: number;
    /** Population mean spend per purchase; `null` when q <= 1. */
    meanSpend: number | null;
    /** The model assumes ~0; check it. */
    frequencyMonetaryCorrelation: number;
    evaluations: number; converged: boolean; warnings: string[];
  };
  spendNote: string;
  horizon: number;
  totals: { learners: number; meanPAlive: number; expectedPurchases: number; clv: number | null; meanClv: number | null };
  clvOptions: { periods: number; step: number; discountRate: number; margin: number };
  /** Event logs only (else `null`). */
  unit: 'days' | 'weeks' | null;
  asOf: string | null;
  ingest: null | {
    learners: number; learnersWithoutPurchase: number; purchases: number;
    purchasesAfterAsOf: number; purchasesMergedSamePeriod: number; purchasesWithoutAmount: number;
  };
  conversion: ConversionTable | null;
  /** One entry per learner with a purchase, aligned by index. NaN where undefined (no spend model). */
  learners: {
    ids: string[];
    frequency: Float64Array; recency: Float64Array; T: Float64Array; monetary: Float64Array;
    /** Probability the learner is still active at T. */
    pAlive: Float64Array;
    /** Expected purchases in the next `horizon` periods. */
    expectedPurchases: Float64Array;
    /** Expected spend per purchase (Gamma-Gamma). */
    expectedSpend: Float64Array;
    /** Discounted expected margin over `clvPeriods` steps of `clvStep` periods. */
    clv: Float64Array;
  };
}

export interface Dataset {
  /**
   * Churn risk from this dataset's purchases: BG/NBD fit, per-learner P(alive), expected
   * purchases, expected spend and CLV, plus conversion per community.
   * @throws Error when options are out of range (names the option), when no learner has a
   * purchase up to `asOf`, fewer than 2 learners bought, or nobody made a repeat purchase.
   */
  churn(options?: ChurnOptions): ChurnResult;
  /** Conversion rate and revenue per community (the marketing page's first table). */
  conversionByCommunity(): ConversionTable;
}

export interface Circlewise {
  /**
   * Fits the churn model on a ready summary table: rows, or CSV text with a header naming
   * learner, frequency, recency, T (and optionally monetary_value).
   * @throws Error naming the row (or CSV line) and column for NaN, negative values, a
   * non-integer frequency, recency > T, recency > 0 with frequency 0; and the degenerate cases
   * of {@link Dataset.churn}.
   */
  fitChurnModel(summary: ChurnSummaryRow[] | string, options?: ChurnOptions): ChurnResult;
}

// ───────────────────────────── Courses that sell together, funnels, cohorts ─────────────────────────────

/** Baskets, mining and rule options for {@link Dataset.rules}. */
export interface RulesOptions extends ProgressOptions {
  /** `"learner"` (default): one basket per learner; `"session"`: split where events are more than `sessionGapMinutes` apart. */
  basketBy?: 'learner' | 'session';
  /** Session gap in minutes, > 0 (default 30). */
  sessionGapMinutes?: number;
  /** Event names that put a course in a basket (default `["purchase"]`). */
  events?: string[];
  /** Minimum support as a share of baskets, in (0, 1] (default 0.01). */
  minSupport?: number;
  /** Largest itemset mined, 1..20 (default 4). */
  maxSize?: number;
  /** Mining budget, 1..10,000,000 (default 1,000,000). */
  maxItemsets?: number;
  /** On exceeding `maxItemsets`: throw (default) or return what was found with `truncated: true`. */
  onTooMany?: 'error' | 'truncate';
  minConfidence?: number;
  minLift?: number;
  minLeverage?: number;
  minConviction?: number;
  /** Cap on antecedent / consequent size (0 = none). */
  maxAntecedent?: number;
  maxConsequent?: number;
  /** Sort key, best first (default `"lift"`). */
  sortBy?: 'support' | 'confidence' | 'lift' | 'leverage' | 'conviction';
  /** Rules returned, 1..1,000,000 (default 1000); `rulesPassing` counts all that pass. */
  maxRules?: number;
  /** Itemsets listed in the result (default 100; all are counted in `count`). */
  maxItemsetsOut?: number;
}

export interface FrequentItemset<T = string> {
  items: T[];
  /** Baskets containing every item. */
  count: number;
  /** count / baskets. */
  support: number;
}

export interface AssociationRule {
  antecedent: string[];
  consequent: string[];
  count: number;
  support: number;
  confidence: number;
  lift: number;
  leverage: number;
  /** `Infinity` when confidence is 1. */
  conviction: number;
}

export interface RulesResult {
  baskets: { count: number; eventsUsed: number; eventsWithoutItem: number; repeatedItems: number; unknownEvents: string[]; meanSize: number; largest: number };
  /** ceil(minSupport × baskets). */
  minCount: number;
  /** Frequent itemsets found (all of them; `itemsets` lists the first `maxItemsetsOut`). */
  count: number;
  /** The up-front bound on the number of frequent itemsets (null if not finite). */
  upperBound: number | null;
  truncated: boolean;
  itemsets: FrequentItemset[];
  rulesPassing: number;
  rules: AssociationRule[];
  warnings: string[];
}

export interface ItemsetsResult<T> {
  baskets: number;
  minCount: number;
  count: number;
  upperBound: number | null;
  truncated: boolean;
  /** Sorted by count (desc), then size, then items. */
  itemsets: FrequentItemset<T>[];
}

export type FunnelStep = string | { event: string; /** Within this many hours of the previous step (strict order only). */ withinHours?: number };

export interface FunnelOptions {
  /** 2..20 steps (default view → enroll → purchase → complete). */
  steps?: FunnelStep[];
  /** Conversion window anchored at entry, in days, 0..3650 (default 30; 0 = no limit). */
  windowDays?: number;
  /** `"strict"` (default): steps in order; `"any"`: later steps in any order after the entry. */
  order?: 'strict' | 'any';
  /** Event names that end an attempt (e.g. `["refund"]`). */
  exclude?: string[];
  /** All steps must concern the entry's course. */
  sameCourse?: boolean;
  /** Also per community (default true). */
  byCommunity?: boolean;
}

/** A proportion with its Wilson 95% interval; all null when the denominator is 0. */
export interface Proportion { rate: number | null; low: number | null; high: number | null }

export interface FunnelGroup {
  /** Absent on the overall funnel; `"(none)"` for entries without community. */
  community?: string;
  entered: number;
  converted: number;
  /** Learners whose counted attempt was ended by an exclusion event. */
  cutByExclusion: number;
  steps: {
    event: string;
    learners: number;
    fromPrevious: Proportion;
    fromEntry: Proportion;
    /** Hours from entry to this step; null when nobody reached it. */
    hoursFromEntry: { count: number; mean: number; p10: number; p25: number; median: number; p75: number; p90: number } | null;
  }[];
}

export interface FunnelResult extends FunnelGroup {
  byCommunity: FunnelGroup[];
  /** E.g. a step whose event never occurs in the log (its learners are 0; not an error). */
  warnings: string[];
}

export interface CohortOptions {
  cohortBy?: 'firstActivity' | 'firstPurchase';
  /** ISO weeks (Monday, UTC) by default. */
  period?: 'day' | 'week' | 'month';
  /** Event names counted as activity (default: every event). */
  activeEvents?: string[];
  /** Paying-learner retention per community too (default true). */
  byCommunity?: boolean;
  /**
   * End of the observed data, exclusive (`"2025-07-01"` = through June 30; ISO-8601 or Unix
   * seconds). Events at or after it are ignored and counted. Default: just after the last event.
   */
  asOf?: string | number;
  /** The period still running at `asOf`: `"mark"` (default; activity so far, flagged) or `"empty"` (null cells, like unlived ones). */
  partialPeriod?: 'mark' | 'empty';
}

export interface CohortResult {
  period: 'day' | 'week' | 'month';
  firstPeriod: string | null;
  /** The period holding the last observed instant (the one before `asOf`). */
  lastPeriod: string | null;
  /** End of the observed data (exclusive), e.g. "2025-07-01T00:00:00Z". */
  asOf: string | null;
  /** True when `asOf` falls before the end of `lastPeriod`: that period was still running. */
  lastPeriodPartial: boolean;
  /** Events at or after `asOf`, ignored. */
  eventsAfterAsOf: number;
  learnersWithoutCohortEvent: number;
  /**
   * Index t = periods after the cohort's own; null = not lived through yet (not churn).
   * `partialIndex`: the t of the period still running (its cells count activity so far), or null.
   */
  cohorts: { cohort: string; size: number; active: (number | null)[]; continuous: (number | null)[]; birth: (number | null)[]; compounded: (number | null)[]; partialIndex: number | null }[];
  /** All communities first (`community: null`), then each community. `partial`: the period was still running. */
  paying: { community: string | null; periods: { period: string; payers: number; retained: number; ratio: number | null; retention: number | null; partial: boolean }[] }[];
  warnings: string[];
}

export interface Dataset {
  /**
   * Courses that sell together: baskets, FP-growth itemsets and association rules.
   * @throws Error naming the option and its range; when the itemsets would exceed `maxItemsets`
   *   (message says to raise `minSupport`, lower `maxSize`, raise `maxItemsets` or truncate);
   *   when rule splits would exceed 2e7 (set `maxAntecedent`/`maxConsequent`).
   */
  rules(options?: RulesOptions): RulesResult;
  /**
   * Funnel conversion with Wilson 95% intervals and hours from entry, overall and per community.
   * @throws Error naming the option (steps, windowDays, order, exclude, withinHours...).
   */
  funnel(options?: FunnelOptions): FunnelResult;
  /**
   * Cohort retention matrices (birth and compounded) and paying-learner retention per community.
   * @throws Error naming the option; when the log spans more than 1,500 periods; when no event is before `asOf`.
   */
  cohorts(options?: CohortOptions): CohortResult;
}

export interface Circlewise {
  /**
   * Frequent itemsets of any baskets (arrays of strings or numbers; repeats count once) by
   * FP-growth. Same options and errors as the mining part of {@link Dataset.rules}.
   */
  frequentItemsets<T extends string | number>(baskets: T[][], options?: Pick<RulesOptions, 'minSupport' | 'maxSize' | 'maxItemsets' | 'onTooMany'>): ItemsetsResult<T>;
}

// ───────────────────────────── Segmentation and RFM (segmentation.js) ─────────────────────────────

/** Learner feature names (see docs/segmentation.md for definitions and transforms). */
export type LearnerFeatureName =
  | 'recencyDays' | 'frequency' | 'monetary' | 'activeDays' | 'coursesEnrolled' | 'completionRate' | 'shares';

/** The standard RFM segment map's names. */
export type RfmSegmentName =
  | 'Champions' | 'Loyal' | 'Potential loyalists' | 'New' | 'Promising' | 'Need attention'
  | 'About to sleep' | 'At risk' | "Can't lose them" | 'Hibernating' | 'Lost';

export interface KMeansOptions extends ProgressOptions {
  /** Clusters, 1–10,000 (`kmeans` default 8; `segment` default 4). Must not exceed the rows. */
  k?: number;
  /** Restarts from independent k-means++ seedings, 1–1000 (default 3); the lowest inertia wins. */
  nInit?: number;
  /** Iterations per restart, 1–100,000 (default 300). */
  maxIter?: number;
  /** Stop when the summed squared centre shift ≤ tol × mean column variance (default 1e-4; 0 = until stable). */
  tol?: number;
  /** Seed, integer 0..2^53−1 (default 42). Same seed, same result in Node, browsers and the CLI. */
  seed?: number;
  /** `"auto"` (default): Hamerly for ≥ 1000 rows, else Lloyd. Both give identical results. */
  algorithm?: 'auto' | 'lloyd' | 'hamerly';
}

export interface KMeansRestart { inertia: number; iterations: number; converged: boolean }

export interface KMeansReport {
  k: number;
  /** Sum of squared distances from each row to its centroid (of the winning restart). */
  inertia: number;
  iterations: number;
  converged: boolean;
  algorithm: 'lloyd' | 'hamerly';
  bestRestart: number;
  restarts: KMeansRestart[];
  /** Rows per cluster; 0 for an empty cluster (only when there are fewer distinct rows than k). */
  sizes: number[];
  emptyClusters: number;
}

export interface KMeansMatrixResult extends KMeansReport {
  /** Cluster of each row, 0..k−1. */
  labels: Int32Array;
  /** k × cols centroids, row-major. */
  centroids: Float64Array;
  cols: number;
}

export interface SegmentOptions extends KMeansOptions {
  /** Choose k by silhouette instead of `k`. */
  autoK?: boolean;
  /** Range of k tried with `autoK` (2–1000; default 2..8; kMax is lowered to learners − 1). */
  kMin?: number;
  kMax?: number;
  /** Learners sampled (seeded) for the silhouette, 10–20,000 (default 2000). */
  silhouetteSample?: number;
  /** Reference time for recency: `"2025-06-30"`, ISO-8601, or Unix seconds. Default: the last event. Later events are ignored and counted. */
  asOf?: string | number;
  /** Features clustered (default all seven). */
  features?: LearnerFeatureName[];
}

export interface Segment {
  segment: number;
  /** RFM-map label of the segment's average learner; null for an empty segment. */
  label: RfmSegmentName | null;
  size: number;
  /** Share of all learners. */
  share: number;
  /** Net spend (purchases − refunds) of its learners. */
  revenue: number;
  /** Share of the total net spend (0 when that total is not positive). */
  revenueShare: number;
  /** Members' mean of every feature, in original units (days, purchases, money, ...). */
  centroid: Record<LearnerFeatureName, number>;
  /** The k-means centre in the standardised space of the clustered features. */
  centroidStandardized: number[];
  /** Members' mean RFM recency score and (F+M)/2 score, 1–5. */
  rScore: number;
  fmScore: number;
  /** Learners per main community (null = none), most first. */
  communities: { community: string | null; learners: number }[];
  /** Learner ids in this segment. */
  members: string[];
}

export interface SegmentationResult {
  /** ISO-8601 UTC. */
  asOf: string;
  learners: number;
  eventsUsed: number;
  /** Events after `asOf`, ignored. */
  eventsAfterAsOf: number;
  /** Ids seen only as a referrer: not learners. */
  referrersWithoutEvents: number;
  /** Clustered columns: transform ("none" | "log1p" | "signedLog1p"), then z-score with this mean/sd; constant columns become 0. */
  features: { feature: LearnerFeatureName; transform: string; mean: number; sd: number; constant: boolean }[];
  totalRevenue: number;
  kmeans: KMeansReport;
  /** With `autoK`: silhouette and inertia per k tried, the chosen k and why. */
  autoK: { tried: { k: number; silhouette: number; inertia: number }[]; chosen: number; sampleSize: number; reason: string } | null;
  segments: Segment[];
  /** Learner ids, aligned with `assignments`. */
  learnerIds: string[];
  /** Segment of each learner. */
  assignments: Int32Array;
}

export interface RfmResult {
  asOf: string;
  learners: number;
  eventsUsed: number;
  eventsAfterAsOf: number;
  referrersWithoutEvents: number;
  totalRevenue: number;
  /** Per letter and score: learners and the min..max raw value that got the score. */
  bands: Record<'recency' | 'frequency' | 'monetary', { feature: string; scores: { score: number; learners: number; min: number; max: number }[] }>;
  /** Every segment of the map (possibly with 0 learners). */
  segments: { label: RfmSegmentName; learners: number; share: number; revenue: number; revenueShare: number }[];
  learnerIds: string[];
  /** Quintile scores 1–5 per learner: 1 + ⌊5 · (learners strictly worse) / n⌋, ties share a score. */
  r: Uint8Array;
  f: Uint8Array;
  m: Uint8Array;
  segment: RfmSegmentName[];
}

export interface Dataset {
  /**
   * Learner segments: k-means (k-means++, restarts, exact Hamerly acceleration) on standardised
   * RFM + engagement features, each segment with size, revenue share, centroid in original units
   * and an RFM-map label. `autoK` picks k by silhouette and explains the choice.
   * @throws Error naming the option and its range; k larger than the number of learners; autoK
   *   with fewer than 3 learners; no event at or before `asOf`.
   */
  segment(options?: SegmentOptions): SegmentationResult;
  /**
   * Classic RFM quintile scores (1–5 per letter) and the RFM-map segment of every learner.
   * @throws Error for unknown options or an invalid `asOf`.
   */
  rfm(options?: { asOf?: string | number }): RfmResult;
}

/**
 * The learner analyses of a dataset living in a Worker (`loadInWorker`): the same calls, returning
 * promises. `onProgress` stays on the page; the Worker posts each report while it computes.
 */
export interface RemoteDataset {
  segment(options?: SegmentOptions): Promise<SegmentationResult>;
  rfm(options?: { asOf?: string | number }): Promise<RfmResult>;
  rules(options?: RulesOptions): Promise<RulesResult>;
  funnel(options?: FunnelOptions): Promise<FunnelResult>;
  cohorts(options?: CohortOptions): Promise<CohortResult>;
  churn(options?: ChurnOptions): Promise<ChurnResult>;
  conversionByCommunity(): Promise<ConversionTable>;
}

export interface Circlewise {
  /**
   * k-means on any numeric matrix (row-major Float64Array of rows × cols, copied once into the
   * module). `initialCentroids` (k × cols) starts from given centres instead of k-means++.
   * @throws Error when k > rows, a value is NaN/infinite (row and column named), sizes disagree,
   *   or an option is out of range.
   */
  kmeans(data: Float64Array, rows: number, cols: number, options?: KMeansOptions & { initialCentroids?: Float64Array }): KMeansMatrixResult;
}

// ───────────────────────────── Item model & on-device recommender ─────────────────────────────

/** Options of {@link Circlewise.buildModel} / {@link Circlewise.buildModelFromCounts}. */
export interface ItemModelOptions {
  /** `"cosine"` (default): shrunk cosine c_ij / (sqrt(f_i f_j) + shrinkage); `"ease"`: EASE (Steck 2019), small catalogues. */
  method?: 'cosine' | 'ease';
  /** Neighbours kept per course, 1–1000 (default 50). */
  k?: number;
  /** Cosine shrinkage, 0–1e9 (default 10): pulls pairs seen by few learners towards 0. */
  shrinkage?: number;
  /** EASE L2 regularisation, > 0 (default 100). */
  easeLambda?: number;
  /** EASE refuses catalogues larger than this (1–20000, default 3000). */
  easeMaxItems?: number;
  /** Cosine: minimum learners sharing a pair to keep it (default 1). */
  minSupport?: number;
  /** Events that count as engagement (default `["enroll","purchase","complete"]`). */
  events?: string[];
  /** Titles by course id (the event log has none; default title = id). */
  titles?: Record<string, string>;
}

/** The published model file, format "circlewise-item-model" version 1 (docs/recommender.md). */
export interface ItemModelJson {
  format: 'circlewise-item-model';
  version: 1;
  method: string;
  k: number;
  items: {
    id: string; title: string; category?: string; price?: number; popularity: number;
    /** [index into items, weight] by descending weight; weight = what this course adds to the neighbour's score. */
    neighbors: [number, number][];
  }[];
}

/** One history event: a course id alone means "enroll". */
export type HistoryEvent = string | { itemId: string; event?: string; ts?: number };

export interface RecommendOptions {
  /** How many, 1–1000 (default 10). */
  n?: number;
  /** Course ids never to recommend (unknown ids are counted in `unknownExclude`). */
  exclude?: string[];
  /** The learner's community, for the popularity fallback (popular there first). */
  community?: string;
  /** Top up with popular courses when neighbours run out (default true). */
  fillWithPopular?: boolean;
}

export interface Recommendation {
  id: string; title: string; category: string | null; price: number | null;
  /** Sum of neighbour weights from the history (0 for popularity picks). */
  score: number;
  /** "because you enrolled in X" / "popular in design-circle". */
  reason: string;
  /** The history course behind the reason (null for popularity picks). */
  because: string | null;
  source: 'neighbors' | 'popular';
}

export interface RecommendResult {
  items: Recommendation[];
  strategy: 'personal' | 'personal+popular' | 'popular';
  historyEvents: number;
  /** Distinct known courses in the history. */
  historyItems: number;
  /** History events about courses the model does not know (not an error: counted here). */
  unknownEvents: number;
  /** Their distinct ids (the first 20). */
  unknownItems: string[];
  /** join/leave events, or events with an empty id. */
  ignoredEvents: number;
  unknownExclude: number;
  communityKnown: boolean;
}

export interface ItemModelInfo {
  version: number; method: string; k: number; items: number; neighbors: number;
  itemsWithoutNeighbors: number; categories: number;
  /** Size of the JSON text and of the binary (.cwm) form, in bytes. */
  jsonBytes: number; binaryBytes: number;
}

/** What the builder used and left out. */
export interface ItemModelBuildReport {
  learners: number; interactions: number; eventsUsed: number; eventsWithoutItem: number;
  eventsOtherTypes: number; itemsWithoutEngagement: number;
  /** Counts input: negative (noisy) estimates set to 0. */
  negativeEstimatesClamped: number;
  unknownEventNames: string[];
}

/** A loaded item model, ready to recommend. Free with close() (also freed when garbage-collected). */
export declare class Recommender {
  readonly size: number;
  readonly closed: boolean;
  /** Set on models built here. */
  readonly buildReport?: ItemModelBuildReport;
  /**
   * Top-n courses for a learner's own history, computed in WASM. Owned courses
   * (enroll/purchase/complete/refund) and `exclude` are never recommended; a learner without
   * usable history gets popular courses (within `community` first).
   * @throws Error naming the option (`n` out of 1–1000, unknown option, bad history entry).
   */
  recommend(history?: HistoryEvent[], options?: RecommendOptions): RecommendResult;
  info(): ItemModelInfo;
  toJSON(): ItemModelJson;
  toJSONText(): string;
  /** The compact binary form: "CWIM", version, length, CRC-32, content. */
  toBinary(): Uint8Array;
  close(): void;
}

/** The learner's history on this device (IndexedDB in browsers; memory or a file in Node). */
export declare class HistoryStore {
  /** @returns how many events are kept and how many old ones were removed (beyond `maxEvents`). */
  track(event: string, itemId: string, options?: { ts?: number }): Promise<{ stored: number; removed: number }>;
  /** Oldest first. */
  history(): Promise<{ event: string; itemId: string; ts: number }[]>;
  /** Erases everything (the IndexedDB database or the file itself). */
  forget(): Promise<void>;
}

export interface HistoryStoreOptions {
  /** Default: "indexeddb" where it exists, else "memory"; "file" when `path` is given. */
  backend?: 'indexeddb' | 'memory' | 'file';
  path?: string;
  /** IndexedDB database name (default "circlewise-history"). */
  name?: string;
  /** Keep at most this many events, 1–100000 (default 1000). */
  maxEvents?: number;
}

export interface RecommenderEvaluation {
  split: 'leave-last-out';
  learnersEvaluated: number;
  learnersSkipped: number;
  courses: number;
  /** Reports the simulated devices sent per private model (0 without `ldpEpsilons`). */
  ldpItemReports: number;
  ldpPairReports: number;
  /**
   * popularity, popularity in community, item-item cosine, [item-item EASE], then per epsilon
   * `ldp eps=E` and `ldp hybrid eps=E` (the same pair reports + the training log's per-course
   * learner counts as the site's public counts).
   */
  methods: { method: string; cases: number; recall: number; ndcg: number; coverage: number; heldOutNotInModel: number }[];
}

export interface Circlewise {
  /**
   * Loads a published model: JSON text, a parsed JSON object, or bytes of a .json/.cwm file.
   * @throws Error for a truncated, corrupt (checksum) or wrong-version file, or inconsistent content.
   */
  loadModel(source: string | object | ArrayBuffer | ArrayBufferView): Recommender;
  /** The non-private model from a dataset. @throws Error naming a bad option, or when no engagement matches `events`. */
  buildModel(dataset: Dataset, options?: ItemModelOptions): Recommender;
  /**
   * The same format from counts (e.g. LDP estimates): `frequencies[i]` learners per course,
   * `cooccurrence` n*n row-major learners per pair (both halves; negatives clamped and counted).
   */
  buildModelFromCounts(counts: {
    items: { id: string; title?: string; category?: string; price?: number }[];
    frequencies: ArrayLike<number>;
    cooccurrence: ArrayLike<number>;
  }, options?: ItemModelOptions): Recommender;
  historyStore(options?: HistoryStoreOptions): Promise<HistoryStore>;
}

export interface Dataset {
  /** Leave-last-out recall@n, NDCG@n and coverage for popularity, popularity in community, item-item (and EASE). */
  /**
   * `ldpEpsilons`: also models rebuilt from simulated LDP reports (one item + one pair report per
   * training learner, real mechanisms, seeded noise = simulation only), one per epsilon in [0.01, 10].
   */
  evaluateRecommender(options?: { n?: number; maxCases?: number; seed?: number; ease?: boolean; model?: ItemModelOptions;
    ldpEpsilons?: number[]; ldpSeed?: number; ldpTopItems?: number; ldpMinZ?: number | 'auto' }): RecommenderEvaluation;
}

// The widget: `<circlewise-recommendations model="/model.cwm" n="6" community="…"
// item-href="/courses/{id}" privacy-href="/privacy#device">`, registered on import where
// `customElements` exists. Themable with --cw-font, --cw-fg, --cw-muted, --cw-bg, --cw-card-bg,
// --cw-card-border, --cw-accent, --cw-focus, --cw-radius, --cw-gap, --cw-card-width.
// Fires "circlewise-select" ({id, title}) and "circlewise-error" ({message}).

// ───────────────────────────── Communities (communities.js) ─────────────────────────────
// Definitions of every metric: docs/communities.md. Rates with a zero denominator are null.

/** Metric names of community health (also the keys of each period and of its `trend`). */
export type HealthMetricName =
  | 'members' | 'new' | 'active' | 'churned' | 'payers' | 'revenue' | 'dauMau' | 'wauMau'
  | 'eventsPerActive' | 'shareRate' | 'conversionRate' | 'revenuePerMember' | 'payingRatio' | 'payingRetention';

export interface CommunityHealthOptions {
  /** Default `'month'`. Weeks are ISO weeks (Monday), UTC. */
  period?: 'day' | 'week' | 'month';
  /** Robust z-score beyond which a change is flagged (0–100, default 3). */
  trendZ?: number;
  /** Earlier changes needed before a change can be flagged (2–1000, default 4). */
  minHistory?: number;
  /** Ranking metric in the last complete period (default `'active'`). */
  rankBy?: HealthMetricName;
}

export interface HealthTrend {
  /** value(t) − value(t−1). */
  change: number;
  /** (change − median of earlier changes) / (1.4826 · MAD); null without enough history. */
  z: number | null;
  flag: 'up' | 'down' | null;
}

export type HealthPeriod = { [metric in HealthMetricName]: number | null } & {
  period: string;
  /** The log starts or ends inside this period (never flagged). */
  partial: boolean;
  engagementEvents: number;
  sharers: number;
  retainedPayers: number;
  trend: Partial<Record<HealthMetricName, HealthTrend>>;
};

export interface CommunityHealthResult {
  period: 'day' | 'week' | 'month';
  rankBy: HealthMetricName;
  /** The last complete period, used for ranking. */
  rankedPeriod: string;
  firstPeriod: string;
  lastPeriod: string;
  /** In rank order; empty communities (nobody ever a member) last, with no periods. */
  communities: { community: string; rank: number; empty: boolean; latest: HealthPeriod | null; periods: HealthPeriod[] }[];
  eventsWithoutCommunity: number;
  leavesWithoutMembership: number;
  warnings: string[];
}

export interface ReferralOptions {
  period?: 'day' | 'week' | 'month';
  /** Advocates listed (default 20). */
  top?: number;
  /** `'members'` (default): chain members, then chain revenue; `'revenue'`: the reverse. */
  rankBy?: 'members' | 'revenue';
}

export interface ReferralPeriod {
  period: string;
  /** `share` events. */
  invitesSent: number;
  /** Referrals made in this community and period. */
  accepted: number;
  active: number;
  /** Accepted learners who ever purchased. */
  converted: number;
  invitesPerActive: number | null;
  acceptance: number | null;
  /** accepted / active. */
  kFactor: number | null;
  referralConversion: number | null;
  /** Median days from the referrer's first event to the referral. */
  cycleTimeDays: number | null;
}

export interface Advocate {
  learner: string;
  community: string | null;
  /** Learners brought directly / through the whole chain below. */
  direct: number;
  chain: number;
  /** Net revenue (purchases − refunds) of those learners; chain columns overlap across advocates by design. */
  directRevenue: number;
  chainRevenue: number;
  /** Generations below this learner. */
  depth: number;
}

export interface ReferralResult {
  period: 'day' | 'week' | 'month';
  learners: number;
  referred: number;
  /** Referred by an id with no events of its own (counted as referred, never an advocate). */
  referredByUnknown: number;
  unknownReferrers: number;
  /** Learners naming themselves (ignored). */
  selfReferrals: number;
  /** Later events naming a different referrer (the first is kept). */
  conflictingReferrers: number;
  /** Referral cycles (one link each dropped) and the learners on them. */
  cycles: number;
  learnersInCycles: number;
  /** referred / learners. */
  kFactor: number | null;
  referredConversion: number | null;
  unreferredConversion: number | null;
  maxGeneration: number;
  /** Learners per generation (0 = nobody referred them). */
  generations: number[];
  communities: {
    community: string; learners: number; referred: number; kFactor: number | null;
    referredConversion: number | null; unreferredConversion: number | null; maxGeneration: number;
    periods: ReferralPeriod[];
  }[];
  advocates: Advocate[];
}

export interface InviteTargetOptions {
  /** The target course; or `courses` for a bundle (owning any of it counts as owning it). */
  course?: string;
  courses?: string[];
  /** Training window and prediction horizon in days (1–3650, default 30). */
  horizonDays?: number;
  /** Learners listed (default 100; 0 = all candidates). */
  limit?: number;
  /** Only learners of this RFM segment (one click from a segment). */
  segment?: RfmSegmentName;
  /** Only learners owning this course, or all of these (one click from a rule's antecedent). */
  antecedent?: string | string[];
  /** Fewest learners of a segment in a community for a seeding estimate (default 5). */
  minGroup?: number;
}

export interface InviteTarget {
  learner: string;
  /** Probability of buying within `horizonDays` (an estimate). */
  probability: number;
  segment: RfmSegmentName;
  community: string | null;
  ruleConfidence: number;
  bestAntecedent: string | null;
  similarity: number;
  activity: number;
  communityShare: number;
  r: number;
  fm: number;
}

export interface SeedSuggestion {
  segment: RfmSegmentName;
  community: string;
  inCommunity: number;
  elsewhere: number;
  shareIn: number;
  shareElsewhere: number;
  lift: number | null;
  difference: number;
  /** 95% interval of the difference. */
  differenceInterval: [number, number];
  candidates: number;
  /** candidates × difference: an observational estimate, not a promise. */
  expectedExtra: number;
  expectedExtraInterval: [number, number];
}

export interface InviteTargetResult {
  courses: string[];
  asOf: string;
  owners: number;
  candidates: number;
  filteredOut: number;
  /** Sum of the listed learners' probabilities. */
  expectedConversions: number;
  expectedConversionsAllCandidates: number;
  model: {
    trainedFrom: string; horizonDays: number; learners: number; buyers: number; auc: number | null;
    coefficients: Record<string, number>; basis: string;
  };
  targets: InviteTarget[];
  byCommunity: { community: string | null; listed: number; expected: number }[];
  seeding: SeedSuggestion[];
}

/**
 * Progress of {@link Dataset.communities}: the shape of every long analysis. Before 2026-11 it was
 * `{ stage, done, total }` with a final stage "done"; now `fraction` = stages done / stages, and the
 * end is the last stage at fraction 1.
 */
export interface CommunitiesProgress extends AnalysisProgress {
  stage: 'health' | 'referrals' | 'targets';
}

export interface Dataset {
  /** Health of every community per period, ranked, with trend flags. @throws Error naming a bad option. */
  communityHealth(options?: CommunityHealthOptions): CommunityHealthResult;
  /** Referrals, chains, K-factor per community and period, top advocates. @throws Error naming a bad option. */
  referrals(options?: ReferralOptions): ReferralResult;
  /**
   * Non-owners of a course ranked by propensity to buy, expected conversions, listed learners per
   * community, and segments to seed into communities.
   * @throws Error for a missing or unknown course/antecedent/segment, or when nobody bought the
   *   course in the training window (no basis for an estimate).
   */
  inviteTargets(options: InviteTargetOptions): InviteTargetResult;
  /** The target list as CSV (`learner,probability,segment,community,ruleConfidence,bestAntecedent,similarity,activity,r,fm`). */
  inviteTargetsCSV(options: InviteTargetOptions): string;
  /** Health, referrals and (with `targets`) targets, in stages with progress. */
  communities(options?: {
    health?: CommunityHealthOptions; referrals?: ReferralOptions; targets?: InviteTargetOptions;
    onProgress?: (p: CommunitiesProgress) => void;
  }): Promise<{ health: CommunityHealthResult; referrals: ReferralResult; targets?: InviteTargetResult }>;
}
