// BLAS on host memory spaces (Debian's libblas-dev; OpenBLAS at run time where installed), for the
// engine's dense matrix products: the radial MLP (gauntnet_radial_blas.hpp) and the channel
// mixing (gauntnet_mixing.hpp). The Kokkos threads each call BLAS on their own block of rows, so
// BLAS itself is asked for one thread (OpenBLAS would otherwise start its own threads inside
// every call and compete with Kokkos's).
#pragma once

#include <cblas.h>
#include <dlfcn.h>

#include <Kokkos_Core.hpp>

namespace gaunt {

// Whether BLAS (host code) can read views of MemorySpace.
template <class MemorySpace>
inline constexpr bool host_blas_reaches =
    Kokkos::SpaceAccessibility<Kokkos::HostSpace, MemorySpace>::accessible;

// OpenBLAS's own threads off (a no-op for other BLAS libraries, which do not start threads).
inline void blas_single_threaded() {
  using SetThreads = void (*)(int);
  static const auto set =
      reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set) set(1);
}

}  // namespace gaunt
