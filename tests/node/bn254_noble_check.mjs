// chainaccel_bn254 against @noble/curves's bn254, an independent implementation of the
// same curve and tower (EIP-196/197): G1 and G2 scalar multiplication and addition on
// random points and edge scalars, full pairing values (all 12 Fp coefficients of GT) and
// EIP-197 pairing checks. Our side is crypto/bn254/testing/bn254_tool.cc, driven over
// stdin/stdout; its path comes in BN254_TOOL (ctest bn254/noble_cross_check sets it).
//
// Not part of `npm test` (the gRPC peer's files are *.test.mjs); run it with
//   BN254_TOOL=<build>/crypto/bn254/bn254_tool ./run.sh bn254_noble_check.mjs
// Random inputs come from CHAINACCEL_TEST_SEED (printed by run.sh; set it to replay).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { bn254 } from '@noble/curves/bn254.js';

const TOOL = process.env.BN254_TOOL;
const SEED = process.env.CHAINACCEL_TEST_SEED || randomBytes(8).toString('hex');
console.log(`bn254_noble_check: CHAINACCEL_TEST_SEED=${SEED}`);

const G1 = bn254.G1.Point;
const G2 = bn254.G2.Point;
const r = bn254_order();
const COUNT = 12;

function bn254_order() {
  return 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
}

// A deterministic 256-bit integer per (label, index) from the seed.
function rand256(label, i) {
  const digest = createHash('sha256').update(`${SEED}:${label}:${i}`).digest('hex');
  return BigInt('0x' + digest);
}
const randScalar = (label, i) => 1n + (rand256(label, i) % (r - 1n));

const hex = (v) => v.toString(16);
const word = (v) => v.toString(16).padStart(64, '0');

function showG1(p) {
  if (p.is0()) return 'inf';
  const a = p.toAffine();
  return `${hex(a.x)} ${hex(a.y)}`;
}
function showG2(q) {
  if (q.is0()) return 'inf';
  const a = q.toAffine();
  return `${hex(a.x.c0)} ${hex(a.x.c1)} ${hex(a.y.c0)} ${hex(a.y.c1)}`;
}
function showGt(f) {
  const out = [];
  for (const c6 of [f.c0, f.c1]) {
    for (const c2 of [c6.c0, c6.c1, c6.c2]) out.push(hex(c2.c0), hex(c2.c1));
  }
  return out.join(' ');
}
function eip197(pairs) {
  let s = '';
  for (const [p, q] of pairs) {
    if (p.is0()) s += '0'.repeat(128);
    else {
      const a = p.toAffine();
      s += word(a.x) + word(a.y);
    }
    if (q.is0()) s += '0'.repeat(256);
    else {
      const b = q.toAffine();
      s += word(b.x.c1) + word(b.x.c0) + word(b.y.c1) + word(b.y.c0);
    }
  }
  return s === '' ? '-' : s;
}

// Runs the commands through the tool in one process; returns its answer lines.
function runTool(commands) {
  assert.ok(TOOL, 'BN254_TOOL (the path of bn254_tool) must be set');
  const result = spawnSync(TOOL, [], { input: commands.join('\n') + '\n', encoding: 'utf8',
                                        maxBuffer: 64 << 20 });
  assert.equal(result.status, 0, `bn254_tool failed: ${result.stderr}`);
  const lines = result.stdout.trimEnd().split('\n');
  assert.equal(lines.length, commands.length);
  return lines;
}

function compare(cases) {
  const answers = runTool(cases.map((c) => c.command));
  cases.forEach((c, i) => assert.equal(answers[i], c.expected, `${c.what}: ${c.command}`));
}

const EDGE_SCALARS = [0n, 1n, 2n, r - 1n, r, r + 1n, (1n << 255n), (1n << 256n) - 1n];

test('G1 scalar multiplication and addition agree with noble', () => {
  const cases = [];
  for (let i = 0; i < COUNT; i++) {
    const p = G1.BASE.multiply(randScalar('g1p', i));
    const q = G1.BASE.multiply(randScalar('g1q', i));
    const ks = i < EDGE_SCALARS.length ? [EDGE_SCALARS[i], rand256('g1k', i)] : [rand256('g1k', i)];
    for (const k of ks) {
      const expected = k % r === 0n ? G1.ZERO : p.multiply(k % r);
      cases.push({ what: `g1mul ${i}`, command: `g1mul ${showG1(p)} ${hex(k)}`,
                   expected: showG1(expected) });
    }
    cases.push({ what: `g1add ${i}`, command: `g1add ${showG1(p)} ${showG1(q)}`,
                 expected: showG1(p.add(q)) });
    cases.push({ what: `g1 double ${i}`, command: `g1add ${showG1(p)} ${showG1(p)}`,
                 expected: showG1(p.double()) });
    cases.push({ what: `g1 P-P ${i}`, command: `g1add ${showG1(p)} ${showG1(p.negate())}`,
                 expected: 'inf' });
  }
  compare(cases);
});

