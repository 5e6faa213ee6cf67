#include "gaunt_grid.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "gaunt_tables.hpp"

namespace gaunt {

namespace {

// Rows of a degree-L function in the per-ring Fourier basis, in four groups that the φ symmetry
// keeps apart: g = 0 cos(mφ) for even m ≥ 0, 1 cos for odd m, 2 sin(|m|φ) (m < 0) for even |m|,
// 3 sin for odd |m|. Row i of group g has |m| = 2i + (g odd) + (g == 2 ? 2 : 0).
KOKKOS_INLINE_FUNCTION constexpr int group_size(int L, int g) {
  return g == 0 ? L / 2 + 1 : g == 2 ? L / 2 : (L + 1) / 2;
}
KOKKOS_INLINE_FUNCTION constexpr int group_offset(int L, int g) {
  int o = 0;
  for (int h = 0; h < g; ++h) o += group_size(L, h);
  return o;
}
// The order m (sign: cos / sin) of row `row` of a degree-L function.
KOKKOS_INLINE_FUNCTION constexpr int group_m(int L, int row) {
  int g = 3;
  while (row < group_offset(L, g)) --g;
  const int am = 2 * (row - group_offset(L, g)) + (g & 1) + (g == 2 ? 2 : 0);
  return g < 2 ? am : -am;
}

// A ring's Fourier series is stored by order: the rows cos(mφ), sin(mφ) for m = 0..L (2L + 2
// rows; sin(0φ) is a zero row where ring_product reads it, unused otherwise). The row of order m
// (m < 0: sin |m|φ); the rows of one group are then 4 apart.
KOKKOS_INLINE_FUNCTION constexpr int order_row(int m) { return m < 0 ? 1 - 2 * m : 2 * m; }
KOKKOS_INLINE_FUNCTION constexpr int ring_rows(int L) { return 2 * L + 2; }

// Degrees l = |m| + p, |m| + p + 2, ... ≤ L: the parity-p half of an order-m column.
KOKKOS_INLINE_FUNCTION constexpr int parity_count(int L, int am, int p) {
  return am + p <= L ? (L - am - p) / 2 + 1 : 0;
}
// Where the (m, p) block starts in an m-major triangle of degrees ≤ lmax (for each m ≥ 0:
// the even-offset degrees, then the odd-offset ones).
KOKKOS_INLINE_FUNCTION constexpr int parity_block_offset(int lmax, int am, int p) {
  return am * (lmax + 1) - am * (am - 1) / 2 + p * parity_count(lmax, am, 0);
}

// y[r·ldy + c] = scale Σ_{i<depth} a[r·lda + i] x[i·ldx + c] for rows r < n, channels c < W: the
// small dense products of every stage. B rows at a time share each load of x; depth ≥ 1 (the
// first term initialises the accumulators, which keeps them in registers). mirror > 0 stores
// the butterfly of a mirror pair of rings instead: with e = y on entry and d = scale Σ a x,
// y = e + d and y[mirror] = e - d.
template <int W, int B>
KOKKOS_INLINE_FUNCTION int gemm_rows(int r, int n, int depth, const double* a, int lda,
                                     const double* x, int ldx, double scale, double* y, int ldy,
                                     int mirror) {
  for (; r + B <= n; r += B) {
    double acc[B][W];
    for (int b = 0; b < B; ++b) {
      const double ab = a[(r + b) * lda];
      GAUNT_SIMD
      for (int c = 0; c < W; ++c) acc[b][c] = ab * x[c];
    }
    for (int i = 1; i < depth; ++i) {
      const double* xi = x + i * ldx;
      for (int b = 0; b < B; ++b) {
        const double ab = a[(r + b) * lda + i];
        GAUNT_SIMD
        for (int c = 0; c < W; ++c) acc[b][c] += ab * xi[c];
      }
    }
    for (int b = 0; b < B; ++b) {
      double* yb = y + (r + b) * ldy;
      if (mirror) {
        GAUNT_SIMD
        for (int c = 0; c < W; ++c) {
          const double e = yb[c], d = scale * acc[b][c];
          yb[c] = e + d;
          yb[mirror + c] = e - d;
        }
      } else {
        GAUNT_SIMD
        for (int c = 0; c < W; ++c) yb[c] = scale * acc[b][c];
      }
    }
  }
  return r;
}
template <int W>
KOKKOS_INLINE_FUNCTION void gemm(int n, int depth, const double* a, int lda, const double* x,
                                 int ldx, double scale, double* y, int ldy, int mirror = 0) {
  if (depth == 0) {
    for (int r = 0; r < n; ++r) {
      GAUNT_SIMD
      for (int c = 0; c < W; ++c) y[r * ldy + mirror + c] = mirror ? y[r * ldy + c] : 0.0;
    }
    return;
  }
  constexpr int B = W >= 8 ? 3 : 4;
  const int r = gemm_rows<W, B>(0, n, depth, a, lda, x, ldx, scale, y, ldy, mirror);
  gemm_rows<W, 1>(r, n, depth, a, lda, x, ldx, scale, y, ldy, mirror);
}

template <class ExecutionSpace, int W, bool Reverse>
struct GridKernel {
  using Tables = typename GridProduct<ExecutionSpace>::Tables;
  using Member = typename Kokkos::TeamPolicy<ExecutionSpace>::member_type;
  using Scratch =
      Kokkos::View<double*, typename ExecutionSpace::scratch_memory_space, Kokkos::MemoryUnmanaged>;
  // Functions: the factors k < ν, and (reverse) c̄ as function ν. Outputs: out (forward) or the
  // ā_k (reverse).
  static constexpr int kMaxFunctions = kMaxGauntFactors + 1;
  struct Layout {
    int coef[kMaxFunctions] = {};     // input coefficients, rows in group order, l innermost
    int fourier[kMaxFunctions] = {};  // g on every ring: [pair j][side][order_row]
    int acc[kMaxGauntFactors] = {};   // output coefficients, layout of coef
    int half[kMaxGauntFactors] = {};  // output's ring Fourier coefficients: [row][pair j][±]
    int sums = 0;                     // one ring: [function][group][orbit r]
    int folded = 0;                   // one ring: [group][orbit r]
    int series = 0;                   // one ring: the product's Fourier series (ring_product)
    int total = 0;
  };

