#include "gaunt_fft.hpp"

#include <fftw3.h>

#include <stdexcept>
#include <string>

#ifdef KOKKOS_ENABLE_CUDA
#include <cufft.h>
#endif

namespace gaunt {

int fft_friendly_size(int n) {
  for (int m = std::max(n, 1);; ++m) {
    int r = m;
    for (int p : {2, 3, 5, 7})
      while (r % p == 0) r /= p;
    if (r == 1) return m;
  }
}

namespace {

void check_sizes(int n0, int n1, int batch) {
  if (n0 < 1 || n1 < 1 || batch < 1) {
    throw std::invalid_argument("BatchedFft2d: sizes must be positive, got " + std::to_string(n0) +
                                " x " + std::to_string(n1) + " x " + std::to_string(batch));
  }
}

// FFTW plans for `parts` sub-batches of `sub` transforms each, executed concurrently.
struct FftwPlans {
  fftw_plan forward = nullptr, backward = nullptr;
  int parts = 1, sub = 1;

  FftwPlans(int n0, int n1, int batch, int concurrency) {
    parts = 1;
    for (int p = std::min(concurrency, batch); p > 1; --p) {
      if (batch % p == 0) {
        parts = p;
        break;
      }
    }
    sub = batch / parts;
    const int n[2] = {n0, n1};
    auto* scratch = fftw_alloc_complex(std::size_t(n0) * n1 * batch);
    // The planner is not thread-safe; set-up runs on one thread.
    const int dist = n0 * n1;
    forward = fftw_plan_many_dft(2, n, sub, scratch, nullptr, 1, dist, scratch, nullptr, 1, dist,
                                 FFTW_FORWARD, FFTW_MEASURE);
    backward = fftw_plan_many_dft(2, n, sub, scratch, nullptr, 1, dist, scratch, nullptr, 1, dist,
                                  FFTW_BACKWARD, FFTW_MEASURE);
    fftw_free(scratch);
    if (!forward || !backward) throw std::runtime_error("BatchedFft2d: FFTW planning failed");
  }
  ~FftwPlans() {
    fftw_destroy_plan(forward);
    fftw_destroy_plan(backward);
  }
};

}  // namespace

#ifdef KOKKOS_ENABLE_CUDA
template <class ExecutionSpace>
struct BatchedFft2d<ExecutionSpace>::Plans {
  static constexpr bool is_cuda = std::is_same_v<ExecutionSpace, Kokkos::Cuda>;
  std::unique_ptr<FftwPlans> host;
  cufftHandle cuda = 0;
};
#else
template <class ExecutionSpace>
struct BatchedFft2d<ExecutionSpace>::Plans {
  static constexpr bool is_cuda = false;
  std::unique_ptr<FftwPlans> host;
};
#endif

template <class ExecutionSpace>
BatchedFft2d<ExecutionSpace>::BatchedFft2d(int n0, int n1, int batch)
    : n0_(n0), n1_(n1), batch_(batch), plans_(std::make_unique<Plans>()) {
  check_sizes(n0, n1, batch);
  if constexpr (Plans::is_cuda) {
#ifdef KOKKOS_ENABLE_CUDA
    int n[2] = {n0, n1};
    if (cufftPlanMany(&plans_->cuda, 2, n, n, 1, n0 * n1, n, 1, n0 * n1, CUFFT_Z2Z, batch) !=
        CUFFT_SUCCESS) {
      throw std::runtime_error("BatchedFft2d: cuFFT planning failed for " + std::to_string(n0) +
                               " x " + std::to_string(n1) + " x " + std::to_string(batch));
    }
#endif
  } else {
    plans_->host = std::make_unique<FftwPlans>(n0, n1, batch, ExecutionSpace().concurrency());
  }
}

template <class ExecutionSpace>
BatchedFft2d<ExecutionSpace>::~BatchedFft2d() {
#ifdef KOKKOS_ENABLE_CUDA
  if constexpr (Plans::is_cuda) cufftDestroy(plans_->cuda);
#endif
}

template <class ExecutionSpace>
void BatchedFft2d<ExecutionSpace>::execute(const ExecutionSpace& space, const Data& data,
                                           FftDirection direction) const {
  if (int(data.extent(0)) != batch_ || int(data.extent(1)) != n0_ || int(data.extent(2)) != n1_) {
    throw std::invalid_argument("BatchedFft2d::execute: data extents do not match the plan");
  }
  if constexpr (Plans::is_cuda) {
#ifdef KOKKOS_ENABLE_CUDA
    cufftSetStream(plans_->cuda, space.cuda_stream());
    auto* ptr = reinterpret_cast<cufftDoubleComplex*>(data.data());
    if (cufftExecZ2Z(plans_->cuda, ptr, ptr,
                     direction == FftDirection::kForward ? CUFFT_FORWARD : CUFFT_INVERSE) !=
        CUFFT_SUCCESS) {
      throw std::runtime_error("BatchedFft2d: cuFFT execution failed");
    }
#endif
  } else {
    const FftwPlans& p = *plans_->host;
    fftw_plan plan = direction == FftDirection::kForward ? p.forward : p.backward;
    auto* base = reinterpret_cast<fftw_complex*>(data.data());
    const std::size_t sub = std::size_t(p.sub) * n0_ * n1_;
    Kokkos::parallel_for(
        "gaunt::Fft2d::execute", Kokkos::RangePolicy<ExecutionSpace>(space, 0, p.parts),
        [=](int part) { fftw_execute_dft(plan, base + part * sub, base + part * sub); });
  }
}

template class BatchedFft2d<Kokkos::DefaultHostExecutionSpace>;
#if defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP)
template class BatchedFft2d<Kokkos::Serial>;
#endif
#ifdef KOKKOS_ENABLE_CUDA
template class BatchedFft2d<Kokkos::Cuda>;
#endif

}  // namespace gaunt
