// Sparse contraction route (DESIGN.md §3, route 3) and the kernel of the Clebsch-Gordan baseline:
// a chain of pair products over precomputed nonzero coupling lists,
//   z_s[i3] = Σ_{(i1,i2)} Σ_e c_e x_s[i1] y_s[i2],   x_0 = a_0, y_s = a_{s+1}, x_{s+1} = z_s,
// grouped by pair (i1, i2) so that x[i1]·y[i2] is formed once per pair (CSR over pairs).
// Reverse (adjoint) through the same pair loop: with z̄ given, per pair acc = Σ_e c_e z̄[i3],
//   x̄[i1] += acc y[i2],   ȳ[i2] += acc x[i1].
#pragma once

#include <Kokkos_Core.hpp>
#include <vector>

#include "gaunt_features.hpp"
#include "gaunt_tables.hpp"

namespace gaunt {

template <class ExecutionSpace>
class SparseChain {
 public:
  using memory_space = typename ExecutionSpace::memory_space;
  using Features = FeatureView<memory_space>;
  using ConstFeatures = ConstFeatureView<memory_space>;

  // stages[s] couples (degree of x_s) ⊗ (factor s+1) -> degree of z_s; consecutive stages must
  // chain (stages[s].l3max == stages[s+1].l1max). label names the kernels ("gaunt::<label>::...").
  SparseChain(std::vector<PairCouplings> stages, std::string label);

  int n_factors() const { return int(degree_.size()); }
  const std::vector<int>& factor_degrees() const { return degree_; }
  int lout() const { return lout_; }
  long n_couplings() const { return n_entries_; }

  void forward(const ExecutionSpace& space, const std::vector<ConstFeatures>& factors,
               const Features& out) const;
  void reverse(const ExecutionSpace& space, const std::vector<ConstFeatures>& factors,
               const ConstFeatures& out_adj, const std::vector<Features>& factors_adj) const;

  // Device data of the chain (public for the kernel functors).
  struct Tables {
    Kokkos::View<int*, memory_space> pair_i1, pair_i2, pair_offset, out_index;
    Kokkos::View<double*, memory_space> value;
    int stage_pair_begin[kMaxGauntFactors] = {};  // pair range of stage s: [begin[s], begin[s+1])
    int degree_x[kMaxGauntFactors] = {};          // degree of x_s
    int degree_y[kMaxGauntFactors] = {};          // degree of y_s = factor s+1
    int degree_z[kMaxGauntFactors] = {};          // degree of z_s
    int n_stages = 0;
  };

 private:
  std::vector<int> degree_;
  int lout_ = 0;
  long n_entries_ = 0;
  std::string label_;
  Tables tables_;
};

}  // namespace gaunt