  Tables t;
  FactorPointers<const double> a;
  FactorPointers<double> a_adj;
  double* out = nullptr;
  const double* out_adj = nullptr;
  int channels = 0, n_blocks = 0, n_units = 0, scratch_doubles = 0, level = 0;
  Layout lay;

  KOKKOS_INLINE_FUNCTION int n_functions() const { return Reverse ? t.n_factors + 1 : t.n_factors; }
  KOKKOS_INLINE_FUNCTION int degree(int k) const { return k < t.n_factors ? t.degree[k] : t.lout; }
  KOKKOS_INLINE_FUNCTION int n_outputs() const { return Reverse ? t.n_factors : 1; }
  KOKKOS_INLINE_FUNCTION int out_degree(int k) const { return Reverse ? t.degree[k] : t.lout; }

  static Layout layout(const GridKernel& k) {
    const Tables& t = k.t;
    Layout l;
    int o = 0;
    auto take = [&](int doubles) {
      const int start = o;
      o += doubles * W;
      return start;
    };
    for (int f = 0; f < k.n_functions(); ++f) l.coef[f] = take(sh_size(k.degree(f)));
    for (int f = 0; f < k.n_functions(); ++f) {
      l.fourier[f] = take(2 * t.n_pairs * ring_rows(k.degree(f)));
    }
    for (int q = 0; q < k.n_outputs(); ++q) {
      l.acc[q] = take(sh_size(k.out_degree(q)));
      l.half[q] = take(2 * t.n_pairs * (2 * k.out_degree(q) + 1));
    }
    l.sums = take(k.n_functions() * 4 * t.n_reps);
    l.folded = take(4 * t.n_reps);
    l.series = take(ring_rows(k.series_degree()));
    l.total = o;
    return l;
  }

  template <class T>
  KOKKOS_INLINE_FUNCTION T* block(T* base, int item, int L, int c0) const {
    return base + std::size_t(item) * sh_size(L) * channels + c0;
  }

