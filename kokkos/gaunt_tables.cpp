#include "gaunt_tables.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <tuple>

#include "host_tables.hpp"
#include "sh_indexing.hpp"

namespace gaunt {

namespace {

using cplx = std::complex<double>;
using cplxl = std::complex<long double>;

void check_degree(const char* what, int l) {
  if (l < 0 || l > kMaxShDegree) {
    throw std::invalid_argument(std::string(what) + ": degree " + std::to_string(l) +
                                " outside [0, " + std::to_string(kMaxShDegree) + "]");
  }
}

// Θ-part values N_l^m Q_l^m(x) s^m for all l ≤ lmax, m ≤ l at x = cosθ, s = sinθ (signed),
// times √2 for m > 0 when with_sqrt2. Q_l^m by the three-term recurrence in l (stable upward).
template <class Real>
void theta_values(int lmax, Real x, Real s, bool with_sqrt2, const std::vector<double>& pref,
                  Real* out) {
  for (int m = 0; m <= lmax; ++m) {
    Real q_mm = 1;
    for (int k = 1; k <= m; ++k) q_mm *= -Real(2 * k - 1);
    Real s_m = 1;
    for (int k = 0; k < m; ++k) s_m *= s;
    Real q_prev = 0, q = q_mm;
    for (int l = m; l <= lmax; ++l) {
      if (l == m + 1) {
        q_prev = q;
        q = Real(2 * m + 1) * x * q_mm;
      } else if (l > m + 1) {
        const Real next = (Real(2 * l - 1) * x * q - Real(l + m - 1) * q_prev) / Real(l - m);
        q_prev = q;
        q = next;
      }
      Real p = Real(pref[tri_index(l, m)]);
      if (m > 0 && !with_sqrt2) p /= std::sqrt(Real(2));
      out[tri_index(l, m)] = p * q * s_m;
    }
  }
}

// b^m_v for v = s_index == 0 ? +|m| : -|m|.
cplx fourier_b(int m, int s_index) {
  const double r = 1.0 / std::numbers::sqrt2;
  if (m == 0) return s_index == 0 ? cplx(1, 0) : cplx(0, 0);
  if (m > 0) return cplx(r, 0);
  return s_index == 0 ? cplx(0, -r) : cplx(0, r);
}

}  // namespace

int exact_grid_n_theta(int sum_degrees, int lout) { return (sum_degrees + lout + 2) / 2; }
int exact_grid_n_phi(int sum_degrees, int lout) { return sum_degrees + lout + 1; }

SphereGrid make_sphere_grid(int lmax, int n_theta, int n_phi) {
  if (lmax < 0 || lmax > 4 * kMaxShDegree) {
    throw std::invalid_argument("make_sphere_grid: lmax " + std::to_string(lmax) + " invalid");
  }
  if (n_theta < 1 || n_phi < 1) {
    throw std::invalid_argument("make_sphere_grid: need n_theta, n_phi ≥ 1, got " +
                                std::to_string(n_theta) + ", " + std::to_string(n_phi));
  }
  SphereGrid g;
  g.lmax = lmax;
  g.n_theta = n_theta;
  g.n_phi = n_phi;
  const auto gl = gauss_legendre(n_theta);
  const auto pref = sh_prefactors(std::min(lmax, kMaxShDegree));
  if (lmax > kMaxShDegree) throw std::invalid_argument("make_sphere_grid: lmax above 16");
  g.weight.resize(n_theta);
  g.legendre.resize(std::size_t(n_theta) * tri_size(lmax));
  for (int j = 0; j < n_theta; ++j) {
    const double x = gl.nodes[j];
    g.weight[j] = gl.weights[j] * 2 * std::numbers::pi / n_phi;
    theta_values<double>(lmax, x, std::sqrt(1 - x * x), true, pref,
                         g.legendre.data() + std::size_t(j) * tri_size(lmax));
  }
  const int nm = 2 * lmax + 1;
  g.trig.resize(std::size_t(n_phi) * nm);
  for (int p = 0; p < n_phi; ++p) {
    for (int m = -lmax; m <= lmax; ++m) {
      // Exact angle reduction: (|m| p mod n_phi) / n_phi.
      const long double angle =
          2.0L * std::numbers::pi_v<long double> * ((std::abs(m) * p) % n_phi) / n_phi;
      g.trig[std::size_t(p) * nm + m + lmax] = double(m >= 0 ? cosl(angle) : sinl(angle));
    }
  }
  return g;
}

std::vector<std::complex<double>> theta_fourier_coefficients(int lmax) {
  check_degree("theta_fourier_coefficients", lmax);
  const int n = 2 * lmax + 2;  // > 2 lmax: no aliasing for degree-lmax trigonometric polynomials
  const int nu = 2 * lmax + 1;
  const auto pref = sh_prefactors(lmax);
  std::vector<long double> samples(std::size_t(n) * tri_size(lmax));
  for (int j = 0; j < n; ++j) {
    const long double theta = 2.0L * std::numbers::pi_v<long double> * j / n;
    theta_values<long double>(lmax, cosl(theta), sinl(theta), false, pref,
                              samples.data() + std::size_t(j) * tri_size(lmax));
  }
  std::vector<cplx> a(std::size_t(tri_size(lmax)) * nu, cplx(0, 0));
  for (int t = 0; t < tri_size(lmax); ++t) {
    for (int u = -lmax; u <= lmax; ++u) {
      cplxl acc(0, 0);
      for (int j = 0; j < n; ++j) {
        // e^{-iuθ_j} with an exact reduction of u j modulo n.
        const int r = ((u * j) % n + n) % n;
        const long double angle = 2.0L * std::numbers::pi_v<long double> * r / n;
        acc += samples[std::size_t(j) * tri_size(lmax) + t] * cplxl(cosl(angle), -sinl(angle));
      }
      acc /= (long double)n;
      a[std::size_t(t) * nu + u + lmax] = cplx(double(acc.real()), double(acc.imag()));
    }
  }
  // Exact zeros: |u| > l and the part that must vanish by the phase i^{-m}.
  for (int l = 0; l <= lmax; ++l) {
    for (int m = 0; m <= l; ++m) {
      for (int u = -lmax; u <= lmax; ++u) {
        cplx& c = a[std::size_t(tri_index(l, m)) * nu + u + lmax];
        if (std::abs(u) > l || (u + l) % 2 != 0) c = 0;
        if (m % 2 == 0)
          c = cplx(c.real(), 0);
        else
          c = cplx(0, c.imag());
      }
    }
  }
  return a;
}

std::complex<double> sin_weighted_integral(int n) {
  if (n % 2 == 0) return {2.0 / (1.0 - double(n) * double(n)), 0.0};
  if (n == 1) return {0.0, std::numbers::pi / 2};
  if (n == -1) return {0.0, -std::numbers::pi / 2};
  return {0.0, 0.0};
}

std::vector<std::complex<double>> fourier_synthesis_table(int lmax, int umax) {
  check_degree("fourier_synthesis_table", lmax);
  const auto a = theta_fourier_coefficients(lmax);
  const int nu_a = 2 * lmax + 1, nu = 2 * umax + 1;
  std::vector<cplx> t(std::size_t(sh_size(lmax)) * nu * 2, cplx(0, 0));
  for (int l = 0; l <= lmax; ++l) {
    for (int m = -l; m <= l; ++m) {
      for (int u = -std::min(l, umax); u <= std::min(l, umax); ++u) {
        const cplx au = a[std::size_t(tri_index(l, std::abs(m))) * nu_a + u + lmax];
        for (int s = 0; s < 2; ++s) {
          t[(std::size_t(sh_index(l, m)) * nu + u + umax) * 2 + s] = au * fourier_b(m, s);
        }
      }
    }
  }
  return t;
}

std::vector<std::complex<double>> fourier_analysis_table(int lmax, int umax) {
  check_degree("fourier_analysis_table", lmax);
  const auto a = theta_fourier_coefficients(lmax);
  const int nu_a = 2 * lmax + 1, nu = 2 * umax + 1;
  std::vector<cplx> t(std::size_t(sh_size(lmax)) * nu * 2, cplx(0, 0));
  for (int l = 0; l <= lmax; ++l) {
    for (int mm = 0; mm <= l; ++mm) {
      for (int u = -umax; u <= umax; ++u) {
        // T^{l,m}(u) = Σ_k a_k I(u + k), summed in long double.
        cplxl acc(0, 0);
        for (int k = -l; k <= l; ++k) {
          const cplx ak = a[std::size_t(tri_index(l, mm)) * nu_a + k + lmax];
          const cplx ik = sin_weighted_integral(u + k);
          acc += cplxl(ak.real(), ak.imag()) * cplxl(ik.real(), ik.imag());
        }
        const cplx T(double(acc.real()), double(acc.imag()));
        for (int m : {mm, -mm}) {
          if (mm == 0 && m < 0) continue;
          // z^{lm}_{u,+|m|} uses b^m_{-|m|} (s = 1) and z^{lm}_{u,-|m|} uses b^m_{+|m|} (s = 0).
          t[(std::size_t(sh_index(l, m)) * nu + u + umax) * 2 + 0] =
              2 * std::numbers::pi * fourier_b(m, mm == 0 ? 0 : 1) * T;
          if (mm > 0) {
            t[(std::size_t(sh_index(l, m)) * nu + u + umax) * 2 + 1] =
                2 * std::numbers::pi * fourier_b(m, 0) * T;
          }
        }
      }
    }
  }
  return t;
}

namespace {

struct Entry {
  int i1, i2, i3;
  double value;
};

PairCouplings to_csr(int l1max, int l2max, int l3max, std::vector<Entry> entries) {
  std::sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) {
    return std::tie(x.i1, x.i2, x.i3) < std::tie(y.i1, y.i2, y.i3);
  });
  PairCouplings c;
  c.l1max = l1max;
  c.l2max = l2max;
  c.l3max = l3max;
  c.pair_offset.push_back(0);
  for (std::size_t e = 0; e < entries.size(); ++e) {
    if (e == 0 || entries[e].i1 != entries[e - 1].i1 || entries[e].i2 != entries[e - 1].i2) {
      if (e > 0) c.pair_offset.push_back(int(e));
      c.pair_i1.push_back(entries[e].i1);
      c.pair_i2.push_back(entries[e].i2);
    }
    c.out_index.push_back(entries[e].i3);
    c.value.push_back(entries[e].value);
  }
  if (!entries.empty()) c.pair_offset.push_back(int(entries.size()));
  return c;
}

