#include "host_tables.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <utility>

#include "sh_indexing.hpp"

namespace gaunt {

std::vector<double> sh_prefactors(int lmax) {
  if (lmax < 0 || lmax > kMaxShDegree) {
    throw std::invalid_argument("sh_prefactors: lmax " + std::to_string(lmax) + " outside [0, " +
                                std::to_string(kMaxShDegree) + "]");
  }
  std::vector<double> prefactor(tri_size(lmax));
  for (int l = 0; l <= lmax; ++l) {
    // (l-m)!/(l+m)! accumulated as a product of reciprocals: no factorial overflow.
    double ratio = 1.0;
    for (int m = 0; m <= l; ++m) {
      if (m > 0) ratio /= double(l + m) * double(l - m + 1);
      const double n_lm = std::sqrt((2 * l + 1) / (4.0 * std::numbers::pi) * ratio);
      prefactor[tri_index(l, m)] = m == 0 ? n_lm : std::numbers::sqrt2 * n_lm;
    }
  }
  return prefactor;
}

// (P_n(x), P_n'(x)) by the three-term recurrence.
static std::pair<double, double> legendre_with_derivative(int n, double x) {
  double p0 = 1.0, p1 = x;
  for (int j = 2; j <= n; ++j) {
    const double p2 = ((2 * j - 1) * x * p1 - (j - 1) * p0) / j;
    p0 = p1;
    p1 = p2;
  }
  return {p1, n * (x * p1 - p0) / (x * x - 1.0)};
}

GaussLegendre gauss_legendre(int n) {
  if (n < 1) throw std::invalid_argument("gauss_legendre: need at least one node");
  GaussLegendre gl{std::vector<double>(n), std::vector<double>(n)};
  for (int k = 0; k < (n + 1) / 2; ++k) {
    // Tricomi's initial guess for the k-th largest root, then Newton on P_n.
    double x = std::cos(std::numbers::pi * (k + 0.75) / (n + 0.5));
    for (int iter = 0; iter < 100; ++iter) {
      const auto [p, dp] = legendre_with_derivative(n, x);
      const double dx = p / dp;
      x -= dx;
      if (std::abs(dx) < 1e-16) break;
    }
    const double dp = legendre_with_derivative(n, x).second;
    const double w = 2.0 / ((1.0 - x * x) * dp * dp);
    gl.nodes[n - 1 - k] = x;
    gl.nodes[k] = -x;
    gl.weights[n - 1 - k] = w;
    gl.weights[k] = w;
  }
  return gl;
}

}  // namespace gaunt
