// SignatureService/Recover against @noble/curves secp256k1 and @noble/hashes keccak_256:
// Ethereum r || s || v signatures, v in {0, 1} and {27, 28}.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToBigInt, concat, hex, split } from './helpers/batch.mjs';
import { useDaemon } from './helpers/daemon.mjs';
import { Rng, testSeed } from './helpers/random.mjs';
import { compact, N, secretKey } from './helpers/secp256k1_items.mjs';
import { unary } from './helpers/rpc.mjs';
import { assertStatuses } from './helpers/verdicts.mjs';

const seed = testSeed('recover.test.mjs');
const daemon = useDaemon();

// An Ethereum-style signed hash: { hash, signature (r || s || v), recovery, r, s,
// publicKey (X || Y), address }.
function makeItem(rng, vBase = rng.pick([0, 27])) {
  const sk = secretKey(rng);
  const hash = rng.bytes(32);
  const recovered = Buffer.from(secp256k1.sign(hash, sk, { prehash: false, format: 'recovered' }));
  // noble's 'recovered' format is recovery || r || s.
  const recovery = recovered[0];
  const rs = recovered.subarray(1);
  const publicKey = Buffer.from(secp256k1.getPublicKey(sk, false)).subarray(1);
  return {
    hash,
    signature: Buffer.concat([rs, Buffer.from([vBase + recovery])]),
    recovery,
    r: bytesToBigInt(rs.subarray(0, 32)),
    s: bytesToBigInt(rs.subarray(32)),
    publicKey,
    address: ethAddress(publicKey),
  };
}

function ethAddress(xy) {
  return Buffer.from(keccak_256(xy)).subarray(12);
}

// The key noble recovers from (r, s, recovery) over `hash`, as X || Y, or null.
function nobleRecover(hash, r, s, recovery) {
  try {
    const sig = Buffer.concat([Buffer.from([recovery]), compact(r, s)]);
    const key = secp256k1.recoverPublicKey(sig, hash, { prehash: false });
    return Buffer.from(secp256k1.Point.fromBytes(key).toBytes(false)).subarray(1);
  } catch {
    return null;
  }
}

function recover(items, allowHighS = false) {
  return unary(daemon.clients.signature, 'Recover', {
    hashes: concat(items.map((it) => it.hash)),
    signatures: concat(items.map((it) => it.signature)),
    allow_high_s: allowHighS,
    placement: 'PLACEMENT_CPU',
  });
}

// Checks verdicts, keys and addresses; a failed item must carry zero key and address.
function assertRecovered(response, items, expectedOf = (it) => it.expected, keyOf = (it) => it.publicKey) {
  assertStatuses(response.status, items, expectedOf, (it) => `hash=${hex(it.hash)} sig=${hex(it.signature)}`);
  const keys = split(response.public_keys, 64);
  const addresses = split(response.addresses, 20);
  assert.equal(keys.length, items.length, 'one 64-byte key per item');
  assert.equal(addresses.length, items.length, 'one 20-byte address per item');
  for (const [i, it] of items.entries()) {
    const what = `item ${i} (${it.kind}): hash=${hex(it.hash)} sig=${hex(it.signature)}`;
    if (expectedOf(it) === 'ITEM_OK') {
      const key = keyOf(it);
      assert.equal(hex(keys[i]), hex(key), `${what}: public key`);
      assert.equal(hex(addresses[i]), hex(ethAddress(key)), `${what}: address`);
    } else {
      assert.equal(hex(keys[i]), '00'.repeat(64), `${what}: a failed item's key is zero`);
      assert.equal(hex(addresses[i]), '00'.repeat(20), `${what}: a failed item's address is zero`);
    }
  }
  assert.equal(response.recovered_count, response.status.filter((s) => s === 'ITEM_OK').length, 'recovered_count');
}

