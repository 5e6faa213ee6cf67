// pair_style gaunt (host): see pair_gaunt.h. The shared skeleton is gaunt_pair_core.h.
#include "pair_gaunt.h"

#include <mpi.h>

#include <Kokkos_Core.hpp>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>

#include "atom.h"
#include "comm.h"
#include "error.h"
#include "force.h"
#include "gaunt_pair_core.h"
#include "memory.h"
#include "neighbor.h"
#include "pair_gaunt_host.h"
#include "timer.h"
#include "update.h"
#include "utils.h"

#ifdef LMP_KOKKOS
#include "kokkos.h"
#endif

using namespace LAMMPS_NS;

using HostSpace = Kokkos::DefaultHostExecutionSpace;

struct PairGaunt::HostCore {
  explicit HostCore(const gaunt::ModelFile& model) : core(model) {}
  gaunt_lammps::GauntPairCore<HostSpace> core;
};

/* ---------------------------------------------------------------------- */

PairGaunt::PairGaunt(LAMMPS* lmp) : Pair(lmp) {
  single_enable = 0;
  restartinfo = 0;
  one_coeff = 1;
  manybody_flag = 1;
  // compute centroid/stress/atom: the per-atom virial of the heat flux (gauntnet_forces.hpp).
  centroidstressflag = CENTROID_AVAIL;
  no_virial_fdotr_compute = 1;  // W comes from the engine's edge sum
  unit_convert_flag = utils::NOCONVERT;
  comm_reverse_off = gaunt_lammps::kGhostValues;
}

PairGaunt::~PairGaunt() {
  if (copymode) return;
  if (allocated) {
    memory->destroy(setflag);
    memory->destroy(cutsq);
  }
}

/* ---------------------------------------------------------------------- */

void PairGaunt::allocate() {
  allocated = 1;
  const int n = atom->ntypes + 1;
  memory->create(setflag, n, n, "pair:setflag");
  memory->create(cutsq, n, n, "pair:cutsq");
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) setflag[i][j] = 0;
}

void PairGaunt::settings(int narg, char** arg) {
  check_units("pair_style");
  radial_table_intervals_ = 0;
  chunk_atoms_ = 0;
  precision_.clear();
  radial_mlp_.clear();
  // The keywords with words for values (the two words, the member set) and with numbers (the
  // least one, what the number counts, the member set).
  using TextMember = std::string PairGaunt::*;
  using CountMember = int PairGaunt::*;
  struct Choice {
    std::string first, second;
    TextMember member;
  };
  struct Count {
    int least;
    std::string what;
    CountMember member;
  };
  const std::map<std::string, Choice> choices = {
      {"precision", {"double", "mixed", &PairGaunt::precision_}},
      {"radial_mlp", {"gemm", "teams", &PairGaunt::radial_mlp_}}};
  const std::map<std::string, Count> counts = {
      {"radial_table", {0, "0: no table", &PairGaunt::radial_table_intervals_}},
      {"chunk_atoms", {1, "atoms per chunk", &PairGaunt::chunk_atoms_}}};
  for (int iarg = 0; iarg < narg; iarg += 2) {
    const std::string keyword = arg[iarg];
    const auto choice = choices.find(keyword);
    const auto count = counts.find(keyword);
    if (choice == choices.end() && count == counts.end())
      error->all(FLERR,
                 "Unknown pair_style {} keyword: {} (expected: radial_table N, precision "
                 "double|mixed, radial_mlp gemm|teams, chunk_atoms N)",
                 style_name_, keyword);
    if (!native_engine())
      error->all(FLERR, "pair_style {} has no {}: it evaluates the TorchScript model", style_name_,
                 keyword);
    if (iarg + 1 >= narg)
      error->all(FLERR, "pair_style {} {} needs a value ({})", style_name_, keyword,
                 count != counts.end() ? "a number, " + count->second.what
                                       : choice->second.first + " or " + choice->second.second);
    const std::string value = arg[iarg + 1];
    if (count != counts.end()) {
      const Count& c = count->second;
      const int n = utils::inumeric(FLERR, value, false, lmp);
      if (n < c.least)
        error->all(FLERR, "pair_style {} {} N needs N >= {} ({}), got {}", style_name_, keyword,
                   c.least, c.what, n);
      this->*c.member = n;
    } else {
      const Choice& c = choice->second;
      if (value != c.first && value != c.second)
        error->all(FLERR, "pair_style {} {} must be {} or {}, got {}", style_name_, keyword,
                   c.first, c.second, value);
      this->*c.member = value;
    }
  }
}

