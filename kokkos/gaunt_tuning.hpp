// Tuning constants of the Gaunt product kernels, per backend, in one place (STYLE.md §7).
#pragma once

#include <Kokkos_Core.hpp>
#include <cstddef>

namespace gaunt {

template <class ExecutionSpace>
struct GauntTuning {
  // Channels handled by one thread in the grid / sparse kernels (register-blocked inner loop).
  // Host: a block of channels per thread (vectorised); device: one channel per thread, adjacent
  // threads on adjacent channels (coalesced).
  static constexpr int channel_block = 16;
  static constexpr int team_size = 1;
  // Bytes of FFT work arrays the 2D-Fourier route may hold at once (items are chunked to fit).
  static constexpr std::size_t fourier_workspace_bytes = std::size_t(96) << 20;
};

#ifdef KOKKOS_ENABLE_CUDA
template <>
struct GauntTuning<Kokkos::Cuda> {
  static constexpr int channel_block = 1;
  static constexpr int team_size = 128;
  static constexpr std::size_t fourier_workspace_bytes = std::size_t(2) << 30;
};
#endif

}  // namespace gaunt
