// Float64 tables built once on the host at set-up and shared by every module of the engine:
// spherical-harmonic prefactors and Gauss-Legendre quadrature (DESIGN.md §3).
#pragma once

#include <vector>

namespace gaunt {

// Prefactor of Y_lm at index tri_index(l, |m|): N_l^m = sqrt((2l+1)/(4π) (l-m)!/(l+m)!),
// times √2 for m > 0 (the Φ_m normalisation of DESIGN.md §3).
std::vector<double> sh_prefactors(int lmax);

// Gauss-Legendre nodes x_k (ascending) and weights w_k on [-1, 1]; exact for polynomials of
// degree ≤ 2n-1. Newton iteration on the three-term recurrence, to full double precision.
struct GaussLegendre {
  std::vector<double> nodes;
  std::vector<double> weights;
};
GaussLegendre gauss_legendre(int n);

}  // namespace gaunt
