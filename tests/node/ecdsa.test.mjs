// SignatureService/Verify with SIGNATURE_SCHEME_ECDSA_SECP256K1 against @noble/curves
// secp256k1: every pre-hash, compact and DER encodings, compressed and uncompressed
// keys in one batch, low-S enforcement and malformed items.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToBigInt, fixedBatch, variableBatch } from './helpers/batch.mjs';
import { useDaemon } from './helpers/daemon.mjs';
import { Rng, testSeed } from './helpers/random.mjs';
import { compact, decodesAsKey, der, N, P, secretKey } from './helpers/secp256k1_items.mjs';
import { unary } from './helpers/rpc.mjs';
import { assertSignatureVerdicts } from './helpers/verdicts.mjs';

const seed = testSeed('ecdsa.test.mjs');
const daemon = useDaemon();

const preHashes = {
  PRE_HASH_NONE: null,
  PRE_HASH_SHA256: (m) => sha256(m),
  PRE_HASH_SHA256D: (m) => sha256(sha256(m)),
  PRE_HASH_KECCAK256: (m) => keccak_256(m),
};

// A signed item: { message (as sent), digest, publicKey, r, s, signature (compact) }.
function makeItem(rng, preHash, compressed = rng.bool()) {
  const sk = secretKey(rng);
  const message = preHash === 'PRE_HASH_NONE' ? rng.bytes(32) : rng.bytes(rng.int(0, 301));
  const digest = preHash === 'PRE_HASH_NONE' ? message : preHashes[preHash](message);
  const signature = Buffer.from(secp256k1.sign(digest, sk, { prehash: false }));
  const sig = secp256k1.Signature.fromBytes(signature, 'compact');
  assert.ok(!sig.hasHighS(), 'noble signs low-S');
  return {
    message,
    digest,
    publicKey: Buffer.from(secp256k1.getPublicKey(sk, compressed)),
    r: sig.r,
    s: sig.s,
    signature,
  };
}

function verify(items, { preHash, encoding = 'SIGNATURE_ENCODING_COMPACT', allowHighS = false, layout = 'variable' }) {
  const fixed = layout === 'fixed';
  const request = {
    scheme: 'SIGNATURE_SCHEME_ECDSA_SECP256K1',
    messages: variableBatch(items.map((it) => it.message)),
    public_keys: fixed ? fixedBatch(items.map((it) => it.publicKey), items[0].publicKey.length)
      : variableBatch(items.map((it) => it.publicKey)),
    signatures: fixed ? fixedBatch(items.map((it) => it.signature), items[0].signature.length)
      : variableBatch(items.map((it) => it.signature)),
    pre_hash: preHash,
    signature_encoding: encoding,
    allow_high_s: allowHighS,
    placement: 'PLACEMENT_CPU',
  };
  return unary(daemon.clients.signature, 'Verify', request);
}

