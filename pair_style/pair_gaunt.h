// pair_style gaunt: GauntNet v1 (DESIGN.md §4, §6) through the native engine (kokkos/) on
// Kokkos' host execution space. Registered by the plugin (gauntplugin.cpp), not by a style
// header, so there is no PairStyle() line here.
//
//   pair_style  gaunt [radial_table N] [precision double|mixed] [radial_mlp gemm|teams]
//                     [chunk_atoms N]
//   pair_coeff  * * FILE.gaunt.pt El1 El2 ... ElN     (one element or NULL per atom type)
//
// radial_table N: the radial functions as cubic Hermite splines on N intervals of r instead of
// the radial MLP (kokkos/gauntnet_radial.hpp; faster, error bounded by h⁴/384 max|R⁗|);
// N = 0, the default, evaluates the MLP exactly.
// precision mixed: the radial MLP's layers in float32, the rest in float64 (faster; forces
// within ~1e-6 relative of float64); double, the default, is float64 throughout.
// radial_mlp: how the radial MLP runs without a table: gemm, as BLAS matrix products (OpenBLAS
// on host, cuBLAS on GPUs), or teams, the engine's own kernel; the default is gemm on host, teams
// on GPUs. The same numbers to rounding either way.
// chunk_atoms N: local atoms the engine takes at once (default 2048 on host, 32768 on GPUs); its
// per-atom and per-edge buffers are sized to one chunk, so N bounds the memory (an allocation that
// fails stops the run with an error naming this keyword: engine_failed). Same numbers.
//
// Full neighbour list; newton on (LAMMPS reverse-communicates ghost forces) and newton off
// (this style reverse-communicates them itself); per-atom energy and virial.
#ifndef LMP_PAIR_GAUNT_H
#define LMP_PAIR_GAUNT_H

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pair.h"

namespace gaunt {
struct ModelFile;
struct BlasLibrary;
}  // namespace gaunt

namespace LAMMPS_NS {

class PairGaunt : public Pair {
 public:
  PairGaunt(class LAMMPS*);
  ~PairGaunt() override;

  void compute(int, int) override;
  void settings(int, char**) override;
  void coeff(int, char**) override;
  void init_style() override;
  double init_one(int, int) override;
  int pack_reverse_comm(int, int, double*) override;
  void unpack_reverse_comm(int, int*, double*) override;
  double memory_usage() override;
  // With `timer full`: the native engine's stage times of the run (LAMMPS calls it at its end).
  void finish() override;
  // The name this style was created under (gauntplugin.cpp), for its messages: under
  // pair_style hybrid, force->pair_style names the hybrid style.
  void set_style_name(const std::string& name) { style_name_ = name; }

 protected:
  // What every gaunt style shares: its name, the model file, the element of each type, the
  // checks.
  std::string style_name_ = "gaunt";
  std::string model_path_;
  std::vector<std::string> model_elements_;
  std::vector<int> type_to_species_;  // [ntypes + 1], -1 = NULL
  double cutoff_ = 0;
  double min_safe_distance_ = 0;
  int radial_table_intervals_ = 0;  // pair_style keyword radial_table N (0: exact MLP)
  std::string precision_;           // pair_style keyword precision ("": double)
  std::string radial_mlp_;          // pair_style keyword radial_mlp ("": the engine's default)
  int chunk_atoms_ = 0;             // pair_style keyword chunk_atoms N (0: the engine's default)
  // Newton off: [nall][kGhostValues] ghost forces and per-atom virials, reverse-communicated.
  std::vector<double> ghost_values_;
  int ghost_comm_size_ = 0;

  virtual void allocate();
  // Builds the engine for the style's execution space from a validated model file.
  virtual void create_engine(const gaunt::ModelFile& model);
  // Whether the style runs the native engine, which takes the radial_table, precision,
  // radial_mlp and chunk_atoms keywords (gaunt/torch evaluates the TorchScript model instead).
  virtual bool native_engine() const { return true; }
  // The pair_style keywords, applied to a native engine of any execution space.
  template <class Engine>
  void configure_engine(Engine& engine) const {
    engine.set_radial_table(radial_table_intervals_);
    engine.set_precision(precision_ == "mixed" ? Engine::Precision::kMixed
                                               : Engine::Precision::kDouble);
    if (!radial_mlp_.empty())
      engine.set_radial_mlp_route(radial_mlp_ == "teams" ? Engine::RadialMlpRoute::kTeams
                                                         : Engine::RadialMlpRoute::kGemm);
    if (chunk_atoms_ > 0) engine.set_chunk_atoms(chunk_atoms_);
    // What the engine now holds, in the log.
    report_engine(Engine::execution_space::name(),
                  engine.radial_mlp_route() == Engine::RadialMlpRoute::kTeams,
                  engine.radial_table_intervals(), engine.precision() == Engine::Precision::kMixed,
                  engine.chunk_atoms(), Engine::host_blas());
  }
  // The engine line of the log; with a host BLAS that does not name itself (the reference BLAS
  // among others), also a warning.
  void report_engine(const std::string& execution_space, bool radial_mlp_teams,
                     int radial_table_intervals, bool mixed_precision, int chunk_atoms,
                     const std::optional<gaunt::BlasLibrary>& host_blas) const;
  // `timer full`: the engine times its stages during the run's steps (like LAMMPS's own Pair
  // time, not the run's set-up force computation, which starts the count afresh). Each native
  // style calls this before its engine computes.
  template <class Engine>
  void time_stages(Engine& engine) const {
    if (in_run_setup()) engine.reset_stage_seconds();
    engine.set_stage_timing(stage_timing_wanted());
  }
  bool in_run_setup() const;
  bool stage_timing_wanted() const;
  // The engine's stage times (gaunt::kStageNames order) of a native style, else nullptr.
  virtual const double* stage_seconds() const;
  // The model of pair_coeff in the log: file, version, weights' checksum, elements, cutoff, sizes,
  // and the atom types' elements.
  void report_model(const gaunt::ModelFile& model) const;
  // Stops with a clear error when units are not metal.
  void check_units(const char* where);
  // Stops with a clear error when two modelled atoms are closer than the safe distance.
  void check_min_distance(double local_min);
  // core.compute(args...), one evaluation of the model, with an exception out of it (above all a
  // failed allocation of the engine's buffers) turned into one error on this rank (engine_failed).
  template <class Core, class... Args>
  decltype(auto) evaluate(Core& core, int nlocal, const Args&... args) {
    try {
      return core.compute(args...);
    } catch (const std::exception& e) {
      engine_failed(e.what(), nlocal);
    }
  }
  [[noreturn]] void engine_failed(const char* what, int nlocal) const;
  // Newton off: reverse-communicates the first n_values columns of ghost_values_ and leaves the
  // sums on owned atoms.
  void reverse_communicate_ghost_values(int n_values);
  // Plain `lmp` (no `-k on`) does not initialise Kokkos; host styles call this before they
  // create their engine.
  void ensure_kokkos_initialized();
  // compute() of the host styles (gaunt, gaunt/torch) for a GauntPairCore on the host space:
  // LAMMPS arrays -> graph -> core's engine -> tallies. Defined in pair_gaunt_host.h.
  template <class Core>
  void compute_host(Core& core, int eflag, int vflag);

 private:
  struct HostCore;
  std::unique_ptr<HostCore> host_;
};

}  // namespace LAMMPS_NS

#endif
