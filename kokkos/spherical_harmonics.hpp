// Real spherical harmonics Y_lm(r̂) and their gradients with respect to the edge vector r
// (DESIGN.md §3: orthonormal, Condon-Shortley phase, flat index l*l + l + m), usable inside
// Kokkos kernels on host and device.
//
// Evaluated as polynomials of the unit vector u = (x, y, z) = r/|r| (no trigonometry, no
// division by sinθ, so the poles and the axes are regular):
//   Y_l0  = N_l^0 Q_l^0(z),
//   Y_lm  = √2 N_l^m Q_l^m(z) C_m(x, y),   Y_l,-m = √2 N_l^m Q_l^m(z) S_m(x, y)   (m > 0),
// where Q_l^m(z) = P_l^m(z)/sin^mθ (with the CS phase) and C_m + i S_m = (x + iy)^m.
//   Q_m^m = (-1)^m (2m-1)!!,  Q_{m+1}^m = (2m+1) z Q_m^m,
//   Q_l^m = ((2l-1) z Q_{l-1}^m - (l+m-1) Q_{l-2}^m) / (l-m),
// and, differentiating the recurrence,
//   dQ_l^m/dz = ((2l-1) (Q_{l-1}^m + z dQ_{l-1}^m/dz) - (l+m-1) dQ_{l-2}^m/dz) / (l-m),
//   ∂C_m/∂x = m C_{m-1}, ∂C_m/∂y = -m S_{m-1},  ∂S_m/∂x = m S_{m-1}, ∂S_m/∂y = m C_{m-1}.
// m runs upwards and l inside it, so every recurrence keeps its last two terms in scalars: no
// per-thread arrays (on GPUs they would sit in local memory, indexed at run time).
// The gradient with respect to r projects the polynomial gradient g onto the tangent plane:
//   ∂Y/∂r = (g - u (u·g)) / |r|.
#pragma once

#include <Kokkos_Core.hpp>
#include <stdexcept>
#include <string>

#include "host_tables.hpp"
#include "sh_indexing.hpp"

namespace gaunt {

// Y_lm and (optionally) the polynomial gradient ∂Y_lm/∂u at the unit vector (x, y, z).
// prefactor: sh_prefactors(lmax) (N_l^m, times √2 for m > 0). Y: sh_size(lmax) values;
// dY: 3 * sh_size(lmax) values laid out [lm][xyz].
template <class Real, bool WithGradient>
KOKKOS_INLINE_FUNCTION void real_sph_unit(int lmax, const Real* prefactor, Real x, Real y, Real z,
                                          Real* Y, Real* dY) {
  Real cos_m = Real(1), sin_m = Real(0);    // C_m, S_m
  Real cos_m1 = Real(0), sin_m1 = Real(0);  // C_{m-1}, S_{m-1}
  Real q_mm = Real(1);                      // Q_m^m
  for (int m = 0; m <= lmax; ++m) {
    if (m > 0) {
      cos_m1 = cos_m;
      sin_m1 = sin_m;
      cos_m = x * cos_m1 - y * sin_m1;
      sin_m = x * sin_m1 + y * cos_m1;
      q_mm *= -Real(2 * m - 1);
    }
    // Q_l^m and dQ_l^m/dz for l = m, m + 1, ..., from the two before (Q_{m-1}^m = 0).
    Real q = q_mm, dq = Real(0), q_prev = Real(0), dq_prev = Real(0);
    for (int l = m; l <= lmax; ++l) {
      if (l > m) {
        const Real q_next = (Real(2 * l - 1) * z * q - Real(l + m - 1) * q_prev) / Real(l - m);
        const Real dq_next =
            (Real(2 * l - 1) * (q + z * dq) - Real(l + m - 1) * dq_prev) / Real(l - m);
        q_prev = q;
        dq_prev = dq;
        q = q_next;
        dq = dq_next;
      }
      const Real p = prefactor[tri_index(l, m)];
      const Real pq = p * q;
      if (m == 0) {
        Y[sh_index(l, 0)] = pq;
      } else {
        Y[sh_index(l, m)] = pq * cos_m;
        Y[sh_index(l, -m)] = pq * sin_m;
      }
      if constexpr (WithGradient) {
        const Real pdq = p * dq;
        if (m == 0) {
          Real* g = dY + 3 * sh_index(l, 0);
          g[0] = Real(0);
          g[1] = Real(0);
          g[2] = pdq;
        } else {
          Real* gc = dY + 3 * sh_index(l, m);
          Real* gs = dY + 3 * sh_index(l, -m);
          gc[0] = pq * Real(m) * cos_m1;
          gc[1] = -pq * Real(m) * sin_m1;
          gc[2] = pdq * cos_m;
          gs[0] = pq * Real(m) * sin_m1;
          gs[1] = pq * Real(m) * cos_m1;
          gs[2] = pdq * sin_m;
        }
      }
    }
  }
}

// Y_lm(r/|r|) and, with WithGradient, ∂Y_lm/∂r ([lm][xyz]) for a nonzero edge vector r.
template <class Real, bool WithGradient>
KOKKOS_INLINE_FUNCTION void real_sph(int lmax, const Real* prefactor, const Real r[3], Real* Y,
                                     Real* dY) {
  const Real norm = Kokkos::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
  const Real inv = Real(1) / norm;
  const Real u[3] = {r[0] * inv, r[1] * inv, r[2] * inv};
  real_sph_unit<Real, WithGradient>(lmax, prefactor, u[0], u[1], u[2], Y, dY);
  if constexpr (WithGradient) {
    for (int lm = 0; lm < sh_size(lmax); ++lm) {
      Real* g = dY + 3 * lm;
      const Real radial = u[0] * g[0] + u[1] * g[1] + u[2] * g[2];
      for (int a = 0; a < 3; ++a) g[a] = (g[a] - u[a] * radial) * inv;
    }
  }
}

// Owns the prefactor table in a memory space; copy it into kernels by value.
template <class Real, class MemorySpace = Kokkos::DefaultExecutionSpace::memory_space>
class SphericalHarmonics {
 public:
  explicit SphericalHarmonics(int lmax) : lmax_(lmax) {
    if (lmax < 0 || lmax > kMaxShDegree) {
      throw std::invalid_argument("SphericalHarmonics: lmax " + std::to_string(lmax) +
                                  " outside [0, " + std::to_string(kMaxShDegree) + "]");
    }
    const auto table = sh_prefactors(lmax);
    Kokkos::View<Real*, MemorySpace> prefactor("gaunt::SphericalHarmonics::prefactor",
                                               table.size());
    auto host = Kokkos::create_mirror_view(prefactor);
    for (std::size_t i = 0; i < table.size(); ++i) host(i) = Real(table[i]);
    Kokkos::deep_copy(prefactor, host);
    prefactor_ = prefactor;
  }

  KOKKOS_INLINE_FUNCTION int lmax() const { return lmax_; }

  KOKKOS_INLINE_FUNCTION void compute(const Real r[3], Real* Y) const {
    real_sph<Real, false>(lmax_, prefactor_.data(), r, Y, nullptr);
  }

  KOKKOS_INLINE_FUNCTION void compute_with_gradients(const Real r[3], Real* Y, Real* dY) const {
    real_sph<Real, true>(lmax_, prefactor_.data(), r, Y, dY);
  }

 private:
  int lmax_;
  Kokkos::View<const Real*, MemorySpace> prefactor_;
};

}  // namespace gaunt
