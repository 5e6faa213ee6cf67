#include "gaunt_grid.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "gaunt_tables.hpp"

namespace gaunt {

namespace {

template <class ExecutionSpace, int W, bool Reverse>
struct GridKernel {
  using Tables = typename GridProduct<ExecutionSpace>::Tables;
  using Member = typename Kokkos::TeamPolicy<ExecutionSpace>::member_type;
  using Scratch =
      Kokkos::View<double*, typename ExecutionSpace::scratch_memory_space, Kokkos::MemoryUnmanaged>;
  Tables t;
  FactorPointers<const double> a;
  FactorPointers<double> a_adj;
  double* out = nullptr;
  const double* out_adj = nullptr;
  int channels = 0, n_blocks = 0, n_units = 0, scratch_doubles = 0, level = 0;

  template <class T>
  KOKKOS_INLINE_FUNCTION ChannelBlock<T> block(T* base, int item, int degree, int c0) const {
    return {base + (std::size_t(item) * sh_size(degree)) * channels + c0, channels};
  }

  // Legendre stage for the mirror pair of rings j and n_θ-1-j (x_{n-1-j} = -x_j, equal weights,
  // Λ_{n-1-j}[l,m] = (-1)^{l+m} Λ_j[l,m]): with E_m, O_m the sums over l+|m| even / odd,
  //   g_m(j) = E_m + O_m,   g_m(n-1-j) = E_m - O_m.
  template <class In>
  KOKKOS_INLINE_FUNCTION void legendre_pair(int j, int L, const In& in, double* g0,
                                            double* g1) const {
    const double* leg = t.legendre.data() + std::size_t(j) * tri_size(t.lmax);
    for (int m = -L; m <= L; ++m) {
      const int am = m < 0 ? -m : m;
      double even[W], odd[W];
      for (int c = 0; c < W; ++c) {
        even[c] = 0;
        odd[c] = 0;
      }
      for (int l = am; l <= L; l += 2) {
        const double lambda = leg[tri_index(l, am)];
        for (int c = 0; c < W; ++c) even[c] += lambda * in(sh_index(l, m), c);
      }
      for (int l = am + 1; l <= L; l += 2) {
        const double lambda = leg[tri_index(l, am)];
        for (int c = 0; c < W; ++c) odd[c] += lambda * in(sh_index(l, m), c);
      }
      for (int c = 0; c < W; ++c) {
        g0[(m + L) * W + c] = even[c] + odd[c];
        g1[(m + L) * W + c] = even[c] - odd[c];
      }
    }
  }

  // f[p][c] = Σ_m T[p,m] g_m[c]. φ_{n-p} = 2π - φ_p: cos(mφ) is even and sin(mφ) odd under
  // p -> n - p, so each pair of points shares one pass: f(p) = C + S, f(n-p) = C - S.
  KOKKOS_INLINE_FUNCTION void phi_synthesis(int L, const double* g, double* f) const {
    const int nm = 2 * t.lmax + 1, n = t.n_phi;
    for (int p = 0; 2 * p <= n; ++p) {
      const double* trig = t.trig.data() + std::size_t(p) * nm + t.lmax;
      double cs[W], sn[W];
      for (int c = 0; c < W; ++c) {
        cs[c] = 0;
        sn[c] = 0;
      }
      for (int m = 0; m <= L; ++m) {
        const double tr = trig[m];
        for (int c = 0; c < W; ++c) cs[c] += tr * g[(m + L) * W + c];
      }
      for (int m = 1; m <= L; ++m) {
        const double tr = trig[-m];
        for (int c = 0; c < W; ++c) sn[c] += tr * g[(L - m) * W + c];
      }
      for (int c = 0; c < W; ++c) f[p * W + c] = cs[c] + sn[c];
      if (p != 0 && 2 * p != n) {
        for (int c = 0; c < W; ++c) f[(n - p) * W + c] = cs[c] - sn[c];
      }
    }
  }

