pragma circom 2.0.0;

// circomlib's Poseidon and MiMC7: h = Poseidon(x), then m = MiMC7 applied twice with the
// public key k (8 rounds each: a short chain that keeps the circuit under 512 rows).
// Public signals: h, m, then k.
include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/mimc.circom";

template HashChain(n) {
  signal input x;
  signal input k;
  signal output h;
  signal output m;
  component poseidon = Poseidon(1);
  poseidon.inputs[0] <== x;
  component mimc[n];
  for (var i = 0; i < n; i++) {
    mimc[i] = MiMC7(8);
    mimc[i].x_in <== i == 0 ? poseidon.out : mimc[i - 1].out;
    mimc[i].k <== k;
  }
  h <== poseidon.out;
  m <== mimc[n - 1].out;
}

component main {public [k]} = HashChain(2);
