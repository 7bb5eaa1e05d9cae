// Requests that are wrong as a whole (not per item) must fail with INVALID_ARGUMENT
// whose details name the offending field, and leave the daemon serving.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { fixedBatch, variableBatch } from './helpers/batch.mjs';
import { useDaemon } from './helpers/daemon.mjs';
import { Rng, testSeed } from './helpers/random.mjs';
import { Code, expectGrpcError, healthStatus, unary } from './helpers/rpc.mjs';

const seed = testSeed('bad_input.test.mjs');
const daemon = useDaemon();
const rng = new Rng(seed, 'bad_input');

// The field's proto name, also accepted with spaces for underscores ("public keys").
function field(name) {
  return new RegExp(name.replace(/_/g, '[_ ]'), 'i');
}
const count = (n) => new RegExp(`\\b${n}\\b`);

// A valid batch of `n` Ed25519 items, for requests that break one field of it.
function ed25519Items(n) {
  const messages = [];
  const keys = [];
  const sigs = [];
  for (let i = 0; i < n; i++) {
    const sk = rng.bytes(32);
    messages.push(rng.bytes(10));
    keys.push(Buffer.from(ed25519.getPublicKey(sk)));
    sigs.push(Buffer.from(ed25519.sign(messages[i], sk)));
  }
  return {
    scheme: 'SIGNATURE_SCHEME_ED25519',
    messages: variableBatch(messages),
    public_keys: fixedBatch(keys, 32),
    signatures: fixedBatch(sigs, 64),
  };
}

const msg3 = () => variableBatch([Buffer.from('a'), Buffer.from('bc'), Buffer.alloc(0)]);
const bytes = (n) => rng.bytes(n);

