// GauntTorchEngine (see gaunt_torch_engine.h): the only translation unit with LibTorch headers.
#include "gaunt_torch_engine.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/script.h>
#include <torch/version.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace gaunt {

namespace {

constexpr const char* kMethod = "energies_from_vectors";  // MODEL_FILE.md §6

// A LibTorch int64 copy of `n` ints at `data` (nothing is read when n = 0).
torch::Tensor int64_copy(const int* data, const std::int64_t n) {
  if (n == 0) return torch::zeros({0}, torch::kInt64);
  return torch::from_blob(const_cast<int*>(data), {n}, torch::kInt32).to(torch::kInt64);
}

// Grows a result view to at least n rows (labels as in GauntNetEngine).
template <class View>
void reserve(View& view, const char* label, const std::int64_t n) {
  if (std::int64_t(view.extent(0)) < n)
    view = View(Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label)), n);
}

// Copies a contiguous float64 tensor into the leading entries of a host view.
template <class View>
void copy_into(const torch::Tensor& t, const View& view) {
  const auto c = t.contiguous();
  if (c.numel() > 0) std::memcpy(view.data(), c.data_ptr<double>(), c.numel() * sizeof(double));
}

// [n][3][3] -> [n][6] in LAMMPS Voigt order xx yy zz xy xz yz (row index first: xy = [0][1]).
torch::Tensor voigt(const torch::Tensor& m) {
  return m.reshape({-1, 9}).index_select(1, torch::tensor({0, 4, 8, 1, 2, 5}, torch::kInt64));
}

// [n][3][3] -> [n][9] in LAMMPS's centroid order xx yy zz xy xz yz yx zx zy.
torch::Tensor centroid_order(const torch::Tensor& m) {
  return m.reshape({-1, 9}).index_select(1,
                                         torch::tensor({0, 4, 8, 1, 2, 5, 3, 6, 7}, torch::kInt64));
}

}  // namespace

struct GauntTorchEngine::Module {
  torch::jit::Module module;
};

GauntTorchEngine::GauntTorchEngine(const ModelFile& model)
    : module_(std::make_unique<Module>()), cutoff_(model.cutoff) {
  try {
    module_->module = torch::jit::load(model.path, torch::kCPU);
  } catch (const c10::Error& e) {
    throw GauntTorchError("LibTorch " + torch_version() +
                          " cannot load a TorchScript module from this file (" +
                          e.what_without_backtrace() + ")");
  }
  auto& m = module_->module;
  if (!m.find_method(kMethod))
    throw GauntTorchError(std::string("its TorchScript module has no method ") + kMethod +
                          " (MODEL_FILE.md §6)");
  m.eval();
  for (auto p : m.parameters()) {
    if (p.scalar_type() != torch::kFloat64)
      throw GauntTorchError("its TorchScript module is not float64 (MODEL_FILE.md §6): a " +
                            std::string(c10::toString(p.scalar_type())) + " parameter");
    p.requires_grad_(false);  // only ∂E/∂x and ∂E/∂r are needed, no weight gradient
  }
}

GauntTorchEngine::~GauntTorchEngine() = default;

