// The radial MLP of a whole chunk of edges at once where no host BLAS reaches the views (GPUs):
// the same rows as the BLAS batch (gauntnet_radial_blas.hpp: per edge its MLP input and the
// forward-mode tangent of it, radial_basis) and the same sums,
//   Z_{t+1} = act(Z_t W_t)  on (value, tangent) row pairs,   [R; dR/dr] = Z_m W_m,
// with one team per block of kRadialTeamRows edges. The block's rows of one layer sit in team
// scratch ([2 e + 0/1][i], two buffers in turn); each thread of the team owns outputs o and keeps
// their sums for every row of the block in registers, so that each weight W_t[i][o] is read once
// per block (consecutive o: coalesced) and each input once per thread (the same address across
// the team: a broadcast). The per-edge MLP (radial_functions) instead keeps a whole layer per
// thread, more than a GPU thread's registers hold.
#pragma once

#include <Kokkos_Core.hpp>
#include <algorithm>

#include "gauntnet_radial.hpp"
#include "gauntnet_tuning.hpp"

namespace gaunt {

// R(e, ·) and dR(e, ·) for the edges e < n_edges of `input` ([2 e][N_b] as in RadialBlas; zero
// rows give zero), in Real. Real = double: the exact path; Real = float: `precision mixed`.
// Returns the threads per team: kRadialTeamThreads, or fewer where every layer has fewer outputs
// or the backend allows fewer (on host, where BLAS runs the MLP and this serves the tests, the
// OpenMP threads). The widest output counts, not the widest hidden layer: the last layer's
// (L+1) K outputs are most of the work where the hidden layers are narrow.
template <class ExecutionSpace, class MemorySpace, class Real>
int radial_functions_teams(const ExecutionSpace& space, const GauntNetParameters<MemorySpace>& p,
                           const Kokkos::View<Real**, Kokkos::LayoutRight, MemorySpace>& input,
                           int n_edges,
                           const Kokkos::View<Real**, Kokkos::LayoutRight, MemorySpace>& R,
                           const Kokkos::View<Real**, Kokkos::LayoutRight, MemorySpace>& dR) {
  constexpr int Rows = kRadialTeamRows;
  using Policy = Kokkos::TeamPolicy<ExecutionSpace>;
  using Member = typename Policy::member_type;
  using Scratch =
      Kokkos::View<Real**, Kokkos::LayoutRight, typename ExecutionSpace::scratch_memory_space,
                   Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
  if (n_edges == 0) return 0;
  int width = 0;    // the widest layer input held in scratch (N_b and the hidden layers)
  int outputs = 0;  // the widest layer output
  for (int t = 0; t < p.n_layers; ++t) {
    width = std::max(width, p.width[t]);
    outputs = std::max(outputs, p.width[t + 1]);
  }
  const int n_blocks = (n_edges + Rows - 1) / Rows;
  const auto scratch = Kokkos::PerTeam(2 * Scratch::shmem_size(2 * Rows, width));
  const Real* weights = radial_weights<Real>(p);
  const auto block = KOKKOS_LAMBDA(const Member& team) {
    const int e0 = team.league_rank() * Rows;
    const int ne = n_edges - e0 < Rows ? n_edges - e0 : Rows;
    // Rows [2 e + 0/1][i] at stride `width`, two buffers in turn.
    Real* const buffer_0 = Scratch(team.team_scratch(0), 2 * Rows, width).data();
    Real* const buffer_1 = Scratch(team.team_scratch(0), 2 * Rows, width).data();
    const int n_bessel = p.width[0];
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, 2 * Rows * n_bessel), [&](const int x) {
      const int row = x / n_bessel, n = x % n_bessel;
      buffer_0[row * width + n] = row < 2 * ne ? input(2 * e0 + row, n) : Real(0);
    });
    team.team_barrier();
    for (int t = 0; t < p.n_layers; ++t) {
      const int n_in = p.width[t], n_out = p.width[t + 1];
      const bool last = t + 1 == p.n_layers;
      const Real* W = weights + p.layer_offset[t];
      const Real* z = t % 2 ? buffer_1 : buffer_0;
      Real* z_next = t % 2 ? buffer_0 : buffer_1;
      Kokkos::parallel_for(Kokkos::TeamThreadRange(team, n_out), [&](const int o) {
        Real a[Rows], da[Rows];
        for (int e = 0; e < Rows; ++e) a[e] = da[e] = Real(0);
        for (int i = 0; i < n_in; ++i) {
          const Real w = W[i * n_out + o];
          for (int e = 0; e < Rows; ++e) {
            a[e] += z[2 * e * width + i] * w;
            da[e] += z[(2 * e + 1) * width + i] * w;
          }
        }
        if (last) {
          for (int e = 0; e < Rows; ++e) {
            if (e < ne) {
              R(e0 + e, o) = a[e];
              dR(e0 + e, o) = da[e];
            }
          }
        } else {
          for (int e = 0; e < Rows; ++e)
            silu_with_tangent(a[e], da[e], z_next[2 * e * width + o],
                              z_next[(2 * e + 1) * width + o]);
        }
      });
      team.team_barrier();
    }
  };
  const int team_max = Policy(space, n_blocks, 1)
                           .set_scratch_size(0, scratch)
                           .team_size_max(block, Kokkos::ParallelForTag());
  const int threads = std::min({kRadialTeamThreads, outputs, team_max});
  Kokkos::parallel_for("gaunt::RadialTeams::blocks",
                       Policy(space, n_blocks, threads).set_scratch_size(0, scratch), block);
  return threads;
}

}  // namespace gaunt
