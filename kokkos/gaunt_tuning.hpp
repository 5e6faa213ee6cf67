// Tuning constants of the Gaunt product kernels, per backend, in one place (STYLE.md §7).
#pragma once

#include <Kokkos_Core.hpp>
#include <cstddef>

// GAUNT_SIMD before an innermost loop over a block of channels: vectorise that loop (OpenMP
// simd). Without it GCC vectorises the enclosing reduction loop with shuffles and spills instead
// (the grid route's small products ran 2x slower). GAUNT_SIMD_REDUCTION(s, ...) before a loop that
// sums into the scalars s, ...: vectorise it with per-lane partial sums (GCC does not reorder a
// floating-point sum by itself). Both empty without OpenMP and in device code.
#if defined(_OPENMP) && !defined(__CUDA_ARCH__)
#define GAUNT_PRAGMA(text) _Pragma(#text)
#define GAUNT_SIMD _Pragma("omp simd")
#define GAUNT_SIMD_REDUCTION(...) GAUNT_PRAGMA(omp simd reduction(+ : __VA_ARGS__))
#else
#define GAUNT_SIMD
#define GAUNT_SIMD_REDUCTION(...)
#endif

namespace gaunt {

template <class ExecutionSpace>
struct GauntTuning {
  // Channels handled by one thread in the grid / sparse kernels (register-blocked inner loop).
  // Host: a block of channels per thread (vectorised); device: one channel per thread, adjacent
  // threads on adjacent channels (coalesced).
  static constexpr int channel_block = 16;
  // The grid route's block: its per-thread scratch holds every ring of one unit (113 KB at
  // W = 8, L = 8 -> 16); 8 measured faster than 4 and 16 at L = 6 and 8.
  static constexpr int grid_channel_block = 8;
  static constexpr int team_size = 1;
  // Bytes of FFT work arrays the 2D-Fourier route may hold at once (items are chunked to fit).
  static constexpr std::size_t fourier_workspace_bytes = std::size_t(96) << 20;
  // FourierConvolution::kAuto convolves directly when direct_cost × this < fft_cost
  // (gaunt_fourier.cpp). Measured on one core (bench_gaunt --fourier fft|direct, C = 128): for
  // L ⊗ L -> 2L the direct kernel is 2.8x (L = 1) to 11x (L = 8) slower than FFTW, whose small
  // transforms beat their N log N count; for L ⊗ 1 -> 1, L = 4..8 (16-30x fewer direct
  // operations) the two take the same time within noise. So: direct only when ≥ 16x fewer.
  static constexpr double fourier_direct_cost_factor = 16.0;
};

#ifdef KOKKOS_ENABLE_CUDA
template <>
struct GauntTuning<Kokkos::Cuda> {
  static constexpr int channel_block = 1;
  static constexpr int grid_channel_block = 1;
  static constexpr int team_size = 128;
  static constexpr std::size_t fourier_workspace_bytes = std::size_t(2) << 30;
  static constexpr double fourier_direct_cost_factor = 1.0;  // not measured on a GPU yet
};
#endif

}  // namespace gaunt
