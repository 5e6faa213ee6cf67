// 2D-Fourier route (DESIGN.md §3, route 1; Luo, Chen, Wang, ICLR 2024): each factor is written in
// the 2D Fourier basis of the torus (θ, φ) ∈ [0, 2π)²,
//   F^k_{uv} = Σ_lm y^{lm}_{uv} a^k_lm            (sparse table, v = ±|m|, |u| ≤ l),
// the product of the factors is a 2D convolution of coefficient arrays, done by FFT (values on an
// n0 × n1 torus grid, pointwise product, back to coefficients; FFTW on host, cuFFT on device),
// and the result returns to SH by c_lm = Σ_uv z^{lm}_{uv} G_uv. Exact with n0 ≥ 2ΣL_k + 1 and
// n1 ≥ ΣL_k + Lout + 1 (no aliasing onto the coefficients the projection reads).
//
// The convolution runs by FFT or directly, as a cyclic convolution on the same n0 × n1 torus
// summed over the nonzero (2L+1)² coefficients of one factor: the same numbers the FFT computes
// (exact), in (2L+1)² complex multiply-adds per output instead of O(log N) per point per FFT,
// which is fewer operations for small degrees. FourierConvolution::kAuto picks the method with
// the smaller operation count (direct_cost / fft_cost in gaunt_fourier.cpp, the direct count
// weighted by GauntTuning::fourier_direct_cost_factor, measured per backend).
//
// As real linear maps (t_k torus values, N = n0 n1, B/F the backward/forward DFT):
//   t_k = Re B(Y a_k),  g = Π t_k,  c = Re(Z F g)/N;
// adjoints with the same two table kernels and FFTs:
//   ḡ = Re B(conj(Z)ᵀ c̄)/N,   t̄_k = ḡ Π_{i≠k} t_i,   ā_k = Re(conj(Y)ᵀ F t̄_k).
// Items are processed in chunks so that the work arrays stay within
// GauntTuning::fourier_workspace_bytes.
#pragma once

#include <Kokkos_Complex.hpp>
#include <Kokkos_Core.hpp>
#include <memory>
#include <vector>

#include "gaunt_features.hpp"
#include "gaunt_fft.hpp"

namespace gaunt {

template <class ExecutionSpace>
class FourierProduct {
 public:
  using memory_space = typename ExecutionSpace::memory_space;
  using Features = FeatureView<memory_space>;
  using ConstFeatures = ConstFeatureView<memory_space>;
  using Table = Kokkos::View<Kokkos::complex<double>*, memory_space>;  // [lm][u + umax][2]
  using Work = Kokkos::View<Kokkos::complex<double>***, Kokkos::LayoutRight, memory_space>;

  FourierProduct(std::vector<int> factor_degrees, int lout,
                 FourierConvolution convolution = FourierConvolution::kAuto);
  ~FourierProduct();

  int n0() const { return n0_; }
  int n1() const { return n1_; }
  bool direct() const { return direct_; }

  void forward(const ExecutionSpace& space, const std::vector<ConstFeatures>& factors,
               const Features& out) const;
  void reverse(const ExecutionSpace& space, const std::vector<ConstFeatures>& factors,
               const ConstFeatures& out_adj, const std::vector<Features>& factors_adj) const;

 private:
  // Work arrays (and FFT plans) for a chunk of `chunk` items × `channels` (grown on demand).
  void prepare(int items, int channels, int n_buffers) const;
  // Fourier coefficients of factor k (or of c̄ with the analysis table: tab, L, umax) of the
  // current chunk into w, zeroed first.
  void synthesise(const ExecutionSpace& space, const Table& tab, const double* src, int L, int umax,
                  const Work& w, int n_valid) const;
  // out = scale · (f ⋆ g) on the rows |u| ≤ out_rows, columns |v| ≤ out_cols (cyclic; the rest
  // of out zeroed), summed over f's support |u| ≤ f_rows, |v| ≤ f_cols.
  void convolve(const ExecutionSpace& space, const Work& f, int f_rows, int f_cols, const Work& g,
                const Work& out, int out_rows, int out_cols, double scale, int n_valid) const;

  std::vector<int> degree_;
  int lout_ = 0, sum_ = 0, n0_ = 0, n1_ = 0;
  bool direct_ = false;
  std::vector<Table> synthesis_, synthesis_adj_;  // y, conj(y) per factor (umax = L_k)
  Table analysis_, analysis_adj_;                 // z/N, conj(z)/N (umax = ΣL_k)
  mutable int chunk_ = 0, channels_ = 0;
  mutable std::vector<Work> work_;
  mutable std::unique_ptr<BatchedFft2d<ExecutionSpace>> fft_;
};

}  // namespace gaunt
