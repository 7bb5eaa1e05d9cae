// ExecutionService against an independent client: transactions built and signed here
// (the digest of docs/execution.md "Transactions", Ed25519 and secp256k1 from
// @noble/curves), the example counter contract deployed and called, every receipt
// predicted here from the nonce rule (docs/execution.md "Nonces": each sender's next
// nonce, kept in state under SHA-256("chainaccel-nonces-v1") || sender address), and
// every state root recomputed here from the state the contract and the nonce rule must
// have written and the contract's code hash under its code key (docs/execution.md "State
// root": the sparse Merkle tree over SHA-256 of each state key; "Contracts": the code
// key).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hex } from './helpers/batch.mjs';
import { useDaemon, kDefaultBinary } from './helpers/daemon.mjs';
import { Rng, testSeed } from './helpers/random.mjs';
import { secretKey } from './helpers/secp256k1_items.mjs';
import { Code, expectGrpcError, unary } from './helpers/rpc.mjs';

const seed = testSeed('execution.test.mjs');
const daemon = useDaemon();

// The example contracts are built next to the daemon (build/examples/contracts), or
// wherever CHAINACCEL_CONTRACTS_DIR says.
const contractsDir =
  process.env.CHAINACCEL_CONTRACTS_DIR ||
  path.resolve(path.dirname(process.env.CHAINACCELD || kDefaultBinary), '../examples/contracts');
const counterWasm = path.join(contractsDir, 'counter.wasm');

const u32be = (n) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u64be = (n) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};
const u64le = (n) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

// The transaction digest of docs/execution.md.
function txDigest({ scheme, public_key, contract, function: fn, input, gas_limit, nonce }) {
  const fnBytes = Buffer.from(fn, 'utf8');
  return Buffer.from(
    sha256(
      Buffer.concat([
        Buffer.from('chainaccel-tx-v1'),
        Buffer.from([scheme === 'TX_SIGNATURE_SCHEME_ED25519' ? 1 : 2]),
        u32be(public_key.length),
        public_key,
        contract,
        u32be(fnBytes.length),
        fnBytes,
        u32be(input.length),
        input,
        u64be(gas_limit),
        u64be(nonce),
      ]),
    ),
  );
}

// A fresh key of `scheme`: its public key, a signer of digests, its address
// (SHA-256 of the public key) and its next nonce as the daemon must hold it.
function makeSender(rng, scheme) {
  let public_key;
  let sign;
  if (scheme === 'TX_SIGNATURE_SCHEME_ED25519') {
    const sk = rng.bytes(32);
    public_key = Buffer.from(ed25519.getPublicKey(sk));
    sign = (digest) => Buffer.from(ed25519.sign(digest, sk));
  } else {
    const sk = secretKey(rng);
    public_key = Buffer.from(secp256k1.getPublicKey(sk, rng.bool()));
    sign = (digest) => Buffer.from(secp256k1.sign(digest, sk, { prehash: false }));
  }
  return { scheme, public_key, sign, address: Buffer.from(sha256(public_key)), next: 0 };
}

// A call of `fn` signed by `sender` with `nonce`.
function signedBy(sender, contract, fn, { input = Buffer.alloc(0), nonce = 0 } = {}) {
  const tx = { scheme: sender.scheme, public_key: sender.public_key, contract, function: fn,
               input, gas_limit: 1_000_000, nonce };
  return { ...tx, signature: sender.sign(txDigest(tx)) };
}

// A call of `fn` by a fresh key of `scheme`, with nonce 0 (its first).
function signedTx(rng, scheme, contract, fn, options = {}) {
  return signedBy(makeSender(rng, scheme), contract, fn, options);
}

// docs/execution.md "Nonces": NONCES = SHA-256("chainaccel-nonces-v1"); a sender's next
// nonce lives at NONCES || address as u64be.
const NONCES = Buffer.from(sha256(Buffer.from('chainaccel-nonces-v1')));
const nonceKey = (address) => Buffer.concat([NONCES, address]);

// The state root of `state` (a Map of hex key -> Buffer value), computed here from
// docs/execution.md "State root": a binary tree over SHA-256(key) (bit d = bit 7 - d % 8
// of byte d / 8), leaf = SHA-256(0x00 || path || SHA-256(value)), internal =
// SHA-256(0x01 || left || right), an empty subtree 32 zero bytes, a subtree of one leaf
// the leaf itself.
const EMPTY_ROOT = Buffer.alloc(32);

function treeRoot(leaves, depth) {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0].hash;
  const bit = (leaf) => (leaf.path[depth >> 3] >> (7 - (depth & 7))) & 1;
  const left = treeRoot(leaves.filter((l) => bit(l) === 0), depth + 1);
  const right = treeRoot(leaves.filter((l) => bit(l) === 1), depth + 1);
  return Buffer.from(sha256(Buffer.concat([Buffer.from([1]), left, right])));
}

// docs/execution.md "Contracts": the state holds a contract's code hash at
// CODE || address, CODE = SHA-256("chainaccel-contract-code-v1"), from the block after
// its deployment on.
const CODE = Buffer.from(sha256(Buffer.from('chainaccel-contract-code-v1')));
const codeKey = (address) => Buffer.concat([CODE, address]);

