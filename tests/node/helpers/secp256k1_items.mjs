// secp256k1 helpers shared by the ECDSA, Schnorr and recovery tests.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bigIntToBytes } from './batch.mjs';

export const N = secp256k1.Point.Fn.ORDER;
export const P = secp256k1.Point.Fp.ORDER;

// A valid secret key (1 <= k < n) drawn from `rng`.
export function secretKey(rng) {
  for (;;) {
    const sk = rng.bytes(32);
    if (secp256k1.utils.isValidSecretKey(sk)) return sk;
  }
}

// 64-byte r || s of arbitrary 256-bit integers.
export function compact(r, s) {
  return Buffer.concat([bigIntToBytes(r, 32), bigIntToBytes(s, 32)]);
}

// Strict DER SEQUENCE { INTEGER r, INTEGER s } of arbitrary non-negative integers,
// built by hand (noble refuses r or s >= n).
export function der(r, s) {
  const integer = (v) => {
    let b = bigIntToBytes(v, 32);
    while (b.length > 1 && b[0] === 0 && b[1] < 0x80) b = b.subarray(1);
    if (b[0] >= 0x80) b = Buffer.concat([Buffer.from([0]), b]);
    return Buffer.concat([Buffer.from([0x02, b.length]), b]);
  };
  const body = Buffer.concat([integer(r), integer(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

// True when noble parses `bytes` as a public key (33-byte compressed or 65-byte 0x04).
export function decodesAsKey(bytes) {
  try {
    secp256k1.Point.fromBytes(bytes);
    return true;
  } catch {
    return false;
  }
}