  // Coefficients of one (item, channel block) to / from scratch, rows in group order (row, l).
  template <bool In, class T>
  KOKKOS_INLINE_FUNCTION void copy(T* global, int L, double* local) const {
    for (int row = 0, o = 0; row <= 2 * L; ++row) {
      const int m = group_m(L, row), am = m < 0 ? -m : m;
      for (int l = am; l <= L; ++l, ++o) {
        T* g = global + sh_index(l, m) * channels;
        GAUNT_SIMD
        for (int c = 0; c < W; ++c) {
          if constexpr (In) {
            local[o * W + c] = g[c];
          } else {
            g[c] = local[o * W + c];
          }
        }
      }
    }
  }

  // Legendre synthesis on all mirror pairs of rings j, n_θ-1-j (x_{n-1-j} = -x_j,
  // Λ_{n-1-j}[l,m] = (-1)^{l+m} Λ_j[l,m]): with E, O the sums over l+|m| even / odd,
  //   g_m(j) = E + O,   g_m(n-1-j) = E - O   (g: [pair j][side][order_row]).
  KOKKOS_INLINE_FUNCTION void legendre_synthesis(int L, const double* coef, double* g) const {
    const int np = t.n_pairs, rows = ring_rows(L);
    for (int row = 0, o = 0; row <= 2 * L; ++row) {
      const int m = group_m(L, row), am = m < 0 ? -m : m;
      for (int p = 0; p < 2; ++p) {
        gemm<W>(np, parity_count(L, am, p),
                t.legendre_synthesis.data() + np * parity_block_offset(t.lmax, am, p),
                parity_count(t.lmax, am, p), coef + (o + p) * W, 2 * W, 1.0, g + order_row(m) * W,
                2 * rows * W, p * rows * W);
      }
      o += L + 1 - am;
    }
  }

  // coef(l, m) = Σ_j Λ_j[l,|m|] (h_m(j) ± h_m(mirror)), + for l+|m| even, from
  // h[row][pair j] = (h(j) + h(mirror), h(j) - h(mirror)) (phi_analysis).
  KOKKOS_INLINE_FUNCTION void legendre_analysis(int L, const double* h, double* coef) const {
    const int np = t.n_pairs;
    for (int row = 0, o = 0; row <= 2 * L; ++row) {
      const int m = group_m(L, row), am = m < 0 ? -m : m;
      for (int p = 0; p < 2; ++p) {
        gemm<W>(parity_count(L, am, p), np,
                t.legendre_analysis.data() + np * parity_block_offset(t.lmax, am, p), np,
                h + (row * 2 * np + p) * W, 2 * W, 1.0, coef + (o + p) * W, 2 * W);
      }
      o += L + 1 - am;
    }
  }

  // Sums over the orders of each group at the orbit representatives φ_r of one ring, from its
  // Fourier coefficients g (degree L): sums[group][r] = Σ_{m in group} trig(m φ_r) g_m.
  KOKKOS_INLINE_FUNCTION void orbit_sums(int L, const double* g, double* sums) const {
    const int R = t.n_reps;
    for (int grp = 0; grp < 4; ++grp) {
      gemm<W>(R, group_size(L, grp), t.trig_synthesis.data() + R * group_offset(t.lmax, grp),
              group_size(t.lmax, grp),
              g + order_row(group_m(t.lmax, group_offset(t.lmax, grp))) * W, 4 * W, 1.0,
              sums + grp * R * W, W);
    }
  }

  // The function's values on orbit r from its group sums: with C±, S± the cos / sin sums over
  // even m ± odd m,  v[0] = f(φ_r) = C+ + S+,  v[1] = f(-φ_r) = C+ - S+,
  // v[2] = f(φ_r + π) = C- + S-,  v[3] = f(π - φ_r) = C- - S-  (the last two: even n_φ only).
  KOKKOS_INLINE_FUNCTION void orbit_values(const double* sums, int r, double (*v)[W]) const {
    const int n = t.n_reps * W;
    const double* x = sums + r * W;
    GAUNT_SIMD
    for (int c = 0; c < W; ++c) {
      const double cp = x[c] + x[n + c], cm = x[c] - x[n + c];
      const double sp = x[2 * n + c] + x[3 * n + c], sm = x[2 * n + c] - x[3 * n + c];
      v[0][c] = cp + sp;
      v[1][c] = cp - sp;
      v[2][c] = cm + sm;
      v[3][c] = cm - sm;
    }
  }

