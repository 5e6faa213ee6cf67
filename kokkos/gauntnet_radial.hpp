// The radial functions R_{k,l}(r) of GauntNet v1 (DESIGN.md §4, MODEL_FILE.md §5) and their
// derivative, two ways:
//   radial_functions  the radial MLP on the Bessel basis times the envelope, exactly as the model
//                     file defines it (forward-mode tangent for dR/dr), or with its layers in
//                     float32 (`precision mixed`);
//   RadialTable       cubic Hermite splines of R on a uniform grid of r (an optional speed-up,
//                     DESIGN.md §8): knots r_n = r_lo + n h, n = 0..N, hold the exact R and dR/dr.
// On [r_n, r_n+1] with s = (r - r_n) / h the spline is
//   R(r) = h00(s) R_n + h h10(s) R'_n + h01(s) R_n+1 + h h11(s) R'_n+1,
//   h00 = (1 + 2s)(1 - s)², h10 = s (1 - s)², h01 = s² (3 - 2s), h11 = s² (s - 1),
// and the engine uses the derivative of this cubic as dR/dr, so forces remain the exact gradient
// of the (tabulated) energy and NVE stays conservative. Interpolation error (Hermite):
//   |R - R_spline| ≤ h⁴/384 max|R⁗|,   |R' - R'_spline| ≤ √3 h³/216 max|R⁗|.
#pragma once

#include <Kokkos_Core.hpp>
#include <numbers>
#include <string>
#include <type_traits>

#include "gauntnet_parameters.hpp"

namespace gaunt {

template <class Real>
KOKKOS_INLINE_FUNCTION Real silu(Real x) {
  return x / (Real(1) + Kokkos::exp(-x));
}
// d silu / dx = σ(x) (1 + x (1 − σ(x))), σ the logistic function.
template <class Real>
KOKKOS_INLINE_FUNCTION Real silu_deriv(Real x) {
  const Real sig = Real(1) / (Real(1) + Kokkos::exp(-x));
  return sig * (Real(1) + x * (Real(1) - sig));
}

// The MLP's input at r (0 < r < r_c): the Bessel basis times the envelope, e_n(r) u(r/r_c), and
// its r-derivative, n = 1..N_b, at z[n-1], dz[n-1].
template <class Real, class Params>
KOKKOS_INLINE_FUNCTION void radial_basis(const Params& p, double r, Real* z, Real* dz) {
  const double inv_rc = 1.0 / p.cutoff;
  const double d = r * inv_rc;
  double d_pm1 = 1.0;
  for (int t = 1; t < p.envelope_p; ++t) d_pm1 *= d;
  const double d_p = d_pm1 * d;
  const double u = 1.0 + d_p * (p.envelope_c0 + d * (p.envelope_c1 + d * p.envelope_c2));
  const double du = inv_rc * d_pm1 *
                    (p.envelope_p * p.envelope_c0 + d * ((p.envelope_p + 1) * p.envelope_c1 +
                                                         d * (p.envelope_p + 2) * p.envelope_c2));
  const double pref = Kokkos::sqrt(2.0 * inv_rc);
  const double inv_r = 1.0 / r;
  const double w1 = Kokkos::numbers::pi * inv_rc;
  // sin(nθ), cos(nθ) by angle addition from one sin/cos of θ = πr/r_c (error grows as n ε).
  const double s1 = Kokkos::sin(w1 * r), c1 = Kokkos::cos(w1 * r);
  double s = s1, c = c1;
  for (int n = 1; n <= p.num_bessel; ++n) {
    if (n > 1) {
      const double s_prev = s;
      s = s_prev * c1 + c * s1;
      c = c * c1 - s_prev * s1;
    }
    const double w = n * w1;
    const double b = pref * s * inv_r;
    const double db = pref * (w * c * inv_r - s * inv_r * inv_r);
    z[n - 1] = Real(b * u);
    dz[n - 1] = Real(db * u + b * du);
  }
}

// A hidden layer's activation and its forward tangent, z = silu(a) = a σ(a) and
// ż = silu'(a) ȧ = σ (1 + a (1 − σ)) ȧ, from one exponential (the compiler cannot merge two calls:
// exp may set errno).
template <class Real>
KOKKOS_INLINE_FUNCTION void silu_with_tangent(Real a, Real da, Real& z, Real& dz) {
  const Real sig = Real(1) / (Real(1) + Kokkos::exp(-a));
  z = a * sig;
  dz = sig * (Real(1) + a * (Real(1) - sig)) * da;
}

// The radial MLP's weight matrices, all layers, in float64 (Real = double) or float32.
template <class Real, class Params>
KOKKOS_INLINE_FUNCTION const Real* radial_weights(const Params& p) {
  if constexpr (std::is_same_v<Real, float>)
    return p.radial_weights_f32.data();
  else
    return p.radial_weights.data();
}

// R_{k,l}(r) and dR_{k,l}/dr at R[l K + k], dR[l K + k] (0 < r < r_c). Real = double: exactly as
// the model file defines it. Real = float (`precision mixed`): the MLP's layers (weights,
// activations, tangents, sums) in float32; the Bessel basis, the envelope and the outputs, and
// everything after them, in float64.
template <class Real, class Params>
KOKKOS_INLINE_FUNCTION void radial_functions(const Params& p, double r, double* R, double* dR) {
  Real z[kMaxRadialWidth], dz[kMaxRadialWidth], a[kMaxRadialWidth], da[kMaxRadialWidth];
  radial_basis(p, r, z, dz);
  for (int t = 0; t < p.n_layers; ++t) {
    const int n_in = p.width[t], n_out = p.width[t + 1];
    const bool last = t + 1 == p.n_layers;
    const Real* W = radial_weights<Real>(p) + p.layer_offset[t];
    // Outputs in blocks of at most kMaxRadialWidth (hidden layers are one block; the last layer,
    // (L+1)K wide, may be several), summed in Real over i with the output loop innermost.
    for (int o0 = 0; o0 < n_out; o0 += kMaxRadialWidth) {
      const int nb = n_out - o0 < kMaxRadialWidth ? n_out - o0 : kMaxRadialWidth;
      for (int o = 0; o < nb; ++o) {
        a[o] = Real(0);
        da[o] = Real(0);
      }
      for (int i = 0; i < n_in; ++i) {
        const Real zi = z[i], dzi = dz[i];
        const Real* Wi = W + i * n_out + o0;
        for (int o = 0; o < nb; ++o) {
          a[o] += zi * Wi[o];
          da[o] += dzi * Wi[o];
        }
      }
      if (last) {
        for (int o = 0; o < nb; ++o) {
          R[o0 + o] = a[o];
          dR[o0 + o] = da[o];
        }
      }
    }
    if (!last) {
      for (int o = 0; o < n_out; ++o) silu_with_tangent(a[o], da[o], z[o], dz[o]);
    }
  }
}

// R and dR/dr of all (L+1)K outputs as cubic Hermite splines on [r_lo, r_c].
template <class MemorySpace>
struct RadialTable {
  Kokkos::View<double**, Kokkos::LayoutRight, MemorySpace> value;  // [N+1][(L+1)K]  R(r_n)
  Kokkos::View<double**, Kokkos::LayoutRight, MemorySpace> slope;  // [N+1][(L+1)K]  dR/dr(r_n)
  int n_intervals = 0;  // N; 0: no table (the engine evaluates the MLP)
  int n_radial = 0;
  double r_lo = 0, h = 0, inv_h = 0;

