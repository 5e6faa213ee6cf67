#include "invariant_tuples.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <stdexcept>
#include <string>

#include "host_tables.hpp"
#include "sh_indexing.hpp"
#include "spherical_harmonics.hpp"

namespace gaunt {

long sorted_tuple_count(int lmax, int nu) {
  const long n = sh_size(lmax);
  long count = 1;  // C(n + ν − 1, ν), built as a product of exact binomials
  for (int k = 1; k <= nu; ++k) count = count * (n + k - 1) / k;
  return count;
}

namespace {

// Y_i at the points of a sphere grid exact for degree ≤ `degree` (Gauss-Legendre in cosθ ×
// uniform φ), [i][point], and the quadrature weights.
struct QuadratureGrid {
  int n_points = 0;
  std::vector<double> weight;  // [point]
  std::vector<double> sh;      // [i][point]
};

QuadratureGrid quadrature_grid(int lmax, int degree) {
  const int n_theta = (degree + 2) / 2, n_phi = degree + 1, n_sh = sh_size(lmax);
  const auto gl = gauss_legendre(n_theta);
  const auto prefactor = sh_prefactors(lmax);
  QuadratureGrid q;
  q.n_points = n_theta * n_phi;
  q.weight.resize(std::size_t(q.n_points));
  q.sh.resize(std::size_t(n_sh) * std::size_t(q.n_points));
  std::vector<double> y(static_cast<std::size_t>(n_sh));
  for (int t = 0; t < n_theta; ++t) {
    const double z = gl.nodes[std::size_t(t)], s = std::sqrt(1 - z * z);
    for (int f = 0; f < n_phi; ++f) {
      const double phi = 2 * std::numbers::pi * f / n_phi;
      const int point = t * n_phi + f;
      q.weight[std::size_t(point)] = gl.weights[std::size_t(t)] * 2 * std::numbers::pi / n_phi;
      real_sph_unit<double, false>(lmax, prefactor.data(), s * std::cos(phi), s * std::sin(phi), z,
                                   y.data(), nullptr);
      for (int i = 0; i < n_sh; ++i)
        q.sh[std::size_t(i) * std::size_t(q.n_points) + std::size_t(point)] = y[std::size_t(i)];
    }
  }
  return q;
}

// Depth-first over nondecreasing tuples, carrying Π Y_i at every point (prefix products).
class TupleEnumerator {
 public:
  TupleEnumerator(const QuadratureGrid& q, int lmax, int nu, InvariantTuples& out,
                  std::map<std::vector<int>, int>& degree_tuple_of)
      : q_(q), lmax_(lmax), nu_(nu), out_(out), degree_tuple_of_(degree_tuple_of) {
    prefix_.assign(std::size_t(nu + 1) * std::size_t(q.n_points), 1.0);
    tuple_.assign(std::size_t(nu), 0);
  }
  void run() { visit(0, 0, 0); }

 private:
  static int degree(int i) { return int(std::sqrt(double(i) + 0.5)); }

  void visit(int depth, int first, int degree_sum) {
    const std::size_t P = std::size_t(q_.n_points);
    const double* above = &prefix_[std::size_t(depth) * P];
    if (depth == nu_) {
      if (degree_sum % 2 != 0) return;  // odd parity: the integral vanishes
      double integral = 0;
      for (std::size_t p = 0; p < P; ++p) integral += q_.weight[p] * above[p];
      // The nonzero integrals within the engine's limits are ≥ 1.5e-4 (smallest: L = 5, ν = 4);
      // the quadrature leaves ≤ 1e-15 of the zero ones.
      if (std::abs(integral) < 1e-12) return;
      add_entry(integral);
      return;
    }
    for (int i = first; i < sh_size(lmax_); ++i) {
      tuple_[std::size_t(depth)] = i;
      double* below = &prefix_[std::size_t(depth + 1) * P];
      const double* y = &q_.sh[std::size_t(i) * P];
      for (std::size_t p = 0; p < P; ++p) below[p] = above[p] * y[p];
      visit(depth + 1, i, degree_sum + degree(i));
    }
  }

  void add_entry(double integral) {
    double multiplicity_factorials = 1;
    for (int a = 0, run = 1; a < nu_; ++a, ++run) {
      if (a > 0 && tuple_[std::size_t(a)] != tuple_[std::size_t(a - 1)]) run = 1;
      multiplicity_factorials *= run;  // Π_i mult_i!, built as 1·2·…·mult per run
    }
    std::vector<int> lambda(std::size_t(out_.nu_max), -1);
    for (int a = 0; a < nu_; ++a) lambda[std::size_t(a)] = degree(tuple_[std::size_t(a)]);
    auto [it, inserted] = degree_tuple_of_.emplace(lambda, out_.n_degree_tuples());
    if (inserted) out_.degrees.insert(out_.degrees.end(), lambda.begin(), lambda.end());
    for (int a = 0; a < out_.nu_max; ++a)
      out_.index.push_back(a < nu_ ? tuple_[std::size_t(a)] : -1);
    out_.coefficient.push_back(integral / multiplicity_factorials);
    out_.degrees_of.push_back(it->second);
  }

  const QuadratureGrid& q_;
  int lmax_, nu_;
  InvariantTuples& out_;
  std::map<std::vector<int>, int>& degree_tuple_of_;
  std::vector<double> prefix_;  // [depth][point]
  std::vector<int> tuple_;
};

}  // namespace

std::optional<InvariantTuples> invariant_tuples(int lmax, int nu_max, long max_tuples) {
  if (lmax < 0 || nu_max < 1) {
    throw std::invalid_argument("invariant_tuples: need lmax ≥ 0 and nu_max ≥ 1, got " +
                                std::to_string(lmax) + ", " + std::to_string(nu_max));
  }
  for (int nu = 1; nu <= nu_max; ++nu)
    if (sorted_tuple_count(lmax, nu) > max_tuples) return std::nullopt;
  const QuadratureGrid q = quadrature_grid(lmax, nu_max * lmax);
  InvariantTuples out;
  out.lmax = lmax;
  out.nu_max = nu_max;
  out.entry_begin.push_back(0);
  out.degrees_begin.push_back(0);
  for (int nu = 1; nu <= nu_max; ++nu) {
    std::map<std::vector<int>, int> degree_tuple_of;  // λ tuples are numbered per order
    TupleEnumerator(q, lmax, nu, out, degree_tuple_of).run();
    out.entry_begin.push_back(out.n_entries());
    out.degrees_begin.push_back(out.n_degree_tuples());
  }
  return out;
}

}  // namespace gaunt