  // g_m[c] = scale Σ_p T[p,m] f[p][c]; f is overwritten (folded in place:
  // f(p) <- f(p) + f(n-p), f(n-p) <- f(p) - f(n-p)).
  KOKKOS_INLINE_FUNCTION void phi_analysis(int L, double scale, double* f, double* g) const {
    const int nm = 2 * t.lmax + 1, n = t.n_phi;
    for (int p = 1; 2 * p < n; ++p) {
      for (int c = 0; c < W; ++c) {
        const double x = f[p * W + c], y = f[(n - p) * W + c];
        f[p * W + c] = x + y;
        f[(n - p) * W + c] = x - y;
      }
    }
    for (int m = 0; m <= L; ++m) {
      double acc[W];
      for (int c = 0; c < W; ++c) acc[c] = 0;
      for (int p = 0; 2 * p <= n; ++p) {
        const double tr = t.trig(std::size_t(p) * nm + t.lmax + m);
        for (int c = 0; c < W; ++c) acc[c] += tr * f[p * W + c];
      }
      for (int c = 0; c < W; ++c) g[(m + L) * W + c] = scale * acc[c];
    }
    for (int m = 1; m <= L; ++m) {
      double acc[W];
      for (int c = 0; c < W; ++c) acc[c] = 0;
      for (int p = 1; 2 * p < n; ++p) {
        const double tr = t.trig(std::size_t(p) * nm + t.lmax - m);
        for (int c = 0; c < W; ++c) acc[c] += tr * f[(n - p) * W + c];
      }
      for (int c = 0; c < W; ++c) g[(L - m) * W + c] = scale * acc[c];
    }
  }

  // Values of `in` on ring j (f0) and, when paired, on its mirror ring (f1).
  template <class In>
  KOKKOS_INLINE_FUNCTION void synthesis_pair(int j, bool paired, int L, const In& in, double* g0,
                                             double* g1, double* f0, double* f1) const {
    legendre_pair(j, L, in, g0, g1);
    phi_synthesis(L, g0, f0);
    if (paired) phi_synthesis(L, g1, f1);
  }

  // out(lm) += Λ_j[l,|m|] (h_m(j) ± h_m(mirror)), h = scale · φ-analysis of f0 / f1 (+ for
  // l+|m| even, - for odd). f0, f1 are overwritten.
  KOKKOS_INLINE_FUNCTION void analysis_pair(int j, bool paired, int L, double scale, double* f0,
                                            double* f1, double* g0, double* g1,
                                            const ChannelBlock<double>& out_block) const {
    phi_analysis(L, scale, f0, g0);
    if (paired) {
      phi_analysis(L, scale, f1, g1);
    } else {
      for (int i = 0; i < (2 * L + 1) * W; ++i) g1[i] = 0;
    }
    const double* leg = t.legendre.data() + std::size_t(j) * tri_size(t.lmax);
    for (int l = 0; l <= L; ++l) {
      for (int m = -l; m <= l; ++m) {
        const int am = m < 0 ? -m : m;
        const double lambda = leg[tri_index(l, am)];
        const double sign = ((l + am) & 1) ? -1.0 : 1.0;
        const double* h0 = g0 + (m + L) * W;
        const double* h1 = g1 + (m + L) * W;
        for (int c = 0; c < W; ++c) out_block(sh_index(l, m), c) += lambda * (h0[c] + sign * h1[c]);
      }
    }
  }