  // u = the product y = first · Π_{k≠skip} f_k on the orbits of one ring (sums:
  // [factor k][group][r], first: the group sums of one more function), folded back into four
  // group sums: the transpose of orbit_values (odd n_φ: two points per orbit, the same sums for
  // both parities).
  KOKKOS_INLINE_FUNCTION void fold_product(const double* sums, int skip, const double* first,
                                           double* u) const {
    const int n = t.n_reps * W;
    for (int r = 0; r < t.n_reps; ++r) {
      double y[4][W], v[4][W];
      orbit_values(first, r, y);
      for (int k = 0; k < t.n_factors; ++k) {
        if (k == skip) continue;
        orbit_values(sums + k * 4 * n, r, v);
        for (int q = 0; q < 4; ++q) {
          GAUNT_SIMD
          for (int c = 0; c < W; ++c) y[q][c] *= v[q][c];
        }
      }
      double* ur = u + r * W;
      if (t.shift) {
        GAUNT_SIMD
        for (int c = 0; c < W; ++c) {
          const double s01 = y[0][c] + y[1][c], d01 = y[0][c] - y[1][c];
          const double s23 = y[2][c] + y[3][c], d23 = y[2][c] - y[3][c];
          ur[c] = s01 + s23;
          ur[n + c] = s01 - s23;
          ur[2 * n + c] = d01 + d23;
          ur[3 * n + c] = d01 - d23;
        }
      } else {
        GAUNT_SIMD
        for (int c = 0; c < W; ++c) {
          ur[c] = ur[n + c] = y[0][c] + y[1][c];
          ur[2 * n + c] = ur[3 * n + c] = y[0][c] - y[1][c];
        }
      }
    }
  }

  // Rows of group g of the ring's h = scale Σ_r μ_r trig(m φ_r) u[g][r], into h[row][pair j]:
  // side 0 stores h(j), side 1 then turns it into (h(j) + h(mirror), h(j) - h(mirror)); the
  // unpaired equator ring of an odd n_θ stores (h(j), h(j)).
  KOKKOS_INLINE_FUNCTION void phi_analysis(int L, double scale, const double* u, double* h, int j,
                                           int side) const {
    const int R = t.n_reps, ld = 2 * t.n_pairs * W;
    for (int grp = 0; grp < 4; ++grp) {
      gemm<W>(group_size(L, grp), R, t.trig_analysis.data() + R * group_offset(t.lmax, grp), R,
              u + grp * R * W, W, scale, h + group_offset(L, grp) * ld + 2 * j * W, ld, side * W);
    }
    if (side == 0 && 2 * j + 1 == t.n_theta) {
      for (int row = 0; row <= 2 * L; ++row) {
        GAUNT_SIMD
        for (int c = 0; c < W; ++c) h[row * ld + (2 * j + 1) * W + c] = h[row * ld + 2 * j * W + c];
      }
    }
  }

  // Twice the Fourier coefficients of the product of the two factors on one ring, orders
  // 0..series_degree() (gaunt_grid.hpp). With a = (ac, as) the cos and sin coefficients of order
  // m of factor 1 and b those of order n of factor 2, cos mφ cos nφ = ½[cos(m+n)φ + cos(m-n)φ]
  // and its companions add to order m + n:  cos += ac bc - as bs,  sin += ac bs + as bc
  //                    and to order |m - n|: cos += ac bc + as bs,  sin += ±(as bc - ac bs)
  // (+ for m > n). Over all m, n ≥ 0 (the sine of order 0 is zero), so m = 0 or n = 0 counts
  // twice, as it must (cos 0φ cos kφ = 2 · ½ cos kφ); order 0's sine row collects garbage and is
  // never read. Factor 1's order m stays in registers while factor 2's orders stream by.
  KOKKOS_INLINE_FUNCTION void ring_product(const double* A, const double* B, double* D) const {
    const int L1 = t.degree[0], L2 = t.degree[1];
    for (int i = 0; i < ring_rows(series_degree()) * W; ++i) D[i] = 0.0;
    for (int m = 0; m <= L1; ++m) {
      double ac[W], as[W];
      GAUNT_SIMD
      for (int c = 0; c < W; ++c) {
        ac[c] = A[2 * m * W + c];
        as[c] = A[(2 * m + 1) * W + c];
      }
      for (int n = 0; n <= L2; ++n) {
        const double* b = B + 2 * n * W;
        double* sum = D + 2 * (m + n) * W;
        double* diff = D + 2 * (m > n ? m - n : n - m) * W;
        const double sign = m > n ? 1.0 : -1.0;
        GAUNT_SIMD
        for (int c = 0; c < W; ++c) {
          const double cc = ac[c] * b[c], ss = as[c] * b[W + c];
          const double cs = ac[c] * b[W + c], sc = as[c] * b[c];
          sum[c] += cc - ss;
          sum[W + c] += cs + sc;
          diff[c] += cc + ss;
          diff[W + c] += sign * (sc - cs);
        }
      }
    }
  }
  // Highest order ring_product writes: L1 + L2, or lout when higher (its rows stay zero).
  KOKKOS_INLINE_FUNCTION int series_degree() const {
    const int d = t.degree[0] + t.degree[1];
    return d > t.lout ? d : t.lout;
  }