// Candidate m3 for a real product of m1, m2: |m3| ∈ {|m1|+|m2|, ||m1|-|m2||}, both signs.
std::vector<int> m3_candidates(int m1, int m2, int l3) {
  std::vector<int> out;
  for (int a : {std::abs(m1) + std::abs(m2), std::abs(std::abs(m1) - std::abs(m2))}) {
    if (a > l3) continue;
    for (int m3 : {a, -a}) {
      if (a == 0 && m3 < 0) continue;
      if (std::find(out.begin(), out.end(), m3) == out.end()) out.push_back(m3);
    }
  }
  return out;
}

}  // namespace

PairCouplings real_gaunt_couplings(int l1max, int l2max, int l3max) {
  check_degree("real_gaunt_couplings", l1max);
  check_degree("real_gaunt_couplings", l2max);
  check_degree("real_gaunt_couplings", l3max);
  const int lmax = std::max({l1max, l2max, l3max});
  const int sum = l1max + l2max + l3max;
  const SphereGrid g = make_sphere_grid(lmax, (sum + 2) / 2, sum + 1);
  const int nt = tri_size(lmax), nm = 2 * lmax + 1;
  // φ integrals Σ_p Φ Φ Φ (2π/n_phi), exact for the three trigonometric factors.
  auto phi_integral = [&](int m1, int m2, int m3) {
    long double acc = 0;
    for (int p = 0; p < g.n_phi; ++p) {
      const double* t = g.trig.data() + std::size_t(p) * nm + lmax;
      acc += (long double)t[m1] * t[m2] * t[m3];
    }
    return acc * 2 * std::numbers::pi_v<long double> / g.n_phi;
  };
  std::vector<Entry> entries;
  for (int l1 = 0; l1 <= l1max; ++l1)
    for (int m1 = -l1; m1 <= l1; ++m1)
      for (int l2 = 0; l2 <= l2max; ++l2)
        for (int m2 = -l2; m2 <= l2; ++m2)
          for (int l3 = std::abs(l1 - l2); l3 <= std::min(l1 + l2, l3max); l3 += 2) {
            for (int m3 : m3_candidates(m1, m2, l3)) {
              if (((m1 < 0) + (m2 < 0) + (m3 < 0)) % 2 != 0) continue;
              const long double phi = phi_integral(m1, m2, m3);
              long double theta = 0;
              for (int j = 0; j < g.n_theta; ++j) {
                const double* leg = g.legendre.data() + std::size_t(j) * nt;
                // weight[j] includes 2π/n_phi, already in phi: use the GL weight.
                theta += (long double)(g.weight[j] * g.n_phi / (2 * std::numbers::pi)) *
                         leg[tri_index(l1, std::abs(m1))] * leg[tri_index(l2, std::abs(m2))] *
                         leg[tri_index(l3, std::abs(m3))];
              }
              const double value = double(theta * phi);
              if (std::abs(value) > 1e-14) {
                entries.push_back({sh_index(l1, m1), sh_index(l2, m2), sh_index(l3, m3), value});
              }
            }
          }
  return to_csr(l1max, l2max, l3max, std::move(entries));
}

