// Sphere-grid route (DESIGN.md §3, route 2): synthesis of each factor on a Gauss-Legendre (cosθ)
// × uniform φ grid, pointwise product, weighted analysis to degree Lout. Exact iff
// n_θ ≥ ceil((ΣL_k + Lout + 1)/2) and n_φ ≥ ΣL_k + Lout + 1.
//
// Separable transforms, ring by ring (O(L³) per item and channel, no P×(L+1)² matrix):
//   synthesis on ring j:  g_m = Σ_l Λ_j[l,|m|] a_lm,     f(j,p) = Σ_m T[p,m] g_m
//   analysis on ring j:   h_m = s_j Σ_p T[p,m] f(j,p),  c_lm += Λ_j[l,|m|] h_m
// with Λ_j[l,m] = N_l^m P_l^m(x_j) (× √2 for m > 0), T[p,m] = cos(mφ_p) / sin(|m|φ_p), s_j the
// quadrature weight (analysis) or 1 (the adjoint of synthesis). Both symmetries of the grid halve
// the work: mirror rings x_{n-1-j} = -x_j share one Legendre pass (Λ changes by (-1)^{l+m}) and
// mirror points φ_{n-p} = 2π - φ_p share one trigonometric pass (cos even, sin odd). Adjoints (S
// synthesis, w weights): f = Sᵀa -> ā = S f̄;  g = Π f_k -> f̄_k = ḡ Π_{i≠k} f_i;  c = S(w⊙g) -> ḡ =
// w⊙(Sᵀc̄).
#pragma once

#include <Kokkos_Core.hpp>
#include <vector>

#include "gaunt_features.hpp"

namespace gaunt {

template <class ExecutionSpace>
class GridProduct {
 public:
  using memory_space = typename ExecutionSpace::memory_space;
  using Features = FeatureView<memory_space>;
  using ConstFeatures = ConstFeatureView<memory_space>;

  // n_theta, n_phi ≤ 0: the minimal exact sizes.
  GridProduct(std::vector<int> factor_degrees, int lout, int n_theta = 0, int n_phi = 0);

  int n_theta() const { return tables_.n_theta; }
  int n_phi() const { return tables_.n_phi; }

  void forward(const ExecutionSpace& space, const std::vector<ConstFeatures>& factors,
               const Features& out) const;
  void reverse(const ExecutionSpace& space, const std::vector<ConstFeatures>& factors,
               const ConstFeatures& out_adj, const std::vector<Features>& factors_adj) const;

  struct Tables {
    Kokkos::View<double*, memory_space> legendre;  // [j][tri_index(l, m)]
    Kokkos::View<double*, memory_space> trig;      // [p][m + lmax]
    Kokkos::View<double*, memory_space> weight;    // [j]
    int lmax = 0, n_theta = 0, n_phi = 0, n_factors = 0, lout = 0;
    int degree[kMaxGauntFactors] = {};
  };

 private:
  std::vector<int> degree_;
  Tables tables_;
};

}  // namespace gaunt
