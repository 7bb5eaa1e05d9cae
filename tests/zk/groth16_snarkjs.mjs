// chainaccel's Groth16 library (crypto/groth16) held to circom and snarkjs, end to end.
//
// At test time (through snarkjs_setup.mjs): compiles tests/zk/circuits/*.circom with
// circom2, runs a small powers of tau (2^9) with one contribution, `groth16 setup` and
// one `zkey contribute` per circuit, exports the verification key, the whole key (`zkey
// export json`), computes witnesses (`wtns calculate`) and proofs (`groth16 prove`).
// Then, through groth16_tool ($GROTH16_TOOL):
//   - our .zkey reader gives exactly snarkjs's `zkey export json` (counts, primes, every
//     point, every coefficient), our verification key JSON exactly snarkjs's export
//     (vk_alphabeta_12 included), our .wtns reader exactly `wtns export json`;
//   - the JSON files survive a read and a write unchanged;
//   - our verifier accepts snarkjs's proofs and refuses tampered proofs and wrong public
//     signals, each as snarkjs's `groth16 verify` does; the batch verifier gives every
//     item's verdict;
//   - our readers refuse truncated and corrupted .zkey and .wtns files with the message
//     that names the section and the problem.
// Random choices (contribution entropy, tampered positions) come from
// CHAINACCEL_TEST_SEED, printed at the start (set it to replay). Exit 0 when every check
// passes, 1 otherwise.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { P, R, circuits, makeChecks, makeRandomInt, makeSnarkjsSetup, snarkjsCli, testSeed } from "./snarkjs_setup.mjs";

const tool = process.env.GROTH16_TOOL;
if (!tool) {
  console.error("groth16_snarkjs.mjs: set GROTH16_TOOL to the groth16_tool binary");
  process.exit(2);
}
const seed = testSeed();
const randomInt = makeRandomInt(seed);

const work = fs.mkdtempSync(path.join(os.tmpdir(), "chainaccel-zk-"));
const started = Date.now();
const { check, failures } = makeChecks();

