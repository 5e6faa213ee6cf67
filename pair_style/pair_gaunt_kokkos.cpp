// pair_style gaunt/kk: see pair_gaunt_kokkos.h.
#include "pair_gaunt_kokkos.h"

#include <exception>
#include <type_traits>

#include "atom_kokkos.h"
#include "atom_masks.h"
#include "error.h"
#include "force.h"
#include "kokkos.h"
#include "memory_kokkos.h"
#include "neigh_list_kokkos.h"
#include "neigh_request.h"
#include "neighbor.h"

using namespace LAMMPS_NS;

template <class DeviceType>
PairGauntKokkos<DeviceType>::PairGauntKokkos(LAMMPS* lmp) : PairGaunt(lmp) {
  if (!lmp->kokkos)
    error->all(FLERR, "Pair style gaunt/kk requires the KOKKOS package enabled (-k on)");
  respa_enable = 0;
  kokkosable = 1;
  atomKK = (AtomKokkos*)atom;
  execution_space = ExecutionSpaceFromDevice<DeviceType>::space;
  datamask_read = EMPTY_MASK;  // compute() syncs and marks what it uses
  datamask_modify = EMPTY_MASK;
}

template <class DeviceType>
PairGauntKokkos<DeviceType>::~PairGauntKokkos() {
  if (copymode) return;
  memoryKK->destroy_kokkos(k_eatom, eatom);
  memoryKK->destroy_kokkos(k_vatom, vatom);
  memoryKK->destroy_kokkos(k_cvatom, cvatom);
  eatom = nullptr;
  vatom = nullptr;
  cvatom = nullptr;
}

template <class DeviceType>
void PairGauntKokkos<DeviceType>::create_engine(const gaunt::ModelFile& model) {
  core_ = std::make_unique<gaunt_lammps::GauntPairCore<DeviceType>>(model);
  configure_engine(core_->engine());
  core_->set_type_map(type_to_species_);
  min_safe_distance_ = core_->engine().min_safe_distance();
}

template <class DeviceType>
const double* PairGauntKokkos<DeviceType>::stage_seconds() const {
  return core_ ? core_->engine().stage_seconds().data() : nullptr;
}

template <class DeviceType>
void PairGauntKokkos<DeviceType>::init_style() {
  PairGaunt::init_style();
  // The full list requested by PairGaunt, built by Kokkos on this style's side, whatever the
  // package's `neigh` option says.
  auto request = neighbor->find_request(this);
  request->set_kokkos_host(std::is_same_v<DeviceType, LMPHostType> &&
                           !std::is_same_v<DeviceType, LMPDeviceType>);
  request->set_kokkos_device(std::is_same_v<DeviceType, LMPDeviceType>);
}

template <class DeviceType>
void PairGauntKokkos<DeviceType>::compute(int eflag, int vflag) {
  ev_init(eflag, vflag, 0);
  if (eflag_atom) {
    memoryKK->destroy_kokkos(k_eatom, eatom);
    memoryKK->create_kokkos(k_eatom, eatom, maxeatom, "pair:eatom");
    d_eatom = k_eatom.template view<DeviceType>();
  }
  if (vflag_atom) {
    memoryKK->destroy_kokkos(k_vatom, vatom);
    memoryKK->create_kokkos(k_vatom, vatom, maxvatom, "pair:vatom");
    d_vatom = k_vatom.template view<DeviceType>();
  }
  if (cvflag_atom) {
    memoryKK->destroy_kokkos(k_cvatom, cvatom);
    memoryKK->create_kokkos(k_cvatom, cvatom, maxcvatom, "pair:cvatom");
    d_cvatom = k_cvatom.template view<DeviceType>();
  }

  atomKK->sync(execution_space, X_MASK | F_MASK | TYPE_MASK | TAG_MASK);
  const auto x = atomKK->k_x.template view<DeviceType>();
  const auto f = atomKK->k_f.template view<DeviceType>();
  const auto type = atomKK->k_type.template view<DeviceType>();
  const auto tag = atomKK->k_tag.template view<DeviceType>();

  const int nlocal = atom->nlocal;
  const int nall = nlocal + atom->nghost;
  const bool newton = force->newton_pair != 0;
  auto* k_list = static_cast<NeighListKokkos<DeviceType>*>(list);
  using Neighbors =
      gaunt_lammps::KokkosNeighbors<decltype(k_list->d_numneigh), decltype(k_list->d_neighbors)>;
  const Neighbors neighbors{k_list->d_numneigh, k_list->d_neighbors};

  time_stages(core_->engine());
  typename gaunt_lammps::GauntPairCore<DeviceType>::Request request;
  request.per_atom_energy = eflag_atom != 0;
  request.per_atom_virial = vflag_atom != 0;
  request.per_atom_centroid_virial = cvflag_atom != 0;
  const auto& result = evaluate(*core_, nlocal, x, type, tag, k_list->d_ilist, list->inum,
                                neighbors, nlocal, nall, neighbor->ago == 0, request);
  check_min_distance(result.min_distance);
  const gaunt_lammps::PerAtomOutputs<decltype(d_eatom), decltype(d_vatom), decltype(d_cvatom)> out{
      eflag_atom != 0, d_eatom, vflag_atom != 0, d_vatom, cvflag_atom != 0, d_cvatom};
  core_->tally(result, f, newton ? nall : nlocal, nlocal, out);
  if (!newton) {
    core_->ghost_values_to_host(result, nlocal, nall, out, ghost_values_);
    reverse_communicate_ghost_values(out.ghost_values());
    core_->tally_owned(ghost_values_, nlocal, f, out);
  }
  if (eflag_global) eng_vdwl += result.energy;
  if (vflag_global)
    for (int c = 0; c < 6; ++c) virial[c] += result.virial[c];

  if (eflag_atom) {
    k_eatom.template modify<DeviceType>();
    k_eatom.sync_host();
  }
  if (vflag_atom) {
    k_vatom.template modify<DeviceType>();
    k_vatom.sync_host();
  }
  if (cvflag_atom) {
    k_cvatom.template modify<DeviceType>();
    k_cvatom.sync_host();
  }
  atomKK->modified(execution_space, F_MASK);
}

template <class DeviceType>
double PairGauntKokkos<DeviceType>::memory_usage() {
  double bytes = Pair::memory_usage();
  if (core_) bytes += double(core_->memory_usage());
  bytes += double(ghost_values_.capacity() * sizeof(double));
  return bytes;
}

namespace LAMMPS_NS {
template class PairGauntKokkos<LMPDeviceType>;
#ifdef LMP_KOKKOS_GPU
template class PairGauntKokkos<LMPHostType>;
#endif
}  // namespace LAMMPS_NS
