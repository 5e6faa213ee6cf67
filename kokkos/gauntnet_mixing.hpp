// Stage 3, per-degree channel mixing (DESIGN.md §4, MODEL_FILE.md §5):
//   Ã_{a,lm,k} = Σ_q U^l_{k,q} A_{a,lm,q},        U^l_{k,q} = mixing[l][k][q],
// and its adjoint Ā_{a,lm,q} = Σ_k U^l_{k,q} Ã̄_{a,lm,k}. On host memory, per lm and block of
// kMixingBlasAtoms atoms, one BLAS matrix product: the rows in(a, lm, ·) of the block (stride
// M K) times U^lᵀ (or U^l for the adjoint); elsewhere one thread per output element.
#pragma once

#include <Kokkos_Core.hpp>
#include <algorithm>

#include "gauntnet_atomic_basis.hpp"
#include "gauntnet_blas.hpp"

namespace gaunt {

// out_{a,lm,k} = Σ_q U^l_{k,q} in_{a,lm,q}, or with Transpose Σ_q U^l_{q,k} in_{a,lm,q}.
template <bool Transpose, class ExecutionSpace, class MemorySpace>
void apply_mixing(const char* label, const ExecutionSpace& space,
                  const GauntNetParameters<MemorySpace>& p, const AtomChunk& chunk,
                  const AtomFeatures<MemorySpace>& in, const AtomFeatures<MemorySpace>& out) {
  const auto U = p.mixing;
  const auto l_of_lm = p.l_of_lm;
  const int K = p.channels, n_sh = p.n_sh;
  if constexpr (host_blas_reaches<MemorySpace>) {
    blas_single_threaded();
    const int n_atoms = chunk.n_atoms,
              n_blocks = (n_atoms + kMixingBlasAtoms - 1) / kMixingBlasAtoms;
    Kokkos::parallel_for(
        label, Kokkos::RangePolicy<ExecutionSpace>(space, 0, n_blocks * n_sh), [=](const int task) {
          const int lm = task % n_sh, a0 = (task / n_sh) * kMixingBlasAtoms;
          cblas_dgemm(CblasRowMajor, CblasNoTrans, Transpose ? CblasNoTrans : CblasTrans,
                      std::min(kMixingBlasAtoms, n_atoms - a0), K, K, 1.0, &in(a0, lm, 0), n_sh * K,
                      &U(l_of_lm(lm), 0, 0), K, 0.0, &out(a0, lm, 0), n_sh * K);
        });
    space.fence("gaunt::Mixing: BLAS done");
  } else {
    Kokkos::parallel_for(
        label, Kokkos::RangePolicy<ExecutionSpace>(space, 0, chunk.n_atoms * n_sh * K),
        KOKKOS_LAMBDA(const int idx) {
          const int k = idx % K, lm = (idx / K) % n_sh, a = idx / (K * n_sh);
          const int l = l_of_lm(lm);
          double sum = 0.0;
          for (int q = 0; q < K; ++q) sum += (Transpose ? U(l, q, k) : U(l, k, q)) * in(a, lm, q);
          out(a, lm, k) = sum;
        });
  }
}

template <class ExecutionSpace, class MemorySpace>
void forward_mixing(const ExecutionSpace& space, const GauntNetParameters<MemorySpace>& p,
                    const AtomChunk& chunk, const AtomFeatures<MemorySpace>& A,
                    const AtomFeatures<MemorySpace>& A_mixed) {
  apply_mixing<false>("gaunt::Mixing::forward", space, p, chunk, A, A_mixed);
}

template <class ExecutionSpace, class MemorySpace>
void reverse_mixing(const ExecutionSpace& space, const GauntNetParameters<MemorySpace>& p,
                    const AtomChunk& chunk, const AtomFeatures<MemorySpace>& A_mixed_adj,
                    const AtomFeatures<MemorySpace>& A_adj) {
  apply_mixing<true>("gaunt::Mixing::reverse", space, p, chunk, A_mixed_adj, A_adj);
}

}  // namespace gaunt
