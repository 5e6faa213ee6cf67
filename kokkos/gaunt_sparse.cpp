#include "gaunt_sparse.hpp"

#include <stdexcept>
#include <string>

namespace gaunt {

namespace {

template <class ExecutionSpace, int W, bool Reverse>
struct SparseChainKernel {
  using Tables = typename SparseChain<ExecutionSpace>::Tables;
  using Member = typename Kokkos::TeamPolicy<ExecutionSpace>::member_type;
  using Scratch =
      Kokkos::View<double*, typename ExecutionSpace::scratch_memory_space, Kokkos::MemoryUnmanaged>;
  Tables t;
  FactorPointers<const double> a;
  FactorPointers<double> a_adj;
  double* out = nullptr;
  const double* out_adj = nullptr;
  int channels = 0, n_blocks = 0, n_units = 0, scratch_doubles = 0, level = 0;

  KOKKOS_INLINE_FUNCTION ChannelBlock<const double> factor(int k, int item, int c0) const {
    const int degree = k == 0 ? t.degree_x[0] : t.degree_y[k - 1];
    return {a.p[k] + (std::size_t(item) * sh_size(degree)) * channels + c0, channels};
  }
  KOKKOS_INLINE_FUNCTION ChannelBlock<double> factor_adj(int k, int item, int c0) const {
    const int degree = k == 0 ? t.degree_x[0] : t.degree_y[k - 1];
    return {a_adj.p[k] + (std::size_t(item) * sh_size(degree)) * channels + c0, channels};
  }

  // z = Σ_pairs c x[i1] y[i2] over stage s (z zeroed first).
  template <class X, class Y>
  KOKKOS_INLINE_FUNCTION void stage_forward(int s, const X& x, const Y& y,
                                            const ChannelBlock<double>& z) const {
    for (int i = 0; i < sh_size(t.degree_z[s]); ++i) {
      GAUNT_SIMD
      for (int c = 0; c < W; ++c) z(i, c) = 0;
    }
    for (int q = t.stage_pair_begin[s]; q < t.stage_pair_begin[s + 1]; ++q) {
      const int i1 = t.pair_i1(q), i2 = t.pair_i2(q);
      double prod[W];
      GAUNT_SIMD
      for (int c = 0; c < W; ++c) prod[c] = x(i1, c) * y(i2, c);
      for (int e = t.pair_offset(q); e < t.pair_offset(q + 1); ++e) {
        const double v = t.value(e);
        const int i3 = t.out_index(e);
        GAUNT_SIMD
        for (int c = 0; c < W; ++c) z(i3, c) += v * prod[c];
      }
    }
  }

  // x̄[i1] += acc y[i2], ȳ[i2] += acc x[i1], acc = Σ_e c_e z̄[i3] (accumulating into x̄, ȳ).
  template <class X, class Y, class ZB>
  KOKKOS_INLINE_FUNCTION void stage_reverse(int s, const X& x, const Y& y, const ZB& zbar,
                                            const ChannelBlock<double>& xbar,
                                            const ChannelBlock<double>& ybar) const {
    for (int q = t.stage_pair_begin[s]; q < t.stage_pair_begin[s + 1]; ++q) {
      const int i1 = t.pair_i1(q), i2 = t.pair_i2(q);
      double acc[W];
      GAUNT_SIMD
      for (int c = 0; c < W; ++c) acc[c] = 0;
      for (int e = t.pair_offset(q); e < t.pair_offset(q + 1); ++e) {
        const double v = t.value(e);
        const int i3 = t.out_index(e);
        GAUNT_SIMD
        for (int c = 0; c < W; ++c) acc[c] += v * zbar(i3, c);
      }
      GAUNT_SIMD
      for (int c = 0; c < W; ++c) {
        xbar(i1, c) += acc[c] * y(i2, c);
        ybar(i2, c) += acc[c] * x(i1, c);
      }
    }
  }

