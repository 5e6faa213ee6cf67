// Real spherical harmonics (kokkos/spherical_harmonics.hpp) against independent checks:
// sympy reference values, orthonormality by exact quadrature, finite differences, rotations.
#include "spherical_harmonics.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_helpers.hpp"

namespace gaunt::test {
namespace {

constexpr int kLmax = 10;

std::vector<double> sph(int lmax, const Vec3& r) {
  const auto prefactor = sh_prefactors(lmax);
  std::vector<double> Y(sh_size(lmax));
  real_sph<double, false>(lmax, prefactor.data(), r.data(), Y.data(), nullptr);
  return Y;
}

std::pair<std::vector<double>, std::vector<double>> sph_with_gradients(int lmax, const Vec3& r) {
  const auto prefactor = sh_prefactors(lmax);
  std::vector<double> Y(sh_size(lmax)), dY(3 * sh_size(lmax));
  real_sph<double, true>(lmax, prefactor.data(), r.data(), Y.data(), dY.data());
  return {Y, dY};
}

TEST(SphericalHarmonics, MatchSympyReference) {
  const auto ref = read_reference("spherical_harmonics.json");
  const int lmax = ref["lmax"];
  ASSERT_GE(lmax, 8);
  const auto& vectors = ref["vectors"];
  for (std::size_t k = 0; k < vectors.size(); ++k) {
    const Vec3 r = {vectors[k][0], vectors[k][1], vectors[k][2]};
    const auto Y = sph(lmax, r);
    for (int lm = 0; lm < sh_size(lmax); ++lm) {
      const double expected = ref["values"][k][lm];
      EXPECT_NEAR(Y[lm], expected, 1e-13 * std::max(1.0, std::abs(expected)))
          << "vector " << k << " index " << lm;
    }
  }
}

TEST(SphericalHarmonics, OrthonormalByQuadrature) {
  const auto quad = exact_sphere_quadrature(2 * kLmax);
  const int n = sh_size(kLmax);
  std::vector<double> gram(n * n, 0.0);
  for (std::size_t p = 0; p < quad.points.size(); ++p) {
    const auto Y = sph(kLmax, quad.points[p]);
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b) gram[a * n + b] += quad.weights[p] * Y[a] * Y[b];
  }
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b)
      EXPECT_NEAR(gram[a * n + b], a == b ? 1.0 : 0.0, 1e-13) << a << "," << b;
}

TEST(SphericalHarmonics, GradientsMatchCentralDifferences) {
  std::mt19937_64 rng(7);
  const double h = 1e-5;
  for (int trial = 0; trial < 20; ++trial) {
    const Vec3 r = random_vector(rng);
    const auto [Y, dY] = sph_with_gradients(kLmax, r);
    for (int a = 0; a < 3; ++a) {
      Vec3 rp = r, rm = r;
      rp[a] += h;
      rm[a] -= h;
      const auto Yp = sph(kLmax, rp), Ym = sph(kLmax, rm);
      for (int lm = 0; lm < sh_size(kLmax); ++lm) {
        const double fd = (Yp[lm] - Ym[lm]) / (2 * h);
        EXPECT_NEAR(dY[3 * lm + a], fd, 1e-7 * std::max(1.0, std::abs(fd)))
            << "lm " << lm << " axis " << a;
      }
    }
  }
}

// For a rotation R, Y_l(R u) = D^l(R) Y_l(u) with D^l orthogonal; D^l by exact quadrature,
// D^l_{mm'} = ∫ Y_lm(R u) Y_lm'(u) dΩ.
TEST(SphericalHarmonics, RotationActsByOrthogonalBlocks) {
  std::mt19937_64 rng(11);
  const Mat3 R = random_rotation(rng);
  const auto quad = exact_sphere_quadrature(2 * kLmax);
  const int n = sh_size(kLmax);
  std::vector<double> D(n * n, 0.0);
  for (std::size_t p = 0; p < quad.points.size(); ++p) {
    const auto Y = sph(kLmax, quad.points[p]);
    const auto YR = sph(kLmax, apply(R, quad.points[p]));
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b) D[a * n + b] += quad.weights[p] * YR[a] * Y[b];
  }
  for (int l = 0; l <= kLmax; ++l) {
    const int lo = l * l, hi = (l + 1) * (l + 1);
    for (int a = lo; a < hi; ++a) {
      for (int b = 0; b < n; ++b) {
        if (b < lo || b >= hi) {
          EXPECT_NEAR(D[a * n + b], 0.0, 1e-13) << "degrees must not mix";
        }
      }
      for (int b = lo; b < hi; ++b) {
        double ddt = 0;
        for (int c = lo; c < hi; ++c) ddt += D[a * n + c] * D[b * n + c];
        EXPECT_NEAR(ddt, a == b ? 1.0 : 0.0, 1e-12) << "l " << l;
      }
    }
  }
  for (int trial = 0; trial < 10; ++trial) {
    const Vec3 u = random_vector(rng);
    const auto Y = sph(kLmax, u);
    const auto YR = sph(kLmax, apply(R, u));
    for (int a = 0; a < n; ++a) {
      double DY = 0;
      for (int b = 0; b < n; ++b) DY += D[a * n + b] * Y[b];
      EXPECT_NEAR(YR[a], DY, 1e-12);
    }
  }
}

