// GauntNetEngine: the native GauntNet v1 model (DESIGN.md §4) on a Kokkos execution space, with
// forces and virials by analytic backpropagation (no autodiff). No LAMMPS header: the caller
// hands over a flat graph (GauntNetGraph) and reads energies, forces and virials back.
//
// compute() is the list of stages, per chunk of local atoms (memory bounded by the chunk):
//   forward_edge_basis    r_ij -> R_{k,l}(r), dR/dr, Y_lm(r̂), ∂Y/∂r    (gauntnet_edge_basis)
//   forward_atomic_basis  -> A_{a,lm,k}                                  (gauntnet_atomic_basis)
//   forward_mixing        -> Ã_{a,lm,k}                                  (gauntnet_mixing)
//   forward_product_basis -> B^ν_{a,k}                                   (gauntnet_product_basis)
//   forward_readout       -> E_a                                         (gauntnet_readout)
//   reverse_readout       -> B̄, reverse_product_basis -> Ã̄, reverse_mixing -> Ā,
//   reverse_atomic_basis  -> R̄, Ȳ per edge, consumed at once: g_e = ∂E/∂r_e (fused),
//   accumulate_forces     -> F_i += g_e, F_j −= g_e, W = −Σ r_e ⊗ g_e, per-atom W.
// v1 is strictly local, so the chunks are independent; a message-passing v2 adds stages and
// a ghost exchange between them.
#pragma once

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "gauntnet_atomic_basis.hpp"
#include "gauntnet_edge_basis.hpp"
#include "gauntnet_forces.hpp"
#include "gauntnet_graph.hpp"
#include "gauntnet_mixing.hpp"
#include "gauntnet_parameters.hpp"
#include "gauntnet_product_basis.hpp"
#include "gauntnet_radial.hpp"
#include "gauntnet_readout.hpp"
#include "gauntnet_tuning.hpp"
#include "model_file.hpp"

namespace gaunt {

// The stages of compute(), in order, for stage timing (GauntNetEngine::set_stage_timing).
inline constexpr std::array<const char*, 10> kStageNames = {"edge basis (geometry, Y, R)",
                                                            "atomic basis",
                                                            "channel mixing",
                                                            "product basis",
                                                            "readout",
                                                            "readout reverse",
                                                            "product basis reverse",
                                                            "mixing reverse",
                                                            "atomic basis reverse",
                                                            "forces and virial"};
using StageSeconds = std::array<double, kStageNames.size()>;

template <class ExecutionSpace>
class GauntNetEngine {
 public:
  using execution_space = ExecutionSpace;
  using memory_space = typename ExecutionSpace::memory_space;
  using Graph = GauntNetGraph<memory_space>;

  // Which optional outputs compute() fills (energy, per-atom energy, forces and the global
  // virial are always computed).
  struct Request {
    bool per_atom_energy = false;
    bool per_atom_virial = false;
    bool per_atom_centroid_virial = false;
  };

  // Results of the last compute(). The views are owned by the engine and only grow: entries
  // beyond n_local / n_total are unspecified.
  struct Result {
    double energy = 0;      // E = Σ_i E_i over local atoms, eV
    double virial[6] = {};  // W, LAMMPS order xx yy zz xy xz yz and sign (Σ r ⊗ f), eV
    // Smallest r_ij over the edges that enter the model (both species ≥ 0, r < r_c); +∞ when
    // there is none. A caller compares it with min_safe_distance().
    double min_distance = std::numeric_limits<double>::infinity();
    // Rows of R(r) evaluated (MLP or table): the two edges of a pair inside a chunk share one.
    long radial_rows = 0;
    Kokkos::View<double*, memory_space> per_atom_energy;                  // [n_local] eV
    Kokkos::View<double* [3], Kokkos::LayoutRight, memory_space> forces;  // [n_total] eV/Å
    Kokkos::View<double* [6], Kokkos::LayoutRight, memory_space> per_atom_virial;  // [n_total]
    // [n_total] LAMMPS order xx yy zz xy xz yz yx zx zy (gauntnet_forces.hpp)
    Kokkos::View<double* [9], Kokkos::LayoutRight, memory_space> per_atom_centroid_virial;
  };

  // No header field bounds the trusted distance range of a GauntNet v1 model; the energy is
  // finite for every r > 0 but r = 0 has no direction. 0.1 Å is far below any bond length
  // (H₂: 0.74 Å) and far above round-off.
  static constexpr double kDefaultMinSafeDistance = 0.1;

