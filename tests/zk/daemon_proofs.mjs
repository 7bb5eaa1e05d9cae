// ProofService end to end: a chainacceld (CHAINACCELD) and the `chainaccel zk` commands
// (CHAINACCEL_CLI) on the circuits of snarkjs_setup.mjs, held to snarkjs:
//   - RegisterCircuit streams the .zkey; the verification key it returns equals
//     `snarkjs zkey export verificationkey`; registering again is recognised;
//   - the daemon's proofs (a two-witness batch, and one through `prove --zkey`) are
//     accepted by `snarkjs groth16 verify`, with snarkjs's public signals;
//   - VerifyGroth16 accepts the daemon's and snarkjs's proofs and gives each bad item
//     its own verdict (wrong signal, a proof that does not parse, signals of another
//     count) next to good ones;
//   - a witness of another circuit gets ITEM_MALFORMED_WITNESS while its batch mate is
//     proved; an unknown circuit is NOT_FOUND, a truncated key INVALID_ARGUMENT naming
//     the section; the daemon exits 0 on SIGTERM.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startDaemon } from "../support/daemon_process.mjs";
import { makeSnarkjsSetup, testSeed } from "./snarkjs_setup.mjs";

const cli = process.env.CHAINACCEL_CLI;
if (!cli || !process.env.CHAINACCELD) {
  console.error("set CHAINACCELD and CHAINACCEL_CLI (ctest does)");
  process.exit(2);
}

const seed = testSeed();
const work = fs.mkdtempSync(path.join(os.tmpdir(), "chainaccel-zk-daemon-"));
const setup = makeSnarkjsSetup(work, seed);
for (const name of ["multiplier", "hash_chain"]) setup.compile(name);
setup.ceremony();
for (const name of ["multiplier", "hash_chain"]) setup.setup(name);
const file = (f) => path.join(work, f);
const readJson = (f) => JSON.parse(fs.readFileSync(file(f), "utf8"));

const daemon = await startDaemon({ threads: 2 });
let failed = false;
try {
  const zk = (...args) => spawnSync(cli, ["--address", daemon.address, "zk", ...args],
    { cwd: work, encoding: "utf8" });
  const snarkjsVerifies = (vk, pub, proof) => {
    try {
      return setup.snarkjs("groth16", "verify", vk, pub, proof).includes("OK!");
    } catch {
      return false;
    }
  };

  // Registration, twice.
  const reg = zk("register", file("multiplier.zkey"), "--vkey-out", file("multiplier_vk_daemon.json"));
  assert.equal(reg.status, 0, reg.stderr);
  const id = /circuit_id: ([0-9a-f]{64})/.exec(reg.stdout)[1];
  assert.match(reg.stdout, /newly_registered: true/);
  assert.deepEqual(readJson("multiplier_vk_daemon.json"), readJson("multiplier_vk.json"));
  const again = zk("register", file("multiplier.zkey"));
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`circuit_id: ${id}`));
  assert.match(again.stdout, /newly_registered: false/);

  // A batch of two witnesses; snarkjs accepts both proofs and their signals are snarkjs's.
  const out = file("out");
  const batch = zk("prove", "--circuit", id, "--wtns", file("multiplier_0.wtns"),
    "--wtns", file("multiplier_1.wtns"), "--out-dir", out);
  assert.equal(batch.status, 0, batch.stdout + batch.stderr);
  for (const i of [0, 1]) {
    assert.ok(snarkjsVerifies("multiplier_vk.json", `out/public_${i}.json`, `out/proof_${i}.json`),
      `snarkjs refuses the daemon's proof ${i}`);
    assert.deepEqual(readJson(`out/public_${i}.json`), readJson(`multiplier_public${i}.json`));
  }

  // prove --zkey registers and proves in one command.
  const one = zk("prove", "--zkey", file("hash_chain.zkey"), "--wtns", file("hash_chain_1.wtns"),
    "--proof", file("hc_proof.json"), "--public", file("hc_public.json"), "--placement", "cpu");
  assert.equal(one.status, 0, one.stdout + one.stderr);
  assert.match(one.stdout, /engine: cpu/);
  assert.ok(snarkjsVerifies("hash_chain_vk.json", "hc_public.json", "hc_proof.json"));

  // Verification: good items of both provers, and bad ones beside them.
  fs.writeFileSync(file("bad_public.json"),
    JSON.stringify(readJson("multiplier_public0.json").map((v, k) => (k === 0 ? String(BigInt(v) + 1n) : v))));
  fs.writeFileSync(file("garbage_proof.json"), "{\"pi_a\": 7}");
  fs.writeFileSync(file("short_public.json"), "[\"1\"]");
  const verify = zk("verify", "--vkey", file("multiplier_vk.json"),
    "--proof", "out/proof_0.json", "--public", "out/public_0.json",
    "--proof", "multiplier_proof1.json", "--public", "multiplier_public1.json",
    "--proof", "multiplier_proof0.json", "--public", "bad_public.json",
    "--proof", "garbage_proof.json", "--public", "multiplier_public0.json",
    "--proof", "multiplier_proof0.json", "--public", "short_public.json");
  assert.equal(verify.status, 1, verify.stderr);
  assert.deepEqual(verify.stdout.trim().split("\n"),
    ["ok", "ok", "ITEM_INVALID", "ITEM_MALFORMED_PROOF", "ITEM_MALFORMED_MESSAGE"]);

  // A witness of the other circuit beside a good one.
  const mixed = zk("prove", "--circuit", id, "--wtns", file("hash_chain_0.wtns"),
    "--wtns", file("multiplier_0.wtns"), "--out-dir", file("mixed"));
  assert.equal(mixed.status, 1, mixed.stderr);
  assert.match(mixed.stdout, /hash_chain_0\.wtns: ITEM_MALFORMED_WITNESS/);
  assert.match(mixed.stdout, /multiplier_0\.wtns: ok/);
  assert.ok(snarkjsVerifies("multiplier_vk.json", "mixed/public_1.json", "mixed/proof_1.json"));

  // Refusals of the whole call.
  const unknown = zk("prove", "--circuit", "00".repeat(32), "--wtns", file("multiplier_0.wtns"),
    "--proof", file("x.json"), "--public", file("y.json"));
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /NOT_FOUND: circuit_id: no circuit 0{64} is registered/);
  const zkey = fs.readFileSync(file("multiplier.zkey"));
  fs.writeFileSync(file("cut.zkey"), zkey.subarray(0, zkey.length - 100));
  const cut = zk("register", file("cut.zkey"));
  assert.equal(cut.status, 2);
  assert.match(cut.stderr, /INVALID_ARGUMENT: .*section/);
  console.log("daemon proofs: every check passed");
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  const { code } = await daemon.stop();
  if (code !== 0) {
    console.error(`chainacceld exited with ${code}`);
    failed = true;
  }
  if (!failed) fs.rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
