// The flat graph the engine consumes (STYLE.md §1: no LAMMPS types) and the atom chunk that
// every stage works on.
#pragma once

#include <Kokkos_Core.hpp>

namespace gaunt {

// What a caller (the pair style) hands over each step, in the engine's memory space.
template <class MemorySpace>
struct GauntNetGraph {
  int n_local = 0;  // centre atoms: rows 0..n_local-1
  int n_total = 0;  // local + ghost atoms
  // [n_total][3] Å, local atoms first, then ghosts.
  Kokkos::View<const double* [3], Kokkos::LayoutRight, MemorySpace> positions;
  // [n_total] model element index, or -1: atom not handled by this model (NULL type), which
  // gets no energy and is nobody's neighbour.
  Kokkos::View<const int*, MemorySpace> species;
  // [n_local + 1] CSR over local centres; offsets(0) need not be 0.
  Kokkos::View<const int*, MemorySpace> offsets;
  // [offsets(n_local)] neighbour j ∈ [0, n_total) of each centre (full list: i -> j and j -> i
  // both present). May hold pairs beyond the cutoff (skin): pairs with r ≥ r_c are ignored.
  Kokkos::View<const int*, MemorySpace> neighbors;
  // [n_total], or empty: the local atom that each atom is a periodic image of (i itself for a
  // local atom i; -1 for a ghost of another process's atom). With it, an edge to a ghost shares
  // its row of R(r) with its periodic partner's edge (gauntnet_edge_basis.hpp); empty: only the
  // two edges of a pair of local atoms do.
  Kokkos::View<const int*, MemorySpace> image_of;
};

// A contiguous range of local centre atoms [first, first + n_atoms) and their edges
// [edge_begin, edge_begin + n_edges) in the CSR list. Buffers index atoms by a = i - first and
// edges by e - edge_begin.
struct AtomChunk {
  int first = 0, n_atoms = 0;
  int edge_begin = 0, n_edges = 0;
};

}  // namespace gaunt
