// pair_style gaunt/kk, gaunt/kk/device, gaunt/kk/host: GauntNet v1 through the native engine on
// the Kokkos execution space DeviceType, with LAMMPS's Kokkos atom data (atomKK sync/modified
// with data masks) and a full Kokkos neighbour list requested internally (so `-pk kokkos neigh
// half` and `neigh full` both work). Registered by the plugin (gauntplugin.cpp). The skeleton
// (graph building, tally, newton off) is gaunt_pair_core.h, shared with pair_style gaunt.
#ifndef LMP_PAIR_GAUNT_KOKKOS_H
#define LMP_PAIR_GAUNT_KOKKOS_H

#include <memory>

#include "gaunt_pair_core.h"
#include "kokkos_type.h"
#include "pair_gaunt.h"

namespace LAMMPS_NS {

template <class DeviceType>
class PairGauntKokkos : public PairGaunt {
 public:
  typedef DeviceType device_type;
  typedef ArrayTypes<DeviceType> AT;

  PairGauntKokkos(class LAMMPS*);
  ~PairGauntKokkos() override;

  void compute(int, int) override;
  void init_style() override;
  double memory_usage() override;

 protected:
  void create_engine(const gaunt::ModelFile& model) override;
  const double* stage_seconds() const override;

  std::unique_ptr<gaunt_lammps::GauntPairCore<DeviceType>> core_;

  DAT::ttransform_kkacc_1d k_eatom;
  DAT::ttransform_kkacc_1d_6 k_vatom;
  DAT::ttransform_kkacc_1d_9 k_cvatom;
  typename AT::t_kkacc_1d d_eatom;
  typename AT::t_kkacc_1d_6 d_vatom;
  typename AT::t_kkacc_1d_9 d_cvatom;
};

}  // namespace LAMMPS_NS

#endif
