// The shielded pool's off-chain side (docs/shielded_pool.md), as a library for
// pool_cli.mjs and tests/zk/shielded_pool.mjs: the circuits compiled and their keys made,
// Poseidon computed by running circuits/hasher.circom's witness calculator (the circuits
// are the reference: no second Poseidon implementation), notes, the commitment tree, the
// circuits' inputs, and the byte encodings the contract uses.
//
// Field elements are BigInts < R inside; 32-byte big-endian hex at the contract and in
// the CLI's files (hex32); decimal strings in circom's input files and snarkjs's JSON.
// The npm packages are those pinned in tests/zk (circom2, circomlib, snarkjs; `npm ci`
// there, or tests/zk/run.sh, installs them).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { R, circomCli, snarkjsCli } from "../../tests/zk/snarkjs_setup.mjs";

export { R };
export const here = path.dirname(fileURLToPath(import.meta.url));
const repository = path.resolve(here, "../..");
const zkPackages = path.join(repository, "tests/zk");

// The tree's depth: Deposit(10) and Withdraw(10) in the circuits, 2^10 leaves in the
// contract. The power of tau the ceremony needs: deposit.circom's 4,830 constraints plus
// its 5 public rows fit a 2^13 domain.
export const DEPTH = 10;
export const CEREMONY_POWER = 13;
export const circuitNames = ["hasher", "deposit", "withdraw"];

// ---- building: circuits and keys ---------------------------------------------------------

// Compiles circuits/<name>.circom into `out` (<name>.r1cs, <name>_js/<name>.wasm); returns
// the number of constraints.
// circom2 (circom in WASI) reads files through the working folder, hence the paths relative
// to the repository.
export function compileCircuit(name, out) {
  const log = execFileSync(process.execPath, [circomCli, `examples/shielded_pool/circuits/${name}.circom`,
    "--r1cs", "--wasm", "--O2", "-l", "tests/zk/node_modules", "-o", path.resolve(out)],
    { cwd: repository, encoding: "utf8" });
  const count = (pattern) => Number(pattern.exec(log)[1]);
  return count(/non-linear constraints: (\d+)/) + count(/^linear constraints: (\d+)/m);
}

export function makeSnarkjs(cwd) {
  return (...args) => execFileSync(process.execPath, [snarkjsCli, ...args], { cwd, encoding: "utf8" });
}

// A phase-2 powers of tau file of power CEREMONY_POWER made here with one contribution:
// `powersoftau new`, `contribute`, `prepare phase2` (3.5 minutes on 2 cores, almost all of
// it the preparation). A local ceremony is only as trustworthy as the machine that ran
// it; a deployment takes the file of a public multi-party ceremony instead (--ptau).
export function localCeremony(out, entropy) {
  const snarkjs = makeSnarkjs(out);
  snarkjs("powersoftau", "new", "bn128", String(CEREMONY_POWER), "pot_0.ptau");
  snarkjs("powersoftau", "contribute", "pot_0.ptau", "pot_1.ptau", "--name=pool", `-e=${entropy}/tau`);
  snarkjs("powersoftau", "prepare", "phase2", "pot_1.ptau", "pot.ptau");
  return path.join(out, "pot.ptau");
}

// <name>.zkey and <name>_vk.json in `out` from a phase-2 ptau: `groth16 setup`, one
// `zkey contribute`, `zkey export verificationkey`.
export function ceremonyKeys(name, out, ptau, entropy) {
  const snarkjs = makeSnarkjs(out);
  snarkjs("groth16", "setup", `${name}.r1cs`, ptau, `${name}_0.zkey`);
  snarkjs("zkey", "contribute", `${name}_0.zkey`, `${name}.zkey`, "--name=pool", `-e=${entropy}/${name}`);
  snarkjs("zkey", "export", "verificationkey", `${name}.zkey`, `${name}_vk.json`);
  fs.rmSync(path.join(out, `${name}_0.zkey`));
}

// TEST ONLY: <name>.zkey and <name>_vk.json from chainaccel-insecure-groth16-setup, whose
// trapdoor follows from `seed`: anyone who knows the seed can forge proofs (docs/zk.md,
// "Insecure setup"). Seconds instead of the ceremony's minutes.
export function insecureKeys(name, out, tool, seed) {
  execFileSync(tool, ["--r1cs", `${name}.r1cs`, "--zkey-out", `${name}.zkey`,
    "--vkey-out", `${name}_vk.json`, "--seed", String(seed)],
  { cwd: out, stdio: ["ignore", "ignore", "pipe"] });
}

// ---- field elements and encodings -----------------------------------------------------------

export function hex32(x) {
  return BigInt(x).toString(16).padStart(64, "0");
}

// A field element from 32-byte hex (with or without 0x) or a decimal string; refuses values >= R.
export function field(text) {
  const s = String(text).trim();
  const v = /^(0x)?[0-9a-fA-F]{64}$/.test(s) ? BigInt(s.startsWith("0x") ? s : `0x${s}`) : BigInt(s);
  if (v < 0n || v >= R) throw new Error(`${s} is not a field element (must be below r)`);
  return v;
}

