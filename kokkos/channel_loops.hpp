// A loop over the K channels of one atom or edge, for code written once for every backend:
// channels(f) runs f(k) for k = 0..K-1, as a SIMD loop on host (HostChannels) or over the team's
// vector lanes on GPUs (TeamChannels; LayoutRight [..][k] rows are contiguous in k).
#pragma once

#include <Kokkos_Core.hpp>

#include "gaunt_tuning.hpp"  // GAUNT_SIMD

namespace gaunt {

struct HostChannels {
  int K;
  template <class F>
  KOKKOS_FORCEINLINE_FUNCTION void operator()(const F& f) const {
    GAUNT_SIMD
    for (int k = 0; k < K; ++k) f(k);
  }
};

template <class Member>
struct TeamChannels {
  const Member& team;
  int K;
  template <class F>
  KOKKOS_FORCEINLINE_FUNCTION void operator()(const F& f) const {
    Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, K), f);
  }
};

}  // namespace gaunt
