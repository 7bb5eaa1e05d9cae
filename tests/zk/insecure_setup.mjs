// The insecure setup tool (crypto/groth16/testing/insecure_groth16_setup.cc, TEST ONLY)
// held to snarkjs. Its keys must be keys that snarkjs reads, proves with, and whose
// proofs it accepts:
//   - with the trapdoor "one" (every element 1: snarkjs's own key from an uncontributed
//     `powersoftau new` and `groth16 setup` with no `zkey contribute`), our .zkey equals
//     snarkjs's byte for byte, all but the 64-byte circuit hash of section 10, for the
//     circom2-compiled circuits and a synthetic one;
//   - with a random trapdoor: `zkey export verificationkey` equals our verification key
//     JSON; `groth16 prove` with our .zkey makes proofs that `groth16 verify` accepts
//     with our verification key (and groth16_tool's verifier too); a wrong public signal,
//     another witness's signals and a proof from a wrong witness are refused;
//   - the synthetic circuit's witness satisfies its .r1cs by `snarkjs wtns check`, and a
//     changed witness does not.
// Random choices (trapdoor seeds, tampered positions) come from CHAINACCEL_TEST_SEED,
// printed first. Exit 0 when every check passes, 1 otherwise.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { R, circomCli, makeChecks, makeRandomInt, snarkjsCli, testSeed } from "./snarkjs_setup.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const setupTool = process.env.INSECURE_SETUP;
const groth16Tool = process.env.GROTH16_TOOL;
if (!setupTool || !groth16Tool) {
  console.error("insecure_setup.mjs: set INSECURE_SETUP and GROTH16_TOOL to the binaries");
  process.exit(2);
}
const seed = testSeed();
const randomInt = makeRandomInt(seed);

const work = fs.mkdtempSync(path.join(os.tmpdir(), "chainaccel-insecure-setup-"));
const started = Date.now();
const { check, failures } = makeChecks();

const snarkjs = (...args) =>
  execFileSync(process.execPath, [snarkjsCli, ...args], { cwd: work, encoding: "utf8" });
function snarkjsSays(pattern, ...args) {  // whether a snarkjs command succeeds saying `pattern`
  const r = spawnSync(process.execPath, [snarkjsCli, ...args], { cwd: work, encoding: "utf8" });
  return r.status === 0 && pattern.test(r.stdout + r.stderr);
}
function setup(...args) {
  const r = spawnSync(setupTool, args, { cwd: work, encoding: "utf8" });
  assert.equal(r.status, 0, `setup ${args.join(" ")}: ${r.stderr}`);
  assert.match(r.stderr, /WARNING: INSECURE GROTH16 SETUP/);
}
const file = (f) => path.join(work, f);
const readJson = (f) => JSON.parse(fs.readFileSync(file(f), "utf8"));
const writeJson = (f, v) => fs.writeFileSync(file(f), JSON.stringify(v, null, 1));

// The bytes of an iden3 binary file with section 10's circuit hash zeroed.
function withoutCircuitHash(f) {
  const b = Buffer.from(fs.readFileSync(file(f)));
  for (let pos = 12; pos < b.length;) {
    const id = b.readUInt32LE(pos), size = Number(b.readBigUInt64LE(pos + 4));
    if (id === 10) b.fill(0, pos + 12, pos + 12 + 64);
    pos += 12 + size;
  }
  return b;
}

// ---- circuits and snarkjs's uncontributed ceremony ---------------------------------------

const circuits = {
  multiplier: [{ a: "3", b: "11", k: "5" }, { a: "7", b: "2", k: "9" }],
  hash_chain: [{ x: "5", k: "7" }, { x: "123456789", k: "42" }],
};
for (const name of Object.keys(circuits)) {
  execFileSync(process.execPath, [circomCli, `circuits/${name}.circom`, "--r1cs", "--wasm",
    "--O2", "-l", "node_modules", "-o", work], { cwd: here, stdio: ["ignore", "ignore", "inherit"] });
}
// Power 10 > every circuit's domain power here (snarkjs builds H from the next power's
// Lagrange basis, which a ptau of exactly the circuit's power holds only truncated).
snarkjs("powersoftau", "new", "bn128", "10", "pot0.ptau");
snarkjs("powersoftau", "prepare", "phase2", "pot0.ptau", "pot.ptau");
// A synthetic circuit small enough for that ceremony, and the benchmark-shaped one.
setup("--synthetic-constraints", "300", "--seed", String(randomInt(1e9)), "--r1cs-out",
  "synthetic_small.r1cs", "--zkey-out", "synthetic_small_rand.zkey");
setup("--synthetic-power", "12", "--seed", String(randomInt(1e9)), "--trapdoor-seed",
  String(randomInt(1e9)), "--r1cs-out", "synthetic.r1cs", "--wtns-out", "synthetic_0.wtns",
  "--zkey-out", "synthetic.zkey", "--vkey-out", "synthetic_vk.json");
console.log(`# compiled, ceremony, synthetic circuits: ${((Date.now() - started) / 1000).toFixed(1)} s`);

// ---- byte equality with snarkjs's setup for the trapdoor "one" ------------------------------

for (const name of [...Object.keys(circuits), "synthetic_small"]) {
  check(`${name}: our key for trapdoor one = snarkjs groth16 setup (but the circuit hash)`, () => {
    snarkjs("groth16", "setup", `${name}.r1cs`, "pot.ptau", `${name}_snarkjs.zkey`);
    setup("--r1cs", `${name}.r1cs`, "--trapdoor-seed", "one", "--zkey-out", `${name}_one.zkey`);
    const ours = withoutCircuitHash(`${name}_one.zkey`);
    const theirs = withoutCircuitHash(`${name}_snarkjs.zkey`);
    assert.equal(ours.length, theirs.length, "sizes");
    assert.ok(ours.equals(theirs), "the keys differ outside the circuit hash");
  });
}

