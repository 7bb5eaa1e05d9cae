pragma circom 2.0.0;

// Hand-written: c = a·b with a range of signals of each kind (two public inputs, one
// private input, two outputs), 4 constraints. Public signals, in snarkjs's order: the
// outputs c and d, then the public inputs a and k.
template Multiplier() {
  signal input a;   // public
  signal input b;   // private
  signal input k;   // public
  signal output c;
  signal output d;
  signal ab;
  ab <== a * b;
  c <== ab * b;
  signal kk;
  kk <== k * k;
  d <== kk * a + ab;
}

component main {public [a, k]} = Multiplier();
