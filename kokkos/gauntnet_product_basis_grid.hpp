// The product basis (gauntnet_product_basis.hpp) on the exact sphere grid (Gauss-Legendre in
// cosθ × uniform φ, exact for degree ν_max L; GauntNetParameters::grid_*). Per grid point x_p the
// factor values are
//   S_l(x_p) = Σ_m Ã_{a,lm,k} Y_lm(x_p),   F^f(x_p) = Σ_l w^f_{s,l,k} S_l(x_p),
// so each point costs O(M + F (L+1)) per channel. Reverse, with B̄^ν given:
//   F̄^f(x_p) = w_p B̄^ν Π_{ξ'≠ξ} F^{f(ν,ξ')}(x_p),   S̄_l = Σ_f w^f_{s,l,k} F̄^f,
//   Ã̄_{a,lm,k} = Σ_p S̄_{l}(x_p) Y_lm(x_p).
#pragma once

#include <Kokkos_Core.hpp>

#include "gauntnet_atomic_basis.hpp"

namespace gaunt::detail {

// AtomTeams (gauntnet_atomic_basis.hpp) with the per-channel intermediates in team scratch,
// [row][k]:  S [(L+1)][K]  S_l(x_p),   F [F][K]  F^f(x_p),   acc [ν_max][K]  B or B̄ of the atom.
template <class ExecutionSpace>
struct ProductBasisTeams : AtomTeams<ExecutionSpace> {
  using typename AtomTeams<ExecutionSpace>::Member;
  using typename AtomTeams<ExecutionSpace>::Scratch;
  static constexpr int kRows = (kMaxEngineLmax + 1) + 2 * kMaxFactors + kMaxNuMax;

  // The team's scratch cut into its row blocks (acc holds B in the forward pass, B̄ in the reverse).
  struct Rows {
    Scratch all;
    template <int Level>
    KOKKOS_INLINE_FUNCTION Rows(const Member& team, std::integral_constant<int, Level>,
                                int channels)
        : all(team.team_scratch(Level), kRows, channels) {}
    KOKKOS_INLINE_FUNCTION auto block(int begin, int n) const {
      return Kokkos::subview(all, Kokkos::pair<int, int>(begin, begin + n), Kokkos::ALL);
    }
    template <class Params>
    KOKKOS_INLINE_FUNCTION auto S(const Params& p) const {
      return block(0, p.lmax + 1);
    }
    template <class Params>
    KOKKOS_INLINE_FUNCTION auto F(const Params& p) const {
      return block(kMaxEngineLmax + 1, p.n_factors);
    }
    template <class Params>
    KOKKOS_INLINE_FUNCTION auto F_adj(const Params& p) const {
      return block(kMaxEngineLmax + 1 + kMaxFactors, p.n_factors);
    }
    template <class Params>
    KOKKOS_INLINE_FUNCTION auto acc(const Params& p) const {
      return block(kMaxEngineLmax + 1 + 2 * kMaxFactors, p.nu_max);
    }
  };
};

// S_l(x_p) = Σ_m Ã_{a,lm,k} Y_lm(x_p) and F^f(x_p) = Σ_l w^f_{s,l,k} S_l(x_p) for all k, each
// as a channel loop innermost (contiguous in k: vectorised).
template <class Member, class Params, class Features, class Scratch>
KOKKOS_INLINE_FUNCTION void factor_values(const Member& team, const Params& p,
                                          const Features& A_mixed, int a, int s, int point,
                                          const Scratch& S, const Scratch& F) {
  const int K = p.channels;
  for (int l = 0; l <= p.lmax; ++l) {
    const double* y = &p.grid_sh(point, l * l);
    const double* A = &A_mixed(a, l * l, 0);
    double* S_l = &S(l, 0);
    Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K),
                         [&](const int k) { S_l[k] = A[k] * y[0]; });
    for (int i = 1; i <= 2 * l; ++i) {
      Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K),
                           [&](const int k) { S_l[k] += A[i * K + k] * y[i]; });
    }
  }
  for (int f = 0; f < p.n_factors; ++f) {
    double* F_f = &F(f, 0);
    for (int l = 0; l <= p.lmax; ++l) {
      const double* w = &p.factor_weights(f, s, l, 0);
      const double* S_l = &S(l, 0);
      Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K),
                           [&](const int k) { F_f[k] = (l == 0 ? 0.0 : F_f[k]) + w[k] * S_l[k]; });
    }
  }
}