void PairGaunt::report_engine(const std::string& execution_space, bool radial_mlp_teams,
                              int radial_table_intervals, bool mixed_precision, int chunk_atoms,
                              const std::optional<gaunt::BlasLibrary>& host_blas) const {
  std::string blas;
  if (host_blas)
    blas = fmt::format(", BLAS {} ({})", host_blas->name.empty() ? "unnamed" : host_blas->name,
                       host_blas->path);
  utils::logmesg(lmp,
                 "pair_style {}: GauntNet engine on {}: radial MLP {}, precision {}, chunks of "
                 "{} atoms{}\n",
                 style_name_, execution_space,
                 radial_table_intervals > 0
                     ? fmt::format("tabulated on {} intervals", radial_table_intervals)
                     : std::string("by ") + (radial_mlp_teams ? "teams" : "gemm"),
                 mixed_precision ? "mixed" : "double", chunk_atoms, blas);
  if (host_blas && host_blas->name.empty() && comm->me == 0)
    error->warning(FLERR,
                   "pair_style {}: the BLAS library is not OpenBLAS, MKL or BLIS; if it is the "
                   "reference BLAS, the radial MLP runs about 5x slower (a step of 1000 Si atoms "
                   "3.3x): install an optimised BLAS (Debian: libopenblas0) or use radial_table",
                   style_name_);
}

void PairGaunt::report_model(const gaunt::ModelFile& model) const {
  const auto& h = model.hyperparameters;
  std::size_t parameters = 0;
  for (const auto& entry : model.weights) parameters += entry.second.values.size();
  std::vector<std::string> widths{std::to_string(h.num_bessel)};
  for (const int width : h.radial_hidden) widths.push_back(std::to_string(width));
  widths.push_back(std::to_string((h.lmax + 1) * h.channels));
  std::vector<std::string> types;
  for (int t = 1; t <= atom->ntypes; ++t) {
    const int s = type_to_species_[t];
    types.push_back(fmt::format("{} {}", t, s >= 0 ? model.elements[s] : "NULL"));
  }
  utils::logmesg(lmp,
                 "pair_style {0}: model {1} ({2}, weights sha256 {3:.12}...)\n"
                 "pair_style {0}: elements {4}, cutoff {5:g} Angstrom, {6} channels, L {7}, nu_max "
                 "{8}, radial MLP {9}, readout hidden {10}, {11} parameters\n"
                 "pair_style {0}: atom types {12}\n",
                 style_name_, model.path, model.model_version, model.weights_sha256,
                 utils::join_words(model.elements, " "), model.cutoff, h.channels, h.lmax, h.nu_max,
                 utils::join_words(widths, "-"), h.readout_hidden, parameters,
                 utils::join_words(types, ", "));
}

void PairGaunt::check_units(const char* where) {
  if (std::strcmp(update->unit_style, "metal") != 0)
    error->all(FLERR,
               "{} {}: GauntNet models use metal units (eV, Angstrom), but this input uses "
               "units {}",
               where, style_name_, update->unit_style);
}

/* ----------------------------------------------------------------------
   pair_coeff * * FILE El1 ... ElN  (DESIGN.md §6)
------------------------------------------------------------------------- */

