// Courses that sell together through the public JS API, under Node: itemsets against a brute
// force and against node-fpgrowth (an independent implementation), rules on the synthetic
// platform against its planted bundles, and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FPGrowth } from 'node-fpgrowth';
import { load } from '../../web/index.js';

const cw = await load();

// Deterministic baskets from a small LCG (independent of the C++ generator).
function randomBaskets(seed, nItems, nBaskets) {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const p = Array.from({ length: nItems }, () => 0.05 + 0.5 * rnd());
  return Array.from({ length: nBaskets }, () => {
    const b = [];
    for (let i = 0; i < nItems; i++) if (rnd() < p[i]) b.push(`c${i}`);
    if (b.includes('c0') && rnd() < 0.7) b.push('c1');
    return [...new Set(b)];
  });
}

const key = (items) => [...items].map(String).sort().join('|');

function bruteForce(baskets, nItems, minCount, maxSize) {
  const out = new Map();
  for (let mask = 1; mask < 1 << nItems; mask++) {
    const set = [];
    for (let i = 0; i < nItems; i++) if (mask & (1 << i)) set.push(`c${i}`);
    if (set.length > maxSize) continue;
    let c = 0;
    for (const b of baskets) if (set.every((x) => b.includes(x))) c++;
    if (c >= minCount) out.set(key(set), c);
  }
  return out;
}

test('frequentItemsets equals a brute-force enumeration on random baskets', () => {
  for (let seed = 1; seed <= 6; seed++) {
    const baskets = randomBaskets(seed, 10, 40 + seed * 5);
    for (const minSupport of [0.1, 0.25]) {
      const r = cw.frequentItemsets(baskets, { minSupport, maxSize: 3 });
      assert.equal(r.minCount, Math.ceil(minSupport * baskets.length - 1e-9));
      const got = new Map(r.itemsets.map((s) => [key(s.items), s.count]));
      assert.deepEqual(got, bruteForce(baskets, 10, r.minCount, 3));
      for (const s of r.itemsets) assert.equal(s.support, s.count / baskets.length);
    }
  }
});

test('frequentItemsets finds the same itemsets as node-fpgrowth', async () => {
  const baskets = randomBaskets(99, 14, 300);
  const support = 0.05;
  const theirs = await new FPGrowth(support).exec(baskets);
  const ours = cw.frequentItemsets(baskets, { minSupport: support, maxSize: 20 });
  assert.equal(ours.minCount, Math.ceil(support * baskets.length));
  assert.deepEqual(new Map(ours.itemsets.map((s) => [key(s.items), s.count])),
    new Map(theirs.map((s) => [key(s.items), s.support])));
  // Items keep their JS type: numbers stay numbers.
  const numeric = cw.frequentItemsets([[1, 2], [1, 2], [2, 3]], { minSupport: 0.5 });
  assert.deepEqual(numeric.itemsets.map((s) => s.items), [[2], [1], [1, 2]]);
});

test('rules recover the planted bundles of the synthetic platform as the top-lift rules', () => {
  const ds = cw.generatePlatform({ seed: 11, learners: 6000 });
  const r = ds.rules({ minSupport: 0.005, maxSize: 2, minConfidence: 0.2, sortBy: 'lift', maxRules: 50 });
  const planted = new Set(ds.truth.bundles.map((b) => key(b)));
  const top = new Set();
  for (const rule of r.rules) {
    if (top.size === planted.size) break;
    top.add(key([...rule.antecedent, ...rule.consequent]));
  }
  assert.deepEqual(top, planted);
  assert.ok(r.baskets.count > 1000);
  assert.equal(r.baskets.unknownEvents.length, 0);
  for (const rule of r.rules) {
    assert.ok(rule.lift >= r.rules[r.rules.length - 1].lift);
    assert.ok(rule.conviction > 0);
  }
  ds.close();
});

test('a rule with confidence 1 has conviction Infinity', () => {
  const csv = 'user_id,item_id,event,ts\n' +
    ['a', 'b', 'c'].map((u) => `${u},x,purchase,2025-01-01\n${u},y,purchase,2025-01-02\n`).join('') +
    'd,x,purchase,2025-01-01\n';
  const ds = cw.parseEvents(csv);
  const r = ds.rules({ minSupport: 0.5, sortBy: 'confidence' });
  const yx = r.rules.find((x) => x.antecedent[0] === 'y');
  assert.equal(yx.confidence, 1);
  assert.equal(yx.conviction, Infinity);
  assert.equal(yx.lift, 1 / 1); // every basket with y has x, and x is in all 4 baskets
  ds.close();
});

test('bad options and itemset explosions are Errors that name the option; the module keeps working', () => {
  const ds = cw.generatePlatform({ seed: 3, learners: 300 });
  for (const [opts, re] of [
    [{ minSupport: 0 }, /"minSupport" must be a number in \(0, 1\]/],
    [{ minSupport: 2 }, /"minSupport"/],
    [{ maxSize: 50 }, /"maxSize" must be an integer in \[1, 20\]/],
    [{ sortBy: 'price' }, /"sortBy"/],
    [{ minSuport: 0.1 }, /unknown option "minSuport"/],
  ]) {
    assert.throws(() => ds.rules(opts), (e) => e instanceof Error && re.test(e.message));
  }
  const huge = Array.from({ length: 40 }, (_, i) => `c${i}`);
  const baskets = [huge, huge, [1, 2], [3]];
  assert.throws(() => cw.frequentItemsets(baskets, { minSupport: 0.5, maxSize: 20, maxItemsets: 10000 }),
    (e) => e instanceof Error && /more than 10000 frequent itemsets/.test(e.message) && /"minSupport"/.test(e.message));
  const t = cw.frequentItemsets(baskets, { minSupport: 0.5, maxSize: 20, maxItemsets: 10000, onTooMany: 'truncate' });
  assert.equal(t.truncated, true);
  assert.equal(t.itemsets.length, 10000);
  assert.throws(() => cw.frequentItemsets([[{}]]), /items must be strings or numbers/);
  assert.ok(ds.rules({ minSupport: 0.02 }).baskets.count > 0);
  ds.close();
});