double wigner_3j(int j1, int j2, int j3, int m1, int m2, int m3) {
  if (m1 + m2 + m3 != 0 || j3 < std::abs(j1 - j2) || j3 > j1 + j2 || std::abs(m1) > j1 ||
      std::abs(m2) > j2 || std::abs(m3) > j3) {
    return 0.0;
  }
  // (j1 j2 j3; 0 0 0) vanishes exactly for odd j1 + j2 + j3 (the sum below only cancels to
  // rounding).
  if (m1 == 0 && m2 == 0 && (j1 + j2 + j3) % 2 == 1) return 0.0;
  static const auto fact = [] {
    std::vector<long double> f(200, 1.0L);
    for (int i = 1; i < 200; ++i) f[i] = f[i - 1] * i;
    return f;
  }();
  const long double delta =
      fact[j1 + j2 - j3] * fact[j1 - j2 + j3] * fact[-j1 + j2 + j3] / fact[j1 + j2 + j3 + 1];
  const long double pre = std::sqrt(delta * fact[j1 + m1] * fact[j1 - m1] * fact[j2 + m2] *
                                    fact[j2 - m2] * fact[j3 + m3] * fact[j3 - m3]);
  const int kmin = std::max({0, j2 - j3 - m1, j1 - j3 + m2});
  const int kmax = std::min({j1 + j2 - j3, j1 - m1, j2 + m2});
  long double sum = 0;
  for (int k = kmin; k <= kmax; ++k) {
    const long double term =
        1.0L / (fact[k] * fact[j3 - j2 + k + m1] * fact[j3 - j1 + k - m2] * fact[j1 + j2 - j3 - k] *
                fact[j1 - k - m1] * fact[j2 - k + m2]);
    sum += (k % 2 == 0) ? term : -term;
  }
  const int phase = ((j1 - j2 - m3) % 2 + 2) % 2;
  return double((phase ? -1.0L : 1.0L) * pre * sum);
}