void PairGaunt::coeff(int narg, char** arg) {
  const int ntypes = atom->ntypes;
  if (narg < 3)
    error->all(FLERR, "Incorrect pair_coeff for pair_style {}: expected * * FILE El1 .. El{}",
               style_name_, ntypes);
  if (std::strcmp(arg[0], "*") != 0 || std::strcmp(arg[1], "*") != 0)
    error->all(FLERR,
               "Incorrect pair_coeff for pair_style {}: the first two arguments must be * * "
               "(got {} {})",
               style_name_, arg[0], arg[1]);
  check_units("pair_coeff");
  const std::string path = arg[2];
  if (narg - 3 != ntypes)
    error->all(FLERR,
               "Incorrect number of elements in pair_coeff for pair_style {} with model file "
               "{}: expected {} (one element or NULL per atom type), got {}",
               style_name_, path, ntypes, narg - 3);

  gaunt::ModelFile model;
  try {
    model = gaunt::read_model_file(path);
  } catch (const gaunt::ModelFileError& e) {
    error->all(FLERR, "Cannot read GauntNet model file for pair_style {}: {}", style_name_,
               e.what());
  } catch (const std::exception& e) {
    error->all(FLERR, "Cannot read GauntNet model file {} for pair_style {}: {}", path, style_name_,
               e.what());
  }

  std::vector<int> type_to_species(ntypes + 1, -1);
  for (int t = 1; t <= ntypes; ++t) {
    const std::string element = arg[2 + t];
    // Under hybrid/overlay force->pair is the hybrid style, not this sub-style.
    if (element == "NULL" && force->pair == this)
      error->all(FLERR,
                 "pair_coeff for pair_style {}: atom type {} is NULL; NULL in pair_coeff is only "
                 "for types handled by another style under pair_style hybrid/overlay",
                 style_name_, t);
    if (element == "NULL") continue;
    int species = -1;
    for (std::size_t s = 0; s < model.elements.size(); ++s)
      if (model.elements[s] == element) species = int(s);
    if (species < 0)
      error->all(FLERR,
                 "pair_coeff for pair_style {}: element {} of atom type {} is not in model "
                 "file {} (its elements: {})",
                 style_name_, element, t, path, utils::join_words(model.elements, " "));
    type_to_species[t] = species;
  }

  type_to_species_ = type_to_species;
  report_model(model);
  try {
    create_engine(model);
  } catch (const std::exception& e) {
    error->all(FLERR, "Cannot use GauntNet model file {} with pair_style {}: {}", path, style_name_,
               e.what());
  }

  if (!allocated) allocate();
  model_path_ = path;
  model_elements_ = model.elements;
  cutoff_ = model.cutoff;
  int count = 0;
  for (int i = 1; i <= ntypes; ++i) {
    for (int j = i; j <= ntypes; ++j) {
      setflag[i][j] = (type_to_species[i] >= 0 && type_to_species[j] >= 0) ? 1 : 0;
      count += setflag[i][j];
    }
  }
  if (count == 0)
    error->all(FLERR, "pair_coeff for pair_style {}: every atom type is NULL", style_name_);
}

// With LAMMPS's KOKKOS package present this goes through KokkosLMP, so LAMMPS's own shutdown
// (lammps_kokkos_finalize) finalises it; otherwise Kokkos is finalised at exit.
void PairGaunt::ensure_kokkos_initialized() {
  if (Kokkos::is_initialized()) return;
  Kokkos::InitializationSettings settings;
  // One host thread per MPI rank unless the user asks for more (OMP_NUM_THREADS).
  if (!std::getenv("OMP_NUM_THREADS") && !std::getenv("KOKKOS_NUM_THREADS"))
    settings.set_num_threads(1);
#ifdef LMP_KOKKOS
  KokkosLMP::initialize(settings, error);
#else
  if (Kokkos::is_finalized())
    error->all(FLERR, "pair_style {}: Kokkos was already finalized, cannot re-initialize",
               style_name_);
  Kokkos::initialize(settings);
  std::atexit([] {
    if (Kokkos::is_initialized() && !Kokkos::is_finalized()) Kokkos::finalize();
  });
#endif
}

void PairGaunt::create_engine(const gaunt::ModelFile& model) {
  ensure_kokkos_initialized();
  host_ = std::make_unique<HostCore>(model);
  configure_engine(host_->core.engine());
  host_->core.set_type_map(type_to_species_);
  min_safe_distance_ = host_->core.engine().min_safe_distance();
}

/* ---------------------------------------------------------------------- */

void PairGaunt::init_style() {
  check_units("pair_style");
  if (!host_ && model_path_.empty())
    error->all(FLERR, "pair_style {} requires a pair_coeff * * FILE El1 ... command", style_name_);
  if (atom->tag_enable == 0) error->all(FLERR, "pair_style {} requires atom IDs", style_name_);
  neighbor->add_request(this, NeighConst::REQ_FULL);
}

