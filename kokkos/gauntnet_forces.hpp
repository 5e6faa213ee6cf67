// Stage 6, forces and virial from the edge gradients g_e = ∂E/∂r_e (DESIGN.md §4,
// MODEL_FILE.md §5). For edge e = (i -> j), r_e = x_j − x_i:
//   F_i += g_e,   F_j −= g_e                                  (atomic scatter, ghosts included)
//   W_ab = −Σ_e r_{e,a} g_{e,b}     (LAMMPS sign; Voigt order xx yy zz xy xz yz)
//   per-atom virial: W_e = −r_e ⊗ g_e, half to i and half to j;
//   per-atom centroid virial (LAMMPS compute centroid/stress/atom, 9 components xx yy zz xy xz
//   yz yx zx zy, ab = −r_{e,a} g_{e,b}): W_e all to j. E_i, all of it atom i's energy in
//   LAMMPS, depends on x_j only through r_e (edge i -> j), so its force on j is F_j = −g_e, and
//   the heat flux of a potential of site energies, J = Σ_i E_i v_i + Σ_j W_j · v_j with
//   W_j = Σ_i (x_j − x_i) ⊗ F_j^{(i)} (Fan et al., Phys. Rev. B 92, 094301 (2015)), takes
//   edge e's term at j.
#pragma once

#include <Kokkos_Core.hpp>

#include "gauntnet_edge_basis.hpp"

namespace gaunt {

// Six virial components with a Kokkos sum reduction.
struct Virial6 {
  double v[6];
  KOKKOS_INLINE_FUNCTION Virial6() {
    for (int c = 0; c < 6; ++c) v[c] = 0.0;
  }
  KOKKOS_INLINE_FUNCTION Virial6& operator+=(const Virial6& other) {
    for (int c = 0; c < 6; ++c) v[c] += other.v[c];
    return *this;
  }
};

}  // namespace gaunt

namespace Kokkos {
template <>
struct reduction_identity<gaunt::Virial6> {
  KOKKOS_FORCEINLINE_FUNCTION static gaunt::Virial6 sum() { return gaunt::Virial6(); }
};
}  // namespace Kokkos

namespace gaunt {

// Adds the chunk's edge forces to result.forces [n_total][3] and, as `request` asks, its
// per-atom virials to result.per_atom_virial [n_total][6] and result.per_atom_centroid_virial
// [n_total][9]; returns the chunk's virial.
template <class ExecutionSpace, class MemorySpace, class Result, class Request>
Virial6 accumulate_forces(const ExecutionSpace& space, const AtomChunk& chunk,
                          const EdgeBasis<MemorySpace>& basis,
                          const EdgeBasisAdj<MemorySpace>& basis_adj, const Result& result,
                          const Request& request) {
  const auto b = basis;
  const auto g = basis_adj.vector;
  const auto forces = result.forces;
  const auto per_atom_virial = result.per_atom_virial;
  const auto centroid_virial = result.per_atom_centroid_virial;
  const bool with_per_atom_virial = request.per_atom_virial;
  const bool with_centroid_virial = request.per_atom_centroid_virial;
  const int first = chunk.first;
  Virial6 virial;
  Kokkos::parallel_reduce(
      "gaunt::Forces::reverse", Kokkos::RangePolicy<ExecutionSpace>(space, 0, chunk.n_edges),
      KOKKOS_LAMBDA(const int e, Virial6& w) {
        if (b.species_j(e) < 0) return;
        const int i = first + b.centre(e), j = b.neighbor(e);
        const double ge[3] = {g(e, 0), g(e, 1), g(e, 2)};
        const double r[3] = {b.vector(e, 0), b.vector(e, 1), b.vector(e, 2)};
        for (int c = 0; c < 3; ++c) {
          Kokkos::atomic_add(&forces(i, c), ge[c]);
          Kokkos::atomic_add(&forces(j, c), -ge[c]);
        }
        const double we[6] = {-r[0] * ge[0], -r[1] * ge[1], -r[2] * ge[2],
                              -r[0] * ge[1], -r[0] * ge[2], -r[1] * ge[2]};
        for (int c = 0; c < 6; ++c) w.v[c] += we[c];
        if (with_per_atom_virial) {
          for (int c = 0; c < 6; ++c) {
            Kokkos::atomic_add(&per_atom_virial(i, c), 0.5 * we[c]);
            Kokkos::atomic_add(&per_atom_virial(j, c), 0.5 * we[c]);
          }
        }
        if (with_centroid_virial) {
          const double lower[3] = {-r[1] * ge[0], -r[2] * ge[0], -r[2] * ge[1]};  // yx zx zy
          for (int c = 0; c < 6; ++c) Kokkos::atomic_add(&centroid_virial(j, c), we[c]);
          for (int c = 0; c < 3; ++c) Kokkos::atomic_add(&centroid_virial(j, 6 + c), lower[c]);
        }
      },
      Kokkos::Sum<Virial6>(virial));
  return virial;
}

}  // namespace gaunt
