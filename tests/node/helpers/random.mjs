// Replayable randomness for the tests.
//
// Every test file draws from streams derived from one seed: CHAINACCEL_TEST_SEED when
// set, otherwise a fresh random one. The seed is printed at the start of each file, so
// that any failure can be replayed with CHAINACCEL_TEST_SEED=<seed> npm test.
// Each stream is named (for example 'hash/variable'), so that one test's draws do not
// depend on which other tests ran before it.
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';

let cachedSeed = null;

// Returns the seed of this run (a string) and prints it once per process.
export function testSeed(fileLabel) {
  if (cachedSeed === null) {
    const fromEnv = process.env.CHAINACCEL_TEST_SEED;
    cachedSeed = fromEnv && fromEnv.length > 0 ? fromEnv : randomBytes(8).toString('hex');
    console.log(`# ${fileLabel}: CHAINACCEL_TEST_SEED=${cachedSeed}`);
  }
  return cachedSeed;
}

// xoshiro128** (Blackman and Vigna), seeded from SHA-256(seed || '/' || name).
// Not cryptographic; it only has to be fast, well mixed and reproducible.
export class Rng {
  constructor(seed, name) {
    const digest = sha256(new TextEncoder().encode(`${seed}/${name}`));
    const view = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
    this.s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) this.s[i] = view.getUint32(4 * i, true);
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  // A uniform 32-bit unsigned integer.
  u32() {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  // A uniform integer in [lo, hi) (hi - lo at most 2^32).
  int(lo, hi) {
    const span = hi - lo;
    if (!(span > 0 && span <= 2 ** 32)) throw new RangeError(`bad range [${lo}, ${hi})`);
    // Rejection sampling keeps the draw exactly uniform.
    const limit = 2 ** 32 - (2 ** 32 % span);
    for (;;) {
      const x = this.u32();
      if (x < limit) return lo + (x % span);
    }
  }

  bool() {
    return (this.u32() & 1) === 1;
  }

  pick(array) {
    return array[this.int(0, array.length)];
  }

  // n random bytes as a Buffer.
  bytes(n) {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i += 4) {
      const x = this.u32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (x >>> (8 * j)) & 0xff;
    }
    return out;
  }

  // A copy of `bytes` with one random bit flipped, and where it was flipped.
  flipBit(bytes, from = 0, to = bytes.length) {
    const out = Buffer.from(bytes);
    const byte = this.int(from, to);
    out[byte] ^= 1 << this.int(0, 8);
    return { bytes: out, byte };
  }

  // Fisher-Yates, in place.
  shuffle(array) {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      [array[i], array[j]] = [array[j], array[i]];
    }
    return array;
  }
}

function rotl(x, k) {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
