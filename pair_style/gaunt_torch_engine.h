// GauntTorchEngine: the TorchScript module of a GauntNet model file (model_export/MODEL_FILE.md
// §6) evaluated by LibTorch, with forces and virials from LibTorch autograd — the way
// pair_allegro and pair_nequip work. It is the baseline users know and an independent check
// of the native engine's analytic reverse stages (DESIGN.md §1, §8).
//
// It has the interface of gaunt::GauntNetEngine (Graph in, Request, Result out), so the
// pair-style skeleton (gaunt_pair_core.h) drives it unchanged. For the graph's local centres
// i, neighbours j (NULL species -1 dropped) and positions x (local + ghost):
//
//   r_e   = x_j − x_i                         edge vectors, built in LibTorch from x
//   E_i   = module.energies_from_vectors(r, s, edge_index, n_local)   (0 for NULL centres)
//   F_a   = −∂E/∂x_a                          autograd through r_e = x_j − x_i, a local or ghost
//   W     = −Σ_a x_a ⊗ ∂E/∂x_a               global virial from the position gradient
//   W_e   = −r_e ⊗ ∂E/∂r_e, half to i and half to j   per-atom virial (the fixtures' split)
//
// No LibTorch header here: LibTorch lives in gaunt_torch_engine.cpp only.
#pragma once

#include <Kokkos_Core.hpp>
#include <cstddef>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

#include "gauntnet_graph.hpp"
#include "model_file.hpp"

namespace gaunt {

// Thrown by GauntTorchEngine for every LibTorch failure, with LibTorch's message.
class GauntTorchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class GauntTorchEngine {
 public:
  using execution_space = Kokkos::DefaultHostExecutionSpace;
  using memory_space = execution_space::memory_space;
  using Graph = GauntNetGraph<memory_space>;

  struct Request {
    bool per_atom_energy = false;  // always computed; kept for the engine interface
    bool per_atom_virial = false;
    bool per_atom_centroid_virial = false;
  };

  // As GauntNetEngine::Result: views owned by the engine, grown only.
  struct Result {
    double energy = 0;      // eV
    double virial[6] = {};  // W, LAMMPS Voigt order xx yy zz xy xz yz, eV
    double min_distance = std::numeric_limits<double>::infinity();        // modelled edges, r < r_c
    Kokkos::View<double*, memory_space> per_atom_energy;                  // [n_local] eV
    Kokkos::View<double* [3], Kokkos::LayoutRight, memory_space> forces;  // [n_total] eV/Å
    Kokkos::View<double* [6], Kokkos::LayoutRight, memory_space> per_atom_virial;  // [n_total]
    // [n_total] xx yy zz xy xz yz yx zx zy (kokkos/gauntnet_forces.hpp)
    Kokkos::View<double* [9], Kokkos::LayoutRight, memory_space> per_atom_centroid_virial;
  };

  // Loads the float64 TorchScript module stored in model.path. Throws GauntTorchError when the
  // archive holds no usable module.
  explicit GauntTorchEngine(const ModelFile& model);
  ~GauntTorchEngine();
  GauntTorchEngine(const GauntTorchEngine&) = delete;
  GauntTorchEngine& operator=(const GauntTorchEngine&) = delete;

  const Result& compute(const Graph& graph, const Request& request);

  std::size_t memory_usage() const;

  // LibTorch's intra-op thread count (process-wide: at::set_num_threads).
  static void set_threads(int n);
  static int threads();
  // "MAJOR.MINOR.PATCH" of the LibTorch headers this was compiled with.
  static std::string torch_version();

 private:
  struct Module;
  std::unique_ptr<Module> module_;
  double cutoff_ = 0;
  Result result_;
};

}  // namespace gaunt
