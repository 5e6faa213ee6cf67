// BLAS on host memory spaces (Debian's libblas-dev; OpenBLAS at run time where installed), for the
// engine's dense matrix products: the radial MLP (gauntnet_radial_blas.hpp) and the channel
// mixing (gauntnet_mixing.hpp). The Kokkos threads each call BLAS on their own block of rows, so
// BLAS itself is asked for one thread (OpenBLAS would otherwise start its own threads inside
// every call and compete with Kokkos's).
#pragma once

#include <cblas.h>
#include <dlfcn.h>

#include <Kokkos_Core.hpp>
#include <filesystem>
#include <string>
#include <system_error>

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

// The BLAS library that the engine's calls reach (the file that cblas_dgemm comes from: a process
// may hold two, e.g. the reference libblas.so.3 first and OpenBLAS inside liblapack.so.3), and its
// name as it gives it: OpenBLAS (openblas_get_config), MKL (mkl_get_version_string) or BLIS
// (bli_info_get_version_str); no name for any other library, such as the reference BLAS
// (Debian's libblas3), with which a 1000-atom Si step of the exact path ran 3.3× slower than with
// OpenBLAS (its radial MLP 5×).
struct BlasLibrary {
  std::string path, name;
};

inline BlasLibrary blas_library() {
  BlasLibrary blas;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&cblas_dgemm), &info) == 0 || info.dli_fname == nullptr)
    return blas;
  std::error_code error;  // the file itself, not a link of Debian's alternatives
  const auto file = std::filesystem::canonical(info.dli_fname, error);
  blas.path = error ? std::string(info.dli_fname) : file.string();
  void* const handle = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
  if (handle == nullptr) return blas;
  using Text = const char* (*)();
  using MklVersion = void (*)(char*, int);
  if (const auto config = reinterpret_cast<Text>(dlsym(handle, "openblas_get_config"))) {
    blas.name = config();
  } else if (const auto mkl =
                 reinterpret_cast<MklVersion>(dlsym(handle, "mkl_get_version_string"))) {
    char text[256] = {};
    mkl(text, int(sizeof(text)));
    blas.name = text;
  } else if (const auto blis = reinterpret_cast<Text>(dlsym(handle, "bli_info_get_version_str"))) {
    blas.name = std::string("BLIS ") + blis();
  }
  dlclose(handle);
  return blas;
}

}  // namespace gaunt
