pragma circom 2.0.0;

// The off-chain reference of the pool's hashes: not proved, only run (its witness
// calculator computes the values the client needs: notes and tree nodes).
// Outputs: h2 = Poseidon(a, b) (a commitment, with a = nullifier and b = secret; a tree
// node, with a = left and b = right) and h1 = Poseidon(a) (a nullifier hash).
include "circomlib/circuits/poseidon.circom";

template Hasher() {
  signal input a;
  signal input b;
  signal output h2;
  signal output h1;
  component two = Poseidon(2);
  two.inputs[0] <== a;
  two.inputs[1] <== b;
  h2 <== two.out;
  component one = Poseidon(1);
  one.inputs[0] <== a;
  h1 <== one.out;
}

component main = Hasher();