// snarkjs's own verdict on a proof: true when `groth16 verify` says OK.
function snarkjsVerifies(vk, pub, proof) {
  const r = spawnSync(process.execPath, [snarkjsCli, "groth16", "verify", vk, pub, proof],
    { cwd: work, encoding: "utf8" });
  return r.status === 0 && /OK!/.test(r.stdout + r.stderr);
}
function runTool(...args) {
  const r = spawnSync(tool, args, { cwd: work, encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function toolJson(...args) {
  const r = runTool(...args);
  assert.equal(r.status, 0, `groth16_tool ${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
const readJson = (f) => JSON.parse(fs.readFileSync(path.join(work, f), "utf8"));
const clone = (v) => JSON.parse(JSON.stringify(v));

// ---- the ceremony and the proofs (snarkjs_setup.mjs) -----------------------------------

const { writeJson, all: makeAll } = makeSnarkjsSetup(work, seed);
makeAll();
console.log(`# snarkjs ceremony, keys and proofs: ${((Date.now() - started) / 1000).toFixed(1)} s`);

// ---- the readers against snarkjs's exports ---------------------------------------------

for (const name of Object.keys(circuits)) {
  check(`${name}: .zkey read = snarkjs zkey export json`, () => {
    const ours = toolJson("zkey-json", `${name}.zkey`);
    const theirs = readJson(`${name}_zkey.json`);
    for (const field of ["nVars", "nPublic", "domainSize", "power", "n8q", "q", "n8r", "r"]) {
      assert.deepEqual(ours[field], theirs[field], field);
    }
    for (const field of Object.keys(theirs)) assert.deepEqual(ours[field], theirs[field], field);
    assert.ok(theirs.ccoefs.length > 0 && theirs.hExps.length === theirs.domainSize);
  });
  check(`${name}: verification key from .zkey = snarkjs zkey export verificationkey`, () => {
    assert.deepEqual(toolJson("zkey-vk", `${name}.zkey`), readJson(`${name}_vk.json`));
  });
  circuits[name].forEach((_, i) => {
    check(`${name}: .wtns ${i} read = snarkjs wtns export json, fits the key`, () => {
      assert.deepEqual(toolJson("wtns-json", `${name}_${i}.wtns`, `${name}.zkey`),
        readJson(`${name}_${i}_wtns.json`));
    });
  });
  check(`${name}: JSON round trips (vk, proof, public signals)`, () => {
    assert.deepEqual(toolJson("roundtrip", "vk", `${name}_vk.json`), readJson(`${name}_vk.json`));
    assert.deepEqual(toolJson("roundtrip", "proof", `${name}_proof0.json`),
      readJson(`${name}_proof0.json`));
    assert.deepEqual(toolJson("roundtrip", "public", `${name}_public0.json`),
      readJson(`${name}_public0.json`));
  });
}

// ---- the verifier -------------------------------------------------------------------------

function verify(vk, proof, pub) {
  const r = runTool("verify", vk, proof, pub);
  assert.ok(r.status === 0 || r.status === 1, `verify exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

// Tampered proofs and signals: [label, proof, public signals, our verdict (a regex),
// whether snarkjs's verdict is compared (it is not where snarkjs cannot read the input)].
function tamperings(name) {
  const proof = readJson(`${name}_proof0.json`);
  const pub = readJson(`${name}_public0.json`);
  const i = randomInt(pub.length);
  const signals = (edit) => { const s = clone(pub); edit(s); return s; };
  const tampered = (edit) => { const p = clone(proof); edit(p); return p; };
  return [
    [`signal ${i} + 1`, proof, signals((s) => { s[i] = String((BigInt(s[i]) + 1n) % R); }),
      /^invalid/, true],
    [`signal ${i} + r`, proof, signals((s) => { s[i] = String(BigInt(s[i]) + R); }),
      /^malformed: public signal \d+ is >= r/, true],
    ["the other witness's signals", proof, readJson(`${name}_public1.json`), /^invalid/, true],
    ["one signal missing", proof, pub.slice(1),
      /^malformed: \d+ public signals, the key expects nPublic/, false],
    ["one signal too many", proof, [...pub, "1"], /^malformed: \d+ public signals/, false],
    ["pi_a negated", tampered((p) => { p.pi_a[1] = String(P - BigInt(p.pi_a[1])); }), pub,
      /^invalid/, true],
    ["pi_a and pi_c swapped", tampered((p) => { [p.pi_a, p.pi_c] = [p.pi_c, p.pi_a]; }), pub,
      /^invalid/, true],
    ["pi_c off the curve", tampered((p) => { p.pi_c[1] = String((BigInt(p.pi_c[1]) + 1n) % P); }),
      pub, /^malformed: pi_c: not on the curve/, true],
    ["pi_b x.c0, x.c1 swapped", tampered((p) => { p.pi_b[0].reverse(); }), pub,
      /^malformed: pi_b: not on the curve/, true],
    ["pi_b = delta2", tampered((p) => { p.pi_b = readJson(`${name}_vk.json`).vk_delta_2; }), pub,
      /^invalid/, true],
  ];
}

for (const name of Object.keys(circuits)) {
  circuits[name].forEach((_, i) => {
    check(`${name}: snarkjs's proof ${i} is valid`, () => {
      assert.equal(verify(`${name}_vk.json`, `${name}_proof${i}.json`, `${name}_public${i}.json`), "valid");
    });
  });
  tamperings(name).forEach(([label, proof, pub, expected, compare], k) => {
    check(`${name}: ${label}: refused${compare ? ", as snarkjs does" : ""}`, () => {
      writeJson(`t_${name}_${k}_proof.json`, proof);
      writeJson(`t_${name}_${k}_public.json`, pub);
      const verdict = verify(`${name}_vk.json`, `t_${name}_${k}_proof.json`, `t_${name}_${k}_public.json`);
      assert.match(verdict, expected);
      if (compare) {
        assert.equal(snarkjsVerifies(`${name}_vk.json`, `t_${name}_${k}_public.json`,
          `t_${name}_${k}_proof.json`), false, "snarkjs accepts it");
      }
    });
  });
  check(`${name}: batch verification, every item's verdict`, () => {
    const items = [[`${name}_proof0.json`, `${name}_public0.json`, "valid"],
      [`${name}_proof1.json`, `${name}_public1.json`, "valid"],
      [`t_${name}_0_proof.json`, `t_${name}_0_public.json`, "invalid"],
      [`${name}_proof1.json`, `${name}_public1.json`, "valid"],
      [`t_${name}_7_proof.json`, `t_${name}_7_public.json`, "malformed"]];
    const run = (randomness, list) => {
      const r = runTool("batch", `${name}_vk.json`, randomness, ...list.flatMap(([p, s]) => [p, s]));
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.trim().split("\n");
      assert.equal(lines.length, list.length);
      lines.forEach((line, j) => assert.ok(line.startsWith(list[j][2]), `item ${j}: ${line}`));
    };
    run(String(randomInt(2 ** 31)), items);
    run("os", items);
    run("os", items.filter(([, , v]) => v === "valid"));
  });
}

check("a key's proof against another circuit's key is refused", () => {
  assert.match(verify("multiplier_vk.json", "hash_chain_proof0.json", "hash_chain_public0.json"),
    /^malformed: 3 public signals, the key expects nPublic = 4/);
  const pub = readJson("multiplier_public0.json");
  writeJson("cross_public.json", pub.slice(0, 3));
  assert.match(verify("hash_chain_vk.json", "multiplier_proof0.json", "cross_public.json"), /^invalid/);
});

// ---- refusals of malformed files -------------------------------------------------------------

// The section table of an iden3 binary file: [{id, headerAt, bodyAt, size}].
function sections(buf) {
  const out = [];
  let pos = 12;
  for (let i = 0; i < buf.readUInt32LE(8); i++) {
    const size = Number(buf.readBigUInt64LE(pos + 4));
    out.push({ id: buf.readUInt32LE(pos), headerAt: pos, bodyAt: pos + 12, size });
    pos += 12 + size;
  }
  return out;
}
const section = (buf, id) => sections(buf).find((s) => s.id === id);

let badFiles = 0;
function refuses(kind, label, bytes, pattern, ...extra) {
  check(`${kind}: ${label}: refused`, () => {
    const file = `bad_${badFiles++}.${kind}`;
    fs.writeFileSync(path.join(work, file), bytes);
    const r = kind === "zkey" ? runTool("zkey-json", file) : runTool("wtns-json", file, ...extra);
    assert.equal(r.status, 2, `exit ${r.status}, stderr ${r.stderr}`);
    assert.match(r.stderr.trim(), pattern);
  });
}

const zkey = fs.readFileSync(path.join(work, "hash_chain.zkey"));
const zkeyJson = readJson("hash_chain_zkey.json");
const nVars = zkeyJson.nVars;
const mutate = (buf, fn) => { const b = Buffer.from(buf); fn(b); return b; };

for (const cut of [0, 7, 11, 12 + randomInt(8), section(zkey, 2).bodyAt + 40,
  section(zkey, 5).bodyAt + randomInt(section(zkey, 5).size), zkey.length - 1]) {
  refuses("zkey", `truncated to ${cut} bytes`, zkey.subarray(0, cut), /^INVALID_ARGUMENT: zkey: truncated: /);
}
refuses("zkey", "wrong magic", mutate(zkey, (b) => b.write("zkex", 0)), /^INVALID_ARGUMENT: zkey: wrong magic/);
refuses("zkey", "version 2", mutate(zkey, (b) => b.writeUInt32LE(2, 4)), /^INVALID_ARGUMENT: zkey: unsupported version 2/);
refuses("zkey", "PLONK protocol id", mutate(zkey, (b) => b.writeUInt32LE(2, section(zkey, 1).bodyAt)),
  /^INVALID_ARGUMENT: zkey: section 1 \(header\): protocol 2 \(PLONK\) is not Groth16/);
refuses("zkey", "n8q = 48", mutate(zkey, (b) => b.writeUInt32LE(48, section(zkey, 2).bodyAt)),
  /^INVALID_ARGUMENT: zkey: section 2 \(Groth16 header\): n8q is 48, expected 32/);
refuses("zkey", "another q", mutate(zkey, (b) => { b[section(zkey, 2).bodyAt + 4 + randomInt(32)] ^= 1; }),
  /^INVALID_ARGUMENT: zkey: section 2 \(Groth16 header\): q is not BN254's base field prime/);
refuses("zkey", "another r", mutate(zkey, (b) => { b[section(zkey, 2).bodyAt + 40 + randomInt(32)] ^= 4; }),
  /^INVALID_ARGUMENT: zkey: section 2 \(Groth16 header\): r is not BN254's scalar field prime/);
refuses("zkey", "nVars + 1", mutate(zkey, (b) => b.writeUInt32LE(nVars + 1, section(zkey, 2).bodyAt + 72)),
  /^INVALID_ARGUMENT: zkey: section 5 \(A points\): wrong size: \d+ bytes, expected nVars = \d+ points/);
refuses("zkey", "domainSize 300", mutate(zkey, (b) => b.writeUInt32LE(300, section(zkey, 2).bodyAt + 80)),
  /^INVALID_ARGUMENT: zkey: section 2 \(Groth16 header\): domainSize 300 is not a power of two/);
refuses("zkey", "alpha1 off the curve", mutate(zkey, (b) => { b[section(zkey, 2).bodyAt + 84 + 32] ^= 1; }),
  /^INVALID_ARGUMENT: zkey: section 2 \(Groth16 header\): alpha1: not on the curve/);
{
  // An A point that is not infinity: its y coordinate changed, then set to p.
  const a = section(zkey, 5);
  const nonInfinity = zkeyJson.A.map((p, i) => [p, i]).filter(([p]) => p[2] === "1").map(([, i]) => i);
  const k = nonInfinity[randomInt(nonInfinity.length)];
  refuses("zkey", `A point ${k} off the curve`, mutate(zkey, (b) => { b[a.bodyAt + 64 * k + 32] ^= 1; }),
    new RegExp(`^INVALID_ARGUMENT: zkey: section 5 \\(A points\\): point ${k}: (not on the curve|a coordinate is >= p)`));
  const pBytes = Buffer.alloc(32);
  for (let j = 0, v = P; j < 32; j++, v >>= 8n) pBytes[j] = Number(v & 0xffn);
  refuses("zkey", `A point ${k} with y = p`, mutate(zkey, (b) => pBytes.copy(b, a.bodyAt + 64 * k + 32)),
    new RegExp(`^INVALID_ARGUMENT: zkey: section 5 \\(A points\\): point ${k}: a coordinate is >= p`));
  const b2 = section(zkey, 7);
  refuses("zkey", "a B2 point off the twist", mutate(zkey, (b) => { b[b2.bodyAt + 128 * nonInfinity[0] + 64] ^= 1; }),
    /^INVALID_ARGUMENT: zkey: section 7 \(B2 points\): point \d+: (not on the curve|a coordinate is >= p)/);
}
{
  const c = section(zkey, 4);
  const k = randomInt(zkeyJson.ccoefs.length);
  refuses("zkey", `coefficient ${k} with signal nVars`, mutate(zkey, (b) => b.writeUInt32LE(nVars, c.bodyAt + 4 + 44 * k + 8)),
    new RegExp(`^INVALID_ARGUMENT: zkey: section 4 \\(coefficients\\): coefficient ${k}: signal ${nVars} is not below nVars`));
  refuses("zkey", `coefficient ${k} in matrix 2`, mutate(zkey, (b) => b.writeUInt32LE(2, c.bodyAt + 4 + 44 * k)),
    new RegExp(`^INVALID_ARGUMENT: zkey: section 4 \\(coefficients\\): coefficient ${k}: matrix 2 is neither A \\(0\\) nor B \\(1\\)`));
  refuses("zkey", "coefficient count + 1", mutate(zkey, (b) => b.writeUInt32LE(zkeyJson.ccoefs.length + 1, c.bodyAt)),
    /^INVALID_ARGUMENT: zkey: section 4 \(coefficients\): wrong size/);
}
refuses("zkey", "IC section renamed", mutate(zkey, (b) => b.writeUInt32LE(11, section(zkey, 3).headerAt)),
  /^INVALID_ARGUMENT: zkey: section 3 \(IC\) is missing/);
refuses("zkey", "contributions section renamed 9", mutate(zkey, (b) => b.writeUInt32LE(9, section(zkey, 10).headerAt)),
  /^INVALID_ARGUMENT: zkey: section 9 \(H points\) appears more than once/);

const wtns = fs.readFileSync(path.join(work, "hash_chain_0.wtns"));
for (const cut of [5, 30, wtns.length - 1 - randomInt(32)]) {
  refuses("wtns", `truncated to ${cut} bytes`, wtns.subarray(0, cut), /^INVALID_ARGUMENT: wtns: truncated: /);
}
refuses("wtns", "wrong magic", mutate(wtns, (b) => b.write("wtnz", 0)), /^INVALID_ARGUMENT: wtns: wrong magic/);
refuses("wtns", "the prime of another field", mutate(wtns, (b) => { b[section(wtns, 1).bodyAt + 4] ^= 2; }),
  /^INVALID_ARGUMENT: wtns: section 1 \(header\): the prime is not BN254's scalar field r/);
refuses("wtns", "one value more in the header", mutate(wtns, (b) => b.writeUInt32LE(nVars + 1, section(wtns, 1).bodyAt + 36)),
  /^INVALID_ARGUMENT: wtns: section 2 \(values\): wrong size/);
{
  const rBytes = Buffer.alloc(32);
  for (let j = 0, v = R; j < 32; j++, v >>= 8n) rBytes[j] = Number(v & 0xffn);
  refuses("wtns", "value 1 = r", mutate(wtns, (b) => rBytes.copy(b, section(wtns, 2).bodyAt + 32)),
    /^INVALID_ARGUMENT: wtns: section 2 \(values\): value 1 is >= r/);
}
refuses("wtns", "value 0 = 2 (against the key)", mutate(wtns, (b) => { b[section(wtns, 2).bodyAt] = 2; }),
  /^INVALID_ARGUMENT: wtns: value 0 \(the constant signal\) is not 1/, "hash_chain.zkey");
refuses("wtns", "another circuit's witness (against the key)", fs.readFileSync(path.join(work, "multiplier_0.wtns")),
  new RegExp(`^INVALID_ARGUMENT: wtns: \\d+ values, but the circuit's nVars is ${nVars}`), "hash_chain.zkey");

console.log(`# ${failures()} failure(s), ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
if (failures() === 0) fs.rmSync(work, { recursive: true, force: true });
else console.log(`# files kept in ${work}`);
process.exit(failures() === 0 ? 0 : 1);