template <int Level, class ExecutionSpace, class MemorySpace>
void forward_product_basis_grid(const ExecutionSpace& space,
                                const GauntNetParameters<MemorySpace>& p,
                                const GauntNetGraph<MemorySpace>& graph, const AtomChunk& chunk,
                                const AtomFeatures<MemorySpace>& A_mixed,
                                const AtomInvariants<MemorySpace>& B) {
  using Teams = ProductBasisTeams<ExecutionSpace>;
  const auto species = graph.species;
  const int K = p.channels, first = chunk.first;
  Kokkos::parallel_for(
      "gaunt::ProductBasis::forward", Teams::policy(space, chunk.n_atoms, K, Teams::kRows, Level),
      KOKKOS_LAMBDA(const typename Teams::Member& team) {
        const int a = team.league_rank();
        const int s = species(first + a);
        const typename Teams::Rows rows(team, std::integral_constant<int, Level>(), K);
        const auto S = rows.S(p), F = rows.F(p), acc = rows.acc(p);
        Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K), [&](const int k) {
          for (int nu = 0; nu < p.nu_max; ++nu) acc(nu, k) = 0.0;
        });
        for (int point = 0; s >= 0 && point < p.n_points; ++point) {
          factor_values(team, p, A_mixed, a, s, point, S, F);
          const double weight = p.grid_weight(point);
          Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K), [&](const int k) {
            for (int nu = 1, offset = 0; nu <= p.nu_max; offset += nu, ++nu) {
              double prod = weight;
              for (int xi = 0; xi < nu; ++xi) prod *= F(offset + xi, k);
              acc(nu - 1, k) += prod;
            }
          });
        }
        Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K), [&](const int k) {
          for (int nu = 1; nu <= p.nu_max; ++nu) B(a, (nu - 1) * K + k) = acc(nu - 1, k);
        });
      });
}

template <int Level, class ExecutionSpace, class MemorySpace>
void reverse_product_basis_grid(const ExecutionSpace& space,
                                const GauntNetParameters<MemorySpace>& p,
                                const GauntNetGraph<MemorySpace>& graph, const AtomChunk& chunk,
                                const AtomFeatures<MemorySpace>& A_mixed,
                                const AtomInvariants<MemorySpace>& B_adj,
                                const AtomFeatures<MemorySpace>& A_mixed_adj) {
  using Teams = ProductBasisTeams<ExecutionSpace>;
  const auto species = graph.species;
  const int K = p.channels, first = chunk.first;
  Kokkos::parallel_for(
      "gaunt::ProductBasis::reverse", Teams::policy(space, chunk.n_atoms, K, Teams::kRows, Level),
      KOKKOS_LAMBDA(const typename Teams::Member& team) {
        const int a = team.league_rank();
        const int s = species(first + a);
        const typename Teams::Rows rows(team, std::integral_constant<int, Level>(), K);
        const auto S = rows.S(p), F = rows.F(p), F_adj = rows.F_adj(p), B_bar = rows.acc(p);
        for (int lm = 0; lm < p.n_sh; ++lm) {
          Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K),
                               [&](const int k) { A_mixed_adj(a, lm, k) = 0.0; });
        }
        if (s < 0) return;
        Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K), [&](const int k) {
          for (int nu = 1; nu <= p.nu_max; ++nu) B_bar(nu - 1, k) = B_adj(a, (nu - 1) * K + k);
        });
        for (int point = 0; point < p.n_points; ++point) {
          factor_values(team, p, A_mixed, a, s, point, S, F);
          const double weight = p.grid_weight(point);
          // F̄^f = w_p B̄^ν Π_{ξ'≠ξ} F^{f(ν,ξ')}
          Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K), [&](const int k) {
            for (int nu = 1, offset = 0; nu <= p.nu_max; offset += nu, ++nu) {
              for (int xi = 0; xi < nu; ++xi) {
                double prod = weight * B_bar(nu - 1, k);
                for (int other = 0; other < nu; ++other) {
                  if (other != xi) prod *= F(offset + other, k);
                }
                F_adj(offset + xi, k) = prod;
              }
            }
          });
          // S̄_l = Σ_f w^f_{s,l,k} F̄^f (into S), then Ã̄_{a,lm,k} += S̄_l Y_lm(x_p).
          for (int l = 0; l <= p.lmax; ++l) {
            double* S_l = &S(l, 0);
            for (int f = 0; f < p.n_factors; ++f) {
              const double* w = &p.factor_weights(f, s, l, 0);
              const double* F_f = &F_adj(f, 0);
              Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K), [&](const int k) {
                S_l[k] = (f == 0 ? 0.0 : S_l[k]) + w[k] * F_f[k];
              });
            }
            const double* y = &p.grid_sh(point, l * l);
            double* A_adj = &A_mixed_adj(a, l * l, 0);
            for (int i = 0; i <= 2 * l; ++i) {
              Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K),
                                   [&](const int k) { A_adj[i * K + k] += S_l[k] * y[i]; });
            }
          }
        }
      });
}

}  // namespace gaunt::detail