  KOKKOS_INLINE_FUNCTION bool covers(double r) const { return n_intervals > 0 && r >= r_lo; }

  // R[q], dR[q] at r_lo ≤ r (r ≤ r_c: the last interval is used up to r_c and slightly beyond).
  KOKKOS_INLINE_FUNCTION void evaluate(double r, double* R, double* dR) const {
    const double t = (r - r_lo) * inv_h;
    const int n = t < n_intervals ? int(t) : n_intervals - 1;
    const double s = t - n, s2 = s * s, one_s = 1.0 - s;
    const double h00 = (1.0 + 2.0 * s) * one_s * one_s, h10 = h * s * one_s * one_s;
    const double h01 = s2 * (3.0 - 2.0 * s), h11 = h * s2 * (s - 1.0);
    // d/dr = (1/h) d/ds
    const double d00 = 6.0 * s * (s - 1.0) * inv_h, d10 = (3.0 * s2 - 4.0 * s + 1.0);
    const double d01 = -d00, d11 = (3.0 * s2 - 2.0 * s);
    const double* v0 = &value(n, 0);
    const double* v1 = &value(n + 1, 0);
    const double* m0 = &slope(n, 0);
    const double* m1 = &slope(n + 1, 0);
    for (int q = 0; q < n_radial; ++q) {
      R[q] = h00 * v0[q] + h10 * m0[q] + h01 * v1[q] + h11 * m1[q];
      dR[q] = d00 * v0[q] + d10 * m0[q] + d01 * v1[q] + d11 * m1[q];
    }
  }
};

// Tabulates the radial functions of `p` on N = n_intervals uniform intervals of [r_lo, r_c]
// (knots evaluated by radial_functions on `space`). n_intervals = 0 gives an empty table.
template <class ExecutionSpace, class MemorySpace>
RadialTable<MemorySpace> make_radial_table(const ExecutionSpace& space,
                                           const GauntNetParameters<MemorySpace>& p,
                                           int n_intervals, double r_lo) {
  RadialTable<MemorySpace> table;
  if (n_intervals <= 0) return table;
  table.n_intervals = n_intervals;
  table.n_radial = (p.lmax + 1) * p.channels;
  table.r_lo = r_lo;
  table.h = (p.cutoff - r_lo) / n_intervals;
  table.inv_h = 1.0 / table.h;
  using View = decltype(table.value);
  table.value = View("gaunt::RadialTable::value", n_intervals + 1, table.n_radial);
  table.slope = View("gaunt::RadialTable::slope", n_intervals + 1, table.n_radial);
  const auto t = table;
  Kokkos::parallel_for(
      "gaunt::RadialTable::knots", Kokkos::RangePolicy<ExecutionSpace>(space, 0, n_intervals + 1),
      KOKKOS_LAMBDA(const int n) {
        radial_functions<double>(p, t.r_lo + n * t.h, &t.value(n, 0), &t.slope(n, 0));
      });
  space.fence("gaunt::RadialTable: knots");
  return table;
}

}  // namespace gaunt
