// The pair-style skeleton shared by every mode (STYLE.md §5): `gaunt` (host), `gaunt/kk`,
// `gaunt/kk/host`, `gaunt/kk/device`, `gaunt/torch`, newton on and off. Written once, templated
// on the execution space, the engine and the LAMMPS view types, never copied:
//
//   build_graph  LAMMPS full neighbour list (ilist, numneigh, neighbours) + x + type
//                -> the engine's flat CSR graph (kokkos/gauntnet_graph.hpp), in the engine's
//                memory space; types map to model elements, NULL types to -1;
//   compute      the engine on that graph: the native GauntNetEngine (analytic reverse stages)
//                or, for gaunt/torch, GauntTorchEngine (TorchScript + LibTorch autograd), which
//                has the same Graph / Request / Result interface;
//   tally        engine results -> LAMMPS arrays: f (locals, plus ghosts with newton on),
//                eatom (locals), vatom and cvatom (locals, plus ghosts with newton on);
//   newton off   ghost forces / ghost per-atom virials are gathered into a host buffer of 18
//                values per atom that the pair style reverse-communicates itself
//                (Pair::pack/unpack_reverse_comm), then added to the owners by tally_owned.
//
// Energy E = Σ_i E_i and the global virial W = −Σ_e r_e ⊗ g_e come from the engine directly
// (model_export/MODEL_FILE.md §5), so no fdotr virial is needed and full/half Kokkos list
// options and newton on/off give the same W.
#pragma once

#include <Kokkos_Core.hpp>
#include <memory>
#include <type_traits>
#include <vector>

#include "gauntnet_engine.hpp"
#include "model_file.hpp"

namespace gaunt_lammps {

// Neighbour access of a LAMMPS host list: numneigh[i], firstneigh[i][jj].
struct HostNeighbors {
  const int* numneigh = nullptr;
  int* const* firstneigh = nullptr;
  KOKKOS_INLINE_FUNCTION int count(const int i) const { return numneigh[i]; }
  KOKKOS_INLINE_FUNCTION int neighbor(const int i, const int jj) const { return firstneigh[i][jj]; }
};

// Neighbour access of a NeighListKokkos: d_numneigh(i), d_neighbors(i, jj).
template <class NumView, class NeighView>
struct KokkosNeighbors {
  NumView numneigh;
  NeighView neighbors;
  KOKKOS_INLINE_FUNCTION int count(const int i) const { return numneigh(i); }
  KOKKOS_INLINE_FUNCTION int neighbor(const int i, const int jj) const { return neighbors(i, jj); }
};

// Values per atom in the newton-off reverse communication: 3 forces, then the 6 components of the
// per-atom virial, then the 9 of the per-atom centroid virial.
inline constexpr int kGhostValues = 18;
inline constexpr int kVirialColumn = 3, kCentroidVirialColumn = 9;  // where each block starts

// LAMMPS's per-atom outputs of one compute: whether each is wanted, and its view (eatom [n],
// vatom [n][6], cvatom [n][9]).
template <class EView, class VView, class CVView>
struct PerAtomOutputs {
  bool energy = false;
  EView eatom;
  bool virial = false;
  VView vatom;
  bool centroid_virial = false;
  CVView cvatom;
  // Values per atom that newton off reverse-communicates: the columns before the first block
  // not wanted.
  int ghost_values() const {
    return centroid_virial ? kGhostValues : virial ? kCentroidVirialColumn : kVirialColumn;
  }
};

template <class ExecutionSpace, class EngineType = gaunt::GauntNetEngine<ExecutionSpace>>
class GauntPairCore {
 public:
  using execution_space = ExecutionSpace;
  using memory_space = typename ExecutionSpace::memory_space;
  using Engine = EngineType;
  using Graph = typename Engine::Graph;
  using Request = typename Engine::Request;
  using Result = typename Engine::Result;
  using Policy = Kokkos::RangePolicy<ExecutionSpace>;
  using PositionsView = Kokkos::View<const double* [3], Kokkos::LayoutRight, memory_space>;

