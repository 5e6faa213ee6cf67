// Stage 2, the atomic basis (DESIGN.md §4, MODEL_FILE.md §5), per chunk atom a (i = first + a):
//   A_{a,lm,k} = (1/n̄) Σ_{e ∈ edges(i)} R_{k,l}(r_e) Y_lm(r̂_e) h_{s_j,k},   h = embedding,
// buffers A [atom][lm][k] (LayoutRight). Reverse, per edge e of centre a:
//   R̄_{e,lK+k} = (1/n̄) h_{s_j,k} Σ_m Ā_{a,lm,k} Y_lm(r̂_e),
//   Ȳ_{e,lm}   = (1/n̄) Σ_k Ā_{a,lm,k} R_{k,l}(r_e) h_{s_j,k}.
// Edges of one centre are contiguous in the CSR list, so the forward sum needs no atomics.
#pragma once

#include <Kokkos_Core.hpp>

#include "gauntnet_edge_basis.hpp"
#include "gauntnet_graph.hpp"
#include "gauntnet_parameters.hpp"

namespace gaunt {

// A per-atom feature buffer [atom][lm][k] of a chunk (A, Ã and their adjoints).
template <class MemorySpace>
using AtomFeatures = Kokkos::View<double***, Kokkos::LayoutRight, MemorySpace>;

template <class MemorySpace>
void reserve_atom_features(AtomFeatures<MemorySpace>& view, const char* label, int n_atoms,
                           int n_sh, int channels) {
  if (int(view.extent(0)) >= n_atoms && int(view.extent(1)) == n_sh &&
      int(view.extent(2)) == channels)
    return;
  view = AtomFeatures<MemorySpace>(
      Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label)), n_atoms, n_sh, channels);
}

template <class ExecutionSpace, class MemorySpace>
void forward_atomic_basis(const ExecutionSpace& space, const GauntNetParameters<MemorySpace>& p,
                          const GauntNetGraph<MemorySpace>& graph, const AtomChunk& chunk,
                          const EdgeBasis<MemorySpace>& basis, const AtomFeatures<MemorySpace>& A) {
  const auto offsets = graph.offsets;
  const auto b = basis;
  const auto embedding = p.embedding;
  const auto l_of_lm = p.l_of_lm;
  const int K = p.channels, n_sh = p.n_sh, first = chunk.first, edge_begin = chunk.edge_begin;
  const double inv_avg = p.inv_avg_num_neighbors;
  Kokkos::parallel_for(
      "gaunt::AtomicBasis::forward",
      Kokkos::RangePolicy<ExecutionSpace>(space, 0, chunk.n_atoms * K),
      KOKKOS_LAMBDA(const int idx) {
        const int a = idx / K, k = idx % K;
        for (int lm = 0; lm < n_sh; ++lm) A(a, lm, k) = 0.0;
        const int e_end = offsets(first + a + 1) - edge_begin;
        for (int e = offsets(first + a) - edge_begin; e < e_end; ++e) {
          const int sj = b.species_j(e);
          if (sj < 0) continue;
          const double h = inv_avg * embedding(sj, k);
          for (int lm = 0; lm < n_sh; ++lm) {
            A(a, lm, k) += h * b.radial(e, l_of_lm(lm) * K + k) * b.sh(e, lm);
          }
        }
      });
}

template <class ExecutionSpace, class MemorySpace>
void reverse_atomic_basis(const ExecutionSpace& space, const GauntNetParameters<MemorySpace>& p,
                          const AtomChunk& chunk, const EdgeBasis<MemorySpace>& basis,
                          const AtomFeatures<MemorySpace>& A_adj,
                          const EdgeBasisAdj<MemorySpace>& basis_adj) {
  const auto b = basis;
  const auto adj = basis_adj;
  const auto embedding = p.embedding;
  const int K = p.channels, lmax = p.lmax;
  const double inv_avg = p.inv_avg_num_neighbors;
  Kokkos::parallel_for(
      "gaunt::AtomicBasis::reverse", Kokkos::RangePolicy<ExecutionSpace>(space, 0, chunk.n_edges),
      KOKKOS_LAMBDA(const int e) {
        const int sj = b.species_j(e);
        const int a = b.centre(e);
        for (int l = 0; l <= lmax; ++l) {
          for (int m = -l; m <= l; ++m) adj.sh(e, l * l + l + m) = 0.0;
          for (int k = 0; k < K; ++k) {
            if (sj < 0) {
              adj.radial(e, l * K + k) = 0.0;
              continue;
            }
            const double h = inv_avg * embedding(sj, k);
            const double R = b.radial(e, l * K + k);
            double sum = 0.0;
            for (int m = -l; m <= l; ++m) {
              const int lm = l * l + l + m;
              const double abar = A_adj(a, lm, k);
              sum += abar * b.sh(e, lm);
              adj.sh(e, lm) += abar * R * h;
            }
            adj.radial(e, l * K + k) = h * sum;
          }
        }
      });
}

}  // namespace gaunt
