// compute() of the host pair styles `gaunt` and `gaunt/torch` (declared in pair_gaunt.h): the
// same LAMMPS glue for every engine on Kokkos' host space. LAMMPS's host arrays are wrapped
// in unmanaged views, the skeleton (gaunt_pair_core.h) builds the graph, runs `core`'s engine
// and tallies the results; newton off reverse-communicates ghost forces and virials.
#pragma once

#include <Kokkos_Core.hpp>

#include "atom.h"
#include "force.h"
#include "gaunt_pair_core.h"
#include "neigh_list.h"
#include "neighbor.h"
#include "pair_gaunt.h"

namespace LAMMPS_NS {

template <class Core>
void PairGaunt::compute_host(Core& core, int eflag, int vflag) {
  static_assert(
      Kokkos::SpaceAccessibility<typename Core::memory_space, Kokkos::HostSpace>::accessible,
      "compute_host needs a core on a host execution space");
  ev_init(eflag, vflag);

  const int nlocal = atom->nlocal;
  const int nall = nlocal + atom->nghost;
  const bool newton = force->newton_pair != 0;

  using Unmanaged = Kokkos::MemoryTraits<Kokkos::Unmanaged>;
  using HostMem = Kokkos::HostSpace;
  const Kokkos::View<const double* [3], Kokkos::LayoutRight, HostMem, Unmanaged> x(
      nall > 0 ? atom->x[0] : nullptr, nall);
  const Kokkos::View<const int*, HostMem, Unmanaged> type(atom->type, nall);
  const Kokkos::View<const tagint*, HostMem, Unmanaged> tag(atom->tag, nall);
  const Kokkos::View<const int*, HostMem, Unmanaged> ilist(list->ilist, list->inum);
  gaunt_lammps::HostNeighbors neighbors{list->numneigh, list->firstneigh};

  typename Core::Request request;
  request.per_atom_energy = eflag_atom != 0;
  request.per_atom_virial = vflag_atom != 0;
  request.per_atom_centroid_virial = cvflag_atom != 0;
  const auto& result = evaluate(core, nlocal, x, type, tag, ilist, list->inum, neighbors, nlocal,
                                nall, neighbor->ago == 0, request);
  check_min_distance(result.min_distance);
  const Kokkos::View<double* [3], Kokkos::LayoutRight, HostMem, Unmanaged> f(
      nall > 0 ? atom->f[0] : nullptr, nall);
  using EView = Kokkos::View<double*, HostMem, Unmanaged>;
  using VView = Kokkos::View<double* [6], Kokkos::LayoutRight, HostMem, Unmanaged>;
  using CVView = Kokkos::View<double* [9], Kokkos::LayoutRight, HostMem, Unmanaged>;
  const gaunt_lammps::PerAtomOutputs<EView, VView, CVView> out{
      eflag_atom != 0,
      EView(eatom, eflag_atom ? nall : 0),
      vflag_atom != 0,
      VView(vflag_atom && nall > 0 ? vatom[0] : nullptr, vflag_atom ? nall : 0),
      cvflag_atom != 0,
      CVView(cvflag_atom && nall > 0 ? cvatom[0] : nullptr, cvflag_atom ? nall : 0)};
  core.tally(result, f, newton ? nall : nlocal, nlocal, out);
  if (!newton) {
    core.ghost_values_to_host(result, nlocal, nall, out, ghost_values_);
    reverse_communicate_ghost_values(out.ghost_values());
    core.tally_owned(ghost_values_, nlocal, f, out);
  }
  typename Core::execution_space().fence("gaunt::Pair::compute");

  if (eflag_global) eng_vdwl += result.energy;
  if (vflag_global)
    for (int c = 0; c < 6; ++c) virial[c] += result.virial[c];
}

}  // namespace LAMMPS_NS