  explicit GauntPairCore(const gaunt::ModelFile& model) : engine_(model) {}

  Engine& engine() { return engine_; }
  const Engine& engine() const { return engine_; }

  // type_to_species[t] for t = 0..ntypes (index 0 unused): model element index or -1 (NULL).
  void set_type_map(const std::vector<int>& type_to_species) {
    type_map_ = Kokkos::View<int*, memory_space>("gaunt::Pair::type_map", type_to_species.size());
    auto host = Kokkos::create_mirror_view(type_map_);
    for (std::size_t t = 0; t < type_to_species.size(); ++t) host(t) = type_to_species[t];
    Kokkos::deep_copy(type_map_, host);
  }

  // Builds the CSR graph of the local centres in `ilist[0..inum)` (every other local atom gets
  // no edge) and runs the engine. `x` is [nall][3] (locals first), `type` and `tag` (atom IDs)
  // [nall]; `new_list`: the neighbour list (and with it the ghosts) was rebuilt since the last
  // call (LAMMPS's neighbor->ago == 0), so image_of is found again.
  template <class XView, class TypeView, class TagView, class IlistView, class Neighbors>
  const Result& compute(const XView& x, const TypeView& type, const TagView& tag,
                        const IlistView& ilist, const int inum, const Neighbors& neighbors,
                        const int nlocal, const int nall, const bool new_list,
                        const Request& request) {
    grow(species_, "gaunt::Pair::species", nall);
    grow(offsets_, "gaunt::Pair::offsets", nlocal + 1);

    // Species of every atom; one entry per local atom for the neighbour counts.
    const auto species = species_;
    const auto offsets = offsets_;
    const auto type_map = type_map_;
    Kokkos::parallel_for(
        "gaunt::Pair::species", Policy(0, nall),
        KOKKOS_LAMBDA(const int i) { species(i) = type_map(type(i)); });
    Kokkos::parallel_for(
        "gaunt::Pair::clear_counts", Policy(0, nlocal + 1),
        KOKKOS_LAMBDA(const int i) { offsets(i) = 0; });
    Kokkos::parallel_for(
        "gaunt::Pair::counts", Policy(0, inum), KOKKOS_LAMBDA(const int ii) {
          const int i = ilist(ii);
          if (i < nlocal) offsets(i + 1) = neighbors.count(i);
        });
    // offsets(i) = Σ_{a<i} count(a): an inclusive scan over the shifted counts.
    int n_edges = 0;
    Kokkos::parallel_scan(
        "gaunt::Pair::offsets", Policy(0, nlocal + 1),
        KOKKOS_LAMBDA(const int i, int& partial, const bool final) {
          partial += offsets(i);
          if (final) offsets(i) = partial;
        },
        n_edges);
    grow(neighbors_, "gaunt::Pair::neighbors", n_edges);
    const auto csr = neighbors_;
    Kokkos::parallel_for(
        "gaunt::Pair::neighbors", Policy(0, inum), KOKKOS_LAMBDA(const int ii) {
          const int i = ilist(ii);
          if (i >= nlocal) return;
          const int begin = offsets(i), n = neighbors.count(i);
          for (int jj = 0; jj < n; ++jj) csr(begin + jj) = neighbors.neighbor(i, jj) & kNeighMask;
        });

    Graph graph;
    graph.n_local = nlocal;
    graph.n_total = nall;
    graph.positions = positions(x, nall);
    graph.species = species_;
    graph.offsets = offsets_;
    graph.neighbors = neighbors_;
    if (new_list || images_nall_ != nall) {
      images_nall_ = nall;
      has_images_ = find_images(tag, nlocal, nall);
    }
    if (has_images_) graph.image_of = image_of_;
    return engine_.compute(graph, request);
  }

