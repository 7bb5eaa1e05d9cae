// The shielded pool's client commands (docs/shielded_pool.md has the whole flow):
//
//   node pool_cli.mjs setup --out DIR [--ptau FILE] [--entropy TEXT]
//                           [--insecure-setup TOOL --seed N]
//       compiles circuits/{hasher,deposit,withdraw}.circom into DIR and makes the deposit
//       and withdraw keys (DIR/<name>.zkey, DIR/<name>_vk.json): from a phase-2 powers of
//       tau file (--ptau, power >= 13), else from a local one-contribution ceremony (the
//       whole command about 5 minutes on 2 cores); --insecure-setup: TEST ONLY keys whose
//       trapdoor follows from --seed (anyone can forge proofs for them)
//   node pool_cli.mjs empty-root --build DIR
//       the empty tree's root (hex), the last 32 bytes of `init`'s input
//   node pool_cli.mjs note --build DIR
//       a new note (JSON: nullifier, secret, commitment, nullifierHash, 32-byte hex each);
//       keep it secret: whoever has it can withdraw the deposit
//   node pool_cli.mjs leaves --cli CHAINACCEL --contract HEX [--address HOST:PORT]
//       the pool's leaves, one 32-byte hex commitment a line, read with `chainaccel exec
//       --read-only` (next_index, then leaf i)
//   node pool_cli.mjs deposit-input --build DIR --leaves FILE --note NOTE --out INPUT
//       deposit.circom's input for the note's commitment at the next index of the tree
//       holding FILE's leaves; prints the commitment (the deposit's input) and the new root
//   node pool_cli.mjs withdraw-input --build DIR --leaves FILE --note NOTE --recipient HEX
//                                    --out INPUT
//       withdraw.circom's input spending the note to the 32-byte recipient address, against
//       the root of FILE's leaves (any root the pool has had will do)
//   node pool_cli.mjs address --key HEX
//       the address (SHA-256 of the Ed25519 public key) of a 32-byte key seed, as `chainaccel
//       exec` prints it under `sender:`
//
// Exit status 0, or 2 with a message on stderr.
import { spawnSync } from "node:child_process";
import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as pool from "./pool.mjs";

const usage = "usage: node pool_cli.mjs setup|empty-root|note|leaves|deposit-input|withdraw-input|address "
  + "[options] (the file's header has them)";

function need(values, ...names) {
  for (const n of names) if (values[n] === undefined) throw new Error(`--${n} is required`);
}

function readLeaves(file) {
  return fs.readFileSync(file, "utf8").split("\n").map((l) => l.trim()).filter((l) => l !== "")
    .map(pool.field);
}

async function setup(v) {
  need(v, "out");
  fs.mkdirSync(v.out, { recursive: true });
  for (const name of pool.circuitNames) {
    console.log(`${name}.circom: ${pool.compileCircuit(name, v.out)} constraints`);
  }
  const entropy = v.entropy ?? pool.randomFieldElement().toString();
  let ptau = v.ptau;
  if (v["insecure-setup"] === undefined && ptau === undefined) {
    console.log(`no --ptau: a local ceremony of power ${pool.CEREMONY_POWER} (minutes)`);
    ptau = pool.localCeremony(v.out, entropy);
  }
  for (const name of ["deposit", "withdraw"]) {
    if (v["insecure-setup"] !== undefined) {
      need(v, "seed");
      pool.insecureKeys(name, v.out, v["insecure-setup"], v.seed);
    } else {
      pool.ceremonyKeys(name, v.out, path.resolve(ptau), entropy);
    }
    console.log(`${path.join(v.out, `${name}.zkey`)} ${path.join(v.out, `${name}_vk.json`)}`);
  }
  if (v["insecure-setup"] !== undefined) {
    console.log("WARNING: INSECURE TEST KEYS: anyone can forge proofs for them");
  }
}

// The return data of a read-only call.
function readOnlyCall(v, fn, inputHex) {
  const args = ["exec", "--contract", v.contract, "--function", fn, "--read-only"];
  if (inputHex !== undefined) args.push("--input", inputHex);
  if (v.address !== undefined) args.unshift("--address", v.address);
  const r = spawnSync(v.cli, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`chainaccel ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  return /^return_data: ([0-9a-f]*)$/m.exec(r.stdout)[1];
}

function leaves(v) {
  need(v, "cli", "contract");
  const count = Buffer.from(readOnlyCall(v, "next_index"), "hex").readBigUInt64LE(0);
  for (let i = 0n; i < count; i++) console.log(readOnlyCall(v, "leaf", pool.u64le(i)));
}

async function depositInput(v) {
  need(v, "build", "leaves", "note", "out");
  const hasher = await pool.loadHasher(v.build);
  const note = pool.noteFromJson(fs.readFileSync(v.note, "utf8"));
  const tree = await pool.CommitmentTree.create(hasher, readLeaves(v.leaves));
  const input = await pool.depositInput(tree, note.commitment);
  fs.writeFileSync(v.out, JSON.stringify(input, null, 1));
  console.log(`commitment: ${pool.hex32(note.commitment)}\nindex: ${input.index}\n`
    + `new_root: ${pool.hex32(tree.root)}`);
}

async function withdrawInput(v) {
  need(v, "build", "leaves", "note", "recipient", "out");
  const hasher = await pool.loadHasher(v.build);
  const note = pool.noteFromJson(fs.readFileSync(v.note, "utf8"));
  const tree = await pool.CommitmentTree.create(hasher, readLeaves(v.leaves));
  const input = pool.withdrawInput(tree, note, v.recipient);
  fs.writeFileSync(v.out, JSON.stringify(input, null, 1));
  console.log(`root: ${pool.hex32(tree.root)}\nnullifier_hash: ${pool.hex32(note.nullifierHash)}\n`
    + `index: ${input.index}`);
}

// An Ed25519 key from its 32-byte seed: PKCS#8's fixed 16-byte prefix, then the seed (RFC 8410).
function address(v) {
  need(v, "key");
  const seed = Buffer.from(v.key.replace(/^0x/, ""), "hex");
  if (seed.length !== 32) throw new Error("--key must be 32 bytes of hex");
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  const publicKey = createPublicKey(createPrivateKey({ key: der, format: "der", type: "pkcs8" }))
    .export({ format: "der", type: "spki" }).subarray(-32);
  console.log(createHash("sha256").update(publicKey).digest("hex"));
}

const commands = {
  setup,
  "empty-root": async (v) => {
    need(v, "build");
    const tree = await pool.CommitmentTree.create(await pool.loadHasher(v.build));
    console.log(pool.hex32(tree.root));
  },
  note: async (v) => {
    need(v, "build");
    console.log(pool.noteToJson(await pool.newNote(await pool.loadHasher(v.build))));
  },
  leaves,
  "deposit-input": depositInput,
  "withdraw-input": withdrawInput,
  address,
};

try {
  const [command, ...rest] = process.argv.slice(2);
  if (!(command in commands)) throw new Error(usage);
  const option = { type: "string" };
  const { values } = parseArgs({ args: rest, options: Object.fromEntries(
    ["out", "ptau", "entropy", "insecure-setup", "seed", "build", "cli", "contract", "address",
      "leaves", "note", "recipient", "key"].map((n) => [n, option])) });
  await commands[command](values);
} catch (e) {
  console.error(`pool_cli: ${e.message}`);
  process.exit(2);
}
