// Packing and unpacking of the wire layouts of proto/chainaccel/v1/common.proto
// (ByteBatch) and of the packed result fields (digests, proofs, keys).

// ByteBatch, fixed-size layout: every item must be `itemSize` bytes.
export function fixedBatch(items, itemSize) {
  for (const [i, item] of items.entries()) {
    if (item.length !== itemSize) throw new Error(`item ${i} is ${item.length} bytes, not ${itemSize}`);
  }
  return { data: Buffer.concat(items.map(toBuffer)), item_size: itemSize, offsets: [] };
}

// ByteBatch, variable-size layout: n + 1 offsets from 0 to len(data).
export function variableBatch(items) {
  const offsets = [0];
  for (const item of items) offsets.push(offsets[offsets.length - 1] + item.length);
  return { data: Buffer.concat(items.map(toBuffer)), item_size: 0, offsets };
}

// Items end to end, as the `bytes` fields of fixed width (leaves, hashes, signatures).
export function concat(items) {
  return Buffer.concat(items.map(toBuffer));
}

// Splits a packed field into `size`-byte items; fails when the length does not divide.
export function split(packed, size) {
  if (packed.length % size !== 0) {
    throw new Error(`packed field of ${packed.length} bytes is not a multiple of ${size}`);
  }
  const out = [];
  for (let i = 0; i < packed.length; i += size) out.push(packed.subarray(i, i + size));
  return out;
}

// Splits BuildTreeResponse/VerifyProofsRequest style proofs: proof k is the
// lengths[k] 32-byte hashes that follow the proofs before it.
export function splitProofs(proofHashes, proofLengths) {
  const total = proofLengths.reduce((a, b) => a + b, 0);
  if (total * 32 !== proofHashes.length) {
    throw new Error(`proof_lengths sum to ${total} hashes but proof_hashes has ${proofHashes.length} bytes`);
  }
  const proofs = [];
  let at = 0;
  for (const len of proofLengths) {
    proofs.push(split(proofHashes.subarray(at, at + 32 * len), 32));
    at += 32 * len;
  }
  return proofs;
}

// The inverse of splitProofs.
export function packProofs(proofs) {
  return { proof_hashes: concat(proofs.flat()), proof_lengths: proofs.map((p) => p.length) };
}

export function hex(bytes) {
  return Buffer.from(bytes).toString('hex');
}

export function toBuffer(bytes) {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// Big-endian bytes <-> bigint.
export function bytesToBigInt(bytes) {
  return bytes.length === 0 ? 0n : BigInt(`0x${hex(bytes)}`);
}

export function bigIntToBytes(value, length) {
  const h = value.toString(16).padStart(2 * length, '0');
  if (h.length !== 2 * length) throw new Error(`${value} does not fit in ${length} bytes`);
  return Buffer.from(h, 'hex');
}