function stateRoot(state) {
  const leaves = [...state.keys()].map((k) => {
    const path = Buffer.from(sha256(Buffer.from(k, 'hex')));
    const valueHash = Buffer.from(sha256(state.get(k)));
    return { path, hash: Buffer.from(sha256(Buffer.concat([Buffer.from([0]), path, valueHash]))) };
  });
  return treeRoot(leaves, 0);
}

describe('ExecutionService (counter contract, independent digest and state root)', { skip: !fs.existsSync(counterWasm) && `no ${counterWasm}` }, () => {
  test('deploy, signed blocks, receipts, state roots, GetState and Call', async () => {
    const rng = new Rng(seed, 'execution');
    const ex = daemon.clients.execution;
    const wasm = fs.readFileSync(counterWasm);
    const salt = rng.bytes(8);
    const deployed = await unary(ex, 'DeployContract', { wasm, salt });
    const contract = deployed.address;
    const codeHash = Buffer.from(sha256(wasm));
    assert.equal(hex(deployed.code_hash), hex(codeHash));
    assert.equal(hex(contract), hex(sha256(Buffer.concat([Buffer.from('chainaccel-contract-v1'), codeHash, salt]))));
    assert.deepEqual([...deployed.entry_points].sort(), ['get', 'increment']);
    const countKey = Buffer.concat([contract, Buffer.from('count')]);
    // Deployed for block 1: the committed state (height 0) has no contract yet.
    const early = await unary(ex, 'Call', { contract, function: 'get', input: Buffer.alloc(0), gas_limit: 1_000_000 });
    assert.equal(early.receipt.status, 'RECEIPT_STATUS_UNKNOWN_CONTRACT');
    assert.equal((await unary(ex, 'GetState', { key: codeKey(contract) })).found, false);
    // Block 1 takes the deployment in: its code hash is state from then on.
    const state = new Map([[codeKey(contract).toString('hex'), codeHash]]);
    // The example of docs/execution.md pins this implementation of the rule.
    const example = new Map([[Buffer.from('bb').toString('hex'), Buffer.from('22')],
                             [Buffer.from('c').toString('hex'), Buffer.from('3')]]);
    assert.equal(hex(stateRoot(example)), '4b2a8defde53a3f763396ff5117c9cdc68be0527ba89251fcadd519607d4977f');
    assert.equal(hex(NONCES), 'c962041d49d2b8af714e8acec8ee185cd43cd0217a279804919958e94ac38291');
    let root = EMPTY_ROOT;  // the empty state
    let count = 0;
    // Four senders that send in every block (several transactions each), so that their
    // nonces carry from block to block; what they sent, for replays.
    const senders = ['TX_SIGNATURE_SCHEME_ED25519', 'TX_SIGNATURE_SCHEME_SECP256K1',
                     'TX_SIGNATURE_SCHEME_ED25519', 'TX_SIGNATURE_SCHEME_SECP256K1']
      .map((scheme) => makeSender(rng, scheme));
    const sent = [];
    // The receipt of a transaction that passed its signature check, by the nonce rule:
    // BAD_NONCE unless its nonce is the sender's next; else the next nonce moves on and
    // `run` says what the call gives.
    const judge = (sender, tx, run) => {
      if (tx.nonce !== sender.next) {
        return { status: 'RECEIPT_STATUS_BAD_NONCE', message: `expected nonce ${sender.next}, got ${tx.nonce}` };
      }
      sender.next += 1;
      state.set(nonceKey(sender.address).toString('hex'), u64be(sender.next));
      return run();
    };
    const increment = () => {
      count += 1;
      return { status: 'RECEIPT_STATUS_OK', returns: u64le(count) };
    };

    for (let height = 1; height <= 3; height++) {
      const txs = [];
      const expected = [];
      const earlier = sent.slice();  // what earlier blocks ran
      for (let i = 0; i < 16; i++) {
        const sender = rng.pick(senders);
        const kind = rng.int(0, 11);
        // Mostly the sender's next nonce; else one ahead of its turn or one taken already.
        let nonce = sender.next;
        if (kind === 2) nonce = sender.next + 1;
        if (kind === 3 && sender.next > 0) nonce = sender.next - 1;
        const tx = signedBy(sender, contract, 'increment', { nonce });
        if (kind === 0) {
          tx.signature = rng.flipBit(tx.signature).bytes;  // not what the key signed
          expected.push({ status: 'RECEIPT_STATUS_BAD_SIGNATURE' });
        } else if (kind === 1) {
          tx.nonce += 1;  // a field the signature covers, changed after signing
          expected.push({ status: 'RECEIPT_STATUS_BAD_SIGNATURE' });
        } else {
          expected.push(judge(sender, tx, increment));
          if (expected.at(-1).status === 'RECEIPT_STATUS_OK') sent.push({ sender, tx });
        }
        txs.push(tx);
      }
      // A transaction of an earlier block again: its nonce is taken.
      if (earlier.length > 0) {
        const { sender, tx } = rng.pick(earlier);
        txs.push(tx);
        expected.push(judge(sender, tx, increment));
      }
      // A call of a contract that does not exist, properly signed: it takes its nonce too.
      const sender = rng.pick(senders);
      const nowhere = signedBy(sender, rng.bytes(32), 'increment', { nonce: sender.next });
      txs.push(nowhere);
      expected.push(judge(sender, nowhere, () => ({ status: 'RECEIPT_STATUS_UNKNOWN_CONTRACT' })));

      const response = await unary(ex, 'ExecuteBlock', {
        height,
        time: 1_700_000_000 + height,
        parent_state_root: root,
        transactions: txs,
      });
      assert.equal(response.height, height);
      assert.equal(response.receipts.length, txs.length);
      response.receipts.forEach((r, i) => {
        assert.equal(r.status, expected[i].status, `block ${height} tx ${i}: ${r.message}`);
        if (expected[i].returns) assert.equal(hex(r.return_data), hex(expected[i].returns), `block ${height} tx ${i} return`);
        if (expected[i].message) assert.equal(r.message, expected[i].message, `block ${height} tx ${i} message`);
        if (r.status === 'RECEIPT_STATUS_BAD_NONCE') assert.equal(Number(r.gas_used), 0);
      });
      if (count > 0) state.set(countKey.toString('hex'), u64le(count));
      const want = stateRoot(state);
      assert.equal(hex(response.state_root), hex(want), `block ${height}: state root`);

      // Replaying the height, or a wrong parent for the next one, changes nothing.
      await expectGrpcError(
        unary(ex, 'ExecuteBlock', { height, parent_state_root: response.state_root, transactions: [] }),
        Code.FAILED_PRECONDITION, [], `replayed height ${height}`);
      await expectGrpcError(
        unary(ex, 'ExecuteBlock', { height: height + 1, parent_state_root: root, transactions: [] }),
        Code.FAILED_PRECONDITION, [], `wrong parent at ${height + 1}`);
      root = response.state_root;

      const got = await unary(ex, 'GetState', { key: countKey, height });
      assert.equal(got.found, count > 0);
      if (count > 0) assert.equal(hex(got.value), hex(u64le(count)));
      for (const s of senders) {
        const next = await unary(ex, 'GetState', { key: nonceKey(s.address), height });
        assert.equal(next.found, s.next > 0, `block ${height}: a next nonce's presence`);
        if (s.next > 0) assert.equal(hex(next.value), hex(u64be(s.next)), `block ${height}: a next nonce`);
      }
      const code = await unary(ex, 'GetState', { key: codeKey(contract), height });
      assert.equal(code.found, true);
      assert.equal(hex(code.value), hex(codeHash));
      const call = await unary(ex, 'Call', { contract, function: 'get', input: Buffer.alloc(0), gas_limit: 1_000_000 });
      assert.equal(call.receipt.status, 'RECEIPT_STATUS_OK');
      assert.equal(hex(call.receipt.return_data), hex(u64le(count)), `Call get after block ${height}`);
    }
  });
});

