// Float64 host tables for the Gaunt products (DESIGN.md §3), built once at set-up with stable
// recurrences: the sphere grid (Gauss-Legendre in cosθ × uniform φ), the 2D-Fourier tables
// y^{lm}_{uv} and z^{lm}_{uv}, the sparse real Gaunt list, Wigner 3j symbols and the real
// coupling tensors of the Clebsch-Gordan baseline. No Kokkos here: plain std::vector, copied to
// device views by the product classes.
//
// Conventions: real orthonormal Y_lm with Condon-Shortley phase, flat index l*l + l + m
// (sh_indexing.hpp), Y_lm(θ,φ) = Θ_l^|m|(θ) Φ_m(φ) with Θ_l^m = N_l^m P_l^m(cosθ),
// Φ_0 = 1, Φ_{m>0} = √2 cos(mφ), Φ_{m<0} = √2 sin(|m|φ).
#pragma once

#include <complex>
#include <vector>

namespace gaunt {

// ---------------------------------------------------------------------------------------------
// Sphere grid. Exact for the product of factors of degrees L_k projected to Lout iff
// n_theta ≥ ceil((ΣL_k + Lout + 1)/2) and n_phi ≥ ΣL_k + Lout + 1.
struct SphereGrid {
  int lmax = 0;                  // largest degree tabulated
  int n_theta = 0;               // Gauss-Legendre rings (nodes x_j = cosθ_j, ascending)
  int n_phi = 0;                 // uniform φ_p = 2πp/n_phi
  std::vector<double> weight;    // [j]: GL weight × 2π/n_phi (the full quadrature weight)
  std::vector<double> legendre;  // [j][tri_index(l, m)], m ≥ 0: N_l^m P_l^m(x_j), × √2 if m > 0
  std::vector<double> trig;      // [p][m + lmax]: cos(mφ_p) (m ≥ 0), sin(|m|φ_p) (m < 0)
  // Y_lm(j, p) = legendre[j][tri(l,|m|)] * trig[p][m + lmax].
};
// Minimal exact sizes for a product of factor degrees ΣL_k (sum_degrees) projected to lout.
int exact_grid_n_theta(int sum_degrees, int lout);
int exact_grid_n_phi(int sum_degrees, int lout);
SphereGrid make_sphere_grid(int lmax, int n_theta, int n_phi);

// ---------------------------------------------------------------------------------------------
// 2D Fourier tables (the paper's route). Θ_l^m(θ) extended to θ ∈ [0, 2π) is a trigonometric
// polynomial of degree l: Θ_l^m(θ) = Σ_{|u|≤l} a^{l,m}_u e^{iuθ}, a^{l,m}_u = i^{-m} × real.
// Computed by sampling Θ on 2·lmax + 2 equispaced θ with the Q_l^m recurrence (no cancellation,
// sin^m θ kept signed) and a DFT in long double.
// Returns a[tri_index(l, m)][u + lmax], u ∈ [-lmax, lmax].
std::vector<std::complex<double>> theta_fourier_coefficients(int lmax);

// I(n) = ∫_0^π e^{inθ} sinθ dθ: 2/(1-n²) (n even), ±iπ/2 (n = ±1), 0 (other odd n).
std::complex<double> sin_weighted_integral(int n);

// Table t[lm][u + umax][s] (s = 0: v = +|m|, s = 1: v = -|m|; for m = 0 only s = 0 is used and
// s = 1 is zero) of complex coefficients mapping SH coefficients to 2D Fourier coefficients
// (synthesis) or back (analysis), for degrees l ≤ lmax and u ∈ [-umax, umax]:
//   synthesis:  y^{lm}_{uv} = a^{l,|m|}_u b^m_v        (umax = lmax suffices)
//   analysis:   z^{lm}_{uv} = 2π b^m_{-v} T^{l,|m|}(u),  T(u) = Σ_k a_k I(u + k)
// with b^0_0 = 1, b^{m>0}_{±m} = 1/√2, b^{m<0}_{|m|} = -i/√2, b^{m<0}_{-|m|} = +i/√2.
std::vector<std::complex<double>> fourier_synthesis_table(int lmax, int umax);
std::vector<std::complex<double>> fourier_analysis_table(int lmax, int umax);

// ---------------------------------------------------------------------------------------------
// Sparse real Gaunt / coupling lists for the pair product out[i3] = Σ c a[i1] b[i2], grouped by
// the pair (i1, i2) so that a production kernel forms a[i1]·b[i2] once per pair.
struct PairCouplings {
  int l1max = 0, l2max = 0, l3max = 0;
  std::vector<int> pair_i1, pair_i2;  // [pair]
  std::vector<int> pair_offset;       // [pair + 1] into out_index / value (CSR)
  std::vector<int> out_index;         // [entry]
  std::vector<double> value;          // [entry]
  int n_entries() const { return int(value.size()); }
};
// Nonzero real Gaunt coefficients G(l1m1, l2m2, l3m3) = ∫ Y Y Y dΩ, l_k ≤ l_kmax, by exact
// quadrature on the sphere grid (selection rules applied first: l1+l2+l3 even, triangle,
// |m3| ∈ {|m1|+|m2|, ||m1|-|m2||}, an even number of negative m).
PairCouplings real_gaunt_couplings(int l1max, int l2max, int l3max);

// Wigner 3j symbol (j1 j2 j3; m1 m2 m3), Racah's formula in long double.
double wigner_3j(int j1, int j2, int j3, int m1, int m2, int m3);

// Real-basis Wigner 3j tensor W(l1 l2 l3)[m1][m2][m3] (orthonormal: Σ W² = 1), from the complex
// symbols and the unitary complex-to-real map U. For l1+l2+l3 even we fix the sign so that the
// real Gaunt coefficient is G = κ W, κ = sqrt((2l1+1)(2l2+1)(2l3+1)/4π) |(l1 l2 l3; 0 0 0)|
// (DESIGN.md §3); for l1+l2+l3 odd (parity-odd paths, Gaunt zero) W = Im(Σ U U U 3j).
// Returns the dense (2l1+1)(2l2+1)(2l3+1) block, index ((m1+l1)(2l2+1) + m2+l2)(2l3+1) + m3+l3.
std::vector<double> real_wigner_3j(int l1, int l2, int l3);

// Couplings of the full real Clebsch-Gordan tensor product: every path l1 ⊗ l2 -> l3 with
// |l1-l2| ≤ l3 ≤ min(l1+l2, l3max) (parity-even and parity-odd), coefficient
// w(l1,l2,l3) sqrt(2l3+1) W(l1 l2 l3)[m1][m2][m3]. path_weight(l1, l2, l3) gives w; nullptr = 1.
using PathWeight = double (*)(int l1, int l2, int l3, const void* context);
PairCouplings clebsch_gordan_couplings(int l1max, int l2max, int l3max,
                                       PathWeight path_weight = nullptr,
                                       const void* context = nullptr);

// κ(l1,l2,l3) = sqrt((2l1+1)(2l2+1)(2l3+1)/4π) |(l1 l2 l3; 0 0 0)|.
double gaunt_kappa(int l1, int l2, int l3);

}  // namespace gaunt