double gaunt_kappa(int l1, int l2, int l3) {
  return std::sqrt((2 * l1 + 1) * (2 * l2 + 1) * (2 * l3 + 1) / (4 * std::numbers::pi)) *
         std::abs(wigner_3j(l1, l2, l3, 0, 0, 0));
}

std::vector<double> real_wigner_3j(int l1, int l2, int l3) {
  // Real Y_lm = Σ_μ U_{mμ} Y^μ (complex, CS phase), DESIGN.md §3 / make_gaunt_reference.py.
  auto U = [](int m, int mu) -> cplxl {
    const long double r = 1.0L / std::sqrt(2.0L);
    const long double sign = (std::abs(m) % 2 == 0) ? 1.0L : -1.0L;
    if (m == 0) return mu == 0 ? cplxl(1, 0) : cplxl(0, 0);
    if (m > 0) {
      if (mu == m) return {r, 0};
      if (mu == -m) return {sign * r, 0};
      return {0, 0};
    }
    if (mu == -m) return {0, -r};
    if (mu == m) return {0, sign * r};
    return {0, 0};
  };
  const int n1 = 2 * l1 + 1, n2 = 2 * l2 + 1, n3 = 2 * l3 + 1;
  std::vector<double> w(std::size_t(n1) * n2 * n3, 0.0);
  const bool even = (l1 + l2 + l3) % 2 == 0;
  const long double sign = ((l1 + l2 + l3) / 2) % 2 == 0 ? 1.0L : -1.0L;
  for (int m1 = -l1; m1 <= l1; ++m1)
    for (int m2 = -l2; m2 <= l2; ++m2)
      for (int m3 = -l3; m3 <= l3; ++m3) {
        cplxl acc(0, 0);
        const int mu1s[2] = {m1, -m1}, mu2s[2] = {m2, -m2};
        for (int a = 0; a < (m1 == 0 ? 1 : 2); ++a) {
          for (int b = 0; b < (m2 == 0 ? 1 : 2); ++b) {
            const int mu1 = mu1s[a], mu2 = mu2s[b], mu3 = -mu1 - mu2;
            if (std::abs(mu3) != std::abs(m3)) continue;
            const cplxl u = U(m1, mu1) * U(m2, mu2) * U(m3, mu3);
            acc += u * (long double)wigner_3j(l1, l2, l3, mu1, mu2, mu3);
          }
        }
        w[(std::size_t(m1 + l1) * n2 + m2 + l2) * n3 + m3 + l3] =
            double(even ? sign * acc.real() : acc.imag());
      }
  return w;
}

