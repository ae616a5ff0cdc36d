// The course site's privacy configuration: what a learner's device may spend on reports. One place,
// read by the learner page (which enforces it through makeReport's budget) and by the "what leaves
// this device" page (which explains it with the exact numbers).
export const SITE = Object.freeze({
  epsilon: 2, // per report
  budget: Object.freeze({ maxEpsilonPerReport: 2, maxReportsPerPeriod: 2, maxTotalEpsilon: 16 }),
  period: 'calendar month (UTC)',
});
