// pair_style gaunt/torch: see pair_gaunt_torch.h. No LibTorch header here (see
// gaunt_torch_engine.cpp); the glue is PairGaunt's (pair_gaunt_host.h, gaunt_pair_core.h).
#include "pair_gaunt_torch.h"

#include <cstdlib>
#include <string>

#include "error.h"
#include "force.h"
#include "gaunt_pair_core.h"
#include "gaunt_torch_engine.h"
#include "pair_gaunt_host.h"
#include "utils.h"

using namespace LAMMPS_NS;

namespace {

// LibTorch intra-op threads per MPI rank: OMP_NUM_THREADS when it is a positive integer, else 1
// (as pair_style gaunt; LibTorch's own default would take every core on every rank).
int torch_threads_from_environment() {
  const char* value = std::getenv("OMP_NUM_THREADS");
  if (!value) return 1;
  char* end = nullptr;
  const long n = std::strtol(value, &end, 10);
  return (end != value && *end == '\0' && n > 0) ? int(n) : 1;
}

}  // namespace

struct PairGauntTorch::TorchCore {
  explicit TorchCore(const gaunt::ModelFile& model) : core(model) {}
  gaunt_lammps::GauntPairCore<gaunt::GauntTorchEngine::execution_space, gaunt::GauntTorchEngine>
      core;
};

PairGauntTorch::PairGauntTorch(LAMMPS* lmp) : PairGaunt(lmp) {}

PairGauntTorch::~PairGauntTorch() = default;

void PairGauntTorch::create_engine(const gaunt::ModelFile& model) {
  ensure_kokkos_initialized();  // the skeleton builds the graph with Kokkos host kernels
  gaunt::GauntTorchEngine::set_threads(torch_threads_from_environment());
  torch_ = std::make_unique<TorchCore>(model);
  torch_->core.set_type_map(type_to_species_);
  // The native engine's threshold, so gaunt and gaunt/torch refuse the same inputs.
  min_safe_distance_ =
      gaunt::GauntNetEngine<gaunt::GauntTorchEngine::execution_space>::kDefaultMinSafeDistance;
  utils::logmesg(lmp,
                 "pair_style {}: TorchScript module of {} on LibTorch {}, {} intra-op "
                 "thread(s) per MPI rank\n",
                 style_name_, model.path, gaunt::GauntTorchEngine::torch_version(),
                 gaunt::GauntTorchEngine::threads());
}

void PairGauntTorch::compute(int eflag, int vflag) {
  try {
    compute_host(torch_->core, eflag, vflag);
  } catch (const gaunt::GauntTorchError& e) {
    error->one(FLERR, "pair_style {}: LibTorch failed on model file {}: {}", style_name_,
               model_path_, e.what());
  }
}

double PairGauntTorch::memory_usage() {
  double bytes = Pair::memory_usage();
  if (torch_) bytes += double(torch_->core.memory_usage());
  bytes += double(ghost_values_.capacity() * sizeof(double));
  return bytes;
}
