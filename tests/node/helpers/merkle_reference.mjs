// Straightforward reference constructions of the BITCOIN and RFC6962 Merkle schemes of
// proto/chainaccel/v1/merkle.proto, written from their specifications and kept
// deliberately naive. (OZ_KECCAK_SORTED is checked against @openzeppelin/merkle-tree.)
import { sha256 } from '@noble/hashes/sha2.js';
import { concat } from './batch.mjs';

export function sha256d(bytes) {
  return Buffer.from(sha256(sha256(bytes)));
}

// ---- Bitcoin --------------------------------------------------------------------
// node = SHA256D(left || right); a level with an odd number of nodes duplicates its
// last node; the root of one leaf is that leaf.

// All levels, leaves first, root last. REQUIRES: at least one leaf.
export function bitcoinLevels(leaves) {
  if (leaves.length === 0) throw new Error('a Bitcoin tree needs a leaf');
  const levels = [leaves.map((l) => Buffer.from(l))];
  while (levels[levels.length - 1].length > 1) {
    const level = levels[levels.length - 1];
    const next = [];
    for (let i = 0; i < level.length; i += 2) {
      const right = i + 1 < level.length ? level[i + 1] : level[i];
      next.push(sha256d(concat([level[i], right])));
    }
    levels.push(next);
  }
  return levels;
}

export function bitcoinRoot(levels) {
  return levels[levels.length - 1][0];
}

// The sibling on each level, bottom up; the node itself where it was duplicated.
export function bitcoinProof(levels, index) {
  const proof = [];
  for (let depth = 0; depth + 1 < levels.length; depth++) {
    const level = levels[depth];
    const sibling = index ^ 1;
    proof.push(sibling < level.length ? level[sibling] : level[index]);
    index >>= 1;
  }
  return proof;
}

// ---- RFC 6962 --------------------------------------------------------------------
// RFC 6962 section 2.1: MTH({}) = SHA-256(), MTH({d0}) = SHA-256(0x00 || d0),
// MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])) with k the largest power of
// two smaller than n. The functions below take leaf hashes, so MTH of one leaf hash is
// that hash.

export function rfc6962LeafHash(entry) {
  return Buffer.from(sha256(concat([Buffer.from([0x00]), entry])));
}

export function rfc6962NodeHash(left, right) {
  return Buffer.from(sha256(concat([Buffer.from([0x01]), left, right])));
}

function largestPowerOfTwoBelow(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// MTH over leaf hashes D[lo:hi], memoised per range (audit paths reuse subtrees).
export class Rfc6962Tree {
  constructor(leafHashes) {
    this.leaves = leafHashes.map((l) => Buffer.from(l));
    this.memo = new Map();
  }

  get size() {
    return this.leaves.length;
  }

  root() {
    return this.mth(0, this.leaves.length);
  }

  mth(lo, hi) {
    const n = hi - lo;
    if (n === 0) return Buffer.from(sha256(new Uint8Array(0)));
    if (n === 1) return this.leaves[lo];
    const key = `${lo}:${hi}`;
    let hash = this.memo.get(key);
    if (hash === undefined) {
      const k = largestPowerOfTwoBelow(n);
      hash = rfc6962NodeHash(this.mth(lo, lo + k), this.mth(lo + k, hi));
      this.memo.set(key, hash);
    }
    return hash;
  }

  // RFC 6962 section 2.1.1: PATH(m, D[n]), which lists the deepest sibling first.
  path(m, lo = 0, hi = this.leaves.length) {
    const n = hi - lo;
    if (n <= 1) return [];
    const k = largestPowerOfTwoBelow(n);
    if (m < k) return [...this.path(m, lo, lo + k), this.mth(lo + k, hi)];
    return [...this.path(m - k, lo + k, hi), this.mth(lo, lo + k)];
  }
}