// A contract whose `bad` entry point reverts with the bytes ff fe 41 (not UTF-8),
// assembled here byte by byte: the type, import (env.revert), function, memory, export,
// code and data sections.
const kRevertBadUtf8Wasm = Buffer.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x09, 0x02, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x00, 0x00,
  0x02, 0x0e, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x72, 0x65, 0x76, 0x65, 0x72, 0x74, 0x00, 0x00,
  0x03, 0x02, 0x01, 0x01,
  0x05, 0x03, 0x01, 0x00, 0x01,
  0x07, 0x10, 0x02, 0x03, 0x62, 0x61, 0x64, 0x00, 0x01, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00,
  0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x00, 0x41, 0x03, 0x10, 0x00, 0x0b,
  0x0b, 0x09, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x03, 0xff, 0xfe, 0x41,
]);

describe('ExecutionService receipts for text that is not UTF-8', () => {
  test('a revert with the bytes ff fe 41: the block reads, revert_data exact, message valid', async () => {
    const rng = new Rng(seed, 'revert-utf8');
    const ex = daemon.clients.execution;
    const deployed = await unary(ex, 'DeployContract', { wasm: kRevertBadUtf8Wasm, salt: rng.bytes(8) });
    const tx = signedTx(rng, 'TX_SIGNATURE_SCHEME_ED25519', deployed.address, 'bad');
    // The next height: this file's other tests may have committed some already.
    let response = null;
    for (let height = 1; response === null && height <= 16; height++) {
      response = await unary(ex, 'ExecuteBlock', { height, transactions: [tx] }).catch((e) => {
        if (e.code !== Code.FAILED_PRECONDITION) throw e;
        return null;
      });
    }
    assert.notEqual(response, null, 'no height was accepted');
    assert.equal(response.receipts.length, 1);
    assert.equal(response.receipts[0].status, 'RECEIPT_STATUS_REVERTED');
    assert.equal(hex(response.receipts[0].revert_data), 'fffe41');
    assert.equal(response.receipts[0].message, '\uFFFD\uFFFDA');
  });
});
