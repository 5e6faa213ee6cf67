// Stage 2, the atomic basis (DESIGN.md §4, MODEL_FILE.md §5), per chunk atom a (i = first + a):
//   A_{a,lm,k} = (1/n̄) Σ_{e ∈ edges(i)} R_{k,l}(r_e) Y_lm(r̂_e) h_{s_j,k},   h = embedding,
// buffers A [atom][lm][k] (LayoutRight). Reverse, per edge e of centre a (no buffer: see
// reverse_atomic_basis):
//   R̄_{e,lK+k} = (1/n̄) h_{s_j,k} Σ_m Ā_{a,lm,k} Y_lm(r̂_e),
//   Ȳ_{e,lm}   = (1/n̄) Σ_k Ā_{a,lm,k} R_{k,l}(r_e) h_{s_j,k}.
// Edges of one centre are contiguous in the CSR list, so the forward sum needs no atomics.
#pragma once

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <type_traits>

#include "atomic_basis_edge.hpp"
#include "gauntnet_edge_basis.hpp"
#include "gauntnet_graph.hpp"
#include "gauntnet_parameters.hpp"
#include "gauntnet_tuning.hpp"

namespace gaunt {

// A per-atom feature buffer [atom][lm][k] of a chunk (A, Ã and their adjoints).
template <class MemorySpace>
using AtomFeatures = Kokkos::View<double***, Kokkos::LayoutRight, MemorySpace>;

// Per-atom invariants [atom][Q] of a chunk (B and B̄, the product basis's output and its adjoint).
template <class MemorySpace>
using AtomInvariants = Kokkos::View<double**, Kokkos::LayoutRight, MemorySpace>;

template <class MemorySpace>
void reserve_atom_features(AtomFeatures<MemorySpace>& view, const char* label, int n_atoms,
                           int n_sh, int channels) {
  if (int(view.extent(0)) >= n_atoms && int(view.extent(1)) == n_sh &&
      int(view.extent(2)) == channels)
    return;
  view = AtomFeatures<MemorySpace>(
      Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label)), n_atoms, n_sh, channels);
}

// One team per chunk atom; every loop over the K channels is a ThreadVectorRange (contiguous in
// the LayoutRight [atom][lm][k] features: SIMD lanes on CPUs, vector lanes on GPUs), with
// `rows` × K doubles of team scratch, [row][k]. The atomic and product bases run this way.
template <class ExecutionSpace>
struct AtomTeams {
  using Policy = Kokkos::TeamPolicy<ExecutionSpace>;
  using Member = typename Policy::member_type;
  using Scratch =
      Kokkos::View<double**, Kokkos::LayoutRight, typename ExecutionSpace::scratch_memory_space,
                   Kokkos::MemoryTraits<Kokkos::Unmanaged>>;

  // f(std::integral_constant<int, level>()) for the scratch level of a launch whose threads (or
  // one-thread teams) take `rows` × K doubles each: 0 (GPU shared memory) where one thread's fits
  // `level0_bytes` (GauntNetParameters::scratch_level0_bytes; the team is then as large as fits,
  // team_size), else 1 (GPU global memory, through the caches; on host both levels are the
  // thread's own memory). The reverse product basis of a model with large K (L+1)² needs level 1
  // on GPUs: (L+1)² K doubles per atom, 41 kB at L = 8, K = 64. The level reaches the kernels as a
  // constant, so that GPU code addresses level 0 as shared memory (with a run-time level, generic
  // pointers cost the per-atom kernels 8 registers, and Kokkos' pick of the level's pointer put
  // its scratch space object on the stack).
  template <class F>
  static void with_scratch_level(int level0_bytes, int rows, int channels, const F& f) {
    if (Scratch::shmem_size(rows, channels) <= std::size_t(level0_bytes))
      f(std::integral_constant<int, 0>());
    else
      f(std::integral_constant<int, 1>());
  }

  // One team of one thread per chunk atom with `rows` × K doubles of scratch at `level`.
  static Policy policy(const ExecutionSpace& space, int n_atoms, int channels, int rows,
                       int level) {
    Policy policy(space, n_atoms, 1, vector_length(channels));
    if (rows == 0) return policy;
    return policy.set_scratch_size(level, Kokkos::PerTeam(Scratch::shmem_size(rows, channels)));
  }

  // One team per chunk atom with up to `threads` threads (GauntNetParameters::atom_team_threads;
  // fewer where the backend's teams for `kernel` are smaller), no scratch.
  template <class Kernel>
  static Policy threads_policy(const ExecutionSpace& space, int n_atoms, int channels, int threads,
                               const Kernel& kernel) {
    const int vector = vector_length(channels);
    return Policy(space, n_atoms, team_size(space, threads, vector, 0, Kokkos::PerTeam(0), kernel),
                  vector);
  }

