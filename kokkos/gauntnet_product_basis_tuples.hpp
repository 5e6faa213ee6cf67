// The product basis (gauntnet_product_basis.hpp) as sums over the sorted index tuples of Ã
// (invariant_tuples.hpp), per chunk atom a of species s and channel k:
//   B^ν_{a,k} = Σ_{t of order ν} c_t P_{s,λ(t),k} Π_{i∈t} Ã_{a,i,k},
// ν multiplies per tuple entry. Reverse, with B̄^ν given, each entry adds to its ν indices
//   Ã̄_{a,i_ξ,k} += B̄^ν_{a,k} c_t P_{s,λ(t),k} Π_{ξ'≠ξ} Ã_{a,i_ξ',k}
// (prefix and suffix products; a repeated index receives one term per position, as the
// derivative of a power does). One thread per atom, its K channels on the thread's vector lanes
// (AtomTeams::thread_atoms_policy, gauntnet_atomic_basis.hpp: on GPUs 4 atoms per block, one per
// warp); the forward's sums B^ν_{a,k} live in the thread's scratch [ν][k], and so do the reverse's
// Ã̄_{a,lm,k} [lm][k] (each tuple entry adds to ν of its rows; in global memory each add would be
// a GPU store through to L2), both copied out at the end. One atom's sums are coded once for every
// backend on raw rows (channel_loops.hpp); their host copies are out of line
// (gauntnet_product_basis_tuples.cpp) so that they are also compiled for AVX2 + FMA CPUs
// (host_clones.hpp).
#pragma once

#include <Kokkos_Core.hpp>
#include <type_traits>

#include "channel_loops.hpp"
#include "gauntnet_atomic_basis.hpp"

namespace gaunt::detail {

// The index-tuple tables of GauntNetParameters as raw rows (LayoutRight), the same on host and
// device.
struct TupleRows {
  int channels = 0, nu_max = 0, n_degree_tuples = 0;
  int begin[kMaxNuMax + 1] = {};
  const int* index = nullptr;           // [T][ν_max]  i_1 ≤ … ≤ i_ν
  const double* coefficient = nullptr;  // [T]         c_t
  const int* degrees = nullptr;         // [T]         λ(t)
  const double* permanent = nullptr;    // [S][Λ][K]   P_λ of species s, channel k

