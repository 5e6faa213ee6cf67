// Gaunt products (kokkos/gaunt_product.hpp) and the Clebsch-Gordan baseline
// (kokkos/clebsch_gordan.hpp), float64, on every execution space of the build:
//   - every route (the Fourier one with FFT and with direct convolution) equals the product from
//     exact sympy coefficients (real_gaunt_l4.json);
//   - a 3-factor product equals the chained exact coefficients;
//   - routes agree with each other (ν = 2..4, degrees up to 8 / Lout 16);
//   - equivariance under random rotations (real Wigner D by exact quadrature);
//   - parity-odd paths vanish (and are present in CG);
//   - the grid-size boundary: one ring or one φ point fewer gives O(1) errors;
//   - the grid route for every residue of n_φ mod 4 (its φ symmetry fold) and channel block;
//   - the grid route's two φ products (ring Fourier series by default for two factors, φ points
//     on an explicit grid) both exact, on every channel block;
//   - adjoints: dot-product test <J x, y> = <x, Jᵀ y> and central finite differences;
//   - CG with Gaunt path weights equals the Gaunt product (G = κ W3j), CG is equivariant.
// With GAUNT_CPP_REFERENCE_DIR set, writes gaunt_products_cpp.json for the PyTorch tests.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <tuple>

#include "gaunt_grid.hpp"
#include "gaunt_tables.hpp"
#include "test_gaunt_helpers.hpp"

