pragma circom 2.0.0;

// The shielded pool's commitment tree (docs/shielded_pool.md): a fixed-depth binary
// Merkle tree whose nodes are circomlib's Poseidon(2) of (left, right) and whose empty
// leaves are 0.
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/switcher.circom";

// The root of the tree holding `leaf` at the position whose bits (least significant
// first: bit i says whether the node at level i is a right child) are `pathIndices`,
// with `pathElements[i]` the sibling at level i. REQUIRES: every pathIndices[i] binary
// (the caller gets them from Num2Bits, which constrains them).
template MerkleRoot(depth) {
  signal input leaf;
  signal input pathElements[depth];
  signal input pathIndices[depth];
  signal output root;

  component order[depth];
  component hash[depth];
  for (var i = 0; i < depth; i++) {
    order[i] = Switcher();
    order[i].sel <== pathIndices[i];
    order[i].L <== i == 0 ? leaf : hash[i - 1].out;
    order[i].R <== pathElements[i];
    hash[i] = Poseidon(2);
    hash[i].inputs[0] <== order[i].outL;
    hash[i].inputs[1] <== order[i].outR;
  }
  root <== hash[depth - 1].out;
}
