#include "gaunt_fourier.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include "gaunt_tables.hpp"

namespace gaunt {

namespace {

using cplx = Kokkos::complex<double>;

// F[b][u][±|m|] = Σ_{l, m} tab[lm][u][s] src(lm, b) for u ∈ [-umax, umax] (rows u mod n0,
// columns v mod n1); entries outside the support are left as they are (zeroed by the caller).
struct ShToFourier {
  const cplx* tab;
  const double* src;  // first item of the chunk, [item][lm][channel]
  cplx* work;         // [batch][n0][n1]
  int L, umax, channels, n_valid, n0, n1, batch;
  KOKKOS_INLINE_FUNCTION void operator()(int idx) const {
    const int nu = 2 * umax + 1;
    const int b = idx / nu, ui = idx % nu;
    const int u = ui - umax;
    const int row = ((u % n0) + n0) % n0;
    const int item = b / channels, c = b % channels;
    const double* a = src + std::size_t(item) * sh_size(L) * channels + c;
    cplx* w = work + (std::size_t(b) * n0 + row) * n1;
    for (int mm = 0; mm <= L; ++mm) {
      cplx plus(0, 0), minus(0, 0);
      for (int l = mm; l <= L; ++l) {
        for (int sgn = 0; sgn < (mm == 0 ? 1 : 2); ++sgn) {
          const int lm = sh_index(l, sgn == 0 ? mm : -mm);
          const double v = a[std::size_t(lm) * channels];
          const cplx* e = tab + (std::size_t(lm) * nu + ui) * 2;
          plus += e[0] * v;
          minus += e[1] * v;
        }
      }
      w[mm] = plus;
      if (mm > 0) w[(n1 - mm) % n1] = minus;
    }
  }
};

// dst(lm, b) = Re Σ_u (tab[lm][u][0] F[b][u][|m|] + tab[lm][u][1] F[b][u][-|m|]).
struct FourierToSh {
  const cplx* tab;
  const cplx* work;
  double* dst;  // first item of the chunk
  int L, umax, channels, n_valid, n0, n1, batch;
  KOKKOS_INLINE_FUNCTION void operator()(int idx) const {
    const int nlm = sh_size(L);
    const int b = idx / nlm, lm = idx % nlm;
    int l = int(Kokkos::sqrt(double(lm)));
    while (l * l > lm) --l;
    while ((l + 1) * (l + 1) <= lm) ++l;
    const int m = lm - l * l - l, mm = m < 0 ? -m : m;
    const int item = b / channels, c = b % channels;
    const int nu = 2 * umax + 1;
    double acc = 0;
    for (int ui = 0; ui < nu; ++ui) {
      const int row = (((ui - umax) % n0) + n0) % n0;
      const cplx* e = tab + (std::size_t(lm) * nu + ui) * 2;
      const cplx* w = work + (std::size_t(b) * n0 + row) * n1;
      const cplx fp = w[mm];
      acc += e[0].real() * fp.real() - e[0].imag() * fp.imag();
      if (mm > 0) {
        const cplx fm = w[(n1 - mm) % n1];
        acc += e[1].real() * fm.real() - e[1].imag() * fm.imag();
      }
    }
    dst[(std::size_t(item) * sh_size(L) + lm) * channels + c] = acc;
  }
};

// out[i] = Π_k Re(in_k[i]) (torus values are real; the imaginary parts are rounding).
struct PointwiseProduct {
  cplx* out;
  const cplx* in[kMaxGauntFactors + 1];
  int n_in;
  KOKKOS_INLINE_FUNCTION void operator()(std::size_t i) const {
    double v = in[0][i].real();
    for (int k = 1; k < n_in; ++k) v *= in[k][i].real();
    out[i] = cplx(v, 0);
  }
};

// The indices -x..x mod n (all n of them when 2x + 1 > n): i-th index and count.
KOKKOS_INLINE_FUNCTION int cyclic_span(int x, int n) { return 2 * x + 1 < n ? 2 * x + 1 : n; }
KOKKOS_INLINE_FUNCTION int cyclic_index(int i, int x, int n) {
  return 2 * x + 1 < n ? (i - x < 0 ? i - x + n : i - x) : i;
}

// out[b][u][v] = scale Σ_{u2, v2 in f's support} f[b][u2][v2] g[b][u - u2][v - v2] (mod n0, n1)
// for the rows |u| ≤ out_rows and columns |v| ≤ out_cols: the cyclic convolution of the FFT
// route, summed directly.
struct CyclicConvolution {
  const cplx* f;
  const cplx* g;
  cplx* out;
  int f_rows, f_cols, out_rows, out_cols, n0, n1;
  double scale;
  KOKKOS_INLINE_FUNCTION void operator()(int idx) const {
    const int nr = cyclic_span(out_rows, n0), nc = cyclic_span(out_cols, n1);
    const int b = idx / (nr * nc), rc = idx % (nr * nc);
    const int u = cyclic_index(rc / nc, out_rows, n0), v = cyclic_index(rc % nc, out_cols, n1);
    const std::size_t base = std::size_t(b) * n0 * n1;
    const cplx* fb = f + base;
    const cplx* gb = g + base;
    cplx acc(0, 0);
    for (int i = 0, ni = cyclic_span(f_rows, n0); i < ni; ++i) {
      const int u2 = cyclic_index(i, f_rows, n0);
      const int gu = u - u2 < 0 ? u - u2 + n0 : u - u2;
      for (int j = 0, nj = cyclic_span(f_cols, n1); j < nj; ++j) {
        const int v2 = cyclic_index(j, f_cols, n1);
        const int gv = v - v2 < 0 ? v - v2 + n1 : v - v2;
        acc += fb[u2 * n1 + v2] * gb[gu * n1 + gv];
      }
    }
    out[base + std::size_t(u) * n1 + v] = scale * acc;
  }
};

// Operation counts (complex multiply-adds per item and channel) of one forward product: direct
// convolutions factor by factor (the running product's support grows by L_k, the last one only
// on the coefficients the projection reads), or ν + 1 FFTs of N log2 N each (zeroing, pointwise
// products and the SH <-> Fourier tables are the same for both and left out).
// Rows |u| ≤ .first and columns |v| ≤ .second that the direct forward convolution with factor
// k ≥ 1 computes: the support of the running product (Σ_{i≤k} L_i both ways), the last one only
// what the projection reads (|u| ≤ ΣL, |v| ≤ Lout).
std::pair<int, int> direct_forward_extent(const std::vector<int>& degree, int lout, int k) {
  const int s = std::accumulate(degree.begin(), degree.begin() + k + 1, 0);
  if (k + 1 == int(degree.size())) return {s, lout};
  return {s, s};
}

double direct_cost(const std::vector<int>& degree, int lout, int n0, int n1) {
  double cost = 0;
  for (int k = 1; k < int(degree.size()); ++k) {
    const auto [rows, cols] = direct_forward_extent(degree, lout, k);
    cost += double(cyclic_span(rows, n0)) * cyclic_span(cols, n1) * double(2 * degree[k] + 1) *
            (2 * degree[k] + 1);
  }
  return cost;
}
double fft_cost(int n_factors, int n0, int n1) {
  const double n = double(n0) * n1;
  return (n_factors + 1) * n * std::log2(n);
}

template <class MemorySpace>
Kokkos::View<cplx*, MemorySpace> complex_view(const std::string& label,
                                              const std::vector<std::complex<double>>& host,
                                              double scale, bool conjugate) {
  Kokkos::View<cplx*, MemorySpace> v(label, host.size());
  auto mirror = Kokkos::create_mirror_view(v);
  for (std::size_t i = 0; i < host.size(); ++i) {
    mirror(i) = cplx(scale * host[i].real(), (conjugate ? -scale : scale) * host[i].imag());
  }
  Kokkos::deep_copy(v, mirror);
  return v;
}

}  // namespace

template <class ExecutionSpace>
FourierProduct<ExecutionSpace>::FourierProduct(std::vector<int> factor_degrees, int lout,
                                               FourierConvolution convolution)
    : degree_(std::move(factor_degrees)), lout_(lout) {
  const int nf = int(degree_.size());
  if (nf < 2 || nf > kMaxGauntFactors) {
    throw std::invalid_argument("FourierProduct: number of factors " + std::to_string(nf) +
                                " outside [2, " + std::to_string(kMaxGauntFactors) + "]");
  }
  for (int d : degree_) {
    if (d < 0 || d > kMaxShDegree) {
      throw std::invalid_argument("FourierProduct: factor degree " + std::to_string(d) +
                                  " outside [0, " + std::to_string(kMaxShDegree) + "]");
    }
  }
  if (lout < 0 || lout > kMaxShDegree) {
    throw std::invalid_argument("FourierProduct: lout " + std::to_string(lout) + " outside [0, " +
                                std::to_string(kMaxShDegree) + "]");
  }
  sum_ = std::accumulate(degree_.begin(), degree_.end(), 0);
  const int lmax = std::max(lout, *std::max_element(degree_.begin(), degree_.end()));
  n0_ = fft_friendly_size(2 * sum_ + 1);
  n1_ = fft_friendly_size(std::max(sum_ + lout + 1, 2 * lmax + 1));
  const double inv_n = 1.0 / (double(n0_) * double(n1_));
  direct_ = convolution == FourierConvolution::kDirect ||
            (convolution == FourierConvolution::kAuto &&
             direct_cost(degree_, lout_, n0_, n1_) *
                     GauntTuning<ExecutionSpace>::fourier_direct_cost_factor <
                 fft_cost(nf, n0_, n1_));
  for (int k = 0; k < nf; ++k) {
    const auto y = fourier_synthesis_table(degree_[k], degree_[k]);
    synthesis_.push_back(complex_view<memory_space>("gaunt::Fourier::y", y, 1.0, false));
    synthesis_adj_.push_back(complex_view<memory_space>("gaunt::Fourier::y_adj", y, 1.0, true));
  }
  const auto z = fourier_analysis_table(lout, sum_);
  analysis_ = complex_view<memory_space>("gaunt::Fourier::z", z, inv_n, false);
  analysis_adj_ = complex_view<memory_space>("gaunt::Fourier::z_adj", z, inv_n, true);
}

template <class ExecutionSpace>
FourierProduct<ExecutionSpace>::~FourierProduct() = default;

template <class ExecutionSpace>
void FourierProduct<ExecutionSpace>::prepare(int items, int channels, int n_buffers) const {
  const int max_buffers = int(degree_.size()) + 3;
  const std::size_t per_item = std::size_t(n0_) * n1_ * channels * sizeof(cplx) * max_buffers;
  const int chunk = int(std::max<std::size_t>(
      1, std::min<std::size_t>(items,
                               GauntTuning<ExecutionSpace>::fourier_workspace_bytes / per_item)));
  if (chunk != chunk_ || channels != channels_) {
    chunk_ = chunk;
    channels_ = channels;
    work_.clear();
    if (!direct_) fft_ = std::make_unique<BatchedFft2d<ExecutionSpace>>(n0_, n1_, chunk * channels);
  }
  while (int(work_.size()) < n_buffers) {
    work_.emplace_back(Kokkos::view_alloc(Kokkos::WithoutInitializing, "gaunt::Fourier::work"),
                       chunk_ * channels_, n0_, n1_);
  }
}

template <class ExecutionSpace>
void FourierProduct<ExecutionSpace>::synthesise(const ExecutionSpace& space, const Table& tab,
                                                const double* src, int L, int umax, const Work& w,
                                                int n_valid) const {
  Kokkos::deep_copy(space, w, cplx(0, 0));
  ShToFourier f{tab.data(), src,     w.data(), L,   umax,
                channels_,  n_valid, n0_,      n1_, chunk_ * channels_};
  Kokkos::parallel_for("gaunt::FourierSynthesis",
                       Kokkos::RangePolicy<ExecutionSpace>(space, 0, (2 * umax + 1) * n_valid), f);
}

template <class ExecutionSpace>
void FourierProduct<ExecutionSpace>::convolve(const ExecutionSpace& space, const Work& f,
                                              int f_rows, int f_cols, const Work& g,
                                              const Work& out, int out_rows, int out_cols,
                                              double scale, int n_valid) const {
  Kokkos::deep_copy(space, out, cplx(0, 0));
  CyclicConvolution k{f.data(), g.data(), out.data(), f_rows, f_cols,
                      out_rows, out_cols, n0_,        n1_,    scale};
  const int n = cyclic_span(out_rows, n0_) * cyclic_span(out_cols, n1_) * n_valid;
  Kokkos::parallel_for("gaunt::FourierConvolution",
                       Kokkos::RangePolicy<ExecutionSpace>(space, 0, n), k);
}

template <class ExecutionSpace>
void FourierProduct<ExecutionSpace>::forward(const ExecutionSpace& space,
                                             const std::vector<ConstFeatures>& factors,
                                             const Features& out) const {
  checked_factors("FourierProduct::forward", degree_, lout_, factors, out);
  const int nf = int(degree_.size()), items = int(out.extent(0)), channels = int(out.extent(2));
  if (items == 0 || channels == 0) return;
  prepare(items, channels, 3);
  const std::size_t total = std::size_t(n0_) * n1_ * chunk_ * channels;
  const double n_points = double(n0_) * n1_;
  for (int item0 = 0; item0 < items; item0 += chunk_) {
    const int n_valid = std::min(chunk_, items - item0) * channels;
    auto source = [&](int k) {
      return factors[k].data() + std::size_t(item0) * sh_size(degree_[k]) * channels;
    };
    // work_[0]: the running product (torus values for the FFT, coefficients × N when direct).
    const Work* product = &work_[0];
    for (int k = 0; k < nf; ++k) {
      const Work& w = work_[k == 0 ? 0 : 1];
      synthesise(space, synthesis_[k], source(k), degree_[k], degree_[k], w, n_valid);
      if (direct_) {
        if (k == 0) continue;
        const auto [rows, cols] = direct_forward_extent(degree_, lout_, k);
        const Work& next = product == &work_[0] ? work_[2] : work_[0];
        convolve(space, w, degree_[k], degree_[k], *product, next, rows, cols,
                 k == 1 ? n_points : 1.0, n_valid);
        product = &next;
      } else {
        fft_->execute(space, w, FftDirection::kBackward);
        if (k > 0) {
          PointwiseProduct p{work_[0].data(), {work_[0].data(), work_[1].data()}, 2};
          Kokkos::parallel_for(
              "gaunt::FourierProduct::forward",
              Kokkos::RangePolicy<ExecutionSpace, Kokkos::IndexType<std::size_t>>(space, 0, total),
              p);
        }
      }
    }
    if (!direct_) fft_->execute(space, work_[0], FftDirection::kForward);
    FourierToSh g{analysis_.data(),
                  product->data(),
                  out.data() + std::size_t(item0) * sh_size(lout_) * channels,
                  lout_,
                  sum_,
                  channels,
                  n_valid,
                  n0_,
                  n1_,
                  chunk_ * channels};
    Kokkos::parallel_for("gaunt::FourierAnalysis::forward",
                         Kokkos::RangePolicy<ExecutionSpace>(space, 0, sh_size(lout_) * n_valid),
                         g);
  }
}

template <class ExecutionSpace>
void FourierProduct<ExecutionSpace>::reverse(const ExecutionSpace& space,
                                             const std::vector<ConstFeatures>& factors,
                                             const ConstFeatures& out_adj,
                                             const std::vector<Features>& factors_adj) const {
  checked_factors("FourierProduct::reverse", degree_, lout_, factors, out_adj, factors_adj);
  const int nf = int(degree_.size()), items = int(out_adj.extent(0));
  const int channels = int(out_adj.extent(2));
  if (items == 0 || channels == 0) return;
  prepare(items, channels, nf + 3);
  const std::size_t total = std::size_t(n0_) * n1_ * chunk_ * channels;
  const double n_points = double(n0_) * n1_;
  const Work& gbar = work_[nf];
  const Work& tbar = work_[nf + 1];
  const Work& spare = work_[nf + 2];
  for (int item0 = 0; item0 < items; item0 += chunk_) {
    const int n_valid = std::min(chunk_, items - item0) * channels;
    // Every factor's coefficients (and, for the FFT, its torus values t_k).
    for (int k = 0; k < nf; ++k) {
      synthesise(space, synthesis_[k],
                 factors[k].data() + std::size_t(item0) * sh_size(degree_[k]) * channels,
                 degree_[k], degree_[k], work_[k], n_valid);
      if (!direct_) fft_->execute(space, work_[k], FftDirection::kBackward);
    }
    // Ḡ = conj(Z)ᵀ c̄ / N (the 1/N is in the table), for the FFT then ḡ = B(Ḡ).
    synthesise(space, analysis_adj_,
               out_adj.data() + std::size_t(item0) * sh_size(lout_) * channels, lout_, sum_, gbar,
               n_valid);
    if (!direct_) fft_->execute(space, gbar, FftDirection::kBackward);
    for (int k = 0; k < nf; ++k) {
      // F t̄_k: the FFT of ḡ Π_{i≠k} t_i, or directly N Ḡ ⋆ (⋆_{i≠k} F_i).
      const Work* adj = &tbar;
      if (direct_) {
        adj = &gbar;
        int rows = sum_, cols = lout_, done = 0;
        for (int i = 0; i < nf; ++i) {
          if (i == k) continue;
          const bool last = ++done + 1 == nf;
          rows = last ? degree_[k] : rows + degree_[i];
          cols = last ? degree_[k] : cols + degree_[i];
          const Work& next = adj == &tbar ? spare : tbar;
          convolve(space, work_[i], degree_[i], degree_[i], *adj, next, rows, cols,
                   done == 1 ? n_points : 1.0, n_valid);
          adj = &next;
        }
      } else {
        PointwiseProduct p{tbar.data(), {gbar.data()}, 1};
        for (int i = 0; i < nf; ++i) {
          if (i != k) p.in[p.n_in++] = work_[i].data();
        }
        Kokkos::parallel_for(
            "gaunt::FourierProduct::reverse",
            Kokkos::RangePolicy<ExecutionSpace, Kokkos::IndexType<std::size_t>>(space, 0, total),
            p);
        fft_->execute(space, tbar, FftDirection::kForward);
      }
      const int L = degree_[k];
      FourierToSh g{synthesis_adj_[k].data(),
                    adj->data(),
                    factors_adj[k].data() + std::size_t(item0) * sh_size(L) * channels,
                    L,
                    L,
                    channels,
                    n_valid,
                    n0_,
                    n1_,
                    chunk_ * channels};
      Kokkos::parallel_for("gaunt::FourierSynthesis::reverse",
                           Kokkos::RangePolicy<ExecutionSpace>(space, 0, sh_size(L) * n_valid), g);
    }
  }
}

template class FourierProduct<Kokkos::DefaultHostExecutionSpace>;
#if defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP)
template class FourierProduct<Kokkos::Serial>;
#endif
#ifdef KOKKOS_ENABLE_CUDA
template class FourierProduct<Kokkos::Cuda>;
#endif

}  // namespace gaunt
