// Helpers for the Gaunt product tests: host <-> device feature arrays, running a route or the
// CG baseline on host data, real Wigner D matrices by exact quadrature.
#pragma once

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "clebsch_gordan.hpp"
#include "gaunt_product.hpp"
#include "sh_indexing.hpp"
#include "spherical_harmonics.hpp"
#include "test_helpers.hpp"

namespace gaunt::test {

// Host features: flat [item][lm][channel].
using Host = std::vector<double>;

inline Host random_features(std::mt19937_64& rng, int items, int degree, int channels) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Host a(std::size_t(items) * sh_size(degree) * channels);
  for (double& x : a) x = u(rng);
  return a;
}

template <class Memory>
FeatureView<Memory> to_device(const Host& h, int items, int degree, int channels) {
  FeatureView<Memory> v("gaunt::test::features", items, sh_size(degree), channels);
  auto m = Kokkos::create_mirror_view(v);
  std::copy(h.begin(), h.end(), m.data());
  Kokkos::deep_copy(v, m);
  return v;
}

template <class View>
Host to_host(const View& v) {
  auto m = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
  return Host(m.data(), m.data() + m.size());
}

template <class Space>
Host gaunt_forward(const GauntProduct<Space>& product, const std::vector<Host>& factors, int items,
                   int channels) {
  using Memory = typename Space::memory_space;
  std::vector<ConstFeatureView<Memory>> in;
  for (std::size_t k = 0; k < factors.size(); ++k) {
    in.push_back(to_device<Memory>(factors[k], items, product.factor_degrees()[k], channels));
  }
  FeatureView<Memory> out("gaunt::test::out", items, sh_size(product.lout()), channels);
  product.forward(in, out);
  Kokkos::fence();
  return to_host(out);
}

template <class Space>
std::vector<Host> gaunt_reverse(const GauntProduct<Space>& product,
                                const std::vector<Host>& factors, const Host& out_adj, int items,
                                int channels) {
  using Memory = typename Space::memory_space;
  std::vector<ConstFeatureView<Memory>> in;
  std::vector<FeatureView<Memory>> adj;
  for (std::size_t k = 0; k < factors.size(); ++k) {
    const int d = product.factor_degrees()[k];
    in.push_back(to_device<Memory>(factors[k], items, d, channels));
    adj.push_back(FeatureView<Memory>("gaunt::test::adj", items, sh_size(d), channels));
    Kokkos::deep_copy(adj.back(), 7.0);  // reverse must overwrite
  }
  product.reverse(in, to_device<Memory>(out_adj, items, product.lout(), channels), adj);
  Kokkos::fence();
  std::vector<Host> result;
  for (const auto& v : adj) result.push_back(to_host(v));
  return result;
}

inline double max_abs(const Host& x) {
  double m = 0;
  for (double v : x) m = std::max(m, std::abs(v));
  return m;
}

inline double max_abs_diff(const Host& x, const Host& y) {
  double m = 0;
  for (std::size_t i = 0; i < x.size(); ++i) m = std::max(m, std::abs(x[i] - y[i]));
  return m;
}

inline double dot(const Host& x, const Host& y) {
  long double s = 0;
  for (std::size_t i = 0; i < x.size(); ++i) s += (long double)x[i] * y[i];
  return double(s);
}

// Real Wigner D for all degrees ≤ lmax by exact quadrature: D_ab = ∫ Y_a(R x) Y_b(x) dΩ,
// so that the coefficients of x -> f(Rᵀx) are D a. Dense [sh_size(lmax)]².
inline std::vector<double> wigner_d(const Mat3& R, int lmax) {
  const auto quad = exact_sphere_quadrature(2 * lmax);
  const auto prefactor = sh_prefactors(lmax);
  const int n = sh_size(lmax);
  std::vector<double> D(std::size_t(n) * n, 0.0), Y(n), YR(n);
  for (std::size_t p = 0; p < quad.points.size(); ++p) {
    const Vec3 x = quad.points[p], rx = apply(R, x);
    real_sph<double, false>(lmax, prefactor.data(), x.data(), Y.data(), nullptr);
    real_sph<double, false>(lmax, prefactor.data(), rx.data(), YR.data(), nullptr);
    for (int l = 0; l <= lmax; ++l)
      for (int a = l * l; a < (l + 1) * (l + 1); ++a)
        for (int b = l * l; b < (l + 1) * (l + 1); ++b)
          D[std::size_t(a) * n + b] += quad.weights[p] * YR[a] * Y[b];
  }
  return D;
}

// Applies D (for degrees ≤ dmax, dense n_D × n_D) to every item/channel of features of `degree`.
inline Host rotate(const std::vector<double>& D, int dmax, const Host& a, int items, int degree,
                   int channels) {
  const int nD = sh_size(dmax), n = sh_size(degree);
  Host out(a.size(), 0.0);
  for (int i = 0; i < items; ++i)
    for (int r = 0; r < n; ++r)
      for (int s = 0; s < n; ++s) {
        const double d = D[std::size_t(r) * nD + s];
        if (d == 0.0) continue;
        for (int c = 0; c < channels; ++c)
          out[(std::size_t(i) * n + r) * channels + c] +=
              d * a[(std::size_t(i) * n + s) * channels + c];
      }
  return out;
}

}  // namespace gaunt::test