  explicit GauntNetEngine(const ModelFile& model, const ExecutionSpace& space = ExecutionSpace());

  // Energy, per-atom energy, forces, virial (and per-atom virial if requested) of `graph`.
  const Result& compute(const Graph& graph, const Request& request);

  double cutoff() const { return params_.cutoff; }
  const std::vector<std::string>& elements() const { return elements_; }
  const std::vector<int>& atomic_numbers() const { return atomic_numbers_; }
  double min_safe_distance() const { return kDefaultMinSafeDistance; }
  const GauntNetParameters<memory_space>& parameters() const { return params_; }
  const Result& result() const { return result_; }

  // Radial functions from cubic Hermite splines on n_intervals uniform intervals of
  // [min_safe_distance() / 2, r_c] (gauntnet_radial.hpp) instead of the radial MLP; 0 (the
  // default) evaluates the MLP exactly.
  void set_radial_table(int n_intervals);
  int radial_table_intervals() const { return radial_table_.n_intervals; }

  // kDouble (default): float64 throughout, the reference. kMixed: the radial MLP's layers in
  // float32 (gauntnet_radial.hpp); geometry, the other stages and every sum over neighbours
  // and atoms stay float64. A tabulated radial function (set_radial_table) takes precedence.
  enum class Precision { kDouble, kMixed };
  void set_precision(Precision precision) { precision_ = precision; }
  Precision precision() const { return precision_; }

  // The radial MLP's route without a table (RadialMlpRoute, gauntnet_edge_basis.hpp). Default:
  // kGemm on host (OpenBLAS), kTeams on GPUs (the team kernel; kGemm there calls cuBLAS).
  using RadialMlpRoute = gaunt::RadialMlpRoute;
  void set_radial_mlp_route(RadialMlpRoute route) {
#ifdef KOKKOS_ENABLE_CUDA
    // cuBLAS is opened now: where it is missing, the error comes here, not inside a step.
    if constexpr (!host_blas_reaches<memory_space>) {
      if (route == RadialMlpRoute::kGemm) Cublas::instance();
    }
#endif
    radial_mlp_route_ = route;
  }
  RadialMlpRoute radial_mlp_route() const { return radial_mlp_route_; }

  // The product basis's route (gauntnet_product_basis.hpp); the default is the cheaper one for
  // the model. kIndexTuples throws when the model has too many tuples to tabulate.
  void set_product_route(ProductRoute route);
  ProductRoute product_route() const { return params_.product_route; }

  // Local atoms per chunk (default GauntNetTuning<ExecutionSpace>::chunk_atoms; ≥ 1).
  void set_chunk_atoms(int n);
  int chunk_atoms() const { return chunk_atoms_; }

  // Threads per team of the per-atom kernels (default GauntNetTuning<ExecutionSpace>::
  // atom_team_threads: 1 on host, 4 warps on GPUs; ≥ 1, capped by the backend's team size). The
  // numbers do not depend on it; tests run the GPUs' work sharing on host teams with it.
  void set_atom_team_threads(int n);
  int atom_team_threads() const { return params_.atom_team_threads; }

  // Bytes of level-0 scratch (GPU shared memory: 48 kB a block, less what Kokkos keeps) that one
  // thread of the per-atom kernels may take; where its scratch is larger they use level 1 instead
  // (GPU global memory; AtomTeams::with_scratch_level). Default TeamPolicy<ExecutionSpace>::
  // scratch_size_max(0); ≥ 0. The numbers do not depend on it; tests run level 1 with 0.
  void set_scratch_level0_bytes(int bytes);
  int scratch_level0_bytes() const { return params_.scratch_level0_bytes; }

  // The host BLAS library that the engine's matrix products call (blas_library()), or
  // std::nullopt where the engine calls none (GPU memory spaces).
  static std::optional<BlasLibrary> host_blas() {
    if constexpr (host_blas_reaches<memory_space>) return blas_library();
    return std::nullopt;
  }

  // Stage timing (off by default): compute() then fences the execution space around each stage
  // and adds its wall time to stage_seconds()[s], s indexing kStageNames. For profiles (LAMMPS's
  // `timer full`); the fences cost GPU overlap, so it stays off otherwise.
  void set_stage_timing(bool on) { time_stages_ = on; }
  void reset_stage_seconds() { stage_seconds_.fill(0.0); }
  const StageSeconds& stage_seconds() const { return stage_seconds_; }
  // Bytes held by the engine's buffers and parameters.
  std::size_t memory_usage() const;

