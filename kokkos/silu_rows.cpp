#include "silu_rows.hpp"

#include <cmath>
#include <type_traits>

#include "host_clones.hpp"

// GCC vectorises a loop that calls exp when exp has a SIMD variant: glibc's libmvec provides
// them on x86-64 (_ZGVbN2v_exp, ... — 1 ulp, linked through libm), but declares them only under
// -ffast-math. Declaring them here keeps IEEE semantics for everything else: 2× faster
// activations (1.98 against 3.90 ns per value and tangent, 64-wide rows; the AVX2 copy,
// _ZGVdN4v_exp: 1.06 ns).
#if defined(_OPENMP) && defined(GAUNT_GCC_GLIBC_X86_64)
#pragma omp declare simd notinbranch
extern "C" double exp(double) noexcept;
#pragma omp declare simd notinbranch
extern "C" float expf(float) noexcept;
#define GAUNT_SIMD_EXP _Pragma("omp simd")
#else
#define GAUNT_SIMD_EXP
#endif

namespace gaunt {
namespace {

template <class Real>
inline void silu_rows(Real* __restrict value, Real* __restrict tangent, int n) {
  GAUNT_SIMD_EXP
  for (int o = 0; o < n; ++o) {
    const Real a = value[o];
    Real e;
    if constexpr (std::is_same_v<Real, float>)
      e = expf(-a);
    else
      e = exp(-a);
    const Real sig = Real(1) / (Real(1) + e);
    value[o] = a * sig;
    tangent[o] = sig * (Real(1) + a * (Real(1) - sig)) * tangent[o];
  }
}

}  // namespace

GAUNT_HOST_CLONES void silu_with_tangent_rows(double* value, double* tangent, int n) {
  silu_rows(value, tangent, n);
}
GAUNT_HOST_CLONES void silu_with_tangent_rows(float* value, float* tangent, int n) {
  silu_rows(value, tangent, n);
}

}  // namespace gaunt