  // h[row][pair j] of one ring from its product series D (ring_product): h_m = s_j Σ_p trig(mφ_p)
  // f(φ_p) = s_j n_φ/4 D_m (m ≠ 0), s_j n_φ/2 D_0; side 1 forms the mirror sums as phi_analysis.
  KOKKOS_INLINE_FUNCTION void series_analysis(const double* D, double w, double* h, int j,
                                              int side) const {
    const int ld = 2 * t.n_pairs * W, rows = 2 * t.lout + 1;
    for (int row = 0; row < rows; ++row) {
      const double scale = w * t.n_phi * (row == 0 ? 0.5 : 0.25);
      double* y = h + row * ld + 2 * j * W;
      const double* d = D + order_row(group_m(t.lout, row)) * W;
      if (side) {
        GAUNT_SIMD
        for (int c = 0; c < W; ++c) {
          const double e = y[c];
          y[c] = e + scale * d[c];
          y[W + c] = e - scale * d[c];
        }
      } else {
        GAUNT_SIMD
        for (int c = 0; c < W; ++c) y[c] = y[W + c] = scale * d[c];
      }
    }
  }

  KOKKOS_INLINE_FUNCTION void operator()(const Member& team) const {
    const WorkUnit unit = decode_unit(team, n_units, n_blocks, W);
    if (!unit.valid) return;
    Scratch scratch(team.thread_scratch(level), scratch_doubles);
    double* s = scratch.data();
    const int nf = t.n_factors, nfun = n_functions(), n_sums = 4 * t.n_reps * W;
    for (int f = 0; f < nfun; ++f) {
      const double* src = f < nf ? a.p[f] : out_adj;
      copy<true>(block(src, unit.item, degree(f), unit.c0), degree(f), s + lay.coef[f]);
      legendre_synthesis(degree(f), s + lay.coef[f], s + lay.fourier[f]);
      if (!Reverse && t.phi_series) {
        for (int ring = 0; ring < 2 * t.n_pairs; ++ring) {
          double* sin0 = s + lay.fourier[f] + (ring * ring_rows(degree(f)) + 1) * W;
          GAUNT_SIMD
          for (int c = 0; c < W; ++c) sin0[c] = 0.0;
        }
      }
    }
    double* sums = s + lay.sums;  // [function][group][r][W]: group sums of f_k (and ḡ)
    for (int j = 0; j < t.n_pairs; ++j) {
      const double w = t.weight(j);
      for (int side = 0; side < (2 * j + 1 != t.n_theta ? 2 : 1); ++side) {
        if (!Reverse && t.phi_series) {
          ring_product(s + lay.fourier[0] + (2 * j + side) * ring_rows(t.degree[0]) * W,
                       s + lay.fourier[1] + (2 * j + side) * ring_rows(t.degree[1]) * W,
                       s + lay.series);
          series_analysis(s + lay.series, w, s + lay.half[0], j, side);
          continue;
        }
        for (int f = 0; f < nfun; ++f) {
          const int rows = ring_rows(degree(f));
          orbit_sums(degree(f), s + lay.fourier[f] + (2 * j + side) * rows * W, sums + f * n_sums);
        }
        if constexpr (!Reverse) {
          // g = Π_k f_k, analysed with the quadrature weight.
          fold_product(sums, 0, sums, s + lay.folded);
          phi_analysis(t.lout, w, s + lay.folded, s + lay.half[0], j, side);
        } else {
          // f̄_k = ḡ Π_{i≠k} f_i with ḡ = w ⊙ Sᵀc̄ (w, constant on the ring, applied last).
          for (int k = 0; k < nf; ++k) {
            fold_product(sums, k, sums + nf * n_sums, s + lay.folded);
            phi_analysis(t.degree[k], w, s + lay.folded, s + lay.half[k], j, side);
          }
        }
      }
    }
    for (int q = 0; q < n_outputs(); ++q) {
      legendre_analysis(out_degree(q), s + lay.half[q], s + lay.acc[q]);
      double* dst = Reverse ? a_adj.p[q] : out;
      copy<false>(block(dst, unit.item, out_degree(q), unit.c0), out_degree(q), s + lay.acc[q]);
    }
  }
};

template <class ExecutionSpace, bool Reverse>
void dispatch_grid(const std::string& label, const ExecutionSpace& space,
                   const typename GridProduct<ExecutionSpace>::Tables& t,
                   const FactorPointers<const double>& a, const FactorPointers<double>& a_adj,
                   double* out, const double* out_adj, int items, int channels) {
  with_channel_block<GauntTuning<ExecutionSpace>::grid_channel_block>(channels, [&](auto w) {
    constexpr int W = decltype(w)::value;
    using Kernel = GridKernel<ExecutionSpace, W, Reverse>;
    Kernel k;
    set_unit_arguments<W>(k, t, a, a_adj, out, out_adj, items, channels);
    k.lay = Kernel::layout(k);
    k.scratch_doubles = k.lay.total;
    launch_units(label, space, k.n_units, k.scratch_doubles, k);
  });
}

}  // namespace

template <class ExecutionSpace>
GridProduct<ExecutionSpace>::GridProduct(std::vector<int> factor_degrees, int lout, int n_theta,
                                         int n_phi)
    : degree_(std::move(factor_degrees)) {
  const int nf = int(degree_.size());
  if (nf < 2 || nf > kMaxGauntFactors) {
    throw std::invalid_argument("GridProduct: number of factors " + std::to_string(nf) +
                                " outside [2, " + std::to_string(kMaxGauntFactors) + "]");
  }
  for (int d : degree_) {
    if (d < 0 || d > kMaxShDegree) {
      throw std::invalid_argument("GridProduct: factor degree " + std::to_string(d) +
                                  " outside [0, " + std::to_string(kMaxShDegree) + "]");
    }
  }
  if (lout < 0 || lout > kMaxShDegree) {
    throw std::invalid_argument("GridProduct: lout " + std::to_string(lout) + " outside [0, " +
                                std::to_string(kMaxShDegree) + "]");
  }
  const int sum = std::accumulate(degree_.begin(), degree_.end(), 0);
  const bool phi_series = nf == 2 && n_phi <= 0;
  if (n_theta <= 0) n_theta = exact_grid_n_theta(sum, lout);
  if (n_phi <= 0) n_phi = exact_grid_n_phi(sum, lout) + exact_grid_n_phi(sum, lout) % 2;
  const int lmax = std::max(lout, *std::max_element(degree_.begin(), degree_.end()));
  const SphereGrid grid = make_sphere_grid(lmax, n_theta, n_phi);
  const int np = (n_theta + 1) / 2, nt = tri_size(lmax);
  const bool shift = n_phi % 2 == 0;
  // Orbit representatives φ_r: r = 0..n_φ/4 (even n_φ) or r = 0..(n_φ-1)/2 (odd).
  const int n_reps = shift ? n_phi / 4 + 1 : (n_phi + 1) / 2;

  // Λ_j[l, m] of the first ring j of each mirror pair, per (m, parity of l - m) block:
  // synthesis [j][i], analysis [i][j], l = m + p + 2i.
  std::vector<double> leg_synthesis(std::size_t(np) * nt), leg_analysis(leg_synthesis.size());
  for (int m = 0; m <= lmax; ++m) {
    for (int p = 0; p < 2; ++p) {
      const int n = parity_count(lmax, m, p);
      const std::size_t base = std::size_t(np) * parity_block_offset(lmax, m, p);
      for (int j = 0; j < np; ++j) {
        for (int i = 0; i < n; ++i) {
          const double v = grid.legendre[std::size_t(j) * nt + tri_index(m + p + 2 * i, m)];
          leg_synthesis[base + std::size_t(j) * n + i] = v;
          leg_analysis[base + std::size_t(i) * np + j] = v;
        }
      }
    }
  }
  // trig(m φ_r) per group (group_m): synthesis [r][i], analysis [i][r] × μ_r, where μ_r = 1/2
  // for the orbits that list a point twice (φ = 0, and φ = π/2 when 4 | n_φ), else 1.
  const int nm = 2 * lmax + 1;
  std::vector<double> trig_synthesis(std::size_t(n_reps) * nm),
      trig_analysis(trig_synthesis.size());
  for (int g = 0; g < 4; ++g) {
    const int n = group_size(lmax, g);
    const std::size_t base = std::size_t(n_reps) * group_offset(lmax, g);
    for (int r = 0; r < n_reps; ++r) {
      const double mu = (r == 0 || (shift && 4 * r == n_phi)) ? 0.5 : 1.0;
      for (int i = 0; i < n; ++i) {
        const int m = group_m(lmax, group_offset(lmax, g) + i);
        const double v = grid.trig[std::size_t(r) * nm + m + lmax];
        trig_synthesis[base + std::size_t(r) * n + i] = v;
        trig_analysis[base + std::size_t(i) * n_reps + r] = mu * v;
      }
    }
  }
  const std::vector<double> weight(grid.weight.begin(), grid.weight.begin() + np);
  tables_.legendre_synthesis = to_view<double, memory_space>("gaunt::Grid::leg_syn", leg_synthesis);
  tables_.legendre_analysis = to_view<double, memory_space>("gaunt::Grid::leg_ana", leg_analysis);
  tables_.trig_synthesis = to_view<double, memory_space>("gaunt::Grid::trig_syn", trig_synthesis);
  tables_.trig_analysis = to_view<double, memory_space>("gaunt::Grid::trig_ana", trig_analysis);
  tables_.weight = to_view<double, memory_space>("gaunt::Grid::weight", weight);
  tables_.lmax = lmax;
  tables_.n_theta = n_theta;
  tables_.n_pairs = np;
  tables_.n_phi = n_phi;
  tables_.n_reps = n_reps;
  tables_.shift = shift;
  tables_.n_factors = nf;
  tables_.lout = lout;
  tables_.phi_series = phi_series;
  for (int k = 0; k < nf; ++k) tables_.degree[k] = degree_[k];
}

template <class ExecutionSpace>
void GridProduct<ExecutionSpace>::forward(const ExecutionSpace& space,
                                          const std::vector<ConstFeatures>& factors,
                                          const Features& out) const {
  const auto a = checked_factors("GridProduct::forward", degree_, tables_.lout, factors, out);
  dispatch_grid<ExecutionSpace, false>("gaunt::Grid::forward", space, tables_, a, {}, out.data(),
                                       nullptr, int(out.extent(0)), int(out.extent(2)));
}

template <class ExecutionSpace>
void GridProduct<ExecutionSpace>::reverse(const ExecutionSpace& space,
                                          const std::vector<ConstFeatures>& factors,
                                          const ConstFeatures& out_adj,
                                          const std::vector<Features>& factors_adj) const {
  const auto [a, a_adj] =
      checked_factors("GridProduct::reverse", degree_, tables_.lout, factors, out_adj, factors_adj);
  dispatch_grid<ExecutionSpace, true>("gaunt::Grid::reverse", space, tables_, a, a_adj, nullptr,
                                      out_adj.data(), int(out_adj.extent(0)),
                                      int(out_adj.extent(2)));
}

template class GridProduct<Kokkos::DefaultHostExecutionSpace>;
#if defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP)
template class GridProduct<Kokkos::Serial>;
#endif
#ifdef KOKKOS_ENABLE_CUDA
template class GridProduct<Kokkos::Cuda>;
#endif

}  // namespace gaunt