 private:
  void reserve_chunk(int n_atoms, int n_edges);
  void reserve_result(int n_local, int n_total, const Request& request);

  ExecutionSpace space_;
  GauntNetParameters<memory_space> params_;
  RadialTable<memory_space> radial_table_;
  Precision precision_ = Precision::kDouble;
  RadialMlpRoute radial_mlp_route_ =
      host_blas_reaches<memory_space> ? RadialMlpRoute::kGemm : RadialMlpRoute::kTeams;
  std::vector<std::string> elements_;
  std::vector<int> atomic_numbers_;
  int chunk_atoms_ = GauntNetTuning<ExecutionSpace>::chunk_atoms;
  bool time_stages_ = false;
  StageSeconds stage_seconds_{};

  // Stage buffers X / X_adj, sized to one chunk.
  EdgeBasis<memory_space> edge_basis_;
  EdgeBasisAdj<memory_space> edge_basis_adj_;
  RadialBatches<ExecutionSpace, memory_space> radial_batches_;
  AtomFeatures<memory_space> A_, A_adj_, A_mixed_, A_mixed_adj_;
  AtomInvariants<memory_space> B_, B_adj_;
  Kokkos::View<int*, Kokkos::HostSpace> offsets_host_;
  Result result_;
};

// ---------------------------------------------------------------------------------------------

template <class ExecutionSpace>
GauntNetEngine<ExecutionSpace>::GauntNetEngine(const ModelFile& model, const ExecutionSpace& space)
    : space_(space),
      params_(make_gauntnet_parameters<memory_space>(model)),
      elements_(model.elements),
      atomic_numbers_(model.atomic_numbers) {
  params_.atom_team_threads = GauntNetTuning<ExecutionSpace>::atom_team_threads;
  params_.scratch_level0_bytes = Kokkos::TeamPolicy<ExecutionSpace>::scratch_size_max(0);
}

template <class ExecutionSpace>
void GauntNetEngine<ExecutionSpace>::set_chunk_atoms(int n) {
  if (n < 1)
    throw std::invalid_argument("GauntNetEngine: chunk_atoms must be ≥ 1, got " +
                                std::to_string(n));
  chunk_atoms_ = n;
}

template <class ExecutionSpace>
void GauntNetEngine<ExecutionSpace>::set_atom_team_threads(int n) {
  if (n < 1)
    throw std::invalid_argument("GauntNetEngine: atom_team_threads must be ≥ 1, got " +
                                std::to_string(n));
  params_.atom_team_threads = n;
}

template <class ExecutionSpace>
void GauntNetEngine<ExecutionSpace>::set_scratch_level0_bytes(int bytes) {
  if (bytes < 0)
    throw std::invalid_argument("GauntNetEngine: scratch_level0_bytes must be ≥ 0, got " +
                                std::to_string(bytes));
  params_.scratch_level0_bytes = bytes;
}

template <class ExecutionSpace>
void GauntNetEngine<ExecutionSpace>::set_product_route(ProductRoute route) {
  if (route == ProductRoute::kIndexTuples && params_.tuple_coefficient.extent(0) == 0) {
    throw std::invalid_argument(
        "GauntNetEngine: the model's index tuples exceed the tabulation limit (L = " +
        std::to_string(params_.lmax) + ", ν_max = " + std::to_string(params_.nu_max) + ")");
  }
  params_.product_route = route;
}

template <class ExecutionSpace>
void GauntNetEngine<ExecutionSpace>::set_radial_table(int n_intervals) {
  if (n_intervals < 0)
    throw std::invalid_argument("GauntNetEngine: radial table intervals must be ≥ 0, got " +
                                std::to_string(n_intervals));
  radial_table_ = make_radial_table(space_, params_, n_intervals, 0.5 * min_safe_distance());
}

template <class ExecutionSpace>
void GauntNetEngine<ExecutionSpace>::reserve_chunk(int n_atoms, int n_edges) {
  const auto& p = params_;
  const int n_radial = (p.lmax + 1) * p.channels;
  // float32 rows where the float32 MLP writes them all (no table).
  edge_basis_.reserve(n_edges, n_radial, p.n_sh,
                      precision_ == Precision::kMixed && radial_table_.n_intervals == 0);
  edge_basis_adj_.reserve(n_edges);
  reserve_atom_features(A_, "gaunt::AtomicBasis::A", n_atoms, p.n_sh, p.channels);
  reserve_atom_features(A_adj_, "gaunt::AtomicBasis::A_adj", n_atoms, p.n_sh, p.channels);
  reserve_atom_features(A_mixed_, "gaunt::Mixing::A_mixed", n_atoms, p.n_sh, p.channels);
  reserve_atom_features(A_mixed_adj_, "gaunt::Mixing::A_mixed_adj", n_atoms, p.n_sh, p.channels);
  if (int(B_.extent(0)) < n_atoms) {
    const auto alloc = [](const char* label) {
      return Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label));
    };
    B_ = AtomInvariants<memory_space>(alloc("gaunt::ProductBasis::B"), n_atoms, p.n_invariants);
    B_adj_ =
        AtomInvariants<memory_space>(alloc("gaunt::ProductBasis::B_adj"), n_atoms, p.n_invariants);
  }
}