describe('ECDSA_SECP256K1', () => {
  for (const preHash of Object.keys(preHashes)) {
    for (const encoding of ['SIGNATURE_ENCODING_COMPACT', 'SIGNATURE_ENCODING_DER']) {
      test(`${preHash}, ${encoding}: noble signatures verify (33- and 65-byte keys mixed)`, async () => {
        const rng = new Rng(seed, `ecdsa/valid/${preHash}/${encoding}`);
        const items = Array.from({ length: 250 }, () => {
          const it = makeItem(rng, preHash);
          if (encoding === 'SIGNATURE_ENCODING_DER') it.signature = der(it.r, it.s);
          it.kind = 'ok';
          it.expected = 'ITEM_OK';
          assert.ok(secp256k1.verify(compact(it.r, it.s), it.digest, it.publicKey, { prehash: false }));
          return it;
        });
        const response = await verify(items, { preHash, encoding });
        assertSignatureVerdicts(response, items);
        assert.equal(response.valid_count, items.length);
      });
    }
  }

  test('fixed-size layout: 33-byte keys, 64-byte signatures, PRE_HASH_KECCAK256', async () => {
    const rng = new Rng(seed, 'ecdsa/fixed');
    const items = Array.from({ length: 100 }, () => ({ ...makeItem(rng, 'PRE_HASH_KECCAK256', true), kind: 'ok', expected: 'ITEM_OK' }));
    assertSignatureVerdicts(await verify(items, { preHash: 'PRE_HASH_KECCAK256', layout: 'fixed' }), items);
  });

  test('high-S (s\' = n - s): ITEM_HIGH_S by default, ITEM_OK with allow_high_s', async () => {
    const rng = new Rng(seed, 'ecdsa/highs');
    for (const encoding of ['SIGNATURE_ENCODING_COMPACT', 'SIGNATURE_ENCODING_DER']) {
      const items = [];
      for (let i = 0; i < 60; i++) {
        const it = makeItem(rng, 'PRE_HASH_SHA256');
        const high = i % 2 === 0;
        const s = high ? N - it.s : it.s;
        it.signature = encoding === 'SIGNATURE_ENCODING_DER' ? der(it.r, s) : compact(it.r, s);
        it.kind = high ? 'high-S' : 'low-S';
        it.high = high;
        items.push(it);
      }
      const strict = await verify(items, { preHash: 'PRE_HASH_SHA256', encoding });
      assertSignatureVerdicts(strict, items, (it) => (it.high ? 'ITEM_HIGH_S' : 'ITEM_OK'));
      const lax = await verify(items, { preHash: 'PRE_HASH_SHA256', encoding, allowHighS: true });
      assertSignatureVerdicts(lax, items, () => 'ITEM_OK');
    }
  });

  test('compact: bit flips, wrong lengths, bad keys and out-of-range r, s, each with its own verdict', async () => {
    const rng = new Rng(seed, 'ecdsa/bad-compact');
    const items = [];
    const kinds = ['ok', 'message', 'signature', 'publicKey', 'msgLength', 'pkLength', 'sigLength',
      'badPrefix', 'xNotOnCurve', 'rOverflow', 'sOverflow', 'highS'];
    while (items.length < 400) {
      const base = makeItem(rng, 'PRE_HASH_NONE');
      const kind = rng.pick(kinds);
      // `strict` is the verdict with low-S required, `lax` with allow_high_s.
      const item = { ...base, kind, strict: 'ITEM_INVALID', lax: 'ITEM_INVALID' };
      const both = (status) => {
        item.strict = status;
        item.lax = status;
      };
      switch (kind) {
        case 'ok':
          both('ITEM_OK');
          break;
        case 'message':
          item.message = rng.flipBit(base.message).bytes;
          break;
        case 'signature': {
          item.signature = rng.flipBit(base.signature).bytes;
          const r = bytesToBigInt(item.signature.subarray(0, 32));
          const s = bytesToBigInt(item.signature.subarray(32));
          if (r === 0n || s === 0n) continue; // the contract leaves zero ambiguous
          if (r >= N || s >= N) both('ITEM_MALFORMED_SIGNATURE');
          else if (s > N / 2n) item.strict = 'ITEM_HIGH_S';
          break;
        }
        case 'publicKey': {
          // Flip a coordinate bit, not the prefix (hybrid 0x06/0x07 keys are out of scope).
          item.publicKey = rng.flipBit(base.publicKey, 1).bytes;
          if (!decodesAsKey(item.publicKey)) both('ITEM_MALFORMED_PUBLIC_KEY');
          break;
        }
        case 'msgLength':
          item.message = rng.bool() ? base.message.subarray(0, 31) : Buffer.concat([base.message, Buffer.from([0])]);
          both('ITEM_MALFORMED_MESSAGE');
          break;
        case 'pkLength':
          item.publicKey = rng.pick([base.publicKey.subarray(0, base.publicKey.length - 1),
            Buffer.concat([base.publicKey, Buffer.from([0])]), Buffer.alloc(0)]);
          both('ITEM_MALFORMED_PUBLIC_KEY');
          break;
        case 'sigLength':
          item.signature = rng.pick([base.signature.subarray(0, 63), Buffer.concat([base.signature, Buffer.from([0])]),
            Buffer.alloc(0)]);
          both('ITEM_MALFORMED_SIGNATURE');
          break;
        case 'badPrefix':
          item.publicKey = Buffer.concat([Buffer.from([0x05]), base.publicKey.subarray(1)]);
          both('ITEM_MALFORMED_PUBLIC_KEY');
          break;
        case 'xNotOnCurve': {
          let x;
          do x = rng.bytes(32); while (decodesAsKey(Buffer.concat([Buffer.from([0x02]), x])) || bytesToBigInt(x) >= P);
          item.publicKey = Buffer.concat([Buffer.from([0x02 + rng.int(0, 2)]), x]);
          both('ITEM_MALFORMED_PUBLIC_KEY');
          break;
        }
        case 'rOverflow':
          item.signature = compact(N + BigInt(rng.int(0, 3)), base.s);
          both('ITEM_MALFORMED_SIGNATURE');
          break;
        case 'sOverflow':
          item.signature = compact(base.r, N + BigInt(rng.int(0, 3)));
          both('ITEM_MALFORMED_SIGNATURE');
          break;
        case 'highS':
          item.signature = compact(base.r, N - base.s);
          item.strict = 'ITEM_HIGH_S';
          item.lax = 'ITEM_OK';
          break;
      }
      items.push(item);
    }

    // noble agrees that every item expected to fail (lax) is not a valid signature.
    for (const it of items) {
      let ok = false;
      try {
        ok = secp256k1.verify(it.signature, it.message, it.publicKey, { prehash: false, lowS: false });
      } catch {
        ok = false;
      }
      // (noble reads a 33-byte hash's first 32 bytes, where the contract wants a malformed message.)
    if (it.kind !== 'msgLength') assert.equal(ok, it.lax === 'ITEM_OK', `noble disagrees with the expectation for ${it.kind}`);
    }

    assertSignatureVerdicts(await verify(items, { preHash: 'PRE_HASH_NONE' }), items, (it) => it.strict);
    assertSignatureVerdicts(await verify(items, { preHash: 'PRE_HASH_NONE', allowHighS: true }), items, (it) => it.lax);
  });

  test('DER: strict BIP 66 parsing, each bad encoding its own verdict', async () => {
    const rng = new Rng(seed, 'ecdsa/bad-der');
    const items = [];
    const add = (it, kind, signature, expected) => items.push({ ...it, kind, signature, expected });
    for (let i = 0; i < 20; i++) {
      const it = makeItem(rng, 'PRE_HASH_KECCAK256');
      const good = der(it.r, it.s);
      add(it, 'ok', good, 'ITEM_OK');
      // Trailing garbage after the SEQUENCE.
      add(it, 'trailing byte', Buffer.concat([good, Buffer.from([0x00])]), 'ITEM_MALFORMED_SIGNATURE');
      // SEQUENCE length one too long.
      const badLen = Buffer.from(good);
      badLen[1] += 1;
      add(it, 'sequence length', badLen, 'ITEM_MALFORMED_SIGNATURE');
      // r with an unnecessary leading zero byte.
      const rBytes = Buffer.from(good.subarray(4, 4 + good[3]));
      const rest = good.subarray(4 + good[3]);
      const padded = Buffer.concat([Buffer.from([0x02, rBytes.length + 1, 0x00]), rBytes, rest]);
      add(it, 'non-minimal r', Buffer.concat([Buffer.from([0x30, padded.length]), padded]), 'ITEM_MALFORMED_SIGNATURE');
      // The compact encoding where DER is announced.
      add(it, 'compact as DER', compact(it.r, it.s), 'ITEM_MALFORMED_SIGNATURE');
      add(it, 'empty', Buffer.alloc(0), 'ITEM_MALFORMED_SIGNATURE');
      // r >= n encoded as a valid DER integer.
      add(it, 'r >= n', der(N, it.s), 'ITEM_MALFORMED_SIGNATURE');
      add(it, 'high-S', der(it.r, N - it.s), 'ITEM_HIGH_S');
    }
    // r with its top bit set but without the 0x00 pad: a negative INTEGER.
    for (;;) {
      const it = makeItem(rng, 'PRE_HASH_KECCAK256');
      if (it.r < 1n << 255n) continue;
      const good = der(it.r, it.s);
      assert.equal(good[4], 0x00, 'DER pads an r with the top bit set');
      const rBytes = good.subarray(5, 4 + good[3]);
      const rest = good.subarray(4 + good[3]);
      const body = Buffer.concat([Buffer.from([0x02, rBytes.length]), rBytes, rest]);
      add(it, 'negative r', Buffer.concat([Buffer.from([0x30, body.length]), body]), 'ITEM_MALFORMED_SIGNATURE');
      break;
    }
    rng.shuffle(items);
    assertSignatureVerdicts(await verify(items, { preHash: 'PRE_HASH_KECCAK256', encoding: 'SIGNATURE_ENCODING_DER' }), items);
  });
});
