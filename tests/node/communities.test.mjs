// Communities through the public JS API under Node: the hand-checked fixtures of
// docs/communities.md (health, referrals with cycles, self-referrals and unknown referrers), the
// planted effects of the synthetic platform, target lists and their CSV, progress, and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../web/index.js';

const cw = await load();

const HEALTH_CSV = `user_id,item_id,event,ts,amount,community
u1,,join,2025-01-05T09:00,,A
u1,x,view,2025-01-05T10:00,,A
u1,x,purchase,2025-01-10,100,A
u1,x,share,2025-01-10T01:00,,A
u2,,join,2025-01-20,,A
u2,x,view,2025-01-20T01:00,,A
u5,x,view,2025-01-15,,Solo
u1,y,view,2025-02-03,,A
u1,y,purchase,2025-02-03T01:00,50,A
u3,z,view,2025-02-10,,A
u3,z,purchase,2025-02-10T01:00,30,A
u3,z,refund,2025-02-12,30,A
u2,,leave,2025-02-15,,A
u1,x,view,2025-03-01,,A
u1,x,view,2025-03-02,,
u4,,leave,2025-03-03,,A
u2,,join,2025-03-05,,A
`;

const REFERRAL_CSV = `user_id,item_id,event,ts,amount,community,referrer
a,,join,2025-01-01,,C1,
a,x,purchase,2025-01-02,100,C1,
a,x,share,2025-01-02T01:00,,C1,
b,,join,2025-01-05,,C1,a
b,x,purchase,2025-01-06,50,C1,
b,x,view,2025-01-07,,C1,e
c,,join,2025-01-10,,C1,b
d,,join,2025-02-01,,C1,c
d,y,purchase,2025-02-02,20,C1,
d,y,refund,2025-02-03,20,C1,
e,,join,2025-01-03,,C2,ghost
f,,join,2025-01-04,,C2,f
g,,join,2025-01-05,,C2,h
h,,join,2025-01-06,,C2,g
`;

test('community health matches the hand-computed fixture', () => {
  const ds = cw.parseEvents(HEALTH_CSV);
  const r = ds.communityHealth({ period: 'month' });
  assert.equal(r.rankedPeriod, '2025-02');
  assert.deepEqual(r.communities.map((c) => [c.community, c.rank, c.empty]), [['A', 1, false], ['Solo', 2, false]]);
  const [jan, feb, mar] = r.communities[0].periods;
  assert.deepEqual([jan.members, jan.new, jan.active, jan.payers, jan.conversionRate, jan.revenuePerMember, jan.shareRate],
    [2, 2, 2, 1, 0.5, 50, 0.5]);
  assert.deepEqual([feb.members, feb.new, feb.churned, feb.active, feb.payers, feb.revenue, feb.payingRatio, feb.payingRetention],
    [3, 1, 1, 2, 2, 50, 2, 1]);
  assert.ok(Math.abs(feb.dauMau - (1 / 2 + 1 / 3) / 28) < 1e-12);
  assert.ok(Math.abs(feb.wauMau - (7 / 2 + 7 / 3) / 28) < 1e-12);
  assert.deepEqual([mar.members, mar.new, mar.active, mar.partial], [3, 1, 1, true]);
  assert.equal(r.communities[0].latest.period, '2025-02');
  assert.equal(r.communities[1].periods[1].eventsPerActive, null); // one member, inactive: undefined
  assert.equal(r.eventsWithoutCommunity, 1);
  assert.equal(r.leavesWithoutMembership, 1);
  ds.close();
});

test('referrals: chains, unknown referrers, self-referrals and cycles as documented', () => {
  const ds = cw.parseEvents(REFERRAL_CSV);
  const r = ds.referrals();
  assert.deepEqual(
    [r.learners, r.referred, r.referredByUnknown, r.unknownReferrers, r.selfReferrals, r.conflictingReferrers, r.cycles, r.learnersInCycles],
    [8, 5, 1, 1, 1, 1, 1, 2]);
  assert.deepEqual(r.generations, [3, 3, 1, 1]);
  assert.equal(r.maxGeneration, 3);
  assert.equal(r.kFactor, 5 / 8);
  assert.deepEqual(r.advocates.map((a) => [a.learner, a.direct, a.chain, a.chainRevenue]),
    [['a', 1, 3, 50], ['b', 1, 2, 0], ['c', 1, 1, 0], ['g', 1, 1, 0]]);
  const jan = r.communities.find((c) => c.community === 'C1').periods.find((p) => p.period === '2025-01');
  assert.deepEqual([jan.invitesSent, jan.active, jan.accepted, jan.kFactor, jan.acceptance, jan.cycleTimeDays], [1, 2, 2, 1, 2, 4.5]);
  const byRevenue = ds.referrals({ rankBy: 'revenue', top: 1 });
  assert.equal(byRevenue.advocates.length, 1);
  assert.equal(byRevenue.advocates[0].learner, 'a');
  ds.close();
});

