// Tuning constants and static limits of the GauntNet engine, per backend, in one place
// (STYLE.md §7).
#pragma once

#include <Kokkos_Core.hpp>

#include "gaunt_tuning.hpp"  // GAUNT_SIMD, GAUNT_SIMD_REDUCTION

namespace gaunt {

// Static limits of per-thread work arrays (checked when an engine is built from a model file).
inline constexpr int kMaxRadialWidth = 128;  // widest layer of the radial MLP (N_b, H_t)
inline constexpr int kMaxRadialLayers = 8;   // weight matrices of the radial MLP (m + 1)
inline constexpr int kMaxNuMax = 4;          // ν_max (MODEL_FILE.md §2)
inline constexpr int kMaxFactors = kMaxNuMax * (kMaxNuMax + 1) / 2;
inline constexpr int kMaxEngineLmax = 8;  // L of the atomic basis
// Sorted index tuples of one order the product basis may integrate at set-up
// (invariant_tuples.hpp); beyond it (L = 8 with ν = 4: 1.9 million) the sphere grid is the cheaper
// route anyway.
inline constexpr long kMaxInvariantTuples = 100000;
// Edges per BLAS matrix product of the radial MLP (gauntnet_radial_blas.hpp): one Kokkos thread's
// block, 512 rows of ≤ 128 doubles per layer buffer (two buffers, 1 MB per thread).
inline constexpr int kRadialBlasBlock = 256;
// Edges per matrix product of the radial MLP on GPUs with radial_mlp gemm (cuBLAS,
// gauntnet_radial_blas.hpp): two layer buffers of 2 · block rows of ≤ 128 doubles, 268 MB.
inline constexpr int kRadialGemmDeviceBlock = 65536;
// Edges per team of the radial MLP on GPUs (gauntnet_radial_teams.hpp): each thread holds
// 2 · kRadialTeamRows sums in registers; and the threads of such a team (over a layer's outputs).
inline constexpr int kRadialTeamRows = 8;
inline constexpr int kRadialTeamThreads = 64;
// Atoms per BLAS matrix product of the channel mixing on host (gauntnet_mixing.hpp).
inline constexpr int kMixingBlasAtoms = 256;

template <class ExecutionSpace>
struct GauntNetTuning {
  // Local atoms processed together: every per-atom and per-edge buffer is sized to one chunk,
  // so memory is bounded by chunk_atoms × (largest neighbour count) whatever the system size.
  static constexpr int chunk_atoms = 2048;
  // Threads per team of the per-atom kernels (GauntNetEngine::set_atom_team_threads): in the
  // reverse atomic basis they take one atom's edges side by side (Ā of the atom stays in cache),
  // in the forward atomic basis and the product basis each takes an atom of its own. On host
  // one: teams of 2 OpenMP threads ran a 1000-atom step at 0.94-0.98× (they meet between league
  // ranks).
  static constexpr int atom_team_threads = 1;
};

#ifdef KOKKOS_ENABLE_CUDA
template <>
struct GauntNetTuning<Kokkos::Cuda> {
  static constexpr int chunk_atoms = 32768;
  // 4 warps per block: with one, an SM's limit of 32 resident blocks would cap these kernels at
  // 32 warps (1024 threads); with 4, their registers set the limit (reverse atomic basis 56 per
  // thread: 9 blocks, 36 warps; forward 40: 12 blocks, 48 warps; product basis 48 and 64: 10 and
  // 8 blocks).
  static constexpr int atom_team_threads = 4;
};
#endif

}  // namespace gaunt