  // Adds the engine's results into LAMMPS arrays. Forces and per-atom virials go to atoms
  // [0, n_owned) (nall with newton on: LAMMPS reverse-communicates ghosts; nlocal with newton
  // off: ghosts come through ghost_values_to_host + tally_owned), energies to [0, nlocal).
  template <class FView, class Outputs>
  void tally(const Result& r, const FView& f, const int n_owned, const int nlocal,
             const Outputs& out) const {
    const auto forces = r.forces;
    Kokkos::parallel_for(
        "gaunt::Pair::tally_forces", Policy(0, n_owned), KOKKOS_LAMBDA(const int i) {
          for (int c = 0; c < 3; ++c) f(i, c) += forces(i, c);
        });
    if (out.energy) {
      const auto energies = r.per_atom_energy;
      const auto eatom = out.eatom;
      Kokkos::parallel_for(
          "gaunt::Pair::tally_eatom", Policy(0, nlocal),
          KOKKOS_LAMBDA(const int i) { eatom(i) += energies(i); });
    }
    if (out.virial) add_rows("gaunt::Pair::tally_vatom", r.per_atom_virial, out.vatom, n_owned);
    if (out.centroid_virial) {
      add_rows("gaunt::Pair::tally_cvatom", r.per_atom_centroid_virial, out.cvatom, n_owned);
    }
  }

  // Newton off: copies ghost forces (and per-atom virials) of the last compute() into `host`
  // ([nall][kGhostValues], locals zero), ready for the pair style's reverse communication.
  template <class Outputs>
  void ghost_values_to_host(const Result& r, const int nlocal, const int nall, const Outputs& out,
                            std::vector<double>& host) {
    host.assign(std::size_t(nall) * kGhostValues, 0.0);
    const auto copy_ghosts = [&](const auto& values, const int column) {
      const auto mirror = Kokkos::create_mirror_view_and_copy(
          Kokkos::HostSpace(), Kokkos::subview(values, std::pair<int, int>(0, nall), Kokkos::ALL));
      for (int i = nlocal; i < nall; ++i)
        for (int c = 0; c < int(mirror.extent(1)); ++c)
          host[std::size_t(i) * kGhostValues + column + c] = mirror(i, c);
    };
    copy_ghosts(r.forces, 0);
    if (out.virial) copy_ghosts(r.per_atom_virial, kVirialColumn);
    if (out.centroid_virial) copy_ghosts(r.per_atom_centroid_virial, kCentroidVirialColumn);
  }

  // Newton off, after the reverse communication: adds the owners' rows [0, nlocal) of `host`
  // to f, vatom and cvatom.
  template <class FView, class Outputs>
  void tally_owned(const std::vector<double>& host, const int nlocal, const FView& f,
                   const Outputs& out) {
    grow(owned_, "gaunt::Pair::ghost_sums", nlocal);
    const auto owned = owned_;
    {
      auto mirror = Kokkos::create_mirror_view(owned);
      for (int i = 0; i < nlocal; ++i)
        for (int c = 0; c < kGhostValues; ++c)
          mirror(i, c) = host[std::size_t(i) * kGhostValues + c];
      Kokkos::deep_copy(owned, mirror);
    }
    const bool virial = out.virial, centroid_virial = out.centroid_virial;
    const auto vatom = out.vatom;
    const auto cvatom = out.cvatom;
    Kokkos::parallel_for(
        "gaunt::Pair::tally_ghost_sums", Policy(0, nlocal), KOKKOS_LAMBDA(const int i) {
          for (int c = 0; c < 3; ++c) f(i, c) += owned(i, c);
          if (virial)
            for (int c = 0; c < 6; ++c) vatom(i, c) += owned(i, kVirialColumn + c);
          if (centroid_virial)
            for (int c = 0; c < 9; ++c) cvatom(i, c) += owned(i, kCentroidVirialColumn + c);
        });
  }

  // to(i, c) += from(i, c) for the rows [0, n).
  template <class From, class To>
  static void add_rows(const char* label, const From& from, const To& to, const int n) {
    Kokkos::parallel_for(
        label, Policy(0, n), KOKKOS_LAMBDA(const int i) {
          for (int c = 0; c < int(from.extent(1)); ++c) to(i, c) += from(i, c);
        });
  }

  std::size_t memory_usage() const {
    return engine_.memory_usage() +
           (species_.span() + offsets_.span() + neighbors_.span() + type_map_.span() +
            local_of_tag_.span() + image_of_.span()) *
               sizeof(int) +
           owned_.span() * sizeof(double) + positions_.span() * sizeof(double);
  }

