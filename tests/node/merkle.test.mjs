// MerkleService against independent references: OZ_KECCAK_SORTED against
// @openzeppelin/merkle-tree's SimpleMerkleTree, BITCOIN and RFC6962 against the naive
// constructions in helpers/merkle_reference.mjs (themselves pinned by known answers).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SimpleMerkleTree } from '@openzeppelin/merkle-tree';
import { concat, hex, packProofs, splitProofs, variableBatch } from './helpers/batch.mjs';
import { useDaemon } from './helpers/daemon.mjs';
import {
  bitcoinLevels,
  bitcoinProof,
  bitcoinRoot,
  Rfc6962Tree,
  rfc6962LeafHash,
} from './helpers/merkle_reference.mjs';
import { Rng, testSeed } from './helpers/random.mjs';
import { unary } from './helpers/rpc.mjs';
import { assertStatuses } from './helpers/verdicts.mjs';

const seed = testSeed('merkle.test.mjs');
const daemon = useDaemon();

const kLeafCounts = [...Array.from({ length: 40 }, (_, i) => i + 1), 64, 100, 1000, 1025];

const range = (n) => Array.from({ length: n }, (_, i) => i);
const hexList = (hashes) => hashes.map(hex);

function buildTree(request) {
  return unary(daemon.clients.merkle, 'BuildTree', { placement: 'PLACEMENT_CPU', ...request });
}

function verifyProofs(request) {
  return unary(daemon.clients.merkle, 'VerifyProofs', { placement: 'PLACEMENT_CPU', ...request });
}

// Checks a BuildTree response against the expected root and proofs (one per index asked).
function assertTree(response, { root, leafCount, proofs }, what) {
  assert.equal(hex(response.root), hex(root), `${what}: root`);
  assert.equal(response.leaf_count, leafCount, `${what}: leaf_count`);
  const got = splitProofs(response.proof_hashes, response.proof_lengths);
  assert.equal(got.length, proofs.length, `${what}: one proof per proof index`);
  for (const [k, proof] of proofs.entries()) {
    assert.deepEqual(hexList(got[k]), hexList(proof), `${what}: proof ${k}`);
  }
}

// ---- OZ_KECCAK_SORTED --------------------------------------------------------------

function ozReference(values, sortLeaves) {
  const tree = SimpleMerkleTree.of(values.map((v) => `0x${hex(v)}`), { sortLeaves });
  const strip = (h) => Buffer.from(h.slice(2), 'hex');
  return {
    root: strip(tree.root),
    proofs: values.map((_, i) => tree.getProof(i).map(strip)),
  };
}

describe('BuildTree OZ_KECCAK_SORTED vs SimpleMerkleTree', () => {
  for (const sortLeaves of [true, false]) {
    test(`sortLeaves: ${sortLeaves}, leaf counts 1..40, 64, 100, 1000, 1025, every proof`, async () => {
      const rng = new Rng(seed, `merkle/oz/${sortLeaves}`);
      for (const n of kLeafCounts) {
        const values = Array.from({ length: n }, () => rng.bytes(32));
        const ref = ozReference(values, sortLeaves);
        const response = await buildTree({
          scheme: 'MERKLE_SCHEME_OZ_KECCAK_SORTED',
          leaves: concat(values),
          sort_leaves: sortLeaves,
          proof_indices: range(n),
        });
        assertTree(response, { root: ref.root, leafCount: n, proofs: ref.proofs }, `n=${n}`);
      }
    });
  }

  test('sortLeaves: true with repeated values (proof i is getProof(i), stable order)', async () => {
    const rng = new Rng(seed, 'merkle/oz/duplicates');
    const pool = Array.from({ length: 4 }, () => rng.bytes(32));
    const values = Array.from({ length: 23 }, () => rng.pick(pool));
    const ref = ozReference(values, true);
    const response = await buildTree({
      scheme: 'MERKLE_SCHEME_OZ_KECCAK_SORTED',
      leaves: concat(values),
      sort_leaves: true,
      proof_indices: range(values.length),
    });
    assertTree(response, { root: ref.root, leafCount: values.length, proofs: ref.proofs }, 'duplicates');
  });

  test('a subset of proof indices, repeated and out of order', async () => {
    const rng = new Rng(seed, 'merkle/oz/subset');
    const values = Array.from({ length: 29 }, () => rng.bytes(32));
    const ref = ozReference(values, true);
    const indices = [28, 3, 3, 0, 17];
    const response = await buildTree({
      scheme: 'MERKLE_SCHEME_OZ_KECCAK_SORTED',
      leaves: concat(values),
      sort_leaves: true,
      proof_indices: indices,
    });
    assertTree(response, { root: ref.root, leafCount: 29, proofs: indices.map((i) => ref.proofs[i]) }, 'subset');
  });

  test('no proof indices: root only', async () => {
    const rng = new Rng(seed, 'merkle/oz/noproofs');
    const values = Array.from({ length: 10 }, () => rng.bytes(32));
    const ref = ozReference(values, true);
    const response = await buildTree({
      scheme: 'MERKLE_SCHEME_OZ_KECCAK_SORTED',
      leaves: concat(values),
      sort_leaves: true,
    });
    assertTree(response, { root: ref.root, leafCount: 10, proofs: [] }, 'root only');
  });
});

