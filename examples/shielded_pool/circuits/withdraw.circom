pragma circom 2.0.0;

// Withdraw: the prover knows a note (nullifier, secret) whose commitment
// Poseidon(nullifier, secret) is a leaf of the tree of root `root`, and
// nullifierHash = Poseidon(nullifier). `recipient` (the field encoding of the address the
// pool pays, docs/shielded_pool.md) takes part in a constraint so that the proof is bound
// to it: changing it invalidates the proof (as in Tornado Cash). Public signals, in this
// order: root, nullifierHash, recipient. Private: nullifier, secret, the leaf's index
// (< 2^depth) and pathElements, the siblings from the leaf up.
include "merkle.circom";

template Withdraw(depth) {
  signal input root;
  signal input nullifierHash;
  signal input recipient;
  signal input nullifier;
  signal input secret;
  signal input index;
  signal input pathElements[depth];

  component commitment = Poseidon(2);
  commitment.inputs[0] <== nullifier;
  commitment.inputs[1] <== secret;

  component spent = Poseidon(1);
  spent.inputs[0] <== nullifier;
  spent.out === nullifierHash;

  component bits = Num2Bits(depth);
  bits.in <== index;
  component tree = MerkleRoot(depth);
  tree.leaf <== commitment.out;
  for (var i = 0; i < depth; i++) {
    tree.pathElements[i] <== pathElements[i];
    tree.pathIndices[i] <== bits.out[i];
  }
  tree.root === root;

  // The recipient in a constraint of the circuit itself. snarkjs's Groth16 binds every
  // public input anyway (its setup adds a row A = 1 per public signal; a proof with the
  // recipient changed fails without this line too), but a backend without those rows
  // would accept a proof for any recipient.
  signal recipientSquare;
  recipientSquare <== recipient * recipient;
}

component main {public [root, nullifierHash, recipient]} = Withdraw(10);