// The recipient's field element that the withdraw proof carries: 0x00 || the address's
// first 31 bytes, big-endian (the contract compares exactly these bytes).
export function recipientField(addressHex) {
  const a = Buffer.from(addressHex.replace(/^0x/, ""), "hex");
  if (a.length !== 32) throw new Error(`recipient address must be 32 bytes, got ${a.length}`);
  return BigInt(`0x${a.subarray(0, 31).toString("hex")}`);
}

// A u64 as the contract's 8 bytes little-endian, in hex.
export function u64le(n) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b.toString("hex");
}

// A uniformly random element below 2^248 (< R), from the OS.
export function randomFieldElement() {
  return BigInt(`0x${randomBytes(31).toString("hex")}`);
}

// ---- Poseidon through circuits/hasher.circom --------------------------------------------------

// Loads the compiled hasher (<build>/hasher_js/hasher.wasm): poseidon2(a, b) and poseidon1(a)
// as circomlib's Poseidon(2) and Poseidon(1), both async.
export async function loadHasher(build) {
  const { WitnessCalculatorBuilder } = createRequire(path.join(zkPackages, "package.json"))("circom_runtime");
  const calculator = await WitnessCalculatorBuilder(
    fs.readFileSync(path.join(build, "hasher_js", "hasher.wasm")));
  // Witness: 1, then the outputs h2, h1, then the inputs.
  const run = async (a, b) => calculator.calculateWitness({ a: a.toString(), b: b.toString() }, true);
  return {
    poseidon2: async (a, b) => (await run(a, b))[1],
    poseidon1: async (a) => (await run(a, 0n))[2],
  };
}

// ---- notes ----------------------------------------------------------------------------------

// A fresh note: random nullifier and secret, its commitment and nullifier hash.
export async function newNote(hasher) {
  const nullifier = randomFieldElement();
  const secret = randomFieldElement();
  return noteOf(hasher, nullifier, secret);
}

export async function noteOf(hasher, nullifier, secret) {
  return {
    nullifier, secret,
    commitment: await hasher.poseidon2(nullifier, secret),
    nullifierHash: await hasher.poseidon1(nullifier),
  };
}

export function noteToJson(note) {
  return JSON.stringify(Object.fromEntries(Object.entries(note).map(([k, v]) => [k, hex32(v)])), null, 1);
}

export function noteFromJson(text) {
  const o = JSON.parse(text);
  return { nullifier: field(o.nullifier), secret: field(o.secret),
    commitment: field(o.commitment), nullifierHash: field(o.nullifierHash) };
}

// ---- the commitment tree ----------------------------------------------------------------------

// The contract's tree off chain: depth DEPTH, Poseidon(2) nodes, empty leaves 0, leaves
// filled left to right. layers[0] holds the leaves, layers[l][i] the node i of level l
// (absent = the empty subtree zeros[l]).
export class CommitmentTree {
  static async create(hasher, leaves = []) {
    const tree = new CommitmentTree(hasher);
    tree.zeros = [0n];
    for (let l = 0; l < DEPTH; l++) tree.zeros.push(await hasher.poseidon2(tree.zeros[l], tree.zeros[l]));
    tree.layers = Array.from({ length: DEPTH + 1 }, () => []);
    for (const leaf of leaves) await tree.insert(leaf);
    return tree;
  }

  constructor(hasher) {
    this.hasher = hasher;
  }

  get size() { return this.layers[0].length; }
  get root() { return this.node(DEPTH, 0); }

  node(level, i) {
    return this.layers[level][i] ?? this.zeros[level];
  }

  // The siblings from the leaf at `index` up to the root's children.
  path(index) {
    const siblings = [];
    for (let l = 0, i = index; l < DEPTH; l++, i >>= 1) siblings.push(this.node(l, i ^ 1));
    return siblings;
  }

  async insert(leaf) {
    if (this.size === 2 ** DEPTH) throw new Error("the tree is full");
    let i = this.size;
    this.layers[0].push(leaf);
    for (let l = 0; l < DEPTH; l++, i >>= 1) {
      const left = this.node(l, i & ~1), right = this.node(l, i | 1);
      this.layers[l + 1][i >> 1] = await this.hasher.poseidon2(left, right);
    }
  }

  indexOf(leaf) {
    return this.layers[0].indexOf(leaf);
  }
}

// ---- the circuits' inputs -----------------------------------------------------------------------

const decimals = (values) => values.map((v) => v.toString());

// deposit.circom's input for putting `commitment` at the tree's next index; inserts it into
// `tree` (the tree then holds the new root).
export async function depositInput(tree, commitment) {
  const index = tree.size;
  const oldRoot = tree.root;
  const pathElements = tree.path(index);
  await tree.insert(commitment);
  return { oldRoot: oldRoot.toString(), newRoot: tree.root.toString(), index: String(index),
    commitment: commitment.toString(), pathElements: decimals(pathElements) };
}

// withdraw.circom's input spending `note` from `tree` (against its current root) to the
// 32-byte address `recipientHex`.
export function withdrawInput(tree, note, recipientHex) {
  const index = tree.indexOf(note.commitment);
  if (index < 0) throw new Error(`the note's commitment ${hex32(note.commitment)} is not in the tree`);
  return { root: tree.root.toString(), nullifierHash: note.nullifierHash.toString(),
    recipient: recipientField(recipientHex).toString(), nullifier: note.nullifier.toString(),
    secret: note.secret.toString(), index: String(index), pathElements: decimals(tree.path(index)) };
}