test('a referrer column full of unknown ids: everyone referred, nobody an advocate', () => {
  const ds = cw.parseEvents('user_id,event,ts,community,referrer\nx,join,2025-01-01,C,s1\ny,join,2025-01-02,C,s2\nz,join,2025-01-03,C,s3\n');
  const r = ds.referrals();
  assert.deepEqual([r.referred, r.referredByUnknown, r.unknownReferrers, r.advocates.length], [3, 3, 3, 0]);
  assert.deepEqual(r.generations, [0, 3]);
  ds.close();
});

test('the planted advocates and the declining community are recovered', () => {
  const ds = cw.generatePlatform({ seed: 5, learners: 3000, advocates: 3, decliningCommunity: true });
  assert.equal(ds.truth.advocates.length, 3);
  const r = ds.referrals({ top: 3 });
  assert.deepEqual(r.advocates.map((a) => a.learner).sort(), [...ds.truth.advocates].sort());
  const h = ds.communityHealth();
  const flagged = h.communities.filter((c) => c.periods.some((p) =>
    (p.period === '2025-09' || p.period === '2025-10') && p.trend.active?.flag === 'down'));
  assert.deepEqual(flagged.map((c) => c.community), [ds.truth.decliningCommunity]);
  ds.close();
});

test('the platform without the new effects is unchanged (no advocates in its truth)', () => {
  const ds = cw.generatePlatform({ seed: 5, learners: 100 });
  assert.equal(ds.truth.advocates, undefined);
  ds.close();
});

test('invite targets: ranked non-owners, per-community counts, CSV export, filters', () => {
  const ds = cw.generatePlatform({ seed: 3, learners: 3000 });
  const r = ds.inviteTargets({ course: 'course-002', limit: 20 });
  assert.equal(r.targets.length, 20);
  for (let i = 1; i < r.targets.length; ++i) assert.ok(r.targets[i - 1].probability >= r.targets[i].probability);
  const sum = r.targets.reduce((s, t) => s + t.probability, 0);
  assert.ok(Math.abs(sum - r.expectedConversions) < 1e-9);
  assert.equal(r.byCommunity.reduce((s, c) => s + c.listed, 0), 20);
  assert.ok(r.model.auc > 0.7, `auc ${r.model.auc}`);
  assert.ok(r.model.basis.includes('estimate'));
  const csv = ds.inviteTargetsCSV({ course: 'course-002', limit: 20 }).trim().split('\n');
  assert.equal(csv[0], 'learner,probability,segment,community,ruleConfidence,bestAntecedent,similarity,activity,r,fm');
  assert.deepEqual(csv.slice(1).map((l) => l.split(',')[0]), r.targets.map((t) => t.learner));
  const seg = ds.inviteTargets({ course: 'course-002', segment: 'Champions', limit: 0 });
  assert.ok(seg.targets.length > 0 && seg.targets.every((t) => t.segment === 'Champions'));
  const rule = ds.inviteTargets({ course: 'course-002', antecedent: 'course-001', limit: 0 });
  assert.ok(rule.targets.length > 0 && rule.targets.length < r.candidates);
  ds.close();
});

test('communities() runs the stages with progress in the analyses\' shape {stage, fraction}', async () => {
  const ds = cw.generatePlatform({ seed: 3, learners: 500 });
  const seen = [];
  const all = await ds.communities({ targets: { course: 'course-001' }, onProgress: (p) => seen.push(p) });
  assert.deepEqual(seen, [{ stage: 'health', fraction: 0 }, { stage: 'referrals', fraction: 1 / 3 },
    { stage: 'targets', fraction: 2 / 3 }, { stage: 'targets', fraction: 1 }]);
  const two = [];
  await ds.communities({ onProgress: (p) => two.push(p) });
  assert.deepEqual(two.map((p) => [p.stage, p.fraction]), [['health', 0], ['referrals', 0.5], ['referrals', 1]]);
  assert.ok(all.health.communities.length > 0 && all.referrals.learners > 0 && all.targets.targets.length > 0);
  ds.close();
});

test('bad options throw Errors naming the option, and the module keeps working', () => {
  const ds = cw.generatePlatform({ seed: 3, learners: 300 });
  assert.throws(() => ds.communityHealth({ period: 'year' }), { name: 'Error', message: /"period"/ });
  assert.throws(() => ds.communityHealth({ rankBy: 'vibes' }), /known: members/);
  assert.throws(() => ds.referrals({ top: -1 }), /"top"/);
  assert.throws(() => ds.inviteTargets(), /options must be an object/);
  assert.throws(() => ds.inviteTargets({}), /"courses"/);
  assert.throws(() => ds.inviteTargets({ course: 'nope' }), /course "nope" never occurs/);
  assert.throws(() => ds.inviteTargets({ course: 'course-001', segment: 'Heroes' }), /unknown segment "Heroes"/);
  assert.throws(() => ds.communityHealth([]), /options must be an object/);
  assert.throws(() => cw.generatePlatform({ decliningCommunity: 1 }), /decliningCommunity/);
  assert.ok(ds.communityHealth().communities.length > 0);
  ds.close();
});