double PairGaunt::init_one(int i, int j) {
  if (setflag[i][j] == 0)
    error->all(FLERR, "All pair coeffs are not set for pair_style {}", style_name_);
  return cutoff_;
}

/* ---------------------------------------------------------------------- */

void PairGaunt::check_min_distance(double local_min) {
  double global_min = local_min;
  MPI_Allreduce(&local_min, &global_min, 1, MPI_DOUBLE, MPI_MIN, world);
  if (global_min < min_safe_distance_)
    error->all(FLERR,
               "pair_style {}: two atoms are {:.6g} Angstrom apart, closer than the minimum "
               "safe distance {:.6g} Angstrom of model file {}",
               style_name_, global_min, min_safe_distance_, model_path_);
}

void PairGaunt::engine_failed(const char* what, int nlocal) const {
  std::string reason = what;
  while (!reason.empty() && (reason.back() == '.' || std::isspace(reason.back())))
    reason.pop_back();
  // The native engine's buffers hold one chunk of local atoms and their neighbour pairs.
  const std::string hint =
      native_engine()
          ? fmt::format(
                ". Where memory runs out, a smaller chunk_atoms N (pair_style keyword; {}) "
                "bounds the engine's buffers, which hold N local atoms and their "
                "neighbour pairs",
                chunk_atoms_ > 0 ? fmt::format("now {}", chunk_atoms_)
                                 : std::string("default 2048 on host, 32768 on GPUs"))
          : std::string();
  error->one(FLERR, "pair_style {} could not evaluate the model for {} local atoms: {}{}",
             style_name_, nlocal, reason, hint);
}

void PairGaunt::reverse_communicate_ghost_values(int n_values) {
  ghost_comm_size_ = n_values;
  comm->reverse_comm(this, ghost_comm_size_);
}

int PairGaunt::pack_reverse_comm(int n, int first, double* buf) {
  int m = 0;
  for (int i = first; i < first + n; ++i)
    for (int c = 0; c < ghost_comm_size_; ++c)
      buf[m++] = ghost_values_[std::size_t(i) * gaunt_lammps::kGhostValues + c];
  return m;
}

void PairGaunt::unpack_reverse_comm(int n, int* list, double* buf) {
  int m = 0;
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < ghost_comm_size_; ++c)
      ghost_values_[std::size_t(list[i]) * gaunt_lammps::kGhostValues + c] += buf[m++];
}

/* ---------------------------------------------------------------------- */

void PairGaunt::compute(int eflag, int vflag) {
  time_stages(host_->core.engine());
  compute_host(host_->core, eflag, vflag);
}

/* ---------------------------------------------------------------------- */

bool PairGaunt::in_run_setup() const { return update->setupflag != 0; }

bool PairGaunt::stage_timing_wanted() const { return timer->has_full() && !in_run_setup(); }

const double* PairGaunt::stage_seconds() const {
  return host_ ? host_->core.engine().stage_seconds().data() : nullptr;
}

void PairGaunt::finish() {
  const double* seconds = stage_seconds();
  if (!seconds || !timer->has_full()) return;
  gaunt::StageSeconds mean{};
  MPI_Allreduce(seconds, mean.data(), int(mean.size()), MPI_DOUBLE, MPI_SUM, world);
  double total = 0;
  for (double& t : mean) total += (t /= comm->nprocs);
  if (comm->me != 0) return;
  std::string message = fmt::format(
      "\npair_style {}: GauntNet engine stage times of the run (timer full; fenced, mean over {} "
      "MPI ranks)\n",
      style_name_, comm->nprocs);
  for (std::size_t s = 0; s < mean.size(); ++s) {
    message += fmt::format("  {:<28} {:10.4f} s {:6.1f}%\n", gaunt::kStageNames[s], mean[s],
                           total > 0 ? 100 * mean[s] / total : 0.0);
  }
  message += fmt::format("  {:<28} {:10.4f} s\n", "total", total);
  utils::logmesg(lmp, message);
}

/* ---------------------------------------------------------------------- */

double PairGaunt::memory_usage() {
  double bytes = Pair::memory_usage();
  if (host_) bytes += double(host_->core.memory_usage());
  bytes += double(ghost_values_.capacity() * sizeof(double));
  return bytes;
}