// ---- BITCOIN ---------------------------------------------------------------------

describe('BuildTree BITCOIN vs reference', () => {
  test('reference matches block 100000 (known answer), and so does the daemon', async () => {
    // Block 100000: txids and Merkle root as block explorers print them (byte-reversed).
    const txids = [
      '8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87',
      'fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4',
      '6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4',
      'e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d',
    ].map((h) => Buffer.from(h, 'hex').reverse());
    const root = Buffer.from('f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766', 'hex').reverse();
    assert.equal(hex(bitcoinRoot(bitcoinLevels(txids))), hex(root), 'reference');
    const response = await buildTree({ scheme: 'MERKLE_SCHEME_BITCOIN', leaves: concat(txids) });
    assert.equal(hex(response.root), hex(root), 'daemon');
  });

  test('leaf counts 1..40, 64, 100, 1000, 1025, every proof', async () => {
    const rng = new Rng(seed, 'merkle/bitcoin');
    for (const n of kLeafCounts) {
      const leaves = Array.from({ length: n }, () => rng.bytes(32));
      const levels = bitcoinLevels(leaves);
      const response = await buildTree({
        scheme: 'MERKLE_SCHEME_BITCOIN',
        leaves: concat(leaves),
        proof_indices: range(n),
      });
      const proofs = range(n).map((i) => bitcoinProof(levels, i));
      assertTree(response, { root: bitcoinRoot(levels), leafCount: n, proofs }, `n=${n}`);
    }
  });
});

// ---- RFC6962 ---------------------------------------------------------------------