const GauntTorchEngine::Result& GauntTorchEngine::compute(const Graph& graph,
                                                          const Request& request) {
  const std::int64_t n_local = graph.n_local, n_total = graph.n_total;
  Result& r = result_;
  reserve(r.forces, "gaunt::Torch::forces", n_total);
  reserve(r.per_atom_energy, "gaunt::Torch::per_atom_energy", n_local);
  if (request.per_atom_virial) reserve(r.per_atom_virial, "gaunt::Torch::per_atom_virial", n_total);
  if (request.per_atom_centroid_virial)
    reserve(r.per_atom_centroid_virial, "gaunt::Torch::per_atom_centroid_virial", n_total);
  r.energy = 0;
  std::fill(r.virial, r.virial + 6, 0.0);
  r.min_distance = std::numeric_limits<double>::infinity();
  if (n_local == 0) {  // no centre, no energy: every force and virial is zero
    Kokkos::deep_copy(r.forces, 0.0);
    if (request.per_atom_virial) Kokkos::deep_copy(r.per_atom_virial, 0.0);
    if (request.per_atom_centroid_virial) Kokkos::deep_copy(r.per_atom_centroid_virial, 0.0);
    return r;
  }

  try {
    torch::AutoGradMode grad_mode(true);
    const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
    // Inputs, copied from the graph: positions (the autograd leaf), species, CSR -> edges.
    const auto positions =
        torch::from_blob(const_cast<double*>(graph.positions.data()), {n_total, 3}, f64)
            .clone()
            .requires_grad_(true);
    const auto species = int64_copy(graph.species.data(), n_total);
    const auto offsets = int64_copy(graph.offsets.data(), n_local + 1);
    const std::int64_t first = graph.offsets(0), n_edges = graph.offsets(n_local) - first;
    auto centres = torch::repeat_interleave(torch::arange(n_local, torch::kInt64),
                                            offsets.slice(0, 1) - offsets.slice(0, 0, n_local));
    auto neighbours = int64_copy(graph.neighbors.data() + first, n_edges);
    // Edges between modelled atoms (NULL types have species −1) within r_c, as pair_allegro
    // and pair_nequip pass them: the neighbour list's skin never reaches the module.
    const auto x_detached = positions.detach();
    const auto within_cutoff =
        (x_detached.index_select(0, neighbours) - x_detached.index_select(0, centres))
            .norm(2, 1)
            .lt(cutoff_);
    const auto kept =
        torch::logical_and(torch::logical_and(species.index_select(0, centres).ge(0),
                                              species.index_select(0, neighbours).ge(0)),
                           within_cutoff)
            .nonzero()
            .squeeze(1);
    centres = centres.index_select(0, kept);
    neighbours = neighbours.index_select(0, kept);
    const auto edge_index = torch::stack({centres, neighbours});
    const auto vectors = positions.index_select(0, neighbours) - positions.index_select(0, centres);

    // Per-atom energies; NULL centres get species 0 in the module and energy 0 here.
    auto energies =
        module_->module.get_method(kMethod)({vectors, species.clamp_min(0), edge_index, n_local})
            .toTensor();
    const auto modelled = species.slice(0, 0, n_local).ge(0);
    energies = torch::where(modelled, energies, torch::zeros_like(energies));
    const auto energy = energies.sum();

    torch::Tensor de_dx = torch::zeros_like(positions), de_dr = torch::zeros_like(vectors);
    if (energy.requires_grad()) {
      const auto grads = torch::autograd::grad({energy}, {positions, vectors}, {},
                                               /*retain_graph=*/false, /*create_graph=*/false,
                                               /*allow_unused=*/true);
      if (grads[0].defined()) de_dx = grads[0];
      if (grads[1].defined()) de_dr = grads[1];
    }
    const auto x = positions.detach();
    const auto r_e = vectors.detach();

    r.energy = energy.item<double>();
    copy_into(energies.detach(), r.per_atom_energy);
    copy_into(-de_dx, r.forces);
    // W = −Σ_a x_a ⊗ ∂E/∂x_a (translation invariance of E makes it the edge sum).
    const auto w = voigt(-torch::matmul(x.t(), de_dx).reshape({1, 3, 3}));
    for (int c = 0; c < 6; ++c) r.virial[c] = w[0][c].item<double>();
    if (request.per_atom_virial) {
      const auto half = voigt(-0.5 * r_e.unsqueeze(2) * de_dr.unsqueeze(1));  // ½(−r_e ⊗ g_e)
      copy_into(torch::zeros({n_total, 6}, f64)
                    .index_add_(0, centres, half)
                    .index_add_(0, neighbours, half),
                r.per_atom_virial);
    }
    if (request.per_atom_centroid_virial) {  // −r_e ⊗ g_e, all to j (kokkos/gauntnet_forces.hpp)
      const auto w_e = centroid_order(-r_e.unsqueeze(2) * de_dr.unsqueeze(1));
      copy_into(torch::zeros({n_total, 9}, f64).index_add_(0, neighbours, w_e),
                r.per_atom_centroid_virial);
    }
    const auto lengths = r_e.norm(2, 1);
    const auto inside = lengths.masked_select(lengths < cutoff_);
    if (inside.numel() > 0) r.min_distance = inside.min().item<double>();
  } catch (const c10::Error& e) {
    throw GauntTorchError(e.what_without_backtrace());
  }
  return r;
}

std::size_t GauntTorchEngine::memory_usage() const {
  return (result_.per_atom_energy.span() + result_.forces.span() + result_.per_atom_virial.span() +
          result_.per_atom_centroid_virial.span()) *
         sizeof(double);
}

void GauntTorchEngine::set_threads(const int n) { at::set_num_threads(n); }

int GauntTorchEngine::threads() { return at::get_num_threads(); }

std::string GauntTorchEngine::torch_version() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
}

}  // namespace gaunt
