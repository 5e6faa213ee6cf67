// Batched in-place 2D complex FFTs for the 2D-Fourier Gaunt route (DESIGN.md §3): FFTW on host
// execution spaces, cuFFT with CUDA. Never a hand-written FFT.
//
// Data layout: [batch][n0][n1] complex doubles, one contiguous transform per batch entry
// (stride 1, distance n0 n1: FFTW's and cuFFT's fastest case); the Fourier route maps
// batch = item_in_chunk * channels + channel.
//   backward: x_{jk} = Σ_{uv} X_{uv} e^{+2πi(uj/n0 + vk/n1)}   (unnormalised)
//   forward:  X_{uv} = Σ_{jk} x_{jk} e^{-2πi(uj/n0 + vk/n1)}   (unnormalised)
#pragma once

#include <Kokkos_Complex.hpp>
#include <Kokkos_Core.hpp>
#include <memory>

namespace gaunt {

enum class FftDirection { kForward, kBackward };

template <class ExecutionSpace>
class BatchedFft2d {
 public:
  using Data = Kokkos::View<Kokkos::complex<double>***, Kokkos::LayoutRight,
                            typename ExecutionSpace::memory_space>;
  BatchedFft2d(int n0, int n1, int batch);
  ~BatchedFft2d();
  BatchedFft2d(const BatchedFft2d&) = delete;
  BatchedFft2d& operator=(const BatchedFft2d&) = delete;
  // In place on data (extents batch × n0 × n1); runs on `space`, no fence.
  void execute(const ExecutionSpace& space, const Data& data, FftDirection direction) const;
  int n0() const { return n0_; }
  int n1() const { return n1_; }
  int batch() const { return batch_; }

 private:
  struct Plans;
  int n0_, n1_, batch_;
  std::unique_ptr<Plans> plans_;
};

// Smallest n' ≥ n whose prime factors are 2, 3, 5, 7 (fast FFT sizes).
int fft_friendly_size(int n);

}  // namespace gaunt