namespace gaunt::test {
namespace {

struct Case {
  std::vector<int> degrees;
  int lout;
};

// Degrees up to 8, Lout up to 16, ν = 2..4, including zero degrees and truncation below ΣL.
const std::vector<Case> kCases = {
    {{1, 1}, 2},    {{2, 3}, 5},       {{3, 2}, 1},       {{0, 4}, 4},    {{4, 0}, 2},
    {{8, 8}, 16},   {{8, 8}, 8},       {{5, 7}, 3},       {{2, 2, 2}, 6}, {{3, 1, 2}, 2},
    {{4, 4, 4}, 8}, {{2, 3, 1, 2}, 4}, {{2, 2, 2, 2}, 8}, {{8, 6}, 16},   {{1, 8}, 0}};

// Every route, the 2D-Fourier one with each convolution (FFT and direct).
struct Variant {
  GauntRoute route;
  FourierConvolution convolution;
  std::string name;
};
const std::vector<Variant> kVariants = {
    {GauntRoute::kFourier, FourierConvolution::kFft, "fourier/fft"},
    {GauntRoute::kFourier, FourierConvolution::kDirect, "fourier/direct"},
    {GauntRoute::kGrid, FourierConvolution::kAuto, "grid"},
    {GauntRoute::kSparse, FourierConvolution::kAuto, "sparse"}};

template <class Space>
GauntProduct<Space> make_product(const Variant& v, std::vector<int> degrees, int lout) {
  return GauntProduct<Space>(v.route, std::move(degrees), lout, {0, 0, v.convolution});
}

template <class Space>
class GauntProductTest : public ::testing::Test {};
TYPED_TEST_SUITE(GauntProductTest, ExecutionSpaces);

// Reference pairs embedded at item 1, channel 2 of a 3-item × 5-channel batch (W = 1 path) and
// at item 0, channel 9 of 2 × 16 (the host's widest channel blocks, 8 and 16): batching and
// indexing are part of the test.
TYPED_TEST(GauntProductTest, RoutesMatchExactSympyProducts) {
  const auto ref = read_reference("real_gaunt_l4.json");
  std::mt19937_64 rng(1);
  for (const auto& rec : ref["products"]) {
    const int l1 = rec["l1"], l2 = rec["l2"], lout = rec["lout"];
    const std::vector<double> a = rec["a"], b = rec["b"], expected = rec["out"];
    const double scale = std::max(1e-300, max_abs(expected));
    for (const auto& [items, channels, item, channel] :
         {std::tuple{3, 5, 1, 2}, std::tuple{2, 16, 0, 9}}) {
      Host A = random_features(rng, items, l1, channels),
           B = random_features(rng, items, l2, channels);
      for (int i = 0; i < sh_size(l1); ++i)
        A[(std::size_t(item) * sh_size(l1) + i) * channels + channel] = a[i];
      for (int i = 0; i < sh_size(l2); ++i)
        B[(std::size_t(item) * sh_size(l2) + i) * channels + channel] = b[i];
      for (const Variant& v : kVariants) {
        const auto product = make_product<TypeParam>(v, {l1, l2}, lout);
        const Host out = gaunt_forward(product, {A, B}, items, channels);
        for (int i = 0; i < sh_size(lout); ++i) {
          const double got = out[(std::size_t(item) * sh_size(lout) + i) * channels + channel];
          EXPECT_NEAR(got, expected[i], 1e-13 * scale)
              << v.name << " (" << l1 << "," << l2 << "->" << lout << ") index " << i;
        }
      }
    }
  }
}

// out[i4] = Σ G(i1,i2,j) G(j,i3,i4) a b c with exact coefficients (G symmetric in its indices:
// G(j, i3, i4) = G(i3, i4, j) is in the table for i3, i4 ≤ 4-degree indices, j ≤ 8).
TYPED_TEST(GauntProductTest, ThreeFactorsMatchChainedExactCoefficients) {
  const auto ref = read_reference("real_gaunt_l4.json");
  std::map<std::tuple<int, int, int>, long double> G;
  for (const auto& row : ref["gaunt"]) G[{row[0], row[1], row[2]}] = row[3].get<double>();
  const int l1 = 3, l2 = 4, l3 = 2, lout = 4;
  std::mt19937_64 rng(2);
  const Host a = random_features(rng, 1, l1, 1), b = random_features(rng, 1, l2, 1),
             c = random_features(rng, 1, l3, 1);
  std::vector<long double> ab(sh_size(8), 0.0L), expected(sh_size(lout), 0.0L);
  for (const auto& [k, g] : G) {
    const auto [i1, i2, j] = k;
    if (i1 < sh_size(l1) && i2 < sh_size(l2)) ab[j] += g * a[i1] * b[i2];
  }
  for (const auto& [k, g] : G) {
    const auto [i3, i4, j] = k;
    if (i3 < sh_size(l3) && i4 < sh_size(lout)) expected[i4] += g * ab[j] * c[i3];
  }
  Host e(expected.begin(), expected.end());
  for (const Variant& v : kVariants) {
    const auto product = make_product<TypeParam>(v, {l1, l2, l3}, lout);
    const Host out = gaunt_forward(product, {a, b, c}, 1, 1);
    EXPECT_LT(max_abs_diff(out, e), 1e-13 * max_abs(e)) << v.name;
  }
}

TYPED_TEST(GauntProductTest, RoutesAgree) {
  std::mt19937_64 rng(3);
  const int items = 3, channels = 4;
  for (const Case& cs : kCases) {
    std::vector<Host> f;
    for (int d : cs.degrees) f.push_back(random_features(rng, items, d, channels));
    const Host grid = gaunt_forward(GauntProduct<TypeParam>(GauntRoute::kGrid, cs.degrees, cs.lout),
                                    f, items, channels);
    const double scale = max_abs(grid);
    ASSERT_GT(scale, 0.0);
    for (const Variant& v : kVariants) {
      const Host out =
          gaunt_forward(make_product<TypeParam>(v, cs.degrees, cs.lout), f, items, channels);
      EXPECT_LT(max_abs_diff(out, grid), 1e-13 * scale)
          << v.name << " vs grid, case ν=" << cs.degrees.size() << " lout " << cs.lout;
    }
  }
}

TYPED_TEST(GauntProductTest, EquivariantUnderRotations) {
  std::mt19937_64 rng(4);
  const Mat3 R = random_rotation(rng);
  const int dmax = 16;
  const auto D = wigner_d(R, dmax);
  const int items = 2, channels = 3;
  for (const Case& cs :
       {Case{{8, 8}, 16}, Case{{3, 5}, 4}, Case{{2, 3, 4}, 6}, Case{{2, 2, 1, 3}, 5}}) {
    std::vector<Host> f, fr;
    for (int d : cs.degrees) {
      f.push_back(random_features(rng, items, d, channels));
      fr.push_back(rotate(D, dmax, f.back(), items, d, channels));
    }
    for (const Variant& v : kVariants) {
      const auto product = make_product<TypeParam>(v, cs.degrees, cs.lout);
      const Host out = gaunt_forward(product, f, items, channels);
      const Host out_rotated_inputs = gaunt_forward(product, fr, items, channels);
      const Host rotated_out = rotate(D, dmax, out, items, cs.lout, channels);
      EXPECT_LT(max_abs_diff(out_rotated_inputs, rotated_out), 1e-12 * max_abs(out))
          << v.name << " lout " << cs.lout;
    }
  }
}

// Inputs with a single degree l1 and l2: every output degree l3 with l1 + l2 + l3 odd is zero
// in every Gaunt route, while the full CG product has those (parity-odd) paths.
TYPED_TEST(GauntProductTest, ParityOddPathsVanish) {
  std::mt19937_64 rng(6);
  const int L = 5, lout = 10;
  using Memory = typename TypeParam::memory_space;
  const ClebschGordanProduct<TypeParam> cg(L, L, lout);
  std::vector<GauntProduct<TypeParam>> products;
  for (const Variant& v : kVariants) products.push_back(make_product<TypeParam>(v, {L, L}, lout));
  for (int l1 = 1; l1 <= L; ++l1)
    for (int l2 = 1; l2 <= L; ++l2) {
      Host a = random_features(rng, 1, L, 1), b = random_features(rng, 1, L, 1);
      for (int i = 0; i < sh_size(L); ++i) {
        if (i < l1 * l1 || i >= (l1 + 1) * (l1 + 1)) a[i] = 0;
        if (i < l2 * l2 || i >= (l2 + 1) * (l2 + 1)) b[i] = 0;
      }
      FeatureView<Memory> cg_view("out", 1, sh_size(lout), 1);
      cg.forward(to_device<Memory>(a, 1, L, 1), to_device<Memory>(b, 1, L, 1), cg_view);
      const Host cg_out = to_host(cg_view);
      for (std::size_t p = 0; p < products.size(); ++p) {
        const std::string& route = kVariants[p].name;
        const Host out = gaunt_forward(products[p], {a, b}, 1, 1);
        for (int l3 = std::abs(l1 - l2); l3 <= std::min(l1 + l2, lout); ++l3) {
          double norm = 0, cg_norm = 0;
          for (int i = l3 * l3; i < (l3 + 1) * (l3 + 1); ++i) {
            norm += out[i] * out[i];
            cg_norm += cg_out[i] * cg_out[i];
          }
          if ((l1 + l2 + l3) % 2 == 1) {
            EXPECT_LT(std::sqrt(norm), 1e-15) << route << " " << l1 << l2 << l3;
            EXPECT_GT(std::sqrt(cg_norm), 1e-3) << "CG path " << l1 << l2 << l3;
          } else {
            EXPECT_GT(std::sqrt(norm), 1e-3) << route << " " << l1 << l2 << l3;
          }
        }
      }
    }
}

// n_θ ≥ ceil((ΣL + Lout + 1)/2), n_φ ≥ ΣL + Lout + 1 is exact; one fewer is not.
TYPED_TEST(GauntProductTest, GridSizeBoundary) {
  std::mt19937_64 rng(7);
  for (const Case& cs : {Case{{4, 4}, 8}, Case{{3, 4}, 6}, Case{{2, 3, 2}, 5}}) {
    std::vector<Host> f;
    int sum = 0;
    for (int d : cs.degrees) {
      f.push_back(random_features(rng, 2, d, 2));
      sum += d;
    }
    const int nt = exact_grid_n_theta(sum, cs.lout), np = exact_grid_n_phi(sum, cs.lout);
    EXPECT_EQ(nt, (sum + cs.lout + 2) / 2);
    const Host exact =
        gaunt_forward(GauntProduct<TypeParam>(GauntRoute::kSparse, cs.degrees, cs.lout), f, 2, 2);
    const double scale = max_abs(exact);
    auto error = [&](int n_theta, int n_phi) {
      const GauntProduct<TypeParam> p(GauntRoute::kGrid, cs.degrees, cs.lout, {n_theta, n_phi});
      return max_abs_diff(gaunt_forward(p, f, 2, 2), exact) / scale;
    };
    EXPECT_LT(error(nt, np), 1e-13);
    EXPECT_LT(error(nt + 3, np + 5), 1e-13);
    EXPECT_GT(error(nt - 1, np), 1e-3) << "one ring fewer must fail";
    EXPECT_GT(error(nt, np - 1), 1e-3) << "one φ point fewer must fail";
  }
}

// The grid route folds the φ points into orbits: {φ, -φ} for odd n_φ, {φ, -φ, φ + π, π - φ} for
// even n_φ, with φ = 0 (and φ = π/2 when 4 | n_φ) listed twice. Every residue of n_φ mod 4, from
// the exact minimum up, on the host's channel blocks 8, 4 and 1, gives the exact product and the
// exact adjoints (the sparse route's, which match sympy and finite differences).
TYPED_TEST(GauntProductTest, GridExactForEveryPhiResidue) {
  std::mt19937_64 rng(12);
  const int items = 2;
  for (const Case& cs : {Case{{3, 4}, 6}, Case{{2, 2, 1}, 4}}) {
    int sum = 0;
    for (int d : cs.degrees) sum += d;
    const int nt = exact_grid_n_theta(sum, cs.lout), np = exact_grid_n_phi(sum, cs.lout);
    const GauntProduct<TypeParam> sparse(GauntRoute::kSparse, cs.degrees, cs.lout);
    for (int channels : {8, 12, 3}) {
      std::vector<Host> f;
      for (int d : cs.degrees) f.push_back(random_features(rng, items, d, channels));
      const Host cbar = random_features(rng, items, cs.lout, channels);
      const Host exact = gaunt_forward(sparse, f, items, channels);
      const auto exact_adj = gaunt_reverse(sparse, f, cbar, items, channels);
      for (int n_phi = np; n_phi < np + 4; ++n_phi) {
        const GauntProduct<TypeParam> grid(GauntRoute::kGrid, cs.degrees, cs.lout, {nt, n_phi});
        EXPECT_LT(max_abs_diff(gaunt_forward(grid, f, items, channels), exact),
                  1e-13 * max_abs(exact))
            << "n_phi " << n_phi << " channels " << channels;
        const auto adj = gaunt_reverse(grid, f, cbar, items, channels);
        for (std::size_t k = 0; k < f.size(); ++k) {
          EXPECT_LT(max_abs_diff(adj[k], exact_adj[k]), 1e-13 * max_abs(exact_adj[k]))
              << "factor " << k << " n_phi " << n_phi << " channels " << channels;
        }
      }
    }
  }
}

// Two factors on the default grid multiply the rings' Fourier series (no φ points); an explicit
// n_φ multiplies on the φ points. Both equal the exact product, including truncated outputs
// (Lout < L1 + L2), Lout > L1 + L2 and unequal degrees, on the host's channel blocks 8, 4 and 1.
TYPED_TEST(GauntProductTest, GridPhiProductBySeriesAndByPoints) {
  std::mt19937_64 rng(21);
  const int items = 3;
  for (const Case& cs : {Case{{8, 8}, 16}, Case{{8, 6}, 9}, Case{{5, 7}, 3}, Case{{1, 4}, 5},
                         Case{{4, 0}, 4}, Case{{2, 1}, 6}}) {
    const int sum = cs.degrees[0] + cs.degrees[1];
    const int nt = exact_grid_n_theta(sum, cs.lout), np = exact_grid_n_phi(sum, cs.lout);
    EXPECT_TRUE(GridProduct<TypeParam>(cs.degrees, cs.lout).phi_by_series());
    EXPECT_FALSE(GridProduct<TypeParam>(cs.degrees, cs.lout, nt, np).phi_by_series());
    const GauntProduct<TypeParam> sparse(GauntRoute::kSparse, cs.degrees, cs.lout);
    const GauntProduct<TypeParam> series(GauntRoute::kGrid, cs.degrees, cs.lout);
    const GauntProduct<TypeParam> points(GauntRoute::kGrid, cs.degrees, cs.lout, {nt, np});
    for (int channels : {16, 12, 3}) {
      std::vector<Host> f;
      for (int d : cs.degrees) f.push_back(random_features(rng, items, d, channels));
      const Host exact = gaunt_forward(sparse, f, items, channels);
      for (const auto* p : {&series, &points}) {
        EXPECT_LT(max_abs_diff(gaunt_forward(*p, f, items, channels), exact),
                  1e-13 * max_abs(exact))
            << (p == &series ? "series" : "points") << " L1 " << cs.degrees[0] << " L2 "
            << cs.degrees[1] << " lout " << cs.lout << " channels " << channels;
      }
    }
  }
  EXPECT_FALSE(GridProduct<TypeParam>({2, 2, 2}, 6).phi_by_series());
}

// ⟨J_k a_k, c̄⟩ = ⟨a_k, J_kᵀ c̄⟩ for each factor (the product is linear in each factor).
TYPED_TEST(GauntProductTest, AdjointDotProductTest) {
  std::mt19937_64 rng(8);
  const int items = 2, channels = 5;
  for (const Case& cs : kCases) {
    std::vector<Host> f;
    for (int d : cs.degrees) f.push_back(random_features(rng, items, d, channels));
    const Host cbar = random_features(rng, items, cs.lout, channels);
    for (const Variant& v : kVariants) {
      const auto product = make_product<TypeParam>(v, cs.degrees, cs.lout);
      const double lhs = dot(gaunt_forward(product, f, items, channels), cbar);
      const auto adj = gaunt_reverse(product, f, cbar, items, channels);
      for (std::size_t k = 0; k < f.size(); ++k) {
        EXPECT_NEAR(dot(f[k], adj[k]), lhs, 1e-12 * std::max(1.0, std::abs(lhs)))
            << v.name << " factor " << k << " ν=" << f.size() << " lout " << cs.lout;
      }
    }
  }
}

// d/dh ⟨out(a + h d), c̄⟩ at h = 0 by central differences with one Richardson step: the function
// is a polynomial of degree ν ≤ 4 in h, so (4 D(h/2) - D(h))/3 is exact up to rounding.
TYPED_TEST(GauntProductTest, AdjointMatchesFiniteDifferences) {
  std::mt19937_64 rng(9);
  const int items = 2, channels = 3;
  for (const Case& cs : kCases) {
    std::vector<Host> f, dir;
    for (int d : cs.degrees) {
      f.push_back(random_features(rng, items, d, channels));
      dir.push_back(random_features(rng, items, d, channels));
    }
    const Host cbar = random_features(rng, items, cs.lout, channels);
    for (const Variant& v : kVariants) {
      const auto product = make_product<TypeParam>(v, cs.degrees, cs.lout);
      auto value = [&](double h) {
        std::vector<Host> g = f;
        for (std::size_t k = 0; k < g.size(); ++k)
          for (std::size_t i = 0; i < g[k].size(); ++i) g[k][i] += h * dir[k][i];
        return dot(gaunt_forward(product, g, items, channels), cbar);
      };
      auto central = [&](double h) { return (value(h) - value(-h)) / (2 * h); };
      const double h = 0.125;
      const double fd = (4 * central(h / 2) - central(h)) / 3;
      const auto adj = gaunt_reverse(product, f, cbar, items, channels);
      double analytic = 0;
      for (std::size_t k = 0; k < f.size(); ++k) analytic += dot(adj[k], dir[k]);
      EXPECT_NEAR(analytic, fd, 1e-12 * std::max(1.0, std::abs(fd)))
          << v.name << " ν=" << f.size() << " lout " << cs.lout;
    }
  }
}

// CG with w(l1,l2,l3) = κ/sqrt(2l3+1) on parity-even paths and 0 on odd ones is the Gaunt
// product (G = κ W3j); with unit weights it is equivariant and its adjoint passes the
// dot-product test.
TYPED_TEST(GauntProductTest, ClebschGordanBaseline) {
  using Memory = typename TypeParam::memory_space;
  std::mt19937_64 rng(10);
  const int items = 2, channels = 4;
  for (const Case& cs : {Case{{8, 8}, 16}, Case{{3, 5}, 4}, Case{{4, 2}, 6}}) {
    const int l1 = cs.degrees[0], l2 = cs.degrees[1];
    const Host a = random_features(rng, items, l1, channels),
               b = random_features(rng, items, l2, channels);
    auto gaunt_weights = [](int x, int y, int z) {
      return (x + y + z) % 2 == 0 ? gaunt_kappa(x, y, z) / std::sqrt(2.0 * z + 1) : 0.0;
    };
    const ClebschGordanProduct<TypeParam> cg_gaunt(l1, l2, cs.lout, gaunt_weights);
    FeatureView<Memory> out("out", items, sh_size(cs.lout), channels);
    const auto da = to_device<Memory>(a, items, l1, channels);
    const auto db = to_device<Memory>(b, items, l2, channels);
    cg_gaunt.forward(da, db, out);
    const Host via_cg = to_host(out);
    const Host via_grid = gaunt_forward(
        GauntProduct<TypeParam>(GauntRoute::kGrid, {l1, l2}, cs.lout), {a, b}, items, channels);
    EXPECT_LT(max_abs_diff(via_cg, via_grid), 1e-13 * max_abs(via_grid));

    const ClebschGordanProduct<TypeParam> cg(l1, l2, cs.lout);
    EXPECT_GT(cg.n_couplings(), cg_gaunt.n_couplings());
    const Mat3 R = random_rotation(rng);
    const auto D = wigner_d(R, 16);
    cg.forward(da, db, out);
    const Host plain = to_host(out);
    cg.forward(to_device<Memory>(rotate(D, 16, a, items, l1, channels), items, l1, channels),
               to_device<Memory>(rotate(D, 16, b, items, l2, channels), items, l2, channels), out);
    EXPECT_LT(max_abs_diff(to_host(out), rotate(D, 16, plain, items, cs.lout, channels)),
              1e-12 * max_abs(plain));

    const Host cbar = random_features(rng, items, cs.lout, channels);
    FeatureView<Memory> a_adj("a_adj", items, sh_size(l1), channels),
        b_adj("b_adj", items, sh_size(l2), channels);
    cg.reverse(da, db, to_device<Memory>(cbar, items, cs.lout, channels), a_adj, b_adj);
    const double lhs = dot(plain, cbar);
    EXPECT_NEAR(dot(a, to_host(a_adj)), lhs, 1e-12 * std::max(1.0, std::abs(lhs)));
    EXPECT_NEAR(dot(b, to_host(b_adj)), lhs, 1e-12 * std::max(1.0, std::abs(lhs)));
  }
}

// The Fourier route processes items in chunks that fit GauntTuning::fourier_workspace_bytes
// (96 MiB on host): 45 items × 64 channels at L = 8 -> 16 need three chunks, the last partial.
TYPED_TEST(GauntProductTest, FourierRouteChunksItems) {
  std::mt19937_64 rng(11);
  const int items = 45, channels = 64, L = 8, lout = 16;
  const std::vector<Host> f = {random_features(rng, items, L, channels),
                               random_features(rng, items, L, channels)};
  const Host grid =
      gaunt_forward(GauntProduct<TypeParam>(GauntRoute::kGrid, {L, L}, lout), f, items, channels);
  const Host cbar = random_features(rng, items, lout, channels);
  const double lhs = dot(grid, cbar);
  for (const Variant& v : {kVariants[0], kVariants[1]}) {
    const auto fourier = make_product<TypeParam>(v, {L, L}, lout);
    EXPECT_LT(max_abs_diff(gaunt_forward(fourier, f, items, channels), grid), 1e-13 * max_abs(grid))
        << v.name;
    const auto adj = gaunt_reverse(fourier, f, cbar, items, channels);
    EXPECT_NEAR(dot(f[0], adj[0]), lhs, 1e-12 * std::abs(lhs)) << v.name;
    EXPECT_NEAR(dot(f[1], adj[1]), lhs, 1e-12 * std::abs(lhs)) << v.name;
  }
}

TYPED_TEST(GauntProductTest, BadArgumentsThrow) {
  using Memory = typename TypeParam::memory_space;
  EXPECT_THROW(GauntProduct<TypeParam>(GauntRoute::kGrid, {3}, 3), std::invalid_argument);
  EXPECT_THROW(GauntProduct<TypeParam>(GauntRoute::kGrid, {1, 1, 1, 1, 1}, 3),
               std::invalid_argument);
  EXPECT_THROW(GauntProduct<TypeParam>(GauntRoute::kFourier, {17, 1}, 3), std::invalid_argument);
  EXPECT_THROW(GauntProduct<TypeParam>(GauntRoute::kSparse, {2, 2}, -1), std::invalid_argument);
  const GauntProduct<TypeParam> p(GauntRoute::kGrid, {2, 2}, 4);
  FeatureView<Memory> a("a", 2, sh_size(2), 3), wrong("wrong", 2, sh_size(3), 3),
      out("out", 2, sh_size(4), 3);
  EXPECT_THROW(p.forward({a, wrong}, out), std::invalid_argument);
  EXPECT_THROW(p.forward({a}, out), std::invalid_argument);
}

// Shared reference for the PyTorch tests (tests/python): one item, one channel, every route.
TEST(GauntProductExport, WriteCppReferenceProducts) {
  const char* dir = std::getenv("GAUNT_CPP_REFERENCE_DIR");
  if (!dir) GTEST_SKIP() << "GAUNT_CPP_REFERENCE_DIR not set";
  using Space = Kokkos::DefaultHostExecutionSpace;
  nlohmann::json records = nlohmann::json::array();
  std::mt19937_64 rng(20261127);
  for (const auto& [l1, l2, lout] : {std::tuple{1, 1, 2}, std::tuple{2, 3, 5}, std::tuple{4, 4, 8},
                                     std::tuple{3, 2, 1}, std::tuple{8, 8, 16}}) {
    const Host a = random_features(rng, 1, l1, 1), b = random_features(rng, 1, l2, 1);
    for (GauntRoute route : kAllGauntRoutes) {
      const Host out = gaunt_forward(GauntProduct<Space>(route, {l1, l2}, lout), {a, b}, 1, 1);
      records.push_back({{"route", to_string(route)},
                         {"l1", l1},
                         {"l2", l2},
                         {"lout", lout},
                         {"a", a},
                         {"b", b},
                         {"out", out}});
    }
  }
  const std::string path = std::string(dir) + "/gaunt_products_cpp.json";
  std::ofstream file(path);
  ASSERT_TRUE(file) << "cannot write " << path;
  file << records.dump(1) << "\n";
}

}  // namespace
}  // namespace gaunt::test
