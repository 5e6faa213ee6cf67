// Full real Clebsch-Gordan tensor product — the honest baseline of the Gaunt routes (DESIGN.md
// §3, §8): every path l1 ⊗ l2 -> l3 with |l1-l2| ≤ l3 ≤ min(l1+l2, Lout), parity-even and
// parity-odd, channel-wise ("uuu"), each path weighted and summed into the output degree l3:
//   out_{l3 m3} = Σ_{l1 l2} w(l1,l2,l3) Σ_{m1 m2} C^{l3 m3}_{l1 m1, l2 m2} a_{l1 m1} b_{l2 m2},
//   C = sqrt(2l3+1) W(l1 l2 l3)[m1][m2][m3] (real Wigner 3j, gaunt_tables.hpp, float64).
// Production-style: sparse nonzero list precomputed once, grouped by (i1, i2) pairs so each
// product a·b is formed once, channels vectorised — the same kernel as the sparse Gaunt route
// (gaunt_sparse.hpp), so the comparison measures the coupling counts, not the code quality.
// With w = κ(l1,l2,l3)/sqrt(2l3+1) on parity-even paths and 0 on odd ones it equals the Gaunt
// product (G = κ W).
#pragma once

#include <Kokkos_Core.hpp>
#include <functional>
#include <memory>
#include <vector>

#include "gaunt_features.hpp"

namespace gaunt {

template <class ExecutionSpace>
class SparseChain;

template <class ExecutionSpace = Kokkos::DefaultExecutionSpace>
class ClebschGordanProduct {
 public:
  using memory_space = typename ExecutionSpace::memory_space;
  using Features = FeatureView<memory_space>;
  using ConstFeatures = ConstFeatureView<memory_space>;
  using PathWeights = std::function<double(int l1, int l2, int l3)>;

  // path_weight empty: w = 1 on every path.
  ClebschGordanProduct(int l1, int l2, int lout, const PathWeights& path_weight = {});
  ~ClebschGordanProduct();

  long n_couplings() const;
  void forward(const ConstFeatures& a, const ConstFeatures& b, const Features& out) const;
  void reverse(const ConstFeatures& a, const ConstFeatures& b, const ConstFeatures& out_adj,
               const Features& a_adj, const Features& b_adj) const;

 private:
  std::unique_ptr<SparseChain<ExecutionSpace>> chain_;
};

}  // namespace gaunt
