// Stage 4, the Gaunt many-body basis (DESIGN.md §4, MODEL_FILE.md §5), channel-wise, per chunk
// atom a of species s and channel k:
//   c^f_{lm} = w^f_{s,l,k} Ã_{a,lm,k},   F^f(x̂) = Σ_lm c^f_lm Y_lm(x̂),  f = ν(ν−1)/2 + ξ − 1,
//   B^ν_{a,k} = ∫_{S²} Π_{ξ=1..ν} F^{f(ν,ξ)}(x̂) dΩ,   stored at B(a, (ν−1)K + k).
// Route: the exact sphere grid (Gauss-Legendre in cosθ × uniform φ, exact for degree ν_max L;
// GauntNetParameters::grid_*). Per grid point x_p the factor values are
//   S_l(x_p) = Σ_m Ã_{a,lm,k} Y_lm(x_p),   F^f(x_p) = Σ_l w^f_{s,l,k} S_l(x_p),
// so each point costs O(M + F (L+1)). Reverse, with B̄^ν given:
//   F̄^f(x_p) = w_p B̄^ν Π_{ξ'≠ξ} F^{f(ν,ξ')}(x_p),   S̄_l = Σ_f w^f_{s,l,k} F̄^f,
//   Ã̄_{a,lm,k} = Σ_p S̄_{l}(x_p) Y_lm(x_p).
#pragma once

#include <Kokkos_Core.hpp>

#include "gauntnet_atomic_basis.hpp"

namespace gaunt {

// Per-atom invariants [atom][Q] (B and B_adj).
template <class MemorySpace>
using AtomInvariants = Kokkos::View<double**, Kokkos::LayoutRight, MemorySpace>;

namespace detail {

// Factor values F^f(x_p) of one (atom, channel) at grid point `point`.
template <class Params, class Features>
KOKKOS_INLINE_FUNCTION void factor_values(const Params& p, const Features& A_mixed, int a, int k,
                                          int point, const double (*w)[kMaxEngineLmax + 1],
                                          double* S, double* F) {
  for (int l = 0; l <= p.lmax; ++l) {
    double sum = 0.0;
    for (int m = -l; m <= l; ++m) {
      const int lm = l * l + l + m;
      sum += A_mixed(a, lm, k) * p.grid_sh(point, lm);
    }
    S[l] = sum;
  }
  for (int f = 0; f < p.n_factors; ++f) {
    double sum = 0.0;
    for (int l = 0; l <= p.lmax; ++l) sum += w[f][l] * S[l];
    F[f] = sum;
  }
}

template <class Params>
KOKKOS_INLINE_FUNCTION void load_factor_weights(const Params& p, int s, int k,
                                                double (*w)[kMaxEngineLmax + 1]) {
  for (int f = 0; f < p.n_factors; ++f)
    for (int l = 0; l <= p.lmax; ++l) w[f][l] = p.factor_weights(f, s, l, k);
}

}  // namespace detail

template <class ExecutionSpace, class MemorySpace>
void forward_product_basis(const ExecutionSpace& space, const GauntNetParameters<MemorySpace>& p,
                           const GauntNetGraph<MemorySpace>& graph, const AtomChunk& chunk,
                           const AtomFeatures<MemorySpace>& A_mixed,
                           const AtomInvariants<MemorySpace>& B) {
  const auto species = graph.species;
  const int K = p.channels, first = chunk.first;
  Kokkos::parallel_for(
      "gaunt::ProductBasis::forward",
      Kokkos::RangePolicy<ExecutionSpace>(space, 0, chunk.n_atoms * K),
      KOKKOS_LAMBDA(const int idx) {
        const int a = idx / K, k = idx % K;
        const int s = species(first + a);
        double acc[kMaxNuMax] = {};
        if (s >= 0) {
          double w[kMaxFactors][kMaxEngineLmax + 1], S[kMaxEngineLmax + 1], F[kMaxFactors];
          detail::load_factor_weights(p, s, k, w);
          for (int point = 0; point < p.n_points; ++point) {
            detail::factor_values(p, A_mixed, a, k, point, w, S, F);
            const double weight = p.grid_weight(point);
            for (int nu = 1, offset = 0; nu <= p.nu_max; offset += nu, ++nu) {
              double prod = weight;
              for (int xi = 0; xi < nu; ++xi) prod *= F[offset + xi];
              acc[nu - 1] += prod;
            }
          }
        }
        for (int nu = 1; nu <= p.nu_max; ++nu) B(a, (nu - 1) * K + k) = acc[nu - 1];
      });
}

template <class ExecutionSpace, class MemorySpace>
void reverse_product_basis(const ExecutionSpace& space, const GauntNetParameters<MemorySpace>& p,
                           const GauntNetGraph<MemorySpace>& graph, const AtomChunk& chunk,
                           const AtomFeatures<MemorySpace>& A_mixed,
                           const AtomInvariants<MemorySpace>& B_adj,
                           const AtomFeatures<MemorySpace>& A_mixed_adj) {
  const auto species = graph.species;
  const int K = p.channels, first = chunk.first;
  Kokkos::parallel_for(
      "gaunt::ProductBasis::reverse",
      Kokkos::RangePolicy<ExecutionSpace>(space, 0, chunk.n_atoms * K),
      KOKKOS_LAMBDA(const int idx) {
        const int a = idx / K, k = idx % K;
        const int s = species(first + a);
        for (int lm = 0; lm < p.n_sh; ++lm) A_mixed_adj(a, lm, k) = 0.0;
        if (s < 0) return;
        double w[kMaxFactors][kMaxEngineLmax + 1], S[kMaxEngineLmax + 1], F[kMaxFactors];
        double F_adj[kMaxFactors], B_bar[kMaxNuMax];
        detail::load_factor_weights(p, s, k, w);
        for (int nu = 1; nu <= p.nu_max; ++nu) B_bar[nu - 1] = B_adj(a, (nu - 1) * K + k);
        for (int point = 0; point < p.n_points; ++point) {
          detail::factor_values(p, A_mixed, a, k, point, w, S, F);
          const double weight = p.grid_weight(point);
          for (int nu = 1, offset = 0; nu <= p.nu_max; offset += nu, ++nu) {
            for (int xi = 0; xi < nu; ++xi) {
              double prod = weight * B_bar[nu - 1];
              for (int other = 0; other < nu; ++other) {
                if (other != xi) prod *= F[offset + other];
              }
              F_adj[offset + xi] = prod;
            }
          }
          for (int l = 0; l <= p.lmax; ++l) {
            double S_adj = 0.0;
            for (int f = 0; f < p.n_factors; ++f) S_adj += w[f][l] * F_adj[f];
            for (int m = -l; m <= l; ++m) {
              const int lm = l * l + l + m;
              A_mixed_adj(a, lm, k) += S_adj * p.grid_sh(point, lm);
            }
          }
        }
      });
}

}  // namespace gaunt