describe('BuildTree RFC6962 vs reference', () => {
  test('reference matches the RFC 6962 test vectors (known answers), and so does the daemon', async () => {
    // The certificate-transparency test inputs and the roots of their first 1..8 entries.
    const entries = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657',
      '606162636465666768696a6b6c6d6e6f'].map((h) => Buffer.from(h, 'hex'));
    const roots = [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
      '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
      'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    ];
    for (let n = 1; n <= 8; n++) {
      const tree = new Rfc6962Tree(entries.slice(0, n).map(rfc6962LeafHash));
      assert.equal(hex(tree.root()), roots[n - 1], `reference, ${n} entries`);
      const response = await buildTree({
        scheme: 'MERKLE_SCHEME_RFC6962',
        leaf_encoding: 'LEAF_ENCODING_RAW_ENTRIES',
        entries: variableBatch(entries.slice(0, n)),
      });
      assert.equal(hex(response.root), roots[n - 1], `daemon, ${n} entries`);
    }
  });

  test('zero leaves: root is SHA-256 of the empty string', async () => {
    const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const response = await buildTree({ scheme: 'MERKLE_SCHEME_RFC6962', leaves: Buffer.alloc(0) });
    assert.equal(hex(response.root), empty);
    assert.equal(response.leaf_count, 0);
  });

  test('leaf hashes: leaf counts 1..40, 64, 100, 1000, 1025, every audit path', async () => {
    const rng = new Rng(seed, 'merkle/rfc6962/hashes');
    for (const n of kLeafCounts) {
      const tree = new Rfc6962Tree(Array.from({ length: n }, () => rng.bytes(32)));
      const response = await buildTree({
        scheme: 'MERKLE_SCHEME_RFC6962',
        leaf_encoding: 'LEAF_ENCODING_LEAF_HASHES',
        leaves: concat(tree.leaves),
        proof_indices: range(n),
      });
      const proofs = range(n).map((i) => tree.path(i));
      assertTree(response, { root: tree.root(), leafCount: n, proofs }, `n=${n}`);
    }
  });

  test('raw entries (lengths 0..100): leaf counts 1..40, 64, 100, 1000, 1025, every audit path', async () => {
    const rng = new Rng(seed, 'merkle/rfc6962/entries');
    for (const n of kLeafCounts) {
      const entries = Array.from({ length: n }, () => rng.bytes(rng.int(0, 101)));
      const tree = new Rfc6962Tree(entries.map(rfc6962LeafHash));
      const response = await buildTree({
        scheme: 'MERKLE_SCHEME_RFC6962',
        leaf_encoding: 'LEAF_ENCODING_RAW_ENTRIES',
        entries: variableBatch(entries),
        proof_indices: range(n),
      });
      const proofs = range(n).map((i) => tree.path(i));
      assertTree(response, { root: tree.root(), leafCount: n, proofs }, `n=${n}`);
    }
  });
});

// ---- VerifyProofs ----------------------------------------------------------------

// A tree of each scheme with reference proofs for every leaf:
// { root, leaves (as they sit in the tree), proofs, positional }.
function referenceTree(scheme, rng, n) {
  const leaves = Array.from({ length: n }, () => rng.bytes(32));
  if (scheme === 'MERKLE_SCHEME_BITCOIN') {
    const levels = bitcoinLevels(leaves);
    return { root: bitcoinRoot(levels), leaves, proofs: range(n).map((i) => bitcoinProof(levels, i)), positional: true };
  }
  if (scheme === 'MERKLE_SCHEME_RFC6962') {
    const tree = new Rfc6962Tree(leaves);
    return { root: tree.root(), leaves, proofs: range(n).map((i) => tree.path(i)), positional: true };
  }
  const ref = ozReference(leaves, true);
  return { root: ref.root, leaves, proofs: ref.proofs, positional: false };
}

function verifyRequest(scheme, tree, items) {
  return {
    scheme,
    root: tree.root,
    leaf_count: tree.leaves.length,
    leaves: concat(items.map((it) => it.leaf)),
    leaf_indices: items.map((it) => it.index),
    ...packProofs(items.map((it) => it.proof)),
  };
}

const kSchemes = ['MERKLE_SCHEME_BITCOIN', 'MERKLE_SCHEME_RFC6962', 'MERKLE_SCHEME_OZ_KECCAK_SORTED'];

