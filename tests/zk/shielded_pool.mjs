// The shielded pool end to end (docs/shielded_pool.md, issue 17): examples/shielded_pool's
// circuits, contract and client run through a chainacceld (CPU only) with the commands of
// the document:
//   - pool_cli.mjs setup compiles the circuits and makes TEST-ONLY keys with the insecure
//     setup (INSECURE_SETUP; a snarkjs ceremony of power 13 takes minutes here);
//   - the verifying keys are registered on chain (`exec register-vk`, ids equal to
//     `vk-id`'s), the proving keys with ProofService (`zk register`); the contract
//     (SHIELDED_POOL_WASM) is deployed, initialised with the empty tree's root, and mints;
//   - two deposits, each with a deposit proof the daemon made (`zk prove`) from a witness of
//     `snarkjs wtns calculate`; a withdrawal of the first note against the older root to a
//     fresh recipient, sent by a third party; snarkjs accepts the daemon's proofs;
//   - refused: the same withdrawal again and another proof of the same note (REVERTED
//     "nullifier already spent"); a valid proof with a public signal changed, a proof of
//     another witness, a proof off the curve, a signal not below r, an unknown key id, a
//     signal too few (BAD_PROOF with its message, gas 0, no effect); a proof under the
//     deposit key used for a withdrawal, no proof, an unknown root, another recipient, a
//     stale deposit root, a skipped leaf index, another commitment, too small a balance, a
//     second init, a mint by another (REVERTED with the contract's message).
// Keys and notes follow CHAINACCEL_TEST_SEED, printed first (the daemon's proofs are
// randomized by the OS). On a failure the work folder is kept and printed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pool from "../../examples/shielded_pool/pool.mjs";
import { startDaemon } from "../support/daemon_process.mjs";
import { testSeed } from "./snarkjs_setup.mjs";

const { CHAINACCELD, CHAINACCEL_CLI: cli, INSECURE_SETUP, SHIELDED_POOL_WASM } = process.env;
if (!CHAINACCELD || !cli || !INSECURE_SETUP || !SHIELDED_POOL_WASM) {
  console.error("set CHAINACCELD, CHAINACCEL_CLI, INSECURE_SETUP and SHIELDED_POOL_WASM (ctest does)");
  process.exit(2);
}

const started = Date.now();
const seed = testSeed();
const derive = (label, bytes = 32) =>
  createHash("sha256").update(`${seed}/${label}`).digest().subarray(0, bytes);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "chainaccel-shielded-pool-"));
const file = (f) => path.join(work, f);
const poolCli = path.join(pool.here, "pool_cli.mjs");
const snarkjs = pool.makeSnarkjs(work);

