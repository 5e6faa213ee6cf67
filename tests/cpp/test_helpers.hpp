// Shared helpers for engine tests: reference files (reference_dir), random rotations, the exact
// sphere grid, and the list of execution spaces every typed test runs on.
#pragma once

#include <gtest/gtest.h>

#include <Kokkos_Core.hpp>
#include <array>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "host_tables.hpp"

namespace gaunt::test {

using Vec3 = std::array<double, 3>;
using Mat3 = std::array<std::array<double, 3>, 3>;

// tests/reference of this source tree; the environment variable GAUNT_REFERENCE_DIR overrides the
// path compiled in (a binary run on another machine, from a copy of the repository elsewhere:
// examples/gpu/run_on_gpu.sh).
inline std::string reference_dir() {
  const char* dir = std::getenv("GAUNT_REFERENCE_DIR");
  return dir && *dir ? dir : GAUNT_REFERENCE_DIR;
}

inline nlohmann::json read_reference(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open reference file " + path);
  return nlohmann::json::parse(in);
}
inline nlohmann::json read_reference(const std::string& name) {
  return read_reference(reference_dir(), name);
}

// Uniformly random rotation from a random unit quaternion.
inline Mat3 random_rotation(std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  double q[4];
  double n = 0;
  for (double& c : q) {
    c = normal(rng);
    n += c * c;
  }
  n = std::sqrt(n);
  const double w = q[0] / n, x = q[1] / n, y = q[2] / n, z = q[3] / n;
  return {{{1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)},
           {2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)},
           {2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)}}};
}

inline Vec3 apply(const Mat3& R, const Vec3& v) {
  Vec3 out{};
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) out[a] += R[a][b] * v[b];
  return out;
}

inline Vec3 random_vector(std::mt19937_64& rng, double scale = 2.0) {
  std::uniform_real_distribution<double> uniform(-scale, scale);
  return {uniform(rng), uniform(rng), uniform(rng)};
}

// Gauss-Legendre in cosθ × uniform φ: exact for polynomials of total degree ≤ `degree` on S².
struct SphereQuadrature {
  std::vector<Vec3> points;
  std::vector<double> weights;
};

inline SphereQuadrature sphere_quadrature(int n_theta, int n_phi) {
  const auto gl = gauss_legendre(n_theta);
  SphereQuadrature q;
  for (int t = 0; t < n_theta; ++t) {
    const double z = gl.nodes[t], s = std::sqrt(1 - z * z);
    for (int p = 0; p < n_phi; ++p) {
      const double phi = 2 * std::numbers::pi * p / n_phi;
      q.points.push_back({s * std::cos(phi), s * std::sin(phi), z});
      q.weights.push_back(gl.weights[t] * 2 * std::numbers::pi / n_phi);
    }
  }
  return q;
}

inline SphereQuadrature exact_sphere_quadrature(int degree) {
  return sphere_quadrature((degree + 2) / 2, degree + 1);
}

// Execution spaces of this build: typed tests run on each.
using ExecutionSpaces = ::testing::Types<Kokkos::DefaultHostExecutionSpace
#if defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP)
                                         ,
                                         Kokkos::Serial
#endif
#ifdef KOKKOS_ENABLE_CUDA
                                         ,
                                         Kokkos::Cuda
#endif
                                         >;

}  // namespace gaunt::test
