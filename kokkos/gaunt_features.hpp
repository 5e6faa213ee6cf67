// Feature layout and launch helpers shared by the Gaunt product kernels (DESIGN.md §3).
//
// Layout (channel-wise products): a feature array is a View [item][lm][channel], LayoutRight,
// lm = l*l + l + m the flat SH index. A product acts on every (item, channel) independently, with
// the same tables: out(i, :, c) = Gaunt(a_1(i, :, c), ..., a_ν(i, :, c)). Channels are the
// fastest index, so a host thread vectorises over a block of channels and adjacent GPU threads
// read adjacent channels.
#pragma once

#include <Kokkos_Core.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "gaunt_tuning.hpp"
#include "sh_indexing.hpp"

namespace gaunt {

template <class MemorySpace>
using FeatureView = Kokkos::View<double***, Kokkos::LayoutRight, MemorySpace>;
template <class MemorySpace>
using ConstFeatureView = Kokkos::View<const double***, Kokkos::LayoutRight, MemorySpace>;

inline constexpr int kMaxGauntFactors = 4;

// How the 2D-Fourier route convolves (gaunt_fourier.hpp): by FFT, directly, or whichever takes
// fewer operations.
enum class FourierConvolution { kAuto, kFft, kDirect };

// Pointers to up to kMaxGauntFactors feature arrays, copyable into kernels.
template <class T>
struct FactorPointers {
  T* p[kMaxGauntFactors] = {nullptr, nullptr, nullptr, nullptr};
};

// A [lm][channel] block of one item: element (lm, c) at p[lm * stride + c].
template <class T>
struct ChannelBlock {
  T* p;
  int stride;
  KOKKOS_INLINE_FUNCTION T& operator()(int lm, int c) const { return p[lm * stride + c]; }
};

// Checks extents of a feature view: items × sh_size(degree) × channels.
template <class View>
void check_features(const std::string& what, const View& v, int items, int degree, int channels) {
  if (int(v.extent(0)) != items || int(v.extent(1)) != sh_size(degree) ||
      int(v.extent(2)) != channels) {
    throw std::invalid_argument(what + ": expected extents [" + std::to_string(items) + "][" +
                                std::to_string(sh_size(degree)) + "][" + std::to_string(channels) +
                                "] (degree " + std::to_string(degree) + "), got [" +
                                std::to_string(v.extent(0)) + "][" + std::to_string(v.extent(1)) +
                                "][" + std::to_string(v.extent(2)) + "]");
  }
}

// The arguments of a product's forward, checked: one factor per degree, each
// [items][sh_size(degree)][channels] with the items and channels of `out`, which has degree lout.
// Returns the factors' data; `who` names the caller in the error ("GridProduct::forward").
template <class MemorySpace>
FactorPointers<const double> checked_factors(const std::string& who,
                                             const std::vector<int>& degrees, int lout,
                                             const std::vector<ConstFeatureView<MemorySpace>>& a,
                                             const FeatureView<MemorySpace>& out) {
  if (a.size() != degrees.size()) {
    throw std::invalid_argument(who + ": expected " + std::to_string(degrees.size()) +
                                " factors, got " + std::to_string(a.size()));
  }
  const int items = int(out.extent(0)), channels = int(out.extent(2));
  FactorPointers<const double> data;
  for (std::size_t k = 0; k < a.size(); ++k) {
    check_features(who + " factor", a[k], items, degrees[k], channels);
    data.p[k] = a[k].data();
  }
  check_features(who + " out", out, items, lout, channels);
  return data;
}

// The same for a product's reverse: the factors, the output's adjoint and the factors' adjoints.
struct ReverseFactors {
  FactorPointers<const double> a;
  FactorPointers<double> a_adj;
};
template <class MemorySpace>
ReverseFactors checked_factors(const std::string& who, const std::vector<int>& degrees, int lout,
                               const std::vector<ConstFeatureView<MemorySpace>>& a,
                               const ConstFeatureView<MemorySpace>& out_adj,
                               const std::vector<FeatureView<MemorySpace>>& a_adj) {
  if (a.size() != degrees.size() || a_adj.size() != degrees.size()) {
    throw std::invalid_argument(who + ": expected " + std::to_string(degrees.size()) +
                                " factors and adjoints");
  }
  const int items = int(out_adj.extent(0)), channels = int(out_adj.extent(2));
  ReverseFactors data;
  for (std::size_t k = 0; k < a.size(); ++k) {
    check_features(who + " factor", a[k], items, degrees[k], channels);
    check_features(who + " factor adjoint", a_adj[k], items, degrees[k], channels);
    data.a.p[k] = a[k].data();
    data.a_adj.p[k] = a_adj[k].data();
  }
  check_features(who + " out_adj", out_adj, items, lout, channels);
  return data;
}

// Channel block width for `channels` given a backend's widest block wmax: the largest of
// {wmax, 4, 1} that divides channels.
inline int channel_block_width(int channels, int wmax) {
  if (channels % wmax == 0) return wmax;
  if (wmax >= 4 && channels % 4 == 0) return 4;
  return 1;
}
// Calls run(std::integral_constant<int, W>{}) with W = channel_block_width(channels, wmax), the
// block width as a compile-time constant (kernels are instantiated for wmax, 4 and 1 only).
template <int wmax, class Run>
void with_channel_block(int channels, Run&& run) {
  const int w = channel_block_width(channels, wmax);
  if constexpr (wmax > 4) {
    if (w == wmax) return run(std::integral_constant<int, wmax>{});
  }
  if constexpr (wmax >= 4) {
    if (w == 4) return run(std::integral_constant<int, 4>{});
  }
  run(std::integral_constant<int, 1>{});
}

// Copies a host std::vector into a labelled device view.
template <class T, class MemorySpace>
Kokkos::View<T*, MemorySpace> to_view(const std::string& label, const std::vector<T>& host) {
  Kokkos::View<T*, MemorySpace> v(label, host.size());
  auto mirror = Kokkos::create_mirror_view(v);
  for (std::size_t i = 0; i < host.size(); ++i) mirror(i) = host[i];
  Kokkos::deep_copy(v, mirror);
  return v;
}

// Sets the arguments every channel-block product kernel (GridKernel, SparseChainKernel) takes:
// its tables, the factors, the output (forward) or the output's and factors' adjoints (reverse),
// and its work units, one per item and block of W channels.
template <int W, class Kernel, class Tables>
void set_unit_arguments(Kernel& k, const Tables& t, const FactorPointers<const double>& a,
                        const FactorPointers<double>& a_adj, double* out, const double* out_adj,
                        int items, int channels) {
  k.t = t;
  k.a = a;
  k.a_adj = a_adj;
  k.out = out;
  k.out_adj = out_adj;
  k.channels = channels;
  k.n_blocks = channels / W;
  k.n_units = items * k.n_blocks;
}

// Runs f over n_units work units (one unit = one item × one block of W channels, one thread
// each) with `scratch_doubles` doubles of per-thread scratch. f.level must be assignable (the
// scratch level chosen here) and f(member) decodes unit = league_rank * team_size + team_rank.
template <class ExecutionSpace, class Functor>
void launch_units(const std::string& label, const ExecutionSpace& space, int n_units,
                  int scratch_doubles, Functor f) {
  if (n_units <= 0) return;
  constexpr int team = GauntTuning<ExecutionSpace>::team_size;
  const int league = (n_units + team - 1) / team;
  Kokkos::TeamPolicy<ExecutionSpace> policy(space, league, team);
  const std::size_t bytes = std::size_t(scratch_doubles) * sizeof(double);
  f.level = (bytes * team > (std::size_t(32) << 10)) ? 1 : 0;
  policy.set_scratch_size(f.level, Kokkos::PerThread(bytes));
  Kokkos::parallel_for(label, policy, f);
}

// Decoded work unit inside a kernel.
struct WorkUnit {
  int item, c0;
  bool valid;
};
template <class Member>
KOKKOS_INLINE_FUNCTION WorkUnit decode_unit(const Member& team, int n_units, int n_blocks, int w) {
  const int unit = team.league_rank() * team.team_size() + team.team_rank();
  if (unit >= n_units) return {0, 0, false};
  return {unit / n_blocks, (unit % n_blocks) * w, true};
}

}  // namespace gaunt
