#include "core/groth16_circuit.h"

namespace chainaccel {
namespace {

template <typename T>
uint64_t VectorBytes(const std::vector<T>& v) {
  return static_cast<uint64_t>(v.capacity()) * sizeof(T);
}

uint64_t RowsBytes(const SparseRows& rows) {
  return VectorBytes(rows.row_offsets) + VectorBytes(rows.columns) + VectorBytes(rows.values);
}

}  // namespace

uint64_t Groth16Circuit::MemoryBytes() const {
  return sizeof(*this) + VectorBytes(a) + VectorBytes(b1) + VectorBytes(b2) + VectorBytes(c) +
         VectorBytes(h) + RowsBytes(qap_a) + RowsBytes(qap_b);
}

double Groth16Circuit::ProofWorkUnits() const {
  const double g1_points = static_cast<double>(a.size() + b1.size() + c.size() + h.size()) /
                           kG1AffineLimbs;
  const double g2_points = static_cast<double>(b2.size()) / kG2AffineLimbs;
  return g1_points + 3.0 * g2_points;
}

}  // namespace chainaccel
