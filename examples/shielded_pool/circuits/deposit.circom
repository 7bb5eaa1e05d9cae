pragma circom 2.0.0;

// Deposit: the leaf at `index` is 0 in the tree of root `oldRoot`, and `commitment` in the
// tree of root `newRoot`, with the same siblings: newRoot is oldRoot with one empty leaf
// filled. `index` < 2^depth (Num2Bits). Public signals, in this order: oldRoot, newRoot,
// index, commitment. Private: pathElements, the siblings from the leaf up.
include "merkle.circom";

template Deposit(depth) {
  signal input oldRoot;
  signal input newRoot;
  signal input index;
  signal input commitment;
  signal input pathElements[depth];

  component bits = Num2Bits(depth);
  bits.in <== index;

  component before = MerkleRoot(depth);
  component after = MerkleRoot(depth);
  before.leaf <== 0;
  after.leaf <== commitment;
  for (var i = 0; i < depth; i++) {
    before.pathElements[i] <== pathElements[i];
    before.pathIndices[i] <== bits.out[i];
    after.pathElements[i] <== pathElements[i];
    after.pathIndices[i] <== bits.out[i];
  }
  before.root === oldRoot;
  after.root === newRoot;
}

component main {public [oldRoot, newRoot, index, commitment]} = Deposit(10);