describe('VerifyProofs', () => {
  for (const scheme of kSchemes) {
    test(`${scheme}: every reference proof is ITEM_OK`, async () => {
      const rng = new Rng(seed, `merkle/verify/${scheme}/ok`);
      for (const n of [1, 2, 3, 7, 8, 9, 37, 1000]) {
        const tree = referenceTree(scheme, rng, n);
        const items = range(n).map((i) => ({ kind: 'ok', index: i, leaf: tree.leaves[i], proof: tree.proofs[i] }));
        const response = await verifyProofs(verifyRequest(scheme, tree, items));
        assertStatuses(response.status, items, () => 'ITEM_OK',
          (it) => `n=${n}, index ${it.index}, leaf ${hex(it.leaf)}, proof [${hexList(it.proof)}], root ${hex(tree.root)}`);
        assert.equal(response.valid_count, n, `n=${n}: valid_count`);
      }
    });

    test(`${scheme}: tampered, malformed and out-of-range proofs in one batch`, async () => {
      const rng = new Rng(seed, `merkle/verify/${scheme}/bad`);
      for (const n of [1, 2, 5, 37, 300]) {
        const tree = referenceTree(scheme, rng, n);
        const items = [];
        for (let i = 0; i < n; i++) {
          const base = { index: i, leaf: tree.leaves[i], proof: tree.proofs[i] };
          const kinds = ['ok', 'leaf'];
          if (base.proof.length > 0) kinds.push('hash');
          if (tree.positional) {
            kinds.push('long', 'range');
            if (base.proof.length > 0) kinds.push('short');
          } else if (base.proof.length > 0) {
            kinds.push('truncated');
          }
          const kind = rng.pick(kinds);
          const item = { ...base, kind, expected: 'ITEM_INVALID' };
          switch (kind) {
            case 'ok':
              item.expected = 'ITEM_OK';
              break;
            case 'leaf':
              item.leaf = rng.flipBit(base.leaf).bytes;
              break;
            case 'hash': {
              const k = rng.int(0, base.proof.length);
              item.proof = base.proof.map((h, j) => (j === k ? rng.flipBit(h).bytes : h));
              break;
            }
            case 'truncated': // OZ proofs carry no position: a short proof just fails
              item.proof = base.proof.slice(0, -1);
              break;
            case 'short':
              item.proof = base.proof.slice(0, -1);
              item.expected = 'ITEM_MALFORMED_PROOF';
              break;
            case 'long':
              item.proof = [...base.proof, rng.bytes(32)];
              item.expected = 'ITEM_MALFORMED_PROOF';
              break;
            case 'range':
              item.index = n + rng.int(0, 3);
              item.expected = 'ITEM_INDEX_OUT_OF_RANGE';
              break;
          }
          items.push(item);
        }
        const response = await verifyProofs(verifyRequest(scheme, tree, items));
        assertStatuses(response.status, items, (it) => it.expected,
          (it) => `n=${n}, index ${it.index}, leaf ${hex(it.leaf)}, proof [${hexList(it.proof)}], root ${hex(tree.root)}`);
        assert.equal(response.valid_count, items.filter((it) => it.expected === 'ITEM_OK').length, `n=${n}: valid_count`);
      }
    });
  }

  test('MERKLE_SCHEME_RFC6962: any index of an empty tree is out of range', async () => {
    const rng = new Rng(seed, 'merkle/verify/rfc6962/empty');
    const response = await verifyProofs({
      scheme: 'MERKLE_SCHEME_RFC6962',
      root: Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'),
      leaf_count: 0,
      leaves: rng.bytes(32),
      leaf_indices: [0],
      proof_hashes: Buffer.alloc(0),
      proof_lengths: [0],
    });
    assert.deepEqual(response.status, ['ITEM_INDEX_OUT_OF_RANGE']);
    assert.equal(response.valid_count, 0);
  });

  test('MERKLE_SCHEME_OZ_KECCAK_SORTED ignores leaf_indices (none given)', async () => {
    const rng = new Rng(seed, 'merkle/verify/oz/noindices');
    const tree = referenceTree('MERKLE_SCHEME_OZ_KECCAK_SORTED', rng, 13);
    const request = verifyRequest('MERKLE_SCHEME_OZ_KECCAK_SORTED', tree,
      range(13).map((i) => ({ index: i, leaf: tree.leaves[i], proof: tree.proofs[i] })));
    request.leaf_indices = [];
    const response = await verifyProofs(request);
    assert.deepEqual(response.status, range(13).map(() => 'ITEM_OK'));
  });

  test('proofs that BuildTree returned verify (round trip through the daemon)', async () => {
    const rng = new Rng(seed, 'merkle/verify/roundtrip');
    for (const scheme of kSchemes) {
      const leaves = Array.from({ length: 45 }, () => rng.bytes(32));
      const sortLeaves = scheme === 'MERKLE_SCHEME_OZ_KECCAK_SORTED';
      const built = await buildTree({ scheme, leaves: concat(leaves), sort_leaves: sortLeaves, proof_indices: range(45) });
      const response = await verifyProofs({
        scheme,
        root: built.root,
        leaf_count: 45,
        leaves: concat(leaves),
        leaf_indices: range(45),
        proof_hashes: built.proof_hashes,
        proof_lengths: built.proof_lengths,
      });
      assert.equal(response.valid_count, 45, scheme);
    }
  });
});
