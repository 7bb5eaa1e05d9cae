// SignatureService/Verify with SIGNATURE_SCHEME_ED25519 against @noble/curves ed25519.
//
// The contract asks for libsodium's crypto_sign_verify_detached semantics, which are
// stricter than noble's default ZIP-215 rules: canonical S (< L), canonical public keys
// that are not of small order. The expected verdict of every bad item is derived from
// the contract's ItemStatus definitions; noble (with zip215: false) double-checks that
// every item expected to fail is indeed not a valid signature.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { fixedBatch, hex, variableBatch } from './helpers/batch.mjs';
import { useDaemon } from './helpers/daemon.mjs';
import { Rng, testSeed } from './helpers/random.mjs';
import { unary } from './helpers/rpc.mjs';
import { assertSignatureVerdicts } from './helpers/verdicts.mjs';

const seed = testSeed('ed25519.test.mjs');
const daemon = useDaemon();

const L = ed25519.Point.Fn.ORDER;

function makeItem(rng, msgLen = rng.int(0, 301)) {
  const secretKey = rng.bytes(32);
  const publicKey = Buffer.from(ed25519.getPublicKey(secretKey));
  const message = rng.bytes(msgLen);
  const signature = Buffer.from(ed25519.sign(message, secretKey));
  return { message, publicKey, signature };
}

function littleEndianToBigInt(bytes) {
  return BigInt(`0x${hex(Buffer.from(bytes).reverse()) || '0'}`);
}

// True when `bytes` is a canonical encoding of a point that is not of small order.
function isStrictPoint(bytes) {
  try {
    return !ed25519.Point.fromBytes(bytes, false).isSmallOrder();
  } catch {
    return false;
  }
}

function verify(items, layout) {
  const request = {
    scheme: 'SIGNATURE_SCHEME_ED25519',
    messages: variableBatch(items.map((it) => it.message)),
    public_keys: layout === 'fixed' ? fixedBatch(items.map((it) => it.publicKey), 32)
      : variableBatch(items.map((it) => it.publicKey)),
    signatures: layout === 'fixed' ? fixedBatch(items.map((it) => it.signature), 64)
      : variableBatch(items.map((it) => it.signature)),
    placement: 'PLACEMENT_CPU',
  };
  return unary(daemon.clients.signature, 'Verify', request);
}

describe('ED25519', () => {
  test('noble signatures verify (fixed-size keys and signatures, messages 0..300 bytes)', async () => {
    const rng = new Rng(seed, 'ed25519/valid');
    const items = Array.from({ length: 400 }, () => ({ ...makeItem(rng), kind: 'ok', expected: 'ITEM_OK' }));
    const response = await verify(items, 'fixed');
    assertSignatureVerdicts(response, items);
    assert.equal(response.valid_count, items.length);
    assert.equal(response.engine, 'cpu');
  });

  test('RFC 8032 test 1 (known answer)', async () => {
    const item = {
      kind: 'rfc8032-1',
      expected: 'ITEM_OK',
      message: Buffer.alloc(0),
      publicKey: Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex'),
      signature: Buffer.from(
        'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
        'hex',
      ),
    };
    assertSignatureVerdicts(await verify([item], 'fixed'), [item]);
  });

  test('bit flips, wrong lengths and non-canonical encodings, each with its own verdict', async () => {
    const rng = new Rng(seed, 'ed25519/bad');
    const items = [];
    for (let i = 0; i < 300; i++) {
      const base = makeItem(rng);
      const kind = rng.pick(['ok', 'message', 'signature', 'publicKey', 'pkLength', 'sigLength']);
      const item = { ...base, kind, expected: 'ITEM_INVALID' };
      switch (kind) {
        case 'ok':
          item.expected = 'ITEM_OK';
          break;
        case 'message':
          if (base.message.length === 0) item.message = Buffer.from([0]);
          else item.message = rng.flipBit(base.message).bytes;
          break;
        case 'signature': {
          const { bytes, byte } = rng.flipBit(base.signature);
          item.signature = bytes;
          if (byte >= 32) {
            // S out of range [0, L) cannot be parsed.
            if (littleEndianToBigInt(bytes.subarray(32)) >= L) item.expected = 'ITEM_MALFORMED_SIGNATURE';
          } else if (!isStrictPoint(bytes.subarray(0, 32))) {
            // An R that is no point: the contract does not say whether that is a
            // parse failure or a failed check.
            item.expected = ['ITEM_INVALID', 'ITEM_MALFORMED_SIGNATURE'];
          }
          break;
        }
        case 'publicKey': {
          item.publicKey = rng.flipBit(base.publicKey).bytes;
          if (!isStrictPoint(item.publicKey)) item.expected = 'ITEM_MALFORMED_PUBLIC_KEY';
          break;
        }
        case 'pkLength':
          item.publicKey = rng.bool() ? base.publicKey.subarray(0, 31) : Buffer.concat([base.publicKey, Buffer.from([0])]);
          item.expected = 'ITEM_MALFORMED_PUBLIC_KEY';
          break;
        case 'sigLength':
          item.signature = rng.bool() ? base.signature.subarray(0, 63) : Buffer.concat([base.signature, Buffer.from([0])]);
          item.expected = 'ITEM_MALFORMED_SIGNATURE';
          break;
      }
      items.push(item);
    }

    // Hand-made adversarial items.
    const base = makeItem(rng, 40);
    // S + L: the same signature with a non-canonical S (libsodium rejects it).
    const sPlusL = littleEndianToBigInt(base.signature.subarray(32)) + L;
    const sPlusLBytes = Buffer.from(sPlusL.toString(16).padStart(64, '0'), 'hex').reverse();
    items.push({ ...base, kind: 'S+L', expected: 'ITEM_MALFORMED_SIGNATURE',
      signature: Buffer.concat([base.signature.subarray(0, 32), sPlusLBytes]) });
    // A non-canonical encoding of y = 1 (y = p + 1).
    items.push({ ...base, kind: 'non-canonical public key', expected: 'ITEM_MALFORMED_PUBLIC_KEY',
      publicKey: Buffer.from(`ee${'ff'.repeat(30)}7f`, 'hex') });
    // The identity as public key with R = identity and S = 0 passes the cofactored
    // ZIP-215 equation for every message; libsodium rejects small-order keys.
    const identity = Buffer.from(`01${'00'.repeat(31)}`, 'hex');
    items.push({ ...base, kind: 'small-order key, forged signature',
      expected: ['ITEM_INVALID', 'ITEM_MALFORMED_PUBLIC_KEY', 'ITEM_MALFORMED_SIGNATURE'],
      publicKey: identity, signature: Buffer.concat([identity, Buffer.alloc(32)]) });
    items.push({ ...base, kind: 'empty public key', expected: 'ITEM_MALFORMED_PUBLIC_KEY', publicKey: Buffer.alloc(0) });
    items.push({ ...base, kind: 'empty signature', expected: 'ITEM_MALFORMED_SIGNATURE', signature: Buffer.alloc(0) });
    rng.shuffle(items);

    // Cross-check the expectations with noble's strict mode.
    for (const it of items) {
      let nobleOk = false;
      try {
        nobleOk = ed25519.verify(it.signature, it.message, it.publicKey, { zip215: false });
      } catch {
        nobleOk = false;
      }
      assert.equal(nobleOk, it.expected === 'ITEM_OK', `noble disagrees with the expectation for ${it.kind}`);
    }

    assertSignatureVerdicts(await verify(items, 'variable'), items);
  });
});