function run(command, args) {
  const r = spawnSync(command, args, { cwd: work, encoding: "utf8" });
  if (r.error) throw r.error;
  return r;
}
function poolCommand(...args) {
  const r = run(process.execPath, [poolCli, ...args]);
  assert.equal(r.status, 0, `pool_cli ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
function step(name) {
  console.log(`ok - ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

// ---- keys, notes, circuits --------------------------------------------------------------

const keys = Object.fromEntries(["owner", "alice", "bob", "carol", "dave", "eve", "mallory"]
  .map((who) => [who, derive(`key/${who}`).toString("hex")]));
const addresses = Object.fromEntries(Object.entries(keys)
  .map(([who, key]) => [who, poolCommand("address", "--key", key).trim()]));

const setupLog = poolCommand("setup", "--out", work, "--insecure-setup", INSECURE_SETUP,
  "--seed", String(derive("setup", 4).readUInt32LE(0)));
const constraints = Object.fromEntries([...setupLog.matchAll(/^(\w+)\.circom: (\d+) constraints$/gm)]
  .map((m) => [m[1], Number(m[2])]));
console.log(`# constraints: ${JSON.stringify(constraints)}`);
assert.match(setupLog, /WARNING: INSECURE TEST KEYS/);
const hasher = await pool.loadHasher(work);
const notes = [];
for (let i = 0; i < 3; i++) {
  const note = await pool.noteOf(hasher, BigInt(`0x${derive(`note${i}/nullifier`, 31).toString("hex")}`),
    BigInt(`0x${derive(`note${i}/secret`, 31).toString("hex")}`));
  fs.writeFileSync(file(`note${i}.json`), pool.noteToJson(note));
  notes.push(note);
}
// The CLI's own notes are fresh, and consistent.
const cliNote = pool.noteFromJson(poolCommand("note", "--build", work));
assert.deepEqual(await pool.noteOf(hasher, cliNote.nullifier, cliNote.secret), cliNote);
const emptyRoot = poolCommand("empty-root", "--build", work).trim();
step("circuits compiled, test keys made, notes");

// ---- the daemon ------------------------------------------------------------------------

const daemon = await startDaemon({ threads: 2 });
let failed = false;
try {
  const chainaccel = (...args) => run(cli, ["--address", daemon.address, ...args]);
  let poolAddress;
  const vk = {};          // verifying key ids (on chain)
  const circuitIds = {};  // proving keys (ProofService)

  // A signed one-transaction block (`exec`, by `sender`) or a read-only call (no sender);
  // the receipt's fields.
  function exec(fn, { input, sender, proof, vkId } = {}) {
    const args = ["exec", "--contract", poolAddress, "--function", fn];
    if (input !== undefined) args.push("--input", input);
    args.push(...(sender === undefined ? ["--read-only"] : ["--key", keys[sender]]));
    if (proof !== undefined) args.push("--proof", proof.proof, "--public", proof.public, "--vk-id", vkId);
    const r = chainaccel(...args);
    assert.ok(r.status === 0 || r.status === 1,
      `chainaccel ${args.join(" ")}: exit ${r.status}: ${r.stdout}${r.stderr}`);
    const field = (name) => new RegExp(`^${name}: (.*)$`, "m").exec(r.stdout)?.[1];
    return { status: field("status"), message: field("message"), returnData: field("return_data"),
      gasUsed: Number(field("gas_used")), stdout: r.stdout,
      events: [...r.stdout.matchAll(/^event: ([0-9a-f]*) ([0-9a-f]*)$/gm)].map((m) => ({
        topic: Buffer.from(m[1], "hex").toString(), data: m[2] })) };
  }
  const deposit = (commitment, sender, proof, vkId = vk.deposit) =>
    exec("deposit", { input: commitment, sender, proof, vkId });
  const withdraw = (recipient, sender, proof, vkId = vk.withdraw) =>
    exec("withdraw", { input: addresses[recipient], sender, proof, vkId });
  const expectOk = (receipt) => {
    assert.equal(receipt.status, "OK", receipt.stdout);
    return receipt;
  };
  const expectReverted = (receipt, message) => {
    assert.equal(receipt.status, "REVERTED", receipt.stdout);
    assert.equal(receipt.message, message, receipt.stdout);
  };
  const expectBadProof = (receipt, message) => {
    assert.equal(receipt.status, "BAD_PROOF", receipt.stdout);
    assert.equal(receipt.gasUsed, 0, receipt.stdout);
    assert.ok(receipt.message?.startsWith(message), receipt.stdout);
  };
  const u64 = (receipt) => Number(Buffer.from(expectOk(receipt).returnData, "hex").readBigUInt64LE(0));
  const balance = (who) => u64(exec("balance", { input: addresses[who] }));
  const root = () => expectOk(exec("root")).returnData;
  const leavesOnChain = () => poolCommand("leaves", "--cli", cli, "--address", daemon.address,
    "--contract", poolAddress).split("\n").filter((l) => l !== "");

  // The circuit's input from pool_cli (`deposit-input` or `withdraw-input`, over `leaves`),
  // `snarkjs wtns calculate` over circom's wasm, then the daemon's proof (`zk prove`):
  // { proof, public } (the files) and what pool_cli printed.
  function prove(circuit, tag, leaves, noteIndex, recipient) {
    fs.writeFileSync(file(`${tag}_leaves.txt`), leaves.map((l) => `${l}\n`).join(""));
    const printed = poolCommand(`${circuit}-input`, "--build", work, "--leaves", file(`${tag}_leaves.txt`),
      "--note", file(`note${noteIndex}.json`), "--out", file(`${tag}_input.json`),
      ...(recipient === undefined ? [] : ["--recipient", addresses[recipient]]));
    snarkjs("wtns", "calculate", `${circuit}_js/${circuit}.wasm`, `${tag}_input.json`, `${tag}.wtns`);
    const r = chainaccel("zk", "prove", "--circuit", circuitIds[circuit], "--wtns", file(`${tag}.wtns`),
      "--proof", file(`${tag}_proof.json`), "--public", file(`${tag}_public.json`));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    return { proof: file(`${tag}_proof.json`), public: file(`${tag}_public.json`), printed };
  }
  const snarkjsVerifies = (circuit, p) =>
    snarkjs("groth16", "verify", `${circuit}_vk.json`, p.public, p.proof).includes("OK!");
  // A copy of a proof's files with its JSON changed by `edit`.
  function tampered(p, tag, { proof = (x) => x, signals = (x) => x } = {}) {
    const read = (f) => JSON.parse(fs.readFileSync(f, "utf8"));
    fs.writeFileSync(file(`${tag}_proof.json`), JSON.stringify(proof(read(p.proof))));
    fs.writeFileSync(file(`${tag}_public.json`), JSON.stringify(signals(read(p.public))));
    return { proof: file(`${tag}_proof.json`), public: file(`${tag}_public.json`) };
  }

  // Deploy; the keys on chain and in ProofService.
  const deployed = chainaccel("deploy", SHIELDED_POOL_WASM);
  assert.equal(deployed.status, 0, deployed.stderr);
  poolAddress = /^address: ([0-9a-f]{64})$/m.exec(deployed.stdout)[1];
  assert.match(deployed.stdout, /entry_points: .*\bdeposit\b.*\bwithdraw\b/);
  for (const circuit of ["deposit", "withdraw"]) {
    const offline = chainaccel("vk-id", "--vkey", file(`${circuit}_vk.json`));
    assert.equal(offline.status, 0, offline.stderr);
    for (let again = 0; again < 2; again++) {
      const r = chainaccel("exec", "register-vk", "--vkey", file(`${circuit}_vk.json`), "--key", keys.owner);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      vk[circuit] = /^key_id: ([0-9a-f]{64})$/m.exec(r.stdout)[1];
      assert.equal(vk[circuit], /^key_id: ([0-9a-f]{64})$/m.exec(offline.stdout)[1]);
    }
    const registered = chainaccel("zk", "register", file(`${circuit}.zkey`));
    assert.equal(registered.status, 0, registered.stderr);
    circuitIds[circuit] = /circuit_id: ([0-9a-f]{64})/.exec(registered.stdout)[1];
  }
  assert.notEqual(vk.deposit, vk.withdraw);
  step("deployed; verifying keys on chain (twice: same id), proving keys in ProofService");

  // init, once; mint, by the owner only.
  const config = vk.deposit + vk.withdraw + emptyRoot;
  expectReverted(exec("root"), "not initialised");
  expectOk(exec("init", { input: config, sender: "owner" }));
  expectReverted(exec("init", { input: config, sender: "alice" }), "already initialised");
  assert.equal(expectOk(exec("keys")).returnData, vk.deposit + vk.withdraw);
  assert.equal(root(), emptyRoot);
  expectReverted(exec("mint", { input: addresses.mallory + pool.u64le(1000), sender: "mallory" }),
    "not the owner");
  expectOk(exec("mint", { input: addresses.alice + pool.u64le(300), sender: "owner" }));
  assert.equal(balance("alice"), 300);
  assert.equal(balance("mallory"), 0);
  step("init (once), mint (owner only)");

  // Two deposits by alice, each against the pool's leaves as read from the contract.
  const deposits = [];
  const roots = [emptyRoot];
  for (const i of [0, 1]) {
    const proof = prove("deposit", `deposit${i}`, leavesOnChain(), i);
    const commitment = /^commitment: ([0-9a-f]{64})$/m.exec(proof.printed)[1];
    const newRoot = /^new_root: ([0-9a-f]{64})$/m.exec(proof.printed)[1];
    assert.equal(commitment, pool.hex32(notes[i].commitment));
    assert.ok(snarkjsVerifies("deposit", proof), "snarkjs refuses the daemon's deposit proof");
    const receipt = expectOk(deposit(commitment, "alice", proof));
    assert.deepEqual(receipt.events, [{ topic: "deposit", data: pool.u64le(i) + commitment + newRoot }]);
    assert.equal(root(), newRoot);
    deposits.push(proof);
    roots.push(newRoot);
  }
  assert.equal(balance("alice"), 100);
  const leaves = leavesOnChain();
  assert.deepEqual(leaves, notes.slice(0, 2).map((n) => pool.hex32(n.commitment)));
  step("two deposits with the daemon's proofs (snarkjs accepts them)");

  // The first note, withdrawn against the root after the first deposit (no longer the
  // current one, still known) to bob, sent by carol.
  const withdraw0 = prove("withdraw", "withdraw0", leaves.slice(0, 1), 0, "bob");
  assert.match(withdraw0.printed, new RegExp(`^root: ${roots[1]}$`, "m"));
  assert.ok(snarkjsVerifies("withdraw", withdraw0), "snarkjs refuses the daemon's withdraw proof");
  // Someone who sees it pending cannot redirect it.
  expectReverted(withdraw("mallory", "mallory", withdraw0), "proof is for another recipient");
  const paid = expectOk(withdraw("bob", "carol", withdraw0));
  assert.deepEqual(paid.events,
    [{ topic: "withdraw", data: pool.hex32(notes[0].nullifierHash) + addresses.bob }]);
  assert.equal(balance("bob"), 100);
  assert.equal(balance("carol"), 0);
  step("withdrawal against an older root to a fresh recipient, by a third party");

  // Double spends: the same transaction again, and a new proof of the same note against
  // the current root to another recipient.
  expectReverted(withdraw("bob", "carol", withdraw0), "nullifier already spent");
  expectReverted(withdraw("dave", "dave", prove("withdraw", "respend", leaves, 0, "dave")),
    "nullifier already spent");
  assert.equal(balance("bob"), 100);
  assert.equal(balance("dave"), 0);
  step("double spends refused: nullifier already spent");

  // Forgeries around the second note's withdrawal to dave (unspent, so only the proof
  // check stops them): none runs, none has an effect. Each: the recipient, the proof's
  // files, the key id, the start of the BAD_PROOF message (docs/execution.md, "Receipts").
  const withdraw1 = prove("withdraw", "withdraw1", leaves, 1, "dave");
  const malloryField = pool.recipientField(addresses.mallory).toString();
  const unknownKey = "ab".repeat(32);
  const forgeries = {
    "a public signal changed (the recipient)": ["mallory",
      tampered(withdraw1, "forged_signal", { signals: (s) => [s[0], s[1], malloryField] }),
      vk.withdraw, "proof does not verify"],
    "a proof of another witness": ["dave", { proof: withdraw0.proof, public: withdraw1.public },
      vk.withdraw, "proof does not verify"],
    "pi_a off the curve": ["dave", tampered(withdraw1, "off_curve",
      { proof: (p) => ({ ...p, pi_a: [p.pi_a[0], String(BigInt(p.pi_a[1]) + 1n), "1"] }) }),
    vk.withdraw, "malformed proof"],
    "a signal not below r": ["dave", tampered(withdraw1, "unreduced",
      { signals: (s) => [s[0], s[1], String(BigInt(s[2]) + pool.R)] }),
    vk.withdraw, "public signal 2 is not below r"],
    "an unknown key id": ["dave", withdraw1, unknownKey, `verifying key ${unknownKey} is not registered`],
    "a signal too few": ["dave", tampered(withdraw1, "short", { signals: (s) => s.slice(0, 2) }),
      vk.withdraw, "2 public signals, the key takes 3"],
  };
  for (const [what, [recipient, proof, vkId, message]] of Object.entries(forgeries)) {
    try {
      expectBadProof(withdraw(recipient, "mallory", proof, vkId), message);
    } catch (e) {
      e.message = `${what}: ${e.message}`;
      throw e;
    }
  }
  assert.equal(balance("mallory"), 0);
  assert.equal(balance("dave"), 0);
  step(`forged proofs: BAD_PROOF, gas 0 (${Object.keys(forgeries).join("; ")})`);

  // Valid proofs that the contract refuses.
  const commitment = notes.map((n) => pool.hex32(n.commitment));
  expectReverted(withdraw("bob", "mallory", deposits[0], vk.deposit), "proof is not under the withdraw key");
  expectReverted(exec("withdraw", { input: addresses.bob, sender: "mallory" }), "no proof");
  expectReverted(deposit(commitment[0], "alice", deposits[0]),
    "proof is for another root: the tree has changed");
  // The third note was never deposited: a tree that holds it has a root the pool never had.
  const fakeRoot = prove("withdraw", "fake_root", [...leaves, commitment[2]], 2, "mallory");
  expectReverted(withdraw("mallory", "mallory", fakeRoot), "unknown root");
  // A deposit of the third note by eve, who has no balance; the same proof with another
  // commitment as input; a proof for leaf 5 (empty, so valid under the current root).
  const deposit2 = prove("deposit", "deposit2", leaves, 2);
  expectReverted(deposit(commitment[2], "eve", deposit2), "insufficient balance");
  expectReverted(deposit(commitment[1], "alice", deposit2), "proof is for another commitment");
  const skip = prove("deposit", "skip", [...leaves, ...Array(3).fill("00".repeat(32))], 2);
  assert.match(skip.printed, /^index: 5$/m);
  expectReverted(deposit(commitment[2], "alice", skip), "proof is for another leaf index");
  assert.equal(balance("alice"), 100);
  assert.equal(root(), roots[2]);
  step("refused by the contract: wrong key, no proof, stale root, unknown root, balance, commitment, index");

  // The second note's genuine withdrawal still goes through.
  expectOk(withdraw("dave", "dave", withdraw1));
  assert.equal(balance("dave"), 100);
  assert.equal(u64(exec("next_index")), 2);
  step("the second note withdrawn");
  console.log(`shielded pool: every check passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  const { code } = await daemon.stop();
  if (code !== 0) {
    console.error(`chainacceld exited with ${code}`);
    failed = true;
  }
  if (failed) console.error(`work folder kept: ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