  KOKKOS_INLINE_FUNCTION void operator()(const Member& team) const {
    const WorkUnit u = decode_unit(team, n_units, n_blocks, W);
    if (!u.valid) return;
    Scratch scratch(team.thread_scratch(level), scratch_doubles);
    const int np = t.n_phi, ng = (2 * t.lmax + 1) * W, nf = np * W;
    double* g0 = scratch.data();  // Legendre-stage buffers of the two rings
    double* g1 = g0 + ng;
    double* acc0 = g1 + ng;  // product (forward) or ḡ (reverse) on the two rings
    double* acc1 = acc0 + nf;
    double* f0 = acc1 + nf;  // factor values: [k] ring j, [n_factors + k] mirror ring
    double* f1 = f0 + t.n_factors * nf;
    double* fbar0 = f1 + t.n_factors * nf;  // reverse only
    double* fbar1 = fbar0 + nf;
    const int n_pairs = (t.n_theta + 1) / 2;
    if constexpr (!Reverse) {
      const auto ob = block(out, u.item, t.lout, u.c0);
      for (int i = 0; i < sh_size(t.lout); ++i)
        for (int c = 0; c < W; ++c) ob(i, c) = 0;
      for (int j = 0; j < n_pairs; ++j) {
        const bool paired = 2 * j + 1 != t.n_theta;
        for (int k = 0; k < t.n_factors; ++k) {
          const auto in = block(a.p[k], u.item, t.degree[k], u.c0);
          synthesis_pair(j, paired, t.degree[k], in, g0, g1, k == 0 ? acc0 : f0,
                         k == 0 ? acc1 : f1);
          if (k > 0) {
            for (int i = 0; i < nf; ++i) acc0[i] *= f0[i];
            if (paired) {
              for (int i = 0; i < nf; ++i) acc1[i] *= f1[i];
            }
          }
        }
        analysis_pair(j, paired, t.lout, t.weight(j), acc0, acc1, g0, g1, ob);
      }
    } else {
      for (int k = 0; k < t.n_factors; ++k) {
        const auto ab = block(a_adj.p[k], u.item, t.degree[k], u.c0);
        for (int i = 0; i < sh_size(t.degree[k]); ++i)
          for (int c = 0; c < W; ++c) ab(i, c) = 0;
      }
      const auto ob = block(out_adj, u.item, t.lout, u.c0);
      for (int j = 0; j < n_pairs; ++j) {
        const bool paired = 2 * j + 1 != t.n_theta;
        synthesis_pair(j, paired, t.lout, ob, g0, g1, acc0, acc1);  // ḡ = w ⊙ Sᵀ c̄
        const double w = t.weight(j);
        for (int i = 0; i < nf; ++i) {
          acc0[i] *= w;
          acc1[i] *= w;
        }
        for (int k = 0; k < t.n_factors; ++k) {
          synthesis_pair(j, paired, t.degree[k], block(a.p[k], u.item, t.degree[k], u.c0), g0, g1,
                         f0 + k * nf, f1 + k * nf);
        }
        for (int k = 0; k < t.n_factors; ++k) {
          for (int i = 0; i < nf; ++i) {
            fbar0[i] = acc0[i];
            fbar1[i] = acc1[i];
          }
          for (int k2 = 0; k2 < t.n_factors; ++k2) {
            if (k2 == k) continue;
            for (int i = 0; i < nf; ++i) {
              fbar0[i] *= f0[k2 * nf + i];
              fbar1[i] *= f1[k2 * nf + i];
            }
          }
          analysis_pair(j, paired, t.degree[k], 1.0, fbar0, fbar1, g0, g1,
                        block(a_adj.p[k], u.item, t.degree[k], u.c0));
        }
      }
    }
  }
};

template <class ExecutionSpace, int W, bool Reverse>
void run_grid(const std::string& label, const ExecutionSpace& space,
              const typename GridProduct<ExecutionSpace>::Tables& t,
              const FactorPointers<const double>& a, const FactorPointers<double>& a_adj,
              double* out, const double* out_adj, int items, int channels) {
  GridKernel<ExecutionSpace, W, Reverse> k;
  k.t = t;
  k.a = a;
  k.a_adj = a_adj;
  k.out = out;
  k.out_adj = out_adj;
  k.channels = channels;
  k.n_blocks = channels / W;
  k.n_units = items * k.n_blocks;
  k.scratch_doubles = 2 * (2 * t.lmax + 1 + (t.n_factors + 2) * t.n_phi) * W;
  launch_units(label, space, k.n_units, k.scratch_doubles, k);
}

template <class ExecutionSpace, bool Reverse>
void dispatch_grid(const std::string& label, const ExecutionSpace& space,
                   const typename GridProduct<ExecutionSpace>::Tables& t,
                   const FactorPointers<const double>& a, const FactorPointers<double>& a_adj,
                   double* out, const double* out_adj, int items, int channels) {
  const int w = channel_block_for<ExecutionSpace>(channels);
  constexpr int wmax = GauntTuning<ExecutionSpace>::channel_block;
  if constexpr (wmax > 4) {
    if (w == wmax) {
      return run_grid<ExecutionSpace, wmax, Reverse>(label, space, t, a, a_adj, out, out_adj, items,
                                                     channels);
    }
  }
  if constexpr (wmax >= 4) {
    if (w == 4) {
      return run_grid<ExecutionSpace, 4, Reverse>(label, space, t, a, a_adj, out, out_adj, items,
                                                  channels);
    }
  }
  run_grid<ExecutionSpace, 1, Reverse>(label, space, t, a, a_adj, out, out_adj, items, channels);
}

}  // namespace

template <class ExecutionSpace>
GridProduct<ExecutionSpace>::GridProduct(std::vector<int> factor_degrees, int lout, int n_theta,
                                         int n_phi)
    : degree_(std::move(factor_degrees)) {
  const int nf = int(degree_.size());
  if (nf < 2 || nf > kMaxGauntFactors) {
    throw std::invalid_argument("GridProduct: number of factors " + std::to_string(nf) +
                                " outside [2, " + std::to_string(kMaxGauntFactors) + "]");
  }
  for (int d : degree_) {
    if (d < 0 || d > kMaxShDegree) {
      throw std::invalid_argument("GridProduct: factor degree " + std::to_string(d) +
                                  " outside [0, " + std::to_string(kMaxShDegree) + "]");
    }
  }
  if (lout < 0 || lout > kMaxShDegree) {
    throw std::invalid_argument("GridProduct: lout " + std::to_string(lout) + " outside [0, " +
                                std::to_string(kMaxShDegree) + "]");
  }
  const int sum = std::accumulate(degree_.begin(), degree_.end(), 0);
  if (n_theta <= 0) n_theta = exact_grid_n_theta(sum, lout);
  if (n_phi <= 0) n_phi = exact_grid_n_phi(sum, lout);
  const int lmax = std::max(lout, *std::max_element(degree_.begin(), degree_.end()));
  const SphereGrid grid = make_sphere_grid(lmax, n_theta, n_phi);
  tables_.legendre = to_view<double, memory_space>("gaunt::Grid::legendre", grid.legendre);
  tables_.trig = to_view<double, memory_space>("gaunt::Grid::trig", grid.trig);
  tables_.weight = to_view<double, memory_space>("gaunt::Grid::weight", grid.weight);
  tables_.lmax = lmax;
  tables_.n_theta = n_theta;
  tables_.n_phi = n_phi;
  tables_.n_factors = nf;
  tables_.lout = lout;
  for (int k = 0; k < nf; ++k) tables_.degree[k] = degree_[k];
}

template <class ExecutionSpace>
void GridProduct<ExecutionSpace>::forward(const ExecutionSpace& space,
                                          const std::vector<ConstFeatures>& factors,
                                          const Features& out) const {
  const int nf = int(degree_.size());
  if (int(factors.size()) != nf) {
    throw std::invalid_argument("GridProduct::forward: expected " + std::to_string(nf) +
                                " factors, got " + std::to_string(factors.size()));
  }
  const int items = int(out.extent(0)), channels = int(out.extent(2));
  FactorPointers<const double> a;
  for (int k = 0; k < nf; ++k) {
    check_features("GridProduct::forward factor", factors[k], items, degree_[k], channels);
    a.p[k] = factors[k].data();
  }
  check_features("GridProduct::forward out", out, items, tables_.lout, channels);
  dispatch_grid<ExecutionSpace, false>("gaunt::Grid::forward", space, tables_, a, {}, out.data(),
                                       nullptr, items, channels);
}

template <class ExecutionSpace>
void GridProduct<ExecutionSpace>::reverse(const ExecutionSpace& space,
                                          const std::vector<ConstFeatures>& factors,
                                          const ConstFeatures& out_adj,
                                          const std::vector<Features>& factors_adj) const {
  const int nf = int(degree_.size());
  if (int(factors.size()) != nf || int(factors_adj.size()) != nf) {
    throw std::invalid_argument("GridProduct::reverse: expected " + std::to_string(nf) +
                                " factors and adjoints");
  }
  const int items = int(out_adj.extent(0)), channels = int(out_adj.extent(2));
  FactorPointers<const double> a;
  FactorPointers<double> a_adj;
  for (int k = 0; k < nf; ++k) {
    check_features("GridProduct::reverse factor", factors[k], items, degree_[k], channels);
    check_features("GridProduct::reverse factor adjoint", factors_adj[k], items, degree_[k],
                   channels);
    a.p[k] = factors[k].data();
    a_adj.p[k] = factors_adj[k].data();
  }
  check_features("GridProduct::reverse out_adj", out_adj, items, tables_.lout, channels);
  dispatch_grid<ExecutionSpace, true>("gaunt::Grid::reverse", space, tables_, a, a_adj, nullptr,
                                      out_adj.data(), items, channels);
}

template class GridProduct<Kokkos::DefaultHostExecutionSpace>;
#if defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP)
template class GridProduct<Kokkos::Serial>;
#endif
#ifdef KOKKOS_ENABLE_CUDA
template class GridProduct<Kokkos::Cuda>;
#endif

}  // namespace gaunt