test('G2 scalar multiplication and addition agree with noble', () => {
  const cases = [];
  for (let i = 0; i < COUNT; i++) {
    const p = G2.BASE.multiply(randScalar('g2p', i));
    const q = G2.BASE.multiply(randScalar('g2q', i));
    const ks = i < EDGE_SCALARS.length ? [EDGE_SCALARS[i], rand256('g2k', i)] : [rand256('g2k', i)];
    for (const k of ks) {
      const expected = k % r === 0n ? G2.ZERO : p.multiply(k % r);
      cases.push({ what: `g2mul ${i}`, command: `g2mul ${showG2(p)} ${hex(k)}`,
                   expected: showG2(expected) });
    }
    cases.push({ what: `g2add ${i}`, command: `g2add ${showG2(p)} ${showG2(q)}`,
                 expected: showG2(p.add(q)) });
    cases.push({ what: `g2 double ${i}`, command: `g2add ${showG2(p)} ${showG2(p)}`,
                 expected: showG2(p.double()) });
  }
  compare(cases);
});

// noble's final exponentiation (the Fuentes-Castañeda et al. chain, as in gnark) returns
// the fixed power e^M, M = 2x(6x^2 + 3x + 1), of the reduced pairing
// f^((p^12 - 1)/r) that ours returns exactly (pairing_test.cc checks ours against the
// naive exponentiation): both are pairings, equal on every EIP-197 check; the values
// are compared as ours^M == noble's.
const X = 4965661367192848881n;
const M = 2n * X * (6n * X * X + 3n * X + 1n);

function parseGt(line) {
  const v = line.split(' ').map((h) => BigInt('0x' + h));
  assert.equal(v.length, 12, `not a GT value: ${line}`);
  const { Fp2, Fp6, Fp12 } = bn254.fields;
  const fp2 = (i) => Fp2.fromBigTuple([v[i], v[i + 1]]);
  const fp6 = (i) => Fp6.create({ c0: fp2(i), c1: fp2(i + 2), c2: fp2(i + 4) });
  return Fp12.create({ c0: fp6(0), c1: fp6(6) });
}

test('pairing values (all of GT) agree with noble', () => {
  const Fp12 = bn254.fields.Fp12;
  const pairs = [[G1.BASE, G2.BASE]];
  for (let i = 0; i < 6; i++) {
    pairs.push([G1.BASE.multiply(randScalar('pp', i)), G2.BASE.multiply(randScalar('pq', i))]);
  }
  const answers = runTool(pairs.map(([p, q]) => `pair ${showG1(p)} ${showG2(q)}`));
  pairs.forEach(([p, q], i) => {
    const ours = parseGt(answers[i]);
    const noble = bn254.pairing(p, q);
    assert.ok(!Fp12.eql(ours, Fp12.ONE), 'e(P, Q) = 1 for P, Q != O');
    assert.ok(Fp12.eql(Fp12.pow(ours, r), Fp12.ONE), 'ours is not in GT');
    assert.ok(Fp12.eql(Fp12.pow(ours, M), noble), `pair ${i}: ours^M != noble's e(P, Q)`);
  });
});

test('EIP-197 pairing checks agree with noble', () => {
  const Fp12 = bn254.fields.Fp12;
  const cases = [];
  for (let i = 0; i < 6; i++) {
    const a = randScalar('ca', i), b = randScalar('cb', i);
    const p = G1.BASE.multiply(randScalar('cp', i)), q = G2.BASE.multiply(randScalar('cq', i));
    // e(aP, bQ)·e(-abP, Q) = 1; with the second term off by one P, not 1.
    const good = [[p.multiply(a), q.multiply(b)], [p.multiply((a * b) % r).negate(), q]];
    const bad = [good[0], [good[1][0].add(p), q]];
    const withInfinity = [...good, [G1.ZERO, q], [p, G2.ZERO]];
    for (const [what, pairs] of [['good', good], ['bad', bad], ['infinity', withInfinity]]) {
      // noble refuses the point at infinity; its pairs contribute 1.
      const finite = pairs.filter(([g1, g2]) => !g1.is0() && !g2.is0());
      const noble = Fp12.eql(
        bn254.pairingBatch(finite.map(([g1, g2]) => ({ g1, g2 }))), Fp12.ONE) ? '1' : '0';
      cases.push({ what: `check ${what} ${i}`, command: `check ${eip197(pairs)}`,
                   expected: noble });
    }
  }
  cases.push({ what: 'empty check', command: 'check -', expected: '1' });
  // Refusals: a G1 point off the curve, a coordinate >= p (p + 1 ≡ 1).
  const p = bn254.fields.Fp.ORDER;
  cases.push({ what: 'off the curve', command: 'g1mul 1 3 5', expected: 'error operands' });
  cases.push({ what: 'coordinate >= p', command: `g1mul ${hex(p + 1n)} 2 5`,
               expected: 'error operands' });
  cases.push({ what: 'check off the curve', command: `check ${word(1n) + word(3n) + '0'.repeat(256)}`,
               expected: 'error point' });
  const expectedValues = cases.map((c) => c.expected).join('');
  assert.match(expectedValues, /1/);
  assert.match(expectedValues, /0/);
  compare(cases);
});