PairCouplings clebsch_gordan_couplings(int l1max, int l2max, int l3max, PathWeight path_weight,
                                       const void* context) {
  check_degree("clebsch_gordan_couplings", l1max);
  check_degree("clebsch_gordan_couplings", l2max);
  check_degree("clebsch_gordan_couplings", l3max);
  std::vector<Entry> entries;
  for (int l1 = 0; l1 <= l1max; ++l1)
    for (int l2 = 0; l2 <= l2max; ++l2)
      for (int l3 = std::abs(l1 - l2); l3 <= std::min(l1 + l2, l3max); ++l3) {
        const double w = path_weight ? path_weight(l1, l2, l3, context) : 1.0;
        if (w == 0.0) continue;
        const auto W = real_wigner_3j(l1, l2, l3);
        const int n2 = 2 * l2 + 1, n3 = 2 * l3 + 1;
        const double scale = w * std::sqrt(2.0 * l3 + 1);
        for (int m1 = -l1; m1 <= l1; ++m1)
          for (int m2 = -l2; m2 <= l2; ++m2)
            for (int m3 : m3_candidates(m1, m2, l3)) {
              const double v = scale * W[(std::size_t(m1 + l1) * n2 + m2 + l2) * n3 + m3 + l3];
              if (std::abs(v) > 1e-14) {
                entries.push_back({sh_index(l1, m1), sh_index(l2, m2), sh_index(l3, m3), v});
              }
            }
      }
  return to_csr(l1max, l2max, l3max, std::move(entries));
}

}  // namespace gaunt
