// The product basis (gauntnet_product_basis.hpp) as sums over the sorted index tuples of Ã
// (invariant_tuples.hpp), per chunk atom a of species s and channel k:
//   B^ν_{a,k} = Σ_{t of order ν} c_t P_{s,λ(t),k} Π_{i∈t} Ã_{a,i,k},
// ν multiplies per tuple entry. Reverse, with B̄^ν given, each entry adds to its ν indices
//   Ã̄_{a,i_ξ,k} += B̄^ν_{a,k} c_t P_{s,λ(t),k} Π_{ξ'≠ξ} Ã_{a,i_ξ',k}
// (prefix and suffix products; a repeated index receives one term per position, as the
// derivative of a power does). AtomTeams (gauntnet_atomic_basis.hpp); the forward's sums
// B^ν_{a,k} live in team scratch [ν][k].
#pragma once

#include <Kokkos_Core.hpp>
#include <type_traits>

#include "gauntnet_atomic_basis.hpp"

namespace gaunt::detail {

// Entries of order Nu: B^Nu_{a,k} += c_t P_{s,λ,k} Π Ã_{a,i,k} into sum[k].
template <int Nu, class Member, class Params, class Features>
KOKKOS_INLINE_FUNCTION void tuple_sums(const Member& team, const Params& p, const Features& A,
                                       int a, int s, double* sum) {
  for (int t = p.tuple_begin[Nu - 1]; t < p.tuple_begin[Nu]; ++t) {
    const double c = p.tuple_coefficient(t);
    const double* permanent = &p.degree_permanent(s, p.tuple_degrees(t), 0);
    const double* row[Nu];
    for (int xi = 0; xi < Nu; ++xi) row[xi] = &A(a, p.tuple_index(t, xi), 0);
    Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, p.channels), [&](const int k) {
      double prod = c * permanent[k];
      for (int xi = 0; xi < Nu; ++xi) prod *= row[xi][k];
      sum[k] += prod;
    });
  }
}

// Entries of order Nu: Ã̄_{a,i_ξ,k} += b̄[k] c_t P_{s,λ,k} Π_{ξ'≠ξ} Ã_{a,i_ξ',k}.
template <int Nu, class Member, class Params, class Features>
KOKKOS_INLINE_FUNCTION void tuple_adjoints(const Member& team, const Params& p, const Features& A,
                                           const Features& A_adj, int a, int s,
                                           const double* b_bar) {
  for (int t = p.tuple_begin[Nu - 1]; t < p.tuple_begin[Nu]; ++t) {
    const double c = p.tuple_coefficient(t);
    const double* permanent = &p.degree_permanent(s, p.tuple_degrees(t), 0);
    const double* row[Nu];
    double* row_adj[Nu];
    for (int xi = 0; xi < Nu; ++xi) {
      row[xi] = &A(a, p.tuple_index(t, xi), 0);
      row_adj[xi] = &A_adj(a, p.tuple_index(t, xi), 0);
    }
    Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, p.channels), [&](const int k) {
      double prefix[Nu];  // prefix[ξ] = weight Π_{ξ' < ξ} Ã_{i_ξ'}
      prefix[0] = b_bar[k] * c * permanent[k];
      for (int xi = 1; xi < Nu; ++xi) prefix[xi] = prefix[xi - 1] * row[xi - 1][k];
      double suffix = 1.0;  // Π_{ξ' > ξ} Ã_{i_ξ'}
      for (int xi = Nu - 1; xi >= 0; --xi) {
        row_adj[xi][k] += prefix[xi] * suffix;
        suffix *= row[xi][k];
      }
    });
  }
}

// Calls body(std::integral_constant<int, ν>) for ν = 1..nu_max (the tuple loops unrolled per ν).
template <class Body>
KOKKOS_INLINE_FUNCTION void for_each_order(int nu_max, const Body& body) {
  static_assert(kMaxNuMax == 4, "for_each_order covers ν = 1..4");
  if (nu_max >= 1) body(std::integral_constant<int, 1>());
  if (nu_max >= 2) body(std::integral_constant<int, 2>());
  if (nu_max >= 3) body(std::integral_constant<int, 3>());
  if (nu_max >= 4) body(std::integral_constant<int, 4>());
}

template <class ExecutionSpace, class MemorySpace>
void forward_product_basis_tuples(const ExecutionSpace& space,
                                  const GauntNetParameters<MemorySpace>& p,
                                  const GauntNetGraph<MemorySpace>& graph, const AtomChunk& chunk,
                                  const AtomFeatures<MemorySpace>& A_mixed,
                                  const AtomInvariants<MemorySpace>& B) {
  using Teams = AtomTeams<ExecutionSpace>;
  const auto species = graph.species;
  const int K = p.channels, first = chunk.first;
  Kokkos::parallel_for(
      "gaunt::ProductBasis::forward", Teams::policy(space, chunk.n_atoms, K, kMaxNuMax),
      KOKKOS_LAMBDA(const typename Teams::Member& team) {
        const int a = team.league_rank();
        const int s = species(first + a);
        const typename Teams::Scratch sum(team.team_scratch(0), kMaxNuMax, K);
        Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K), [&](const int k) {
          for (int nu = 0; nu < p.nu_max; ++nu) sum(nu, k) = 0.0;
        });
        if (s >= 0) {
          for_each_order(p.nu_max, [&](auto order) {
            constexpr int nu = decltype(order)::value;
            tuple_sums<nu>(team, p, A_mixed, a, s, &sum(nu - 1, 0));
          });
        }
        Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K), [&](const int k) {
          for (int nu = 0; nu < p.nu_max; ++nu) B(a, nu * K + k) = sum(nu, k);
        });
      });
}

template <class ExecutionSpace, class MemorySpace>
void reverse_product_basis_tuples(const ExecutionSpace& space,
                                  const GauntNetParameters<MemorySpace>& p,
                                  const GauntNetGraph<MemorySpace>& graph, const AtomChunk& chunk,
                                  const AtomFeatures<MemorySpace>& A_mixed,
                                  const AtomInvariants<MemorySpace>& B_adj,
                                  const AtomFeatures<MemorySpace>& A_mixed_adj) {
  using Teams = AtomTeams<ExecutionSpace>;
  const auto species = graph.species;
  const int K = p.channels, first = chunk.first;
  Kokkos::parallel_for(
      "gaunt::ProductBasis::reverse", Teams::policy(space, chunk.n_atoms, K, 0),
      KOKKOS_LAMBDA(const typename Teams::Member& team) {
        const int a = team.league_rank();
        const int s = species(first + a);
        for (int lm = 0; lm < p.n_sh; ++lm) {
          Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K),
                               [&](const int k) { A_mixed_adj(a, lm, k) = 0.0; });
        }
        if (s < 0) return;
        for_each_order(p.nu_max, [&](auto order) {
          constexpr int nu = decltype(order)::value;
          tuple_adjoints<nu>(team, p, A_mixed, A_mixed_adj, a, s, &B_adj(a, (nu - 1) * K));
        });
      });
}

}  // namespace gaunt::detail
