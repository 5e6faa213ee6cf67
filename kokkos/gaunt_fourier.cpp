#include "gaunt_fourier.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

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
FourierProduct<ExecutionSpace>::FourierProduct(std::vector<int> factor_degrees, int lout)
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
  const int max_buffers = int(degree_.size()) + 2;
  const std::size_t per_item = std::size_t(n0_) * n1_ * channels * sizeof(cplx) * max_buffers;
  const int chunk = int(std::max<std::size_t>(
      1, std::min<std::size_t>(items,
                               GauntTuning<ExecutionSpace>::fourier_workspace_bytes / per_item)));
  if (chunk != chunk_ || channels != channels_) {
    chunk_ = chunk;
    channels_ = channels;
    work_.clear();
    fft_ = std::make_unique<BatchedFft2d<ExecutionSpace>>(n0_, n1_, chunk * channels);
  }
  while (int(work_.size()) < n_buffers) {
    work_.emplace_back(Kokkos::view_alloc(Kokkos::WithoutInitializing, "gaunt::Fourier::work"),
                       chunk_ * channels_, n0_, n1_);
  }
}

template <class ExecutionSpace>
void FourierProduct<ExecutionSpace>::forward(const ExecutionSpace& space,
                                             const std::vector<ConstFeatures>& factors,
                                             const Features& out) const {
  const int nf = int(degree_.size());
  if (int(factors.size()) != nf) {
    throw std::invalid_argument("FourierProduct::forward: expected " + std::to_string(nf) +
                                " factors, got " + std::to_string(factors.size()));
  }
  const int items = int(out.extent(0)), channels = int(out.extent(2));
  for (int k = 0; k < nf; ++k) {
    check_features("FourierProduct::forward factor", factors[k], items, degree_[k], channels);
  }
  check_features("FourierProduct::forward out", out, items, lout_, channels);
  if (items == 0 || channels == 0) return;
  prepare(items, channels, 2);
  const int batch = chunk_ * channels;
  const std::size_t total = std::size_t(n0_) * n1_ * batch;
  for (int item0 = 0; item0 < items; item0 += chunk_) {
    const int n_valid = std::min(chunk_, items - item0) * channels;
    for (int k = 0; k < nf; ++k) {
      const Work& w = work_[k == 0 ? 0 : 1];
      Kokkos::deep_copy(space, w, cplx(0, 0));
      const int L = degree_[k];
      ShToFourier f{synthesis_[k].data(),
                    factors[k].data() + std::size_t(item0) * sh_size(L) * channels,
                    w.data(),
                    L,
                    L,
                    channels,
                    n_valid,
                    n0_,
                    n1_,
                    batch};
      Kokkos::parallel_for("gaunt::FourierSynthesis::forward",
                           Kokkos::RangePolicy<ExecutionSpace>(space, 0, (2 * L + 1) * n_valid), f);
      fft_->execute(space, w, FftDirection::kBackward);
      if (k > 0) {
        PointwiseProduct p{work_[0].data(), {work_[0].data(), work_[1].data()}, 2};
        Kokkos::parallel_for(
            "gaunt::FourierProduct::forward",
            Kokkos::RangePolicy<ExecutionSpace, Kokkos::IndexType<std::size_t>>(space, 0, total),
            p);
      }
    }
    fft_->execute(space, work_[0], FftDirection::kForward);
    FourierToSh g{analysis_.data(),
                  work_[0].data(),
                  out.data() + std::size_t(item0) * sh_size(lout_) * channels,
                  lout_,
                  sum_,
                  channels,
                  n_valid,
                  n0_,
                  n1_,
                  batch};
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
  const int nf = int(degree_.size());
  if (int(factors.size()) != nf || int(factors_adj.size()) != nf) {
    throw std::invalid_argument("FourierProduct::reverse: expected " + std::to_string(nf) +
                                " factors and adjoints");
  }
  const int items = int(out_adj.extent(0)), channels = int(out_adj.extent(2));
  for (int k = 0; k < nf; ++k) {
    check_features("FourierProduct::reverse factor", factors[k], items, degree_[k], channels);
    check_features("FourierProduct::reverse factor adjoint", factors_adj[k], items, degree_[k],
                   channels);
  }
  check_features("FourierProduct::reverse out_adj", out_adj, items, lout_, channels);
  if (items == 0 || channels == 0) return;
  prepare(items, channels, nf + 2);
  const int batch = chunk_ * channels;
  const std::size_t total = std::size_t(n0_) * n1_ * batch;
  const Work& gbar = work_[nf];
  const Work& tbar = work_[nf + 1];
  for (int item0 = 0; item0 < items; item0 += chunk_) {
    const int n_valid = std::min(chunk_, items - item0) * channels;
    // Torus values t_k of every factor (same kernels as the forward pass).
    for (int k = 0; k < nf; ++k) {
      Kokkos::deep_copy(space, work_[k], cplx(0, 0));
      const int L = degree_[k];
      ShToFourier f{synthesis_[k].data(),
                    factors[k].data() + std::size_t(item0) * sh_size(L) * channels,
                    work_[k].data(),
                    L,
                    L,
                    channels,
                    n_valid,
                    n0_,
                    n1_,
                    batch};
      Kokkos::parallel_for("gaunt::FourierSynthesis::forward",
                           Kokkos::RangePolicy<ExecutionSpace>(space, 0, (2 * L + 1) * n_valid), f);
      fft_->execute(space, work_[k], FftDirection::kBackward);
    }
    // ḡ = Re B(conj(Z)ᵀ c̄)/N (the 1/N is in the table).
    Kokkos::deep_copy(space, gbar, cplx(0, 0));
    ShToFourier f{analysis_adj_.data(),
                  out_adj.data() + std::size_t(item0) * sh_size(lout_) * channels,
                  gbar.data(),
                  lout_,
                  sum_,
                  channels,
                  n_valid,
                  n0_,
                  n1_,
                  batch};
    Kokkos::parallel_for("gaunt::FourierAnalysis::reverse",
                         Kokkos::RangePolicy<ExecutionSpace>(space, 0, (2 * sum_ + 1) * n_valid),
                         f);
    fft_->execute(space, gbar, FftDirection::kBackward);
    for (int k = 0; k < nf; ++k) {
      PointwiseProduct p{tbar.data(), {gbar.data()}, 1};
      for (int i = 0; i < nf; ++i) {
        if (i != k) p.in[p.n_in++] = work_[i].data();
      }
      Kokkos::parallel_for(
          "gaunt::FourierProduct::reverse",
          Kokkos::RangePolicy<ExecutionSpace, Kokkos::IndexType<std::size_t>>(space, 0, total), p);
      fft_->execute(space, tbar, FftDirection::kForward);
      const int L = degree_[k];
      FourierToSh g{synthesis_adj_[k].data(),
                    tbar.data(),
                    factors_adj[k].data() + std::size_t(item0) * sh_size(L) * channels,
                    L,
                    L,
                    channels,
                    n_valid,
                    n0_,
                    n1_,
                    batch};
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
