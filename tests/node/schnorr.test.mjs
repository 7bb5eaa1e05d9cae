// SignatureService/Verify with SIGNATURE_SCHEME_SCHNORR_BIP340 against @noble/curves
// schnorr: 32-byte messages, other message lengths (BIP-340's variable-length
// messages), and malformed items.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { schnorr } from '@noble/curves/secp256k1.js';
import { bigIntToBytes, bytesToBigInt, fixedBatch, variableBatch } from './helpers/batch.mjs';
import { useDaemon } from './helpers/daemon.mjs';
import { Rng, testSeed } from './helpers/random.mjs';
import { N, P, secretKey } from './helpers/secp256k1_items.mjs';
import { unary } from './helpers/rpc.mjs';
import { assertSignatureVerdicts } from './helpers/verdicts.mjs';

const seed = testSeed('schnorr.test.mjs');
const daemon = useDaemon();

function makeItem(rng, msgLen = 32) {
  const sk = secretKey(rng);
  const message = rng.bytes(msgLen);
  return {
    message,
    publicKey: Buffer.from(schnorr.getPublicKey(sk)),
    signature: Buffer.from(schnorr.sign(message, sk, rng.bytes(32))),
  };
}

// True when x is the x coordinate of a curve point (BIP-340 lift_x succeeds).
function liftsX(bytes) {
  try {
    schnorr.utils.lift_x(bytesToBigInt(bytes));
    return true;
  } catch {
    return false;
  }
}

function verify(items, layout) {
  const fixed = layout === 'fixed';
  const request = {
    scheme: 'SIGNATURE_SCHEME_SCHNORR_BIP340',
    messages: fixed ? fixedBatch(items.map((it) => it.message), 32) : variableBatch(items.map((it) => it.message)),
    public_keys: fixed ? fixedBatch(items.map((it) => it.publicKey), 32) : variableBatch(items.map((it) => it.publicKey)),
    signatures: fixed ? fixedBatch(items.map((it) => it.signature), 64) : variableBatch(items.map((it) => it.signature)),
    placement: 'PLACEMENT_CPU',
  };
  return unary(daemon.clients.signature, 'Verify', request);
}

describe('SCHNORR_BIP340', () => {
  test('noble signatures over 32-byte messages verify (fixed layout)', async () => {
    const rng = new Rng(seed, 'schnorr/valid');
    const items = Array.from({ length: 300 }, () => ({ ...makeItem(rng), kind: 'ok', expected: 'ITEM_OK' }));
    const response = await verify(items, 'fixed');
    assertSignatureVerdicts(response, items);
    assert.equal(response.valid_count, items.length);
  });

  test('BIP-340 test vector 0 (known answer)', async () => {
    const item = {
      kind: 'bip340-0',
      expected: 'ITEM_OK',
      publicKey: Buffer.from('f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9', 'hex'),
      message: Buffer.alloc(32),
      signature: Buffer.from(
        'e907831f80848d1069a5371b402410364bdf1c5f8307b0084c55f1ce2dca821525f66a4a85ea8b71e482a74f382d2ce5ebeee8fdb2172f477df4900d310536c0',
        'hex',
      ),
    };
    assertSignatureVerdicts(await verify([item], 'fixed'), [item]);
  });

  test('messages of other lengths (0, 1, 31, 33, 64, 100, 300 bytes)', async () => {
    const rng = new Rng(seed, 'schnorr/lengths');
    const items = [];
    for (const len of [0, 1, 31, 33, 64, 100, 300]) {
      for (let i = 0; i < 5; i++) items.push({ ...makeItem(rng, len), kind: `ok, ${len}-byte message`, expected: 'ITEM_OK' });
    }
    assertSignatureVerdicts(await verify(items, 'variable'), items);
  });

  test('bit flips, wrong lengths and out-of-range values, each with its own verdict', async () => {
    const rng = new Rng(seed, 'schnorr/bad');
    const items = [];
    for (let i = 0; i < 300; i++) {
      const base = makeItem(rng);
      const kind = rng.pick(['ok', 'message', 'signature', 'publicKey', 'pkLength', 'sigLength',
        'xNotOnCurve', 'x >= p', 'r >= p', 's >= n']);
      const item = { ...base, kind, expected: 'ITEM_INVALID' };
      switch (kind) {
        case 'ok':
          item.expected = 'ITEM_OK';
          break;
        case 'message':
          item.message = rng.flipBit(base.message).bytes;
          break;
        case 'signature': {
          const { bytes, byte } = rng.flipBit(base.signature);
          item.signature = bytes;
          const value = bytesToBigInt(byte < 32 ? bytes.subarray(0, 32) : bytes.subarray(32));
          if (value >= (byte < 32 ? P : N)) item.expected = 'ITEM_MALFORMED_SIGNATURE';
          break;
        }
        case 'publicKey':
          item.publicKey = rng.flipBit(base.publicKey).bytes;
          if (!liftsX(item.publicKey)) item.expected = 'ITEM_MALFORMED_PUBLIC_KEY';
          break;
        case 'pkLength':
          item.publicKey = rng.pick([base.publicKey.subarray(0, 31), Buffer.concat([Buffer.from([0x02]), base.publicKey])]);
          item.expected = 'ITEM_MALFORMED_PUBLIC_KEY';
          break;
        case 'sigLength':
          item.signature = rng.pick([base.signature.subarray(0, 63), Buffer.concat([base.signature, Buffer.from([0])])]);
          item.expected = 'ITEM_MALFORMED_SIGNATURE';
          break;
        case 'xNotOnCurve': {
          let x;
          do x = rng.bytes(32); while (liftsX(x));
          item.publicKey = x;
          item.expected = 'ITEM_MALFORMED_PUBLIC_KEY';
          break;
        }
        case 'x >= p':
          item.publicKey = bigIntToBytes(P + BigInt(rng.int(0, 7)), 32);
          item.expected = 'ITEM_MALFORMED_PUBLIC_KEY';
          break;
        case 'r >= p':
          item.signature = Buffer.concat([bigIntToBytes(P + BigInt(rng.int(0, 7)), 32), base.signature.subarray(32)]);
          item.expected = 'ITEM_MALFORMED_SIGNATURE';
          break;
        case 's >= n':
          item.signature = Buffer.concat([base.signature.subarray(0, 32), bigIntToBytes(N + BigInt(rng.int(0, 7)), 32)]);
          item.expected = 'ITEM_MALFORMED_SIGNATURE';
          break;
      }
      items.push(item);
    }
    for (const it of items) {
      let ok = false;
      try {
        ok = schnorr.verify(it.signature, it.message, it.publicKey);
      } catch {
        ok = false;
      }
      assert.equal(ok, it.expected === 'ITEM_OK', `noble disagrees with the expectation for ${it.kind}`);
    }
    assertSignatureVerdicts(await verify(items, 'variable'), items);
  });
});
