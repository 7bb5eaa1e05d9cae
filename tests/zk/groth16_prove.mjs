// chainaccel's Groth16 prover (crypto/groth16/prover.h) held to snarkjs 0.7.6, end to end.
//
// For the circuits of snarkjs_setup.mjs (the keys and witnesses groth16_snarkjs.mjs also
// uses), through `groth16_tool prove` ($GROTH16_TOOL):
//   - our proofs with OS randomness, on 1 and 2 threads, are accepted by
//     `snarkjs groth16 verify`, and our public signals equal snarkjs's;
//   - with fixed r and s our proof.json equals, byte for byte, the JSON of the proof
//     snarkjs.groth16.prove computes in this process with the same r and s (r, s from the
//     seed, and the edge values 0, 1 and r - 1).
//
// How snarkjs is made to use known r and s: groth16_prove.js draws them with
// `curve.Fr.random()` on the curve object of ffjavascript's buildBn128(), which caches
// that object in globalThis.curve_bn128, so the object this script gets from
// buildBn128() is the one snarkjs's prove uses. Fr.random() returns a field element in
// ffjavascript's representation, which is Montgomery form (groth16_prove.js passes it to
// G1.timesFr and Fr.mul, both of which read Montgomery form); so the replacement returns
// curve.Fr.e(r) and then curve.Fr.e(s) (Fr.e converts an integer to that form), and the
// original is put back after each proof.
//
// Random choices follow CHAINACCEL_TEST_SEED, printed first. Exit 0 when every check
// passes, 1 otherwise; on a failure the work folder is kept and printed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { buildBn128 } from "ffjavascript";
import * as snarkjs from "snarkjs";

import { R, circuits, makeSnarkjsSetup, snarkjsCli, testSeed } from "./snarkjs_setup.mjs";

const tool = process.env.GROTH16_TOOL;
if (!tool) {
  console.error("groth16_prove.mjs: set GROTH16_TOOL to the groth16_tool binary");
  process.exit(2);
}
const seed = testSeed();
let counter = 0;
function randomScalar() {  // in [0, r), deterministic in the seed and the call order
  const h = createHash("sha512").update(`${seed}/${counter++}`).digest();
  return BigInt("0x" + h.toString("hex")) % R;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "chainaccel-zk-prove-"));
const started = Date.now();
let failures = 0;

async function check(name, fn) {
  try {
    await fn();
    console.log(`ok - ${name}`);
  } catch (e) {
    failures++;
    console.log(`not ok - ${name}\n  ${String(e.stack ?? e).split("\n").join("\n  ")}`);
  }
}

const file = (f) => path.join(work, f);
const readText = (f) => fs.readFileSync(file(f), "utf8");

function ourProof(name, i, out, threads, rs) {
  const args = ["prove", `${name}.zkey`, `${name}_${i}.wtns`, `${out}_proof.json`,
    `${out}_public.json`, "--threads", String(threads)];
  if (rs) args.push("--r", String(rs.r), "--s", String(rs.s));
  const r = spawnSync(tool, args, { cwd: work, encoding: "utf8" });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `groth16_tool ${args.join(" ")}: ${r.stderr}`);
}

function snarkjsVerifies(name, out) {
  const r = spawnSync(process.execPath, [snarkjsCli, "groth16", "verify", `${name}_vk.json`,
    `${out}_public.json`, `${out}_proof.json`], { cwd: work, encoding: "utf8" });
  return r.status === 0 && /OK!/.test(r.stdout + r.stderr);
}

// snarkjs's proof with r and s forced through the curve's Fr.random (see the top).
async function snarkjsProofWith(curve, name, i, rs) {
  const original = curve.Fr.random;
  const queue = [curve.Fr.e(rs.r), curve.Fr.e(rs.s)];
  curve.Fr.random = () => {
    assert.ok(queue.length > 0, "snarkjs drew more than r and s");
    return queue.shift();
  };
  try {
    const { proof, publicSignals } = await snarkjs.groth16.prove(file(`${name}.zkey`),
      file(`${name}_${i}.wtns`));
    assert.equal(queue.length, 0, "snarkjs did not draw both r and s");
    return { proof, publicSignals };
  } finally {
    curve.Fr.random = original;
  }
}

// ---- keys and witnesses (snarkjs_setup.mjs) ---------------------------------------------

const setup = makeSnarkjsSetup(work, seed);
setup.all({ prove: false });
console.log(`# snarkjs ceremony and keys: ${((Date.now() - started) / 1000).toFixed(1)} s`);

const curve = await buildBn128();  // the cached object snarkjs's prove uses

for (const name of Object.keys(circuits)) {
  for (let i = 0; i < circuits[name].length; i++) {
    for (const threads of [1, 2]) {
      await check(`${name}: witness ${i}, ${threads} thread(s): snarkjs groth16 verify accepts our proof`, () => {
        const out = `${name}_${i}_t${threads}`;
        ourProof(name, i, out, threads);
        assert.ok(snarkjsVerifies(name, out), "snarkjs refuses our proof");
      });
    }
    const choices = [{ r: randomScalar(), s: randomScalar() }];
    if (i === 0) choices.push({ r: 0n, s: 1n }, { r: R - 1n, s: R - 1n });
    for (const rs of choices) {
      await check(`${name}: witness ${i}, r = ${rs.r}, s = ${rs.s}: proof = snarkjs's byte for byte`, async () => {
        const out = `${name}_${i}_fixed`;
        ourProof(name, i, out, 2, rs);
        const theirs = await snarkjsProofWith(curve, name, i, rs);
        assert.equal(readText(`${out}_proof.json`), JSON.stringify(theirs.proof, null, 1) + "\n");
        assert.equal(readText(`${out}_public.json`),
          JSON.stringify(theirs.publicSignals, null, 1) + "\n");
        assert.ok(snarkjsVerifies(name, out), "snarkjs refuses our proof");
      });
    }
  }
}

await curve.terminate();
console.log(`# ${failures} failure(s), ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
if (failures === 0) fs.rmSync(work, { recursive: true, force: true });
else console.log(`# files kept in ${work}`);
process.exit(failures === 0 ? 0 : 1);