// [name, service, method, request, detail patterns]
const cases = [
  // HashService/Hash
  ['Hash: unknown algorithm 99', 'hash', 'Hash', { algorithm: 99, messages: msg3() }, [field('algorithm')]],
  ['Hash: algorithm UNSPECIFIED', 'hash', 'Hash', { algorithm: 'HASH_ALGORITHM_UNSPECIFIED', messages: msg3() }, [field('algorithm')]],
  ['Hash: unknown placement 99', 'hash', 'Hash', { algorithm: 'HASH_ALGORITHM_SHA256', messages: msg3(), placement: 99 }, [field('placement')]],
  ['Hash: empty batch (fixed layout, no data)', 'hash', 'Hash',
    { algorithm: 'HASH_ALGORITHM_SHA256', messages: { data: Buffer.alloc(0), item_size: 32, offsets: [] } }, [field('messages')]],
  ['Hash: empty batch (offsets [0])', 'hash', 'Hash',
    { algorithm: 'HASH_ALGORITHM_SHA256', messages: { data: Buffer.alloc(0), item_size: 0, offsets: [0] } }, [field('messages')]],
  ['Hash: messages not set at all', 'hash', 'Hash', { algorithm: 'HASH_ALGORITHM_SHA256' }, [field('messages')]],
  ['Hash: no layout (item_size 0, no offsets, some data)', 'hash', 'Hash',
    { algorithm: 'HASH_ALGORITHM_SHA256', messages: { data: bytes(3), item_size: 0, offsets: [] } }, [field('messages')]],
  ['Hash: data not a multiple of item_size', 'hash', 'Hash',
    { algorithm: 'HASH_ALGORITHM_SHA256', messages: { data: bytes(33), item_size: 32, offsets: [] } }, [field('messages')]],
  ['Hash: both item_size and offsets', 'hash', 'Hash',
    { algorithm: 'HASH_ALGORITHM_SHA256', messages: { data: bytes(4), item_size: 2, offsets: [0, 2, 4] } }, [field('messages')]],
  ['Hash: offsets not starting at 0', 'hash', 'Hash',
    { algorithm: 'HASH_ALGORITHM_SHA256', messages: { data: bytes(3), item_size: 0, offsets: [1, 3] } }, [field('messages')]],
  ['Hash: offsets not ending at len(data)', 'hash', 'Hash',
    { algorithm: 'HASH_ALGORITHM_SHA256', messages: { data: bytes(3), item_size: 0, offsets: [0, 2] } }, [field('messages')]],
  ['Hash: decreasing offsets', 'hash', 'Hash',
    { algorithm: 'HASH_ALGORITHM_SHA256', messages: { data: bytes(3), item_size: 0, offsets: [0, 2, 1, 3] } }, [field('messages')]],
  ['Hash: offsets past the data', 'hash', 'Hash',
    { algorithm: 'HASH_ALGORITHM_SHA256', messages: { data: bytes(3), item_size: 0, offsets: [0, 10] } }, [field('messages')]],
  ['Hash: a huge offset (2^53)', 'hash', 'Hash',
    { algorithm: 'HASH_ALGORITHM_SHA256', messages: { data: bytes(3), item_size: 0, offsets: [0, 2 ** 53, 3] } }, [field('messages')]],

  // MerkleService/BuildTree
  ['BuildTree: unknown scheme 99', 'merkle', 'BuildTree', { scheme: 99, leaves: bytes(64) }, [field('scheme')]],
  ['BuildTree: scheme UNSPECIFIED', 'merkle', 'BuildTree', { scheme: 'MERKLE_SCHEME_UNSPECIFIED', leaves: bytes(64) }, [field('scheme')]],
  ['BuildTree: leaves not a multiple of 32 bytes', 'merkle', 'BuildTree',
    { scheme: 'MERKLE_SCHEME_BITCOIN', leaves: bytes(33) }, [field('leaves')]],
  ['BuildTree: OZ_KECCAK_SORTED without leaves', 'merkle', 'BuildTree',
    { scheme: 'MERKLE_SCHEME_OZ_KECCAK_SORTED', leaves: Buffer.alloc(0), sort_leaves: true }, [field('leaves')]],
  ['BuildTree: proof index 7 of 5 leaves', 'merkle', 'BuildTree',
    { scheme: 'MERKLE_SCHEME_BITCOIN', leaves: bytes(5 * 32), proof_indices: [0, 7] }, [/proof[_ ]indices|index/i, count(7)]],
  ['BuildTree: unknown leaf_encoding 99', 'merkle', 'BuildTree',
    { scheme: 'MERKLE_SCHEME_RFC6962', leaves: bytes(64), leaf_encoding: 99 }, [field('leaf_encoding')]],
  ['BuildTree: RFC6962 raw entries badly packed', 'merkle', 'BuildTree',
    { scheme: 'MERKLE_SCHEME_RFC6962', leaf_encoding: 'LEAF_ENCODING_RAW_ENTRIES',
      entries: { data: bytes(5), item_size: 0, offsets: [0, 6] } }, [field('entries')]],

  // MerkleService/VerifyProofs
  ['VerifyProofs: unknown scheme 99', 'merkle', 'VerifyProofs',
    { scheme: 99, root: bytes(32), leaf_count: 1, leaves: bytes(32), leaf_indices: [0], proof_lengths: [0] }, [field('scheme')]],
  ['VerifyProofs: root of 31 bytes', 'merkle', 'VerifyProofs',
    { scheme: 'MERKLE_SCHEME_BITCOIN', root: bytes(31), leaf_count: 1, leaves: bytes(32), leaf_indices: [0], proof_lengths: [0] },
    [field('root')]],
  ['VerifyProofs: 2 leaves, 1 leaf index', 'merkle', 'VerifyProofs',
    { scheme: 'MERKLE_SCHEME_BITCOIN', root: bytes(32), leaf_count: 4, leaves: bytes(64), leaf_indices: [0],
      proof_hashes: bytes(128), proof_lengths: [2, 2] }, [field('leaf_indices')]],
  ['VerifyProofs: proof_lengths sum past proof_hashes', 'merkle', 'VerifyProofs',
    { scheme: 'MERKLE_SCHEME_BITCOIN', root: bytes(32), leaf_count: 4, leaves: bytes(64), leaf_indices: [0, 1],
      proof_hashes: bytes(96), proof_lengths: [2, 2] }, [/proof[_ ](hashes|lengths)/i]],
  ['VerifyProofs: 2 leaves, 1 proof length', 'merkle', 'VerifyProofs',
    { scheme: 'MERKLE_SCHEME_BITCOIN', root: bytes(32), leaf_count: 4, leaves: bytes(64), leaf_indices: [0, 1],
      proof_hashes: bytes(64), proof_lengths: [2] }, [field('proof_lengths')]],
  ['VerifyProofs: leaves not a multiple of 32 bytes', 'merkle', 'VerifyProofs',
    { scheme: 'MERKLE_SCHEME_BITCOIN', root: bytes(32), leaf_count: 4, leaves: bytes(40), leaf_indices: [0],
      proof_hashes: bytes(64), proof_lengths: [2] }, [field('leaves')]],
  ['VerifyProofs: empty batch', 'merkle', 'VerifyProofs',
    { scheme: 'MERKLE_SCHEME_BITCOIN', root: bytes(32), leaf_count: 4 }, [field('leaves')]],

  // SignatureService/Verify
  ['Verify: unknown scheme 99', 'signature', 'Verify', { ...ed25519Items(2), scheme: 99 }, [field('scheme')]],
  ['Verify: scheme UNSPECIFIED', 'signature', 'Verify', { ...ed25519Items(2), scheme: 'SIGNATURE_SCHEME_UNSPECIFIED' }, [field('scheme')]],
  ['Verify: unknown pre_hash 99', 'signature', 'Verify', { ...ed25519Items(2), pre_hash: 99 }, [field('pre_hash')]],
  ['Verify: unknown signature_encoding 99', 'signature', 'Verify',
    { ...ed25519Items(2), scheme: 'SIGNATURE_SCHEME_ECDSA_SECP256K1', signature_encoding: 99 }, [field('signature_encoding')]],
  ['Verify: 3 messages, 2 public keys, 3 signatures', 'signature', 'Verify',
    { ...ed25519Items(3), public_keys: fixedBatch([bytes(32), bytes(32)], 32) },
    [field('messages'), field('public_keys'), count(3), count(2)]],
  ['Verify: 3 messages, 3 public keys, 4 signatures', 'signature', 'Verify',
    { ...ed25519Items(3), signatures: fixedBatch([bytes(64), bytes(64), bytes(64), bytes(64)], 64) },
    [field('signatures'), count(3), count(4)]],
  ['Verify: empty batch', 'signature', 'Verify',
    { scheme: 'SIGNATURE_SCHEME_ED25519', messages: variableBatch([]), public_keys: fixedBatch([], 32), signatures: fixedBatch([], 64) },
    [field('messages')]],
  ['Verify: public_keys badly packed', 'signature', 'Verify',
    { ...ed25519Items(2), public_keys: { data: bytes(64), item_size: 0, offsets: [0, 40, 32] } }, [field('public_keys')]],
  ['Verify: signatures badly packed', 'signature', 'Verify',
    { ...ed25519Items(2), signatures: { data: bytes(127), item_size: 64, offsets: [] } }, [field('signatures')]],

  // SignatureService/Recover
  ['Recover: 2 hashes, 1 signature', 'signature', 'Recover', { hashes: bytes(64), signatures: bytes(65) },
    [field('hashes'), field('signatures'), count(2), count(1)]],
  ['Recover: hashes not a multiple of 32 bytes', 'signature', 'Recover', { hashes: bytes(33), signatures: bytes(65) }, [field('hashes')]],
  ['Recover: signatures not a multiple of 65 bytes', 'signature', 'Recover', { hashes: bytes(32), signatures: bytes(64) },
    [field('signatures')]],
  ['Recover: empty batch', 'signature', 'Recover', { hashes: Buffer.alloc(0), signatures: Buffer.alloc(0) }, [field('hashes')]],
];

describe('INVALID_ARGUMENT naming the field', () => {
  for (const [name, service, method, request, patterns] of cases) {
    test(name, async () => {
      await expectGrpcError(unary(daemon.clients[service], method, request), Code.INVALID_ARGUMENT, patterns, name);
    });
  }
});

describe('after the bad requests', () => {
  test('the health check says SERVING', async () => {
    assert.equal(await healthStatus(daemon.clients), 'SERVING');
  });

  test('a good request still succeeds', async () => {
    const response = await unary(daemon.clients.signature, 'Verify', ed25519Items(4));
    assert.deepEqual(response.status, ['ITEM_OK', 'ITEM_OK', 'ITEM_OK', 'ITEM_OK']);
  });
});