describe('Recover', () => {
  test('noble signatures with v in {0, 1} and {27, 28}: key and address match', async () => {
    const rng = new Rng(seed, 'recover/valid');
    const items = Array.from({ length: 400 }, () => ({ ...makeItem(rng), kind: 'ok', expected: 'ITEM_OK' }));
    for (const it of items) {
      assert.equal(hex(nobleRecover(it.hash, it.r, it.s, it.recovery)), hex(it.publicKey), 'noble round trip');
    }
    const response = await recover(items);
    assertRecovered(response, items);
    assert.equal(response.recovered_count, items.length);
    assert.equal(response.engine, 'cpu');
  });

  test('known answer: secret key 1 signs keccak256("")', async () => {
    // The key of secret 1 is the generator; its address is well known.
    const sk = Buffer.from(`${'00'.repeat(31)}01`, 'hex');
    const hash = Buffer.from(keccak_256(new Uint8Array(0)));
    const rec = Buffer.from(secp256k1.sign(hash, sk, { prehash: false, format: 'recovered' }));
    const item = {
      kind: 'generator',
      expected: 'ITEM_OK',
      hash,
      signature: Buffer.concat([rec.subarray(1), Buffer.from([27 + rec[0]])]),
      publicKey: Buffer.from(secp256k1.getPublicKey(sk, false)).subarray(1),
    };
    assert.equal(hex(ethAddress(item.publicKey)), '7e5f4552091a69125d5dfcb7b8c2659029395bdf');
    assertRecovered(await recover([item]), [item]);
  });

  test('bad v, high-S, out-of-range r and s, no point at r, each with its own status', async () => {
    const rng = new Rng(seed, 'recover/bad');
    const items = [];
    for (let i = 0; i < 300; i++) {
      const base = makeItem(rng);
      const kind = rng.pick(['ok', 'v', 'highS', 'rOverflow', 'sOverflow', 'noPoint', 'otherParity', 'otherHash']);
      const item = { ...base, kind };
      const rs = base.signature.subarray(0, 64);
      const v = base.signature[64];
      const otherV = v - base.recovery + (base.recovery ^ 1); // the other parity, same base (0 or 27)
      // `strict`/`laxKey`: status and key by default; `lax`/`laxKey` with allow_high_s.
      item.strict = item.lax = 'ITEM_OK';
      item.laxKey = base.publicKey;
      switch (kind) {
        case 'ok':
          break;
        case 'v': {
          const bad = rng.pick([2, 3, 4, 26, 29, 30, 35, 37, 255]);
          item.signature = Buffer.concat([rs, Buffer.from([bad])]);
          item.strict = item.lax = 'ITEM_INVALID_RECOVERY_ID';
          break;
        }
        case 'highS': {
          // (r, n - s) with the other parity recovers the same key.
          item.signature = Buffer.concat([compact(base.r, N - base.s), Buffer.from([otherV])]);
          item.strict = 'ITEM_HIGH_S';
          break;
        }
        case 'rOverflow':
          item.signature = Buffer.concat([compact(N + BigInt(rng.int(0, 3)), base.s), Buffer.from([v])]);
          item.strict = item.lax = 'ITEM_MALFORMED_SIGNATURE';
          break;
        case 'sOverflow':
          item.signature = Buffer.concat([compact(base.r, N + BigInt(rng.int(0, 3))), Buffer.from([v])]);
          item.strict = item.lax = 'ITEM_MALFORMED_SIGNATURE';
          break;
        case 'noPoint': {
          // An r below n that is the x coordinate of no curve point.
          let r;
          do r = bytesToBigInt(rng.bytes(32)); while (r === 0n || r >= N || nobleRecover(base.hash, r, base.s, 0) !== null);
          item.signature = Buffer.concat([compact(r, base.s), Buffer.from([v])]);
          item.strict = item.lax = 'ITEM_RECOVERY_FAILED';
          break;
        }
        case 'otherParity':
          // A well-formed signature recovers some key, just not the signer's.
          item.signature = Buffer.concat([rs, Buffer.from([otherV])]);
          item.laxKey = nobleRecover(base.hash, base.r, base.s, base.recovery ^ 1);
          break;
        case 'otherHash':
          item.hash = rng.flipBit(base.hash).bytes;
          item.laxKey = nobleRecover(item.hash, base.r, base.s, base.recovery);
          break;
      }
      if (item.strict === 'ITEM_OK') assert.ok(item.laxKey !== null, `noble recovers ${kind}`);
      items.push(item);
    }
    assertRecovered(await recover(items), items, (it) => it.strict, (it) => it.laxKey);
    assertRecovered(await recover(items, true), items, (it) => it.lax, (it) => it.laxKey);
  });
});
