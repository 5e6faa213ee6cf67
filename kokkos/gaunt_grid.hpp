// Sphere-grid route (DESIGN.md §3, route 2): synthesis of each factor on a Gauss-Legendre (cosθ)
// × uniform φ grid, pointwise product, weighted analysis to degree Lout. Exact iff
// n_θ ≥ ceil((ΣL_k + Lout + 1)/2) and n_φ ≥ ΣL_k + Lout + 1; by default the smallest exact n_θ
// and the smallest exact even n_φ (one point more when the minimum is odd; it halves the φ work).
//
// Separable transforms (O(L³) per item and channel, no P×(L+1)² matrix). With
// Λ_j[l,m] = N_l^m P_l^m(x_j) (× √2 for m > 0) and g_m the Fourier coefficients of ring j
// (cos mφ for m ≥ 0, sin |m|φ for m < 0):
//   synthesis:  g_m(j) = Σ_l Λ_j[l,|m|] a_lm,   f(j, φ_p) = Σ_m g_m(j) trig(mφ_p)
//   analysis:   h_m(j) = s_j Σ_p trig(mφ_p) f(j, φ_p),   c_lm = Σ_j Λ_j[l,|m|] h_m(j)
// (s_j the quadrature weight). Both symmetries of the grid cut the work:
//   θ: mirror rings x_{n-1-j} = -x_j share one Legendre pass (Λ changes by (-1)^{l+m});
//   φ: the points φ, -φ (and, for even n_φ, φ + π, π - φ) form one orbit. With C±, S± the cos /
//      sin sums over even m ± odd m at φ, the orbit's values are C+ ± S+ (and C- ± S-): four
//      sums at one representative give 2 (4) points. The analysis is the exact transpose: the
//      orbit's values fold back into the four sums, then one pass over the representatives
//      (an orbit that lists a point twice, φ = 0 or π/2, weighted 1/2).
// Two factors, forward, default grid: the product on each ring is formed on the ring's Fourier
// series instead of the φ points (g1 g2 is a trigonometric polynomial of degree L1 + L2; each
// pair of orders m, n adds four products to the orders m + n and |m - n|, from
// cos mφ cos nφ = ½[cos(m+n)φ + cos(m-n)φ] and companions), then h_m = s_j (n_φ/2) (g1 g2)_m
// (n_φ for m = 0): the same h as on the φ points, exact for any n_φ. ~1050 flops per ring at
// L = 8 -> 16 against ~1460 for synthesis, product and analysis on the orbits; measured
// 1.3-1.6× faster forward (L = 8 down to 2). An explicit n_φ, ν > 2 and every reverse pass use
// the φ points.
// Ring Fourier series are stored by order (cos mφ, sin mφ for m = 0..L), so each group of orders
// below is every fourth row.
// Every stage is a small dense product with the channels innermost (registers hold a few rows
// × W channels). Per unit (one item × a block of W channels), in contiguous per-thread scratch:
// the factors are copied in m-major (for each m, l = |m|..L), the Legendre synthesis runs for all
// ring pairs, then ring pair by ring pair the φ synthesis, product and φ analysis, and last the
// Legendre analysis over all rings, whose result is written out once. Adjoints (S synthesis,
// w weights): f = Sᵀa -> ā = S f̄;  g = Π f_k -> f̄_k = ḡ Π_{i≠k} f_i;  c = S(w⊙g) -> ḡ = w⊙(Sᵀc̄).
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

  // n_theta, n_phi ≤ 0: the minimal exact n_theta and the minimal exact even n_phi; with n_phi ≤ 0
  // the forward product of two factors needs no φ points at all (ring Fourier series).
  GridProduct(std::vector<int> factor_degrees, int lout, int n_theta = 0, int n_phi = 0);

  int n_theta() const { return tables_.n_theta; }
  int n_phi() const { return tables_.n_phi; }
  // Whether forward multiplies on the rings' Fourier series (two factors, default grid) rather
  // than on the φ points.
  bool phi_by_series() const { return tables_.phi_series; }

  void forward(const ExecutionSpace& space, const std::vector<ConstFeatures>& factors,
               const Features& out) const;
  void reverse(const ExecutionSpace& space, const std::vector<ConstFeatures>& factors,
               const ConstFeatures& out_adj, const std::vector<Features>& factors_adj) const;

  struct Tables {
    // Λ_j[l,m] per (m, parity of l - m) block: synthesis [j][l], analysis [l][j].
    Kokkos::View<double*, memory_space> legendre_synthesis, legendre_analysis;
    // cos / sin(m φ_r) per group of orders: synthesis [r][m], analysis [m][r] × orbit weight.
    Kokkos::View<double*, memory_space> trig_synthesis, trig_analysis;
    Kokkos::View<double*, memory_space> weight;  // [pair j]
    int lmax = 0, n_theta = 0, n_pairs = 0, n_phi = 0, n_reps = 0, n_factors = 0, lout = 0;
    bool shift = false;       // n_phi even: orbits of 4 points (φ, -φ, φ + π, π - φ)
    bool phi_series = false;  // forward of two factors: φ product on the ring Fourier series
    int degree[kMaxGauntFactors] = {};
  };

 private:
  std::vector<int> degree_;
  Tables tables_;
};

}  // namespace gaunt