  template <class Params>
  static TupleRows of(const Params& p) {
    TupleRows rows;
    rows.channels = p.channels;
    rows.nu_max = p.nu_max;
    rows.n_degree_tuples = int(p.degree_permanent.extent(1));
    for (int nu = 0; nu <= kMaxNuMax; ++nu) rows.begin[nu] = p.tuple_begin[nu];
    rows.index = p.tuple_index.data();
    rows.coefficient = p.tuple_coefficient.data();
    rows.degrees = p.tuple_degrees.data();
    rows.permanent = p.degree_permanent.data();
    return rows;
  }
  KOKKOS_FORCEINLINE_FUNCTION const double* permanent_row(int s, int t) const {
    return permanent + (long(s) * n_degree_tuples + degrees[t]) * channels;
  }
};

// Calls body(std::integral_constant<int, ν>) for ν = 1..nu_max (the tuple loops unrolled per ν).
template <class Body>
KOKKOS_INLINE_FUNCTION void for_each_order(int nu_max, const Body& body) {
  static_assert(kMaxNuMax == 4, "for_each_order covers ν = 1..4");
  if (nu_max >= 1) body(std::integral_constant<int, 1>());
  if (nu_max >= 2) body(std::integral_constant<int, 2>());
  if (nu_max >= 3) body(std::integral_constant<int, 3>());
  if (nu_max >= 4) body(std::integral_constant<int, 4>());
}

// One atom of species s: sum[ν − 1][k] += c_t P_{s,λ,k} Π_{i∈t} Ã_{i,k} over the entries t of
// each order ν; A: its Ã [lm][k].
template <class Channels>
KOKKOS_FORCEINLINE_FUNCTION void add_atom_invariants(const Channels& channels,
                                                     const TupleRows& tuples, const double* A,
                                                     int s, double* sum) {
  const int K = tuples.channels;
  for_each_order(tuples.nu_max, [&](auto order) {
    constexpr int Nu = decltype(order)::value;
    double* sum_nu = sum + (Nu - 1) * K;
    for (int t = tuples.begin[Nu - 1]; t < tuples.begin[Nu]; ++t) {
      const double c = tuples.coefficient[t];
      const double* permanent = tuples.permanent_row(s, t);
      const double* row[Nu];
      for (int xi = 0; xi < Nu; ++xi) row[xi] = A + tuples.index[t * tuples.nu_max + xi] * K;
      channels([&](const int k) {
        double prod = c * permanent[k];
        for (int xi = 0; xi < Nu; ++xi) prod *= row[xi][k];
        sum_nu[k] += prod;
      });
    }
  });
}

// Its reverse: Ã̄_{i_ξ,k} += B̄^ν_k c_t P_{s,λ,k} Π_{ξ'≠ξ} Ã_{i_ξ',k}; B_bar [ν − 1][k],
// A_adj: the atom's Ã̄ [lm][k].
template <class Channels>
KOKKOS_FORCEINLINE_FUNCTION void add_atom_invariants_adjoint(const Channels& channels,
                                                             const TupleRows& tuples,
                                                             const double* A, int s,
                                                             const double* B_bar, double* A_adj) {
  const int K = tuples.channels;
  for_each_order(tuples.nu_max, [&](auto order) {
    constexpr int Nu = decltype(order)::value;
    const double* b_bar = B_bar + (Nu - 1) * K;
    for (int t = tuples.begin[Nu - 1]; t < tuples.begin[Nu]; ++t) {
      const double c = tuples.coefficient[t];
      const double* permanent = tuples.permanent_row(s, t);
      const double* row[Nu];
      double* row_adj[Nu];
      for (int xi = 0; xi < Nu; ++xi) {
        const int i = tuples.index[t * tuples.nu_max + xi];
        row[xi] = A + i * K;
        row_adj[xi] = A_adj + i * K;
      }
      channels([&](const int k) {
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
  });
}

// The host copies of the two (gauntnet_product_basis_tuples.cpp).
void add_atom_invariants_host(const TupleRows& tuples, const double* A, int s, double* sum);
void add_atom_invariants_adjoint_host(const TupleRows& tuples, const double* A, int s,
                                      const double* B_bar, double* A_adj);

template <int Level, class ExecutionSpace, class MemorySpace>
void forward_product_basis_tuples(const ExecutionSpace& space,
                                  const GauntNetParameters<MemorySpace>& p,
                                  const GauntNetGraph<MemorySpace>& graph, const AtomChunk& chunk,
                                  const AtomFeatures<MemorySpace>& A_mixed,
                                  const AtomInvariants<MemorySpace>& B) {
  using Teams = AtomTeams<ExecutionSpace>;
  const auto species = graph.species;
  const auto tuples = TupleRows::of(p);
  const int K = p.channels, nu_max = p.nu_max, first = chunk.first, n_atoms = chunk.n_atoms;
  const auto kernel = KOKKOS_LAMBDA(const typename Teams::Member& team) {
    Teams::template for_thread_atom<Level>(
        team, n_atoms, K, nu_max, [&](const int a, double* const sum) {
          const int s = species(first + a);
          Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K), [&](const int k) {
            for (int nu = 0; nu < nu_max; ++nu) sum[nu * K + k] = 0.0;
          });
          if (s >= 0) {
            KOKKOS_IF_ON_HOST((add_atom_invariants_host(tuples, &A_mixed(a, 0, 0), s, sum);))
            KOKKOS_IF_ON_DEVICE((add_atom_invariants(TeamChannels<typename Teams::Member>{team, K},
                                                     tuples, &A_mixed(a, 0, 0), s, sum);))
          }
          Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K), [&](const int k) {
            for (int nu = 0; nu < nu_max; ++nu) B(a, nu * K + k) = sum[nu * K + k];
          });
        });
  };
  Kokkos::parallel_for(
      "gaunt::ProductBasis::forward",
      Teams::thread_atoms_policy(space, n_atoms, K, nu_max, p.atom_team_threads, Level, kernel),
      kernel);
}

template <int Level, class ExecutionSpace, class MemorySpace>
void reverse_product_basis_tuples(const ExecutionSpace& space,
                                  const GauntNetParameters<MemorySpace>& p,
                                  const GauntNetGraph<MemorySpace>& graph, const AtomChunk& chunk,
                                  const AtomFeatures<MemorySpace>& A_mixed,
                                  const AtomInvariants<MemorySpace>& B_adj,
                                  const AtomFeatures<MemorySpace>& A_mixed_adj) {
  using Teams = AtomTeams<ExecutionSpace>;
  const auto species = graph.species;
  const auto tuples = TupleRows::of(p);
  const int K = p.channels, n_sh = p.n_sh, first = chunk.first, n_atoms = chunk.n_atoms;
  const auto kernel = KOKKOS_LAMBDA(const typename Teams::Member& team) {
    Teams::template for_thread_atom<Level>(
        team, n_atoms, K, n_sh, [&](const int a, double* const sum_adj) {
          const int s = species(first + a);
          for (int lm = 0; lm < n_sh; ++lm) {
            Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K),
                                 [&](const int k) { sum_adj[lm * K + k] = 0.0; });
          }
          if (s >= 0) {
            const double *A = &A_mixed(a, 0, 0), *B_bar = &B_adj(a, 0);
            KOKKOS_IF_ON_HOST((add_atom_invariants_adjoint_host(tuples, A, s, B_bar, sum_adj);))
            KOKKOS_IF_ON_DEVICE(
                (add_atom_invariants_adjoint(TeamChannels<typename Teams::Member>{team, K}, tuples,
                                             A, s, B_bar, sum_adj);))
          }
          for (int lm = 0; lm < n_sh; ++lm) {
            Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K),
                                 [&](const int k) { A_mixed_adj(a, lm, k) = sum_adj[lm * K + k]; });
          }
        });
  };
  Kokkos::parallel_for(
      "gaunt::ProductBasis::reverse",
      Teams::thread_atoms_policy(space, n_atoms, K, n_sh, p.atom_team_threads, Level, kernel),
      kernel);
}

}  // namespace gaunt::detail