  // Several chunk atoms per team instead, one per thread: thread r of team t takes atom t T + r,
  // with `rows` × K doubles of scratch of its own at `level` (for_thread_atom); T as in
  // threads_policy.
  template <class Kernel>
  static Policy thread_atoms_policy(const ExecutionSpace& space, int n_atoms, int channels,
                                    int rows, int threads, int level, const Kernel& kernel) {
    const int vector = vector_length(channels);
    const auto scratch = Kokkos::PerThread(Scratch::shmem_size(rows, channels));
    const int team = team_size(space, threads, vector, level, scratch, kernel);
    return Policy(space, (n_atoms + team - 1) / team, team, vector)
        .set_scratch_size(level, scratch);
  }

  // f(a, scratch) for this thread's atom a of a thread_atoms_policy, if a < n_atoms, with its
  // scratch at Level.
  template <int Level, class F>
  KOKKOS_INLINE_FUNCTION static void for_thread_atom(const Member& team, int n_atoms, int channels,
                                                     int rows, const F& f) {
    const int a = team.league_rank() * team.team_size() + team.team_rank();
    if (a < n_atoms) f(a, Scratch(team.thread_scratch(Level), rows, channels).data());
  }

 private:
  static int vector_length(int channels) { return std::min(channels, Policy::vector_length_max()); }

  template <class ScratchSize, class Kernel>
  static int team_size(const ExecutionSpace& space, int threads, int vector, int level,
                       const ScratchSize& scratch, const Kernel& kernel) {
    const int team_max = Policy(space, 1, 1, vector)
                             .set_scratch_size(level, scratch)
                             .team_size_max(kernel, Kokkos::ParallelForTag());
    return std::max(1, std::min(threads, team_max));
  }
};

// Rows of R or dR/dr, float64 or float32 (EdgeBasis::float_rows).
template <class RowReal, class MemorySpace>
using RadialRows = Kokkos::View<RowReal**, Kokkos::LayoutRight, MemorySpace>;

// The forward, one thread per chunk atom (AtomTeams::thread_atoms_policy), each adding its edges'
// shares in turn: on host straight into A (add_edge_to_atomic_basis_host, its t_k in the thread's
// scratch), on GPUs degree by degree in the thread's scratch (atomic_basis_of_atom_lanes). R from
// `radial`, basis.radial or basis.radial_f32.
template <int Level, class ExecutionSpace, class MemorySpace, class RowReal>
void forward_atomic_basis_of_rows(const ExecutionSpace& space,
                                  const GauntNetParameters<MemorySpace>& p,
                                  const GauntNetGraph<MemorySpace>& graph, const AtomChunk& chunk,
                                  const EdgeBasis<MemorySpace>& basis,
                                  const RadialRows<RowReal, MemorySpace>& radial,
                                  const AtomFeatures<MemorySpace>& A) {
  using Teams = AtomTeams<ExecutionSpace>;
  const auto offsets = graph.offsets;
  const auto b = basis;
  const auto embedding = p.embedding;
  const int K = p.channels, lmax = p.lmax, n_atoms = chunk.n_atoms, rows = 2 * lmax + 1;
  const int first = chunk.first, edge_begin = chunk.edge_begin;
  const double inv_avg = p.inv_avg_num_neighbors;
  const auto kernel = KOKKOS_LAMBDA(const typename Teams::Member& team) {
    Teams::template for_thread_atom<Level>(
        team, n_atoms, K, rows, [&](const int a, double* const scratch) {
          const int e_begin = offsets(first + a) - edge_begin;
          const int e_end = offsets(first + a + 1) - edge_begin;
          const auto edge = [&](const int e) {
            EdgeRows<RowReal> rows_e;
            const int sj = b.species_j(e);
            if (sj >= 0) rows_e = {&embedding(sj, 0), &radial(b.radial_row(e), 0), &b.sh(e, 0)};
            return rows_e;
          };
          KOKKOS_IF_ON_HOST((atomic_basis_of_atom_host(K, lmax, inv_avg, e_begin, e_end, edge,
                                                       scratch, &A(a, 0, 0));))
          KOKKOS_IF_ON_DEVICE(
              (atomic_basis_of_atom_lanes(TeamChannels<typename Teams::Member>{team, K}, lmax,
                                          inv_avg, e_begin, e_end, edge, scratch, &A(a, 0, 0));))
        });
  };
  Kokkos::parallel_for(
      "gaunt::AtomicBasis::forward",
      Teams::thread_atoms_policy(space, n_atoms, K, rows, p.atom_team_threads, Level, kernel),
      kernel);
}