  KOKKOS_INLINE_FUNCTION void operator()(const Member& team) const {
    const WorkUnit u = decode_unit(team, n_units, n_blocks, W);
    if (!u.valid) return;
    Scratch scratch(team.thread_scratch(level), scratch_doubles);
    const int last = t.n_stages - 1;
    // Intermediates z_s (s < last) then, in reverse, their adjoints.
    double* z_ptr[kMaxGauntFactors] = {};
    double* zbar_ptr[kMaxGauntFactors] = {};
    int offset = 0;
    for (int s = 0; s < last; ++s) {
      z_ptr[s] = scratch.data() + offset;
      offset += sh_size(t.degree_z[s]) * W;
    }
    if constexpr (Reverse) {
      for (int s = 0; s < last; ++s) {
        zbar_ptr[s] = scratch.data() + offset;
        offset += sh_size(t.degree_z[s]) * W;
      }
    }
    // Forward: every z_s, the last one included, accumulates in contiguous scratch (a strided
    // output block thrashes the L1 sets), then z_last is copied out. Reverse needs z_s, s < last.
    const int n_forward = Reverse ? last : last + 1;
    if constexpr (!Reverse) z_ptr[last] = scratch.data() + offset;
    for (int s = 0; s < n_forward; ++s) {
      const ChannelBlock<double> z{z_ptr[s], W};
      if (s == 0) {
        stage_forward(s, factor(0, u.item, u.c0), factor(1, u.item, u.c0), z);
      } else {
        stage_forward(s, ChannelBlock<const double>{z_ptr[s - 1], W}, factor(s + 1, u.item, u.c0),
                      z);
      }
    }
    if constexpr (!Reverse) {
      double* o = out + (std::size_t(u.item) * sh_size(t.degree_z[last])) * channels + u.c0;
      for (int i = 0; i < sh_size(t.degree_z[last]); ++i) {
        GAUNT_SIMD
        for (int c = 0; c < W; ++c) o[i * channels + c] = z_ptr[last][i * W + c];
      }
    }
    if constexpr (Reverse) {
      for (int k = 0; k <= t.n_stages; ++k) {
        const auto ab = factor_adj(k, u.item, u.c0);
        const int degree = k == 0 ? t.degree_x[0] : t.degree_y[k - 1];
        for (int i = 0; i < sh_size(degree); ++i) {
          GAUNT_SIMD
          for (int c = 0; c < W; ++c) ab(i, c) = 0;
        }
      }
      for (int s = last; s >= 0; --s) {
        const ChannelBlock<const double> zbar =
            s == last
                ? ChannelBlock<const double>{out_adj +
                                                 (std::size_t(u.item) * sh_size(t.degree_z[s])) *
                                                     channels +
                                                 u.c0,
                                             channels}
                : ChannelBlock<const double>{zbar_ptr[s], W};
        const ChannelBlock<double> xbar =
            s == 0 ? factor_adj(0, u.item, u.c0) : ChannelBlock<double>{zbar_ptr[s - 1], W};
        if (s > 0) {
          for (int i = 0; i < sh_size(t.degree_x[s]); ++i) {
            GAUNT_SIMD
            for (int c = 0; c < W; ++c) xbar(i, c) = 0;
          }
        }
        const ChannelBlock<const double> x =
            s == 0 ? factor(0, u.item, u.c0) : ChannelBlock<const double>{z_ptr[s - 1], W};
        stage_reverse(s, x, factor(s + 1, u.item, u.c0), zbar, xbar,
                      factor_adj(s + 1, u.item, u.c0));
      }
    }
  }
};

template <class ExecutionSpace, bool Reverse>
void dispatch_chain(const std::string& label, const ExecutionSpace& space,
                    const typename SparseChain<ExecutionSpace>::Tables& t,
                    const FactorPointers<const double>& a, const FactorPointers<double>& a_adj,
                    double* out, const double* out_adj, int items, int channels) {
  with_channel_block<GauntTuning<ExecutionSpace>::channel_block>(channels, [&](auto w) {
    constexpr int W = decltype(w)::value;
    SparseChainKernel<ExecutionSpace, W, Reverse> k;
    set_unit_arguments<W>(k, t, a, a_adj, out, out_adj, items, channels);
    // Scratch: the intermediates z_s, s < last, then their adjoints (reverse) or z_last (forward).
    int doubles = 0;
    for (int s = 0; s + 1 < t.n_stages; ++s) doubles += sh_size(t.degree_z[s]) * W;
    k.scratch_doubles = Reverse ? 2 * doubles : doubles + sh_size(t.degree_z[t.n_stages - 1]) * W;
    launch_units(label, space, k.n_units, k.scratch_doubles, k);
  });
}

}  // namespace

template <class ExecutionSpace>
SparseChain<ExecutionSpace>::SparseChain(std::vector<PairCouplings> stages, std::string label)
    : label_(std::move(label)) {
  const int n_stages = int(stages.size());
  if (n_stages < 1 || n_stages + 1 > kMaxGauntFactors) {
    throw std::invalid_argument("SparseChain: number of stages " + std::to_string(n_stages) +
                                " outside [1, " + std::to_string(kMaxGauntFactors - 1) + "]");
  }
  std::vector<int> i1, i2, offset, i3;
  std::vector<double> value;
  degree_.push_back(stages[0].l1max);
  tables_.n_stages = n_stages;
  offset.push_back(0);
  for (int s = 0; s < n_stages; ++s) {
    const PairCouplings& c = stages[s];
    if (s > 0 && c.l1max != stages[s - 1].l3max) {
      throw std::invalid_argument("SparseChain: stage " + std::to_string(s) + " input degree " +
                                  std::to_string(c.l1max) + " does not match the previous output " +
                                  std::to_string(stages[s - 1].l3max));
    }
    degree_.push_back(c.l2max);
    tables_.degree_x[s] = c.l1max;
    tables_.degree_y[s] = c.l2max;
    tables_.degree_z[s] = c.l3max;
    tables_.stage_pair_begin[s] = int(i1.size());
    const int base = int(value.size());
    for (std::size_t q = 0; q < c.pair_i1.size(); ++q) {
      i1.push_back(c.pair_i1[q]);
      i2.push_back(c.pair_i2[q]);
      offset.push_back(base + c.pair_offset[q + 1]);
    }
    i3.insert(i3.end(), c.out_index.begin(), c.out_index.end());
    value.insert(value.end(), c.value.begin(), c.value.end());
  }
  tables_.stage_pair_begin[n_stages] = int(i1.size());
  lout_ = stages.back().l3max;
  n_entries_ = long(value.size());
  tables_.pair_i1 = to_view<int, memory_space>("gaunt::" + label_ + "::pair_i1", i1);
  tables_.pair_i2 = to_view<int, memory_space>("gaunt::" + label_ + "::pair_i2", i2);
  tables_.pair_offset = to_view<int, memory_space>("gaunt::" + label_ + "::pair_offset", offset);
  tables_.out_index = to_view<int, memory_space>("gaunt::" + label_ + "::out_index", i3);
  tables_.value = to_view<double, memory_space>("gaunt::" + label_ + "::value", value);
}

template <class ExecutionSpace>
void SparseChain<ExecutionSpace>::forward(const ExecutionSpace& space,
                                          const std::vector<ConstFeatures>& factors,
                                          const Features& out) const {
  const auto a = checked_factors("SparseChain::forward", degree_, lout_, factors, out);
  dispatch_chain<ExecutionSpace, false>("gaunt::" + label_ + "::forward", space, tables_, a, {},
                                        out.data(), nullptr, int(out.extent(0)),
                                        int(out.extent(2)));
}

template <class ExecutionSpace>
void SparseChain<ExecutionSpace>::reverse(const ExecutionSpace& space,
                                          const std::vector<ConstFeatures>& factors,
                                          const ConstFeatures& out_adj,
                                          const std::vector<Features>& factors_adj) const {
  const auto [a, a_adj] =
      checked_factors("SparseChain::reverse", degree_, lout_, factors, out_adj, factors_adj);
  dispatch_chain<ExecutionSpace, true>("gaunt::" + label_ + "::reverse", space, tables_, a, a_adj,
                                       nullptr, out_adj.data(), int(out_adj.extent(0)),
                                       int(out_adj.extent(2)));
}

template class SparseChain<Kokkos::DefaultHostExecutionSpace>;
#if defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP)
template class SparseChain<Kokkos::Serial>;
#endif
#ifdef KOKKOS_ENABLE_CUDA
template class SparseChain<Kokkos::Cuda>;
#endif

}  // namespace gaunt