  // The graph's image_of (kokkos/gauntnet_graph.hpp) from the atom IDs, through a table from ID
  // to local index, while the IDs stay below kImageTableFactor × nall (one process: IDs
  // 1..natoms). Returns false without IDs or with larger IDs (many processes: the table would be
  // sized by the global count, and few ghosts are images of local atoms there); the engine then
  // pairs edges of local atoms only.
  template <class TagView>
  bool find_images(const TagView& tag, const int nlocal, const int nall) {
    using Tag = typename TagView::non_const_value_type;
    Tag max_tag = 0;
    Kokkos::parallel_reduce(
        "gaunt::Pair::max_tag", Policy(0, nall),
        KOKKOS_LAMBDA(const int i, Tag& m) {
          if (tag(i) > m) m = tag(i);
        },
        Kokkos::Max<Tag>(max_tag));
    if (max_tag < 1 || max_tag > Tag(kImageTableFactor) * Tag(nall)) return false;
    grow(local_of_tag_, "gaunt::Pair::local_of_tag", int(max_tag) + 1);
    grow(image_of_, "gaunt::Pair::image_of", nall);
    const auto table = local_of_tag_;
    const auto image_of = image_of_;
    Kokkos::parallel_for(
        "gaunt::Pair::clear_tag_table", Policy(0, int(max_tag) + 1),
        KOKKOS_LAMBDA(const int t) { table(t) = -1; });
    Kokkos::parallel_for(
        "gaunt::Pair::tag_table", Policy(0, nlocal),
        KOKKOS_LAMBDA(const int i) { table(tag(i)) = i; });
    Kokkos::parallel_for(
        "gaunt::Pair::image_of", Policy(0, nall),
        KOKKOS_LAMBDA(const int i) { image_of(i) = tag(i) > 0 ? table(tag(i)) : -1; });
    return true;
  }

  // The engine takes float64 [n][3] row-major positions: LAMMPS's x is used in place when it
  // already is that (double precision builds), otherwise it is converted.
  // (Public: CUDA extended lambdas may not live in private member functions.)
  template <class XView>
  PositionsView positions(const XView& x, const int nall) {
    if constexpr (std::is_same_v<typename XView::non_const_value_type, double> &&
                  std::is_same_v<typename XView::array_layout, Kokkos::LayoutRight> &&
                  std::is_same_v<typename XView::memory_space, memory_space>) {
      return PositionsView(x.data(), x.extent(0));
    } else {
      if (int(positions_.extent(0)) < nall) {
        positions_ = decltype(positions_)(
            Kokkos::view_alloc(Kokkos::WithoutInitializing, "gaunt::Pair::positions"),
            nall + nall / 8 + 1);
      }
      const auto out = positions_;
      Kokkos::parallel_for(
          "gaunt::Pair::positions", Policy(0, nall), KOKKOS_LAMBDA(const int i) {
            for (int c = 0; c < 3; ++c) out(i, c) = x(i, c);
          });
      return out;
    }
  }

 private:
  static constexpr int kNeighMask = 0x1FFFFFFF;  // LAMMPS NEIGHMASK (lmptype.h)
  static constexpr int kImageTableFactor = 8;

  template <class View>
  static void grow(View& view, const char* label, const int n) {
    if (int(view.extent(0)) < n) {
      view =
          View(Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label)), n + n / 8 + 1);
    }
  }

  Engine engine_;
  Kokkos::View<int*, memory_space> type_map_;
  Kokkos::View<int*, memory_space> species_, offsets_, neighbors_, local_of_tag_, image_of_;
  Kokkos::View<double* [kGhostValues], Kokkos::LayoutRight, memory_space> owned_;
  Kokkos::View<double* [3], Kokkos::LayoutRight, memory_space> positions_;
  // image_of_ holds the images of the current ghosts (found for nall atoms) when has_images_.
  bool has_images_ = false;
  int images_nall_ = -1;
};

}  // namespace gaunt_lammps