template <class ExecutionSpace, class MemorySpace>
void forward_atomic_basis(const ExecutionSpace& space, const GauntNetParameters<MemorySpace>& p,
                          const GauntNetGraph<MemorySpace>& graph, const AtomChunk& chunk,
                          const EdgeBasis<MemorySpace>& basis, const AtomFeatures<MemorySpace>& A) {
  AtomTeams<ExecutionSpace>::with_scratch_level(
      p.scratch_level0_bytes, 2 * p.lmax + 1, p.channels, [&](auto level) {
        constexpr int Level = decltype(level)::value;
        if (basis.float_rows)
          forward_atomic_basis_of_rows<Level>(space, p, graph, chunk, basis, basis.radial_f32, A);
        else
          forward_atomic_basis_of_rows<Level>(space, p, graph, chunk, basis, basis.radial, A);
      });
}

// Reverse of stages 2 and 1 together, per edge e: R̄ and Ȳ (above) are formed in registers
// and consumed at once by the chain rule through r = |r_ij| and Y(r̂),
//   g_e = ∂E/∂r_ij = r̂ Σ_{l,k} R̄_{e,lK+k} dR_{lK+k}/dr + Σ_lm Ȳ_{e,lm} ∂Y_lm/∂r_ij,
// so only g_e is stored (the fused edge kernel of DESIGN.md §8). One team per chunk atom, whose
// threads (GauntNetParameters::atom_team_threads) share its edges (Ā of the atom stays in cache):
// on host one SIMD thread per edge (atomic_basis_edge_gradient), on GPUs the channels on each
// thread's vector lanes (atomic_basis_edge_gradient_lanes). R and dR/dr from `radial` and
// `radial_deriv` (float64 or float32 rows of basis).
template <class ExecutionSpace, class MemorySpace, class RowReal>
void reverse_atomic_basis(const ExecutionSpace& space, const GauntNetParameters<MemorySpace>& p,
                          const GauntNetGraph<MemorySpace>& graph, const AtomChunk& chunk,
                          const EdgeBasis<MemorySpace>& basis,
                          const RadialRows<RowReal, MemorySpace>& radial,
                          const RadialRows<RowReal, MemorySpace>& radial_deriv,
                          const AtomFeatures<MemorySpace>& A_adj,
                          const EdgeBasisAdj<MemorySpace>& basis_adj) {
  using Teams = AtomTeams<ExecutionSpace>;
  const auto offsets = graph.offsets;
  const auto b = basis;
  const auto g_e = basis_adj.vector;
  const auto embedding = p.embedding;
  const int K = p.channels, lmax = p.lmax, first = chunk.first, edge_begin = chunk.edge_begin;
  const double inv_avg = p.inv_avg_num_neighbors;
  const auto kernel = KOKKOS_LAMBDA(const typename Teams::Member& team) {
    const int a = team.league_rank();
    const double* A_bar = &A_adj(a, 0, 0);
    const int e_begin = offsets(first + a) - edge_begin;
    const int e_end = offsets(first + a + 1) - edge_begin;
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, e_begin, e_end), [&](const int e) {
      double g[3] = {0.0, 0.0, 0.0};
      const int sj = b.species_j(e);
      if (sj >= 0) {
        const int row = b.radial_row(e);
        const double* h = &embedding(sj, 0);
        const RowReal *R = &radial(row, 0), *dR = &radial_deriv(row, 0);
        const double *Y = &b.sh(e, 0), *Y_grad = &b.sh_grad(e, 0, 0), *r_ij = &b.vector(e, 0);
        KOKKOS_IF_ON_HOST((atomic_basis_edge_gradient_host(K, lmax, inv_avg, A_bar, h, R, dR, Y,
                                                           Y_grad, r_ij, g);))
        KOKKOS_IF_ON_DEVICE(
            (atomic_basis_edge_gradient_lanes(TeamChannels<typename Teams::Member>{team, K}, lmax,
                                              inv_avg, A_bar, h, R, dR, Y, Y_grad, r_ij, g);))
      }
      Kokkos::single(Kokkos::PerThread(team), [&]() {
        for (int c = 0; c < 3; ++c) g_e(e, c) = g[c];
      });
    });
  };
  Kokkos::parallel_for("gaunt::AtomicBasis::reverse",
                       Teams::threads_policy(space, chunk.n_atoms, K, p.atom_team_threads, kernel),
                       kernel);
}

template <class ExecutionSpace, class MemorySpace>
void reverse_atomic_basis(const ExecutionSpace& space, const GauntNetParameters<MemorySpace>& p,
                          const GauntNetGraph<MemorySpace>& graph, const AtomChunk& chunk,
                          const EdgeBasis<MemorySpace>& basis,
                          const AtomFeatures<MemorySpace>& A_adj,
                          const EdgeBasisAdj<MemorySpace>& basis_adj) {
  if (basis.float_rows)
    reverse_atomic_basis(space, p, graph, chunk, basis, basis.radial_f32, basis.radial_deriv_f32,
                         A_adj, basis_adj);
  else
    reverse_atomic_basis(space, p, graph, chunk, basis, basis.radial, basis.radial_deriv, A_adj,
                         basis_adj);
}

}  // namespace gaunt
