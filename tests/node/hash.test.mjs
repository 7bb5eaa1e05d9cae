// HashService/Hash against @noble/hashes: SHA256, SHA256D and KECCAK256 over random
// messages, in the variable-size and fixed-size layouts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { fixedBatch, hex, split, variableBatch } from './helpers/batch.mjs';
import { useDaemon } from './helpers/daemon.mjs';
import { Rng, testSeed } from './helpers/random.mjs';
import { unary } from './helpers/rpc.mjs';

const seed = testSeed('hash.test.mjs');
const daemon = useDaemon();

const references = {
  HASH_ALGORITHM_SHA256: (m) => sha256(m),
  HASH_ALGORITHM_SHA256D: (m) => sha256(sha256(m)),
  HASH_ALGORITHM_KECCAK256: (m) => keccak_256(m),
};

async function hashAndCompare(algorithm, messages, batch, placement = 'PLACEMENT_CPU') {
  const response = await unary(daemon.clients.hash, 'Hash', { algorithm, messages: batch, placement });
  const digests = split(response.digests, 32);
  assert.equal(digests.length, messages.length, 'one digest per message');
  for (const [i, m] of messages.entries()) {
    assert.equal(
      hex(digests[i]),
      hex(references[algorithm](m)),
      `${algorithm} digest ${i} of a ${m.length}-byte message ${hex(m).slice(0, 64)}...`,
    );
  }
  return response;
}

// Messages of every length 0..300 at least once, then random lengths, shuffled.
function variableMessages(rng, count) {
  const lengths = [];
  for (let len = 0; len <= 300; len++) lengths.push(len);
  while (lengths.length < count) lengths.push(rng.int(0, 301));
  rng.shuffle(lengths);
  return lengths.map((len) => rng.bytes(len));
}

for (const algorithm of Object.keys(references)) {
  describe(algorithm, () => {
    test('variable layout, lengths 0..300', async () => {
      const rng = new Rng(seed, `hash/${algorithm}/variable`);
      const messages = variableMessages(rng, 500);
      const response = await hashAndCompare(algorithm, messages, variableBatch(messages));
      assert.equal(response.engine, 'cpu', 'PLACEMENT_CPU runs on the CPU engine');
    });

    test('fixed layout, 64-byte items', async () => {
      const rng = new Rng(seed, `hash/${algorithm}/fixed64`);
      const messages = Array.from({ length: 400 }, () => rng.bytes(64));
      await hashAndCompare(algorithm, messages, fixedBatch(messages, 64));
    });

    test('fixed layout, item sizes around the block boundaries', async () => {
      // 55/56 and 63/64/65 straddle SHA-256's padding; 135/136/137 Keccak's rate.
      const rng = new Rng(seed, `hash/${algorithm}/fixed-edges`);
      for (const size of [1, 31, 32, 33, 55, 56, 63, 64, 65, 119, 120, 135, 136, 137, 272]) {
        const messages = Array.from({ length: 17 }, () => rng.bytes(size));
        await hashAndCompare(algorithm, messages, fixedBatch(messages, size));
      }
    });

    test('variable layout with empty items only', async () => {
      const messages = [Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)];
      await hashAndCompare(algorithm, messages, variableBatch(messages));
    });

    test('large batch (20000 items), PLACEMENT_AUTO', async () => {
      const rng = new Rng(seed, `hash/${algorithm}/large`);
      const messages = Array.from({ length: 20000 }, () => rng.bytes(rng.int(0, 200)));
      const response = await hashAndCompare(algorithm, messages, variableBatch(messages), 'PLACEMENT_AUTO');
      assert.ok(response.engine.length > 0, 'the response names the engine');
    });
  });
}

test('known answers', async () => {
  // FIPS 180-4 "abc", Bitcoin-style double SHA-256 of "", Ethereum keccak256("").
  const cases = [
    ['HASH_ALGORITHM_SHA256', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['HASH_ALGORITHM_SHA256D', '', '5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456'],
    ['HASH_ALGORITHM_KECCAK256', '', 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'],
  ];
  for (const [algorithm, text, expected] of cases) {
    const m = Buffer.from(text);
    const response = await unary(daemon.clients.hash, 'Hash', {
      algorithm,
      messages: variableBatch([m]),
    });
    assert.equal(hex(response.digests), expected, `${algorithm}("${text}")`);
  }
});