// ---- proofs with keys of a random trapdoor -----------------------------------------------

function proveAndVerify(name, witnesses) {
  check(`${name}: snarkjs zkey export verificationkey = our verification key`, () => {
    snarkjs("zkey", "export", "verificationkey", `${name}.zkey`, `${name}_exported_vk.json`);
    assert.deepEqual(readJson(`${name}_exported_vk.json`), readJson(`${name}_vk.json`));
  });
  for (let i = 0; i < witnesses; i++) {
    check(`${name}: snarkjs proves with our key, snarkjs and our verifier accept (${i})`, () => {
      snarkjs("groth16", "prove", `${name}.zkey`, `${name}_${i}.wtns`, `${name}_proof${i}.json`,
        `${name}_public${i}.json`);
      assert.ok(snarkjsSays(/OK!/, "groth16", "verify", `${name}_vk.json`, `${name}_public${i}.json`,
        `${name}_proof${i}.json`), "snarkjs refuses the proof");
      const r = spawnSync(groth16Tool, ["verify", `${name}_vk.json`, `${name}_proof${i}.json`,
        `${name}_public${i}.json`], { cwd: work, encoding: "utf8" });
      assert.equal(r.stdout.trim(), "valid", r.stderr);
    });
  }
  check(`${name}: a wrong public signal is refused`, () => {
    const pub = readJson(`${name}_public0.json`);
    const k = randomInt(pub.length);
    pub[k] = String((BigInt(pub[k]) + 1n) % R);
    writeJson(`${name}_wrong_public.json`, pub);
    assert.ok(!snarkjsSays(/OK!/, "groth16", "verify", `${name}_vk.json`,
      `${name}_wrong_public.json`, `${name}_proof0.json`), "snarkjs accepts it");
  });
}

// The number of values of a .wtns (section 1: n8, the prime, the count).
function wtnsCount(f) {
  const b = fs.readFileSync(file(f));
  let pos = 12;
  while (b.readUInt32LE(pos) !== 1) pos += 12 + Number(b.readBigUInt64LE(pos + 4));
  return b.readUInt32LE(pos + 12 + 4 + 32);
}

// A copy of `from` with witness value `index` + 1 (its section 2 holds 32-byte values).
function tamperWitness(from, to, index) {
  const b = Buffer.from(fs.readFileSync(file(from)));
  let pos = 12;
  while (b.readUInt32LE(pos) !== 2) pos += 12 + Number(b.readBigUInt64LE(pos + 4));
  const at = pos + 12 + 32 * index;
  let v = 0n;
  for (let j = 31; j >= 0; j--) v = (v << 8n) | BigInt(b[at + j]);
  v = (v + 1n) % R;
  for (let j = 0; j < 32; j++, v >>= 8n) b[at + j] = Number(v & 0xffn);
  fs.writeFileSync(file(to), b);
}

function wrongWitnessRefused(name, nPublic, nVars) {
  check(`${name}: a proof from a wrong witness is refused`, () => {
    const index = nPublic + 1 + randomInt(nVars - nPublic - 1);  // a private signal
    tamperWitness(`${name}_0.wtns`, `${name}_bad.wtns`, index);
    snarkjs("groth16", "prove", `${name}.zkey`, `${name}_bad.wtns`, `${name}_bad_proof.json`,
      `${name}_bad_public.json`);
    assert.ok(!snarkjsSays(/OK!/, "groth16", "verify", `${name}_vk.json`, `${name}_bad_public.json`,
      `${name}_bad_proof.json`), `snarkjs accepts a proof from witness value ${index} + 1`);
  });
}

for (const [name, inputs] of Object.entries(circuits)) {
  setup("--r1cs", `${name}.r1cs`, "--trapdoor-seed", String(randomInt(1e9)), "--zkey-out",
    `${name}.zkey`, "--vkey-out", `${name}_vk.json`);
  inputs.forEach((input, i) => {
    writeJson(`${name}_in${i}.json`, input);
    snarkjs("wtns", "calculate", `${name}_js/${name}.wasm`, `${name}_in${i}.json`, `${name}_${i}.wtns`);
  });
  proveAndVerify(name, inputs.length);
  check(`${name}: another witness's public signals are refused`, () => {
    assert.ok(!snarkjsSays(/OK!/, "groth16", "verify", `${name}_vk.json`, `${name}_public1.json`,
      `${name}_proof0.json`), "snarkjs accepts them");
  });
  wrongWitnessRefused(name, readJson(`${name}_vk.json`).nPublic, wtnsCount(`${name}_0.wtns`));
}

check("synthetic: snarkjs wtns check accepts the generated witness", () => {
  assert.ok(snarkjsSays(/WITNESS IS CORRECT/, "wtns", "check", "synthetic.r1cs", "synthetic_0.wtns"));
});
check("synthetic: snarkjs wtns check refuses a changed witness", () => {
  tamperWitness("synthetic_0.wtns", "synthetic_changed.wtns", 7 + randomInt(4000));
  assert.ok(!snarkjsSays(/WITNESS IS CORRECT/, "wtns", "check", "synthetic.r1cs",
    "synthetic_changed.wtns"));
});
proveAndVerify("synthetic", 1);
wrongWitnessRefused("synthetic", 4, wtnsCount("synthetic_0.wtns"));

console.log(`# ${failures()} failure(s), ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
if (failures() === 0) fs.rmSync(work, { recursive: true, force: true });
else console.log(`# files kept in ${work}`);
process.exit(failures() === 0 ? 0 : 1);
