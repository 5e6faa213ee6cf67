// pair_style gaunt/torch: GauntNet v1 through the TorchScript module of the same model file,
// with forces and virials by LibTorch autograd (gaunt_torch_engine.h) — the pair_allegro /
// pair_nequip way, kept as the baseline users know and as an independent check of the native
// engine's analytic forces. Registered by the plugin when it is built with LibTorch
// (GAUNT_WITH_TORCH).
//
//   pair_style  gaunt/torch
//   pair_coeff  * * FILE.gaunt.pt El1 El2 ... ElN     (one element or NULL per atom type)
//
// Everything but the engine is PairGaunt's: pair_coeff syntax, checks and error messages, the
// full neighbour list, newton on/off, per-atom energy and virial. LibTorch runs on the host
// with the intra-op thread count of OMP_NUM_THREADS (1 when unset), per MPI rank.
#ifndef LMP_PAIR_GAUNT_TORCH_H
#define LMP_PAIR_GAUNT_TORCH_H

#include <memory>

#include "pair_gaunt.h"

namespace LAMMPS_NS {

class PairGauntTorch : public PairGaunt {
 public:
  PairGauntTorch(class LAMMPS*);
  ~PairGauntTorch() override;

  void compute(int, int) override;
  double memory_usage() override;

 protected:
  void create_engine(const gaunt::ModelFile& model) override;
  bool native_engine() const override { return false; }

 private:
  struct TorchCore;
  std::unique_ptr<TorchCore> torch_;
};

}  // namespace LAMMPS_NS

#endif