TEST(SphericalHarmonics, FiniteAndContinuousAtPolesAndAxes) {
  const std::vector<Vec3> special = {{0, 0, 1}, {0, 0, -1}, {1, 0, 0},    {-1, 0, 0},
                                     {0, 1, 0}, {0, -1, 0}, {0, 0, 1e-3}, {1e-300, 0, 1}};
  for (const auto& r : special) {
    const auto [Y, dY] = sph_with_gradients(kLmax, r);
    for (double v : Y) EXPECT_TRUE(std::isfinite(v));
    for (double v : dY) EXPECT_TRUE(std::isfinite(v));
  }
  // Values and gradients at the pole are the limits of those next to it.
  const auto [Y0, dY0] = sph_with_gradients(kLmax, {0, 0, 1});
  const auto [Y1, dY1] = sph_with_gradients(kLmax, {1e-9, -2e-9, 1});
  for (int i = 0; i < sh_size(kLmax); ++i) EXPECT_NEAR(Y0[i], Y1[i], 1e-6);
  for (int i = 0; i < 3 * sh_size(kLmax); ++i) EXPECT_NEAR(dY0[i], dY1[i], 1e-6);
}

// Y and dY of every vector r(i) in a kernel on Space. A free function: nvcc does not allow
// extended lambdas inside the (private) test bodies.
template <class Space, class Memory>
void sph_in_kernel(const SphericalHarmonics<double, Memory>& harmonics,
                   const Kokkos::View<double* [3], Memory>& r,
                   const Kokkos::View<double**, Memory>& Y,
                   const Kokkos::View<double**, Memory>& dY) {
  Kokkos::parallel_for(
      "gaunt::test::sph", Kokkos::RangePolicy<Space>(0, r.extent(0)), KOKKOS_LAMBDA(int i) {
        const double ri[3] = {r(i, 0), r(i, 1), r(i, 2)};
        harmonics.compute_with_gradients(ri, &Y(i, 0), &dY(i, 0));
      });
}

// The class form runs inside kernels of every execution space and gives the host numbers.
template <class ExecutionSpace>
class SphericalHarmonicsKernel : public ::testing::Test {};
TYPED_TEST_SUITE(SphericalHarmonicsKernel, ExecutionSpaces);

TYPED_TEST(SphericalHarmonicsKernel, MatchesHostEvaluation) {
  using Space = TypeParam;
  using Memory = typename Space::memory_space;
  constexpr int lmax = 8;
  constexpr int n = sh_size(lmax);
  const int count = 257;
  std::mt19937_64 rng(3);
  Kokkos::View<double* [3], Memory> r("r", count);
  auto r_host = Kokkos::create_mirror_view(r);
  for (int i = 0; i < count; ++i) {
    const Vec3 v = random_vector(rng);
    for (int a = 0; a < 3; ++a) r_host(i, a) = v[a];
  }
  Kokkos::deep_copy(r, r_host);
  Kokkos::View<double**, Memory> Y("Y", count, n), dY("dY", count, 3 * n);
  const SphericalHarmonics<double, Memory> harmonics(lmax);
  sph_in_kernel<Space>(harmonics, r, Y, dY);
  auto Y_host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), Y);
  auto dY_host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), dY);
  for (int i = 0; i < count; ++i) {
    const auto [Y_ref, dY_ref] =
        sph_with_gradients(lmax, {r_host(i, 0), r_host(i, 1), r_host(i, 2)});
    for (int k = 0; k < n; ++k) EXPECT_NEAR(Y_host(i, k), Y_ref[k], 1e-14);
    for (int k = 0; k < 3 * n; ++k) EXPECT_NEAR(dY_host(i, k), dY_ref[k], 1e-13);
  }
}

}  // namespace
}  // namespace gaunt::test