template <class ExecutionSpace>
void GauntNetEngine<ExecutionSpace>::reserve_result(int n_local, int n_total,
                                                    const Request& request) {
  const auto alloc = [](const char* label) {
    return Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label));
  };
  auto& r = result_;
  if (int(r.per_atom_energy.extent(0)) < n_local) {
    r.per_atom_energy = decltype(r.per_atom_energy)(alloc("gaunt::GauntNet::per_atom_energy"),
                                                    n_local + n_local / 8);
  }
  if (int(r.forces.extent(0)) < n_total) {
    r.forces = decltype(r.forces)(alloc("gaunt::GauntNet::forces"), n_total + n_total / 8);
  }
  if (request.per_atom_virial && int(r.per_atom_virial.extent(0)) < n_total) {
    r.per_atom_virial = decltype(r.per_atom_virial)(alloc("gaunt::GauntNet::per_atom_virial"),
                                                    n_total + n_total / 8);
  }
  if (request.per_atom_centroid_virial && int(r.per_atom_centroid_virial.extent(0)) < n_total) {
    r.per_atom_centroid_virial = decltype(r.per_atom_centroid_virial)(
        alloc("gaunt::GauntNet::per_atom_centroid_virial"), n_total + n_total / 8);
  }
  if (int(offsets_host_.extent(0)) < n_local + 1) {
    offsets_host_ = Kokkos::View<int*, Kokkos::HostSpace>(alloc("gaunt::GauntNet::offsets_host"),
                                                          n_local + 1 + n_local / 8);
  }
}

