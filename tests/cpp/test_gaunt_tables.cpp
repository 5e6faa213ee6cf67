// Gaunt tables (kokkos/gaunt_tables.hpp) against independent sources: the exact sympy real Gaunt
// coefficients (tests/reference/real_gaunt_l4.json), textbook Wigner 3j values, orthogonality
// of the real coupling tensors, the relation G = κ W3j, and the Fourier/grid tables against the
// spherical harmonics of kokkos/spherical_harmonics.hpp.
#include "gaunt_tables.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <cmath>
#include <complex>
#include <map>
#include <numbers>
#include <random>
#include <tuple>

#include "invariant_tuples.hpp"
#include "sh_indexing.hpp"
#include "spherical_harmonics.hpp"
#include "test_helpers.hpp"

namespace gaunt::test {
namespace {

using Key = std::tuple<int, int, int>;

std::map<Key, double> as_map(const PairCouplings& c) {
  std::map<Key, double> m;
  for (std::size_t q = 0; q < c.pair_i1.size(); ++q)
    for (int e = c.pair_offset[q]; e < c.pair_offset[q + 1]; ++e)
      m[{c.pair_i1[q], c.pair_i2[q], c.out_index[e]}] = c.value[e];
  return m;
}

TEST(GauntTables, RealGauntMatchesExactSympyCoefficients) {
  const auto ref = read_reference("real_gaunt_l4.json");
  const auto ours = as_map(real_gaunt_couplings(4, 4, 8));
  std::size_t matched = 0;
  for (const auto& row : ref["gaunt"]) {
    const Key k{row[0].get<int>(), row[1].get<int>(), row[2].get<int>()};
    const double expected = row[3];
    const auto it = ours.find(k);
    ASSERT_NE(it, ours.end()) << "missing coefficient " << std::get<0>(k) << "," << std::get<1>(k)
                              << "," << std::get<2>(k);
    EXPECT_NEAR(it->second, expected, 1e-13 * std::abs(expected));
    ++matched;
  }
  // Nothing beyond the exact list: every other coefficient is exactly zero.
  EXPECT_EQ(ours.size(), matched);
}

TEST(GauntTables, Wigner3jTextbookValues) {
  EXPECT_NEAR(wigner_3j(1, 1, 0, 0, 0, 0), -1 / std::sqrt(3.0), 1e-15);
  EXPECT_NEAR(wigner_3j(2, 2, 2, 0, 0, 0), -std::sqrt(2.0 / 35.0), 1e-15);
  EXPECT_NEAR(wigner_3j(1, 1, 1, 1, -1, 0), 1 / std::sqrt(6.0), 1e-15);
  EXPECT_NEAR(wigner_3j(2, 1, 1, 0, 1, -1), 1 / std::sqrt(30.0), 1e-15);
  EXPECT_EQ(wigner_3j(1, 1, 3, 0, 0, 0), 0.0);   // triangle
  EXPECT_EQ(wigner_3j(1, 1, 1, 1, 1, -1), 0.0);  // m sum
}

// Σ_{m1 m2} W(l1 l2 l3)[m1 m2 m3] W(l1 l2 l3')[m1 m2 m3'] = δ_{l3 l3'} δ_{m3 m3'} / (2l3+1),
// for parity-even and parity-odd paths.
TEST(GauntTables, RealWigner3jOrthogonal) {
  for (int l1 = 0; l1 <= 5; ++l1)
    for (int l2 = 0; l2 <= 5; ++l2)
      for (int l3 = std::abs(l1 - l2); l3 <= l1 + l2; ++l3)
        for (int l3b = std::abs(l1 - l2); l3b <= l1 + l2; ++l3b) {
          const auto W = real_wigner_3j(l1, l2, l3), Wb = real_wigner_3j(l1, l2, l3b);
          const int n2 = 2 * l2 + 1, n3 = 2 * l3 + 1, n3b = 2 * l3b + 1;
          for (int m3 = 0; m3 < n3; ++m3)
            for (int m3b = 0; m3b < n3b; ++m3b) {
              double s = 0;
              for (int m1 = 0; m1 < 2 * l1 + 1; ++m1)
                for (int m2 = 0; m2 < n2; ++m2)
                  s += W[(m1 * n2 + m2) * n3 + m3] * Wb[(m1 * n2 + m2) * n3b + m3b];
              const double expected = (l3 == l3b && m3 == m3b) ? 1.0 / n3 : 0.0;
              EXPECT_NEAR(s, expected, 1e-14) << l1 << l2 << l3 << l3b;
            }
        }
}

// G = κ W on parity-even paths; no Gaunt coefficient on parity-odd paths.
TEST(GauntTables, GauntEqualsKappaTimesWigner3j) {
  const int L = 8;
  const auto gaunt = as_map(real_gaunt_couplings(L, L, 2 * L));
  std::size_t checked = 0;
  for (int l1 = 0; l1 <= L; ++l1)
    for (int l2 = 0; l2 <= L; ++l2)
      for (int l3 = std::abs(l1 - l2); l3 <= l1 + l2; ++l3) {
        const auto W = real_wigner_3j(l1, l2, l3);
        const double kappa = gaunt_kappa(l1, l2, l3);
        const bool even = (l1 + l2 + l3) % 2 == 0;
        for (int m1 = -l1; m1 <= l1; ++m1)
          for (int m2 = -l2; m2 <= l2; ++m2)
            for (int m3 = -l3; m3 <= l3; ++m3) {
              const auto it = gaunt.find({sh_index(l1, m1), sh_index(l2, m2), sh_index(l3, m3)});
              const double g = it == gaunt.end() ? 0.0 : it->second;
              const double w = W[((m1 + l1) * (2 * l2 + 1) + m2 + l2) * (2 * l3 + 1) + m3 + l3];
              if (even) {
                EXPECT_NEAR(g, kappa * w, 1e-13 * std::max(1.0, std::abs(g)));
                ++checked;
              } else {
                EXPECT_EQ(g, 0.0);
                EXPECT_EQ(kappa, 0.0);
              }
            }
      }
  EXPECT_GT(checked, 10000u);
}

// Σ_uv y^{lm}_{uv} e^{i(uθ+vφ)} = Y_lm(θ, φ) for every l ≤ 16.
TEST(GauntTables, FourierSynthesisTableReproducesHarmonics) {
  const int lmax = kMaxShDegree;
  const auto y = fourier_synthesis_table(lmax, lmax);
  const auto prefactor = sh_prefactors(lmax);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u01(0, 1);
  const int nu = 2 * lmax + 1;
  for (int trial = 0; trial < 20; ++trial) {
    const double theta = std::numbers::pi * u01(rng), phi = 2 * std::numbers::pi * u01(rng);
    const Vec3 x = {std::sin(theta) * std::cos(phi), std::sin(theta) * std::sin(phi),
                    std::cos(theta)};
    std::vector<double> Y(sh_size(lmax));
    real_sph<double, false>(lmax, prefactor.data(), x.data(), Y.data(), nullptr);
    for (int l = 0; l <= lmax; ++l)
      for (int m = -l; m <= l; ++m) {
        std::complex<double> s = 0;
        for (int u = -lmax; u <= lmax; ++u)
          for (int sg = 0; sg < 2; ++sg) {
            const int v = sg == 0 ? std::abs(m) : -std::abs(m);
            s += y[(std::size_t(sh_index(l, m)) * nu + u + lmax) * 2 + sg] *
                 std::exp(std::complex<double>(0, u * theta + v * phi));
          }
        EXPECT_NEAR(s.real(), Y[sh_index(l, m)], 2e-14) << l << "," << m;
        EXPECT_NEAR(s.imag(), 0.0, 2e-14);
      }
  }
}

// DESIGN.md §3: a^{l,m}_u = sqrt((2l+1)/4π) i^{-m} Δ^l_{u,m} Δ^l_{u,0}, Δ = Wigner d at π/2.
// Δ^l_{u,m} by Wigner's explicit sum, independent of the sampled-DFT construction.
TEST(GauntTables, ThetaFourierCoefficientsMatchWignerSmallD) {
  auto small_d_half_pi = [](int l, int mp, int m) {
    // d^l_{m' m}(π/2) = Σ_s (-1)^{m'-m+s} sqrt((l+m')!(l-m')!(l+m)!(l-m)!) /
    //                   ((l+m-s)! s! (m'-m+s)! (l-m'-s)!) 2^{-l}
    auto f = [](int n) { return std::tgamma(n + 1.0); };
    double sum = 0;
    for (int s = std::max(0, m - mp); s <= std::min(l + m, l - mp); ++s) {
      const double term = std::sqrt(f(l + mp) * f(l - mp) * f(l + m) * f(l - m)) /
                          (f(l + m - s) * f(s) * f(mp - m + s) * f(l - mp - s));
      sum += ((mp - m + s) % 2 == 0 ? 1 : -1) * term;
    }
    return sum * std::pow(0.5, l);
  };
  const int lmax = 12;
  const auto a = theta_fourier_coefficients(lmax);
  for (int l = 0; l <= lmax; ++l)
    for (int m = 0; m <= l; ++m)
      for (int u = -l; u <= l; ++u) {
        const double mag = std::sqrt((2 * l + 1) / (4 * std::numbers::pi)) *
                           small_d_half_pi(l, u, m) * small_d_half_pi(l, u, 0);
        const std::complex<double> phase = std::pow(std::complex<double>(0, -1), m);
        const std::complex<double> expected = phase * mag;
        const auto got = a[std::size_t(tri_index(l, m)) * (2 * lmax + 1) + u + lmax];
        EXPECT_NEAR(got.real(), expected.real(), 1e-13) << l << "," << m << "," << u;
        EXPECT_NEAR(got.imag(), expected.imag(), 1e-13) << l << "," << m << "," << u;
      }
}

TEST(GauntTables, GridTablesReproduceHarmonicsAndIntegrateExactly) {
  const int lmax = 10;
  const SphereGrid g = make_sphere_grid(lmax, 11, 21);
  const auto prefactor = sh_prefactors(lmax);
  const auto gl = gauss_legendre(11);
  const int n = sh_size(lmax);
  std::vector<double> gram(std::size_t(n) * n, 0.0);
  for (int j = 0; j < g.n_theta; ++j)
    for (int p = 0; p < g.n_phi; ++p) {
      const double z = gl.nodes[j], s = std::sqrt(1 - z * z);
      const double phi = 2 * std::numbers::pi * p / g.n_phi;
      const Vec3 x = {s * std::cos(phi), s * std::sin(phi), z};
      std::vector<double> Y(n);
      real_sph<double, false>(lmax, prefactor.data(), x.data(), Y.data(), nullptr);
      for (int l = 0; l <= lmax; ++l)
        for (int m = -l; m <= l; ++m) {
          const double v = g.legendre[std::size_t(j) * tri_size(lmax) + tri_index(l, std::abs(m))] *
                           g.trig[std::size_t(p) * (2 * lmax + 1) + m + lmax];
          EXPECT_NEAR(v, Y[sh_index(l, m)], 1e-13);
        }
      for (int a = 0; a < n; ++a)
        for (int b = 0; b < n; ++b) gram[std::size_t(a) * n + b] += g.weight[j] * Y[a] * Y[b];
    }
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b) EXPECT_NEAR(gram[std::size_t(a) * n + b], a == b, 1e-13);
}

// The product basis's index tuples (invariant_tuples.hpp) for L = 4, ν = 1..4, against the exact
// sympy Gaunt coefficients: c_t Π mult! = ∫ Π Y is √(4π) δ for ν = 1, δ_{i1 i2} for ν = 2,
// G(i1, i2, i3) for ν = 3 and Σ_{i'} G(i1, i2, i') G(i', i3, i4) for ν = 4 (Y_{i1} Y_{i2} has
// degree ≤ 8, inside the exact list); every nonzero sorted tuple is listed, no other one.
TEST(GauntTables, InvariantTuplesMatchExactGaunt) {
  const int L = 4, M = sh_size(L), M2 = sh_size(2 * L);
  const auto ref = read_reference("real_gaunt_l4.json");
  std::map<Key, double> gaunt;
  for (const auto& row : ref["gaunt"])
    gaunt[{row[0].get<int>(), row[1].get<int>(), row[2].get<int>()}] = row[3].get<double>();
  const auto G = [&](int a, int b, int c) {
    const auto it = gaunt.find({std::min(a, b), std::max(a, b), c});
    return it == gaunt.end() ? 0.0 : it->second;
  };
  const auto exact = [&](const std::vector<int>& t) {
    switch (t.size()) {
      case 1:
        return t[0] == 0 ? std::sqrt(4 * std::numbers::pi) : 0.0;
      case 2:
        return t[0] == t[1] ? 1.0 : 0.0;
      case 3:
        return G(t[0], t[1], t[2]);
      default: {
        double sum = 0;
        for (int i = 0; i < M2; ++i) sum += G(t[0], t[1], i) * G(t[2], t[3], i);
        return sum;
      }
    }
  };
  const auto tuples = invariant_tuples(L, 4, 100000);
  ASSERT_TRUE(tuples.has_value());
  EXPECT_FALSE(invariant_tuples(L, 4, sorted_tuple_count(L, 4) - 1).has_value());
  for (int nu = 1; nu <= 4; ++nu) {
    std::map<std::vector<int>, int> listed;  // sorted tuple -> entry
    for (int e = tuples->entry_begin[nu - 1]; e < tuples->entry_begin[nu]; ++e) {
      std::vector<int> t(tuples->index.begin() + e * 4, tuples->index.begin() + e * 4 + nu);
      ASSERT_TRUE(std::is_sorted(t.begin(), t.end()));
      EXPECT_TRUE(listed.emplace(t, e).second) << "duplicate entry " << e;
      const int lambda = tuples->degrees_of[e];
      ASSERT_GE(lambda, tuples->degrees_begin[nu - 1]);
      ASSERT_LT(lambda, tuples->degrees_begin[nu]);
      for (int xi = 0; xi < 4; ++xi) {
        const int l = tuples->degrees[lambda * 4 + xi];
        EXPECT_EQ(l, xi < nu ? int(std::sqrt(t[xi] + 0.5)) : -1);
      }
    }
    // Every sorted tuple: listed iff its exact integral is nonzero, with c_t Π mult! equal to it.
    long checked = 0, nonzero = 0;
    std::vector<int> t(nu, 0);
    while (true) {
      const double want = exact(t);
      const auto it = listed.find(t);
      if (std::abs(want) > 1e-14) {
        ++nonzero;
        if (it == listed.end()) {
          ADD_FAILURE() << "ν = " << nu << ": missing tuple with integral " << want;
        } else {
          double factorials = 1;
          for (int a = 0, run = 1; a < nu; ++a, ++run) {
            if (a > 0 && t[a] != t[a - 1]) run = 1;
            factorials *= run;
          }
          EXPECT_NEAR(tuples->coefficient[it->second] * factorials, want, 1e-13);
        }
      } else {
        EXPECT_EQ(it, listed.end()) << "ν = " << nu << ": zero tuple listed";
      }
      ++checked;
      int a = nu - 1;  // next nondecreasing tuple
      while (a >= 0 && t[a] == M - 1) --a;
      if (a < 0) break;
      ++t[a];
      for (int b = a + 1; b < nu; ++b) t[b] = t[a];
    }
    EXPECT_EQ(checked, sorted_tuple_count(L, nu));
    EXPECT_EQ(long(listed.size()), nonzero);
    std::printf("  L = %d, ν = %d: %ld sorted tuples, %ld nonzero\n", L, nu, checked, nonzero);
  }
}

TEST(GauntTables, BadDegreesThrow) {
  EXPECT_THROW(real_gaunt_couplings(17, 1, 1), std::invalid_argument);
  EXPECT_THROW(fourier_synthesis_table(-1, 0), std::invalid_argument);
  EXPECT_THROW(make_sphere_grid(4, 0, 5), std::invalid_argument);
}

}  // namespace
}  // namespace gaunt::test