template <class ExecutionSpace>
const typename GauntNetEngine<ExecutionSpace>::Result& GauntNetEngine<ExecutionSpace>::compute(
    const Graph& graph, const Request& request) {
  const int n_local = graph.n_local, n_total = graph.n_total;
  if (n_local < 0 || n_total < n_local) {
    throw std::invalid_argument(
        "GauntNetEngine::compute: need 0 ≤ n_local ≤ n_total, got n_local " +
        std::to_string(n_local) + ", n_total " + std::to_string(n_total));
  }
  reserve_result(n_local, n_total, request);
  auto& r = result_;
  const std::pair<int, int> all_atoms(0, n_total);
  Kokkos::deep_copy(space_, Kokkos::subview(r.forces, all_atoms, Kokkos::ALL), 0.0);
  if (request.per_atom_virial) {
    Kokkos::deep_copy(space_, Kokkos::subview(r.per_atom_virial, all_atoms, Kokkos::ALL), 0.0);
  }
  if (request.per_atom_centroid_virial) {
    Kokkos::deep_copy(space_, Kokkos::subview(r.per_atom_centroid_virial, all_atoms, Kokkos::ALL),
                      0.0);
  }
  const auto offsets_host = Kokkos::subview(offsets_host_, std::pair<int, int>(0, n_local + 1));
  if (n_local > 0) {
    Kokkos::deep_copy(space_, offsets_host,
                      Kokkos::subview(graph.offsets, std::pair<int, int>(0, n_local + 1)));
    space_.fence("gaunt::GauntNet::compute: offsets on host");
  }

  Virial6 virial;
  double min_distance = std::numeric_limits<double>::infinity();
  long radial_rows = 0;
  for (int first = 0; first < n_local; first += chunk_atoms_) {
    AtomChunk chunk;
    chunk.first = first;
    chunk.n_atoms = std::min(chunk_atoms_, n_local - first);
    chunk.edge_begin = offsets_host(first);
    chunk.n_edges = offsets_host(first + chunk.n_atoms) - chunk.edge_begin;
    reserve_chunk(chunk.n_atoms, chunk.n_edges);

    // The stages in order (kStageNames), each timed when stage timing is on.
    int stage = 0;
    const auto run = [&](const auto& stage_body) {
      if (!time_stages_) return stage_body();
      space_.fence("gaunt::GauntNet: stage timing");
      Kokkos::Timer timer;
      stage_body();
      space_.fence("gaunt::GauntNet: stage timing");
      stage_seconds_[stage++] += timer.seconds();
    };
    EdgeBasisStats edges;
    run([&] {
      edges = forward_edge_basis(space_, params_, radial_table_, precision_ == Precision::kMixed,
                                 radial_mlp_route_, graph, chunk, edge_basis_, radial_batches_);
    });
    min_distance = std::min(min_distance, edges.min_distance);
    radial_rows += edges.radial_rows;
    run([&] { forward_atomic_basis(space_, params_, graph, chunk, edge_basis_, A_); });
    run([&] { forward_mixing(space_, params_, chunk, A_, A_mixed_); });
    run([&] { forward_product_basis(space_, params_, graph, chunk, A_mixed_, B_); });
    run([&] { forward_readout(space_, params_, graph, chunk, B_, r.per_atom_energy); });

    run([&] { reverse_readout(space_, params_, graph, chunk, B_, B_adj_); });
    run([&] {
      reverse_product_basis(space_, params_, graph, chunk, A_mixed_, B_adj_, A_mixed_adj_);
    });
    run([&] { reverse_mixing(space_, params_, chunk, A_mixed_adj_, A_adj_); });
    run([&] {
      reverse_atomic_basis(space_, params_, graph, chunk, edge_basis_, A_adj_, edge_basis_adj_);
    });
    run([&] {
      virial += accumulate_forces(space_, chunk, edge_basis_, edge_basis_adj_, r, request);
    });
  }

  const auto energies = r.per_atom_energy;
  double energy = 0;
  Kokkos::parallel_reduce(
      "gaunt::GauntNet::energy", Kokkos::RangePolicy<ExecutionSpace>(space_, 0, n_local),
      KOKKOS_LAMBDA(const int i, double& sum) { sum += energies(i); }, energy);
  r.energy = energy;
  for (int c = 0; c < 6; ++c) r.virial[c] = virial.v[c];
  r.min_distance = min_distance;
  r.radial_rows = radial_rows;
  return r;
}

template <class ExecutionSpace>
std::size_t GauntNetEngine<ExecutionSpace>::memory_usage() const {
  const auto& p = params_;
  std::size_t bytes =
      (p.radial_weights.span() + p.embedding.span() + p.mixing.span() + p.factor_weights.span() +
       p.readout_linear.span() + p.readout_weight.span() + p.readout_bias.span() +
       p.readout_out.span() + p.e0s.span() + p.grid_sh.span() + p.grid_weight.span() +
       p.tuple_coefficient.span() + p.degree_permanent.span() + radial_table_.value.span() +
       radial_table_.slope.span()) *
          sizeof(double) +
      (p.tuple_index.span() + p.tuple_degrees.span()) * sizeof(int);
  bytes += p.radial_weights_f32.span() * sizeof(float);
  bytes += edge_basis_.bytes() + edge_basis_adj_.bytes() + radial_batches_.bytes();
  bytes += (A_.span() + A_adj_.span() + A_mixed_.span() + A_mixed_adj_.span() + B_.span() +
            B_adj_.span()) *
           sizeof(double);
  bytes += (result_.per_atom_energy.span() + result_.forces.span() +
            result_.per_atom_virial.span() + result_.per_atom_centroid_virial.span()) *
           sizeof(double);
  return bytes;
}

// Explicit instantiations live in gauntnet_engine.cpp.
extern template class GauntNetEngine<Kokkos::DefaultHostExecutionSpace>;
#if defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP)
extern template class GauntNetEngine<Kokkos::Serial>;
#endif
#ifdef KOKKOS_ENABLE_CUDA
extern template class GauntNetEngine<Kokkos::Cuda>;
#endif

}  // namespace gaunt
