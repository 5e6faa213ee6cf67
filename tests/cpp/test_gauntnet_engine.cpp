// GauntNet v1 engine (DESIGN.md §4, §7.2) on every execution space of the build:
// - energies, per-atom energies, forces, virial and per-atom virial vs the PyTorch reference
//   (tests/reference/model/tiny_reference.json, autograd forces) to 1e-10 relative;
// - forces vs central finite differences of the engine's own energy;
// - Σ per-atom energy = E, Σ per-atom virial = W; chunking does not change results;
// - rotation invariance of E and equivariance of the forces;
// - atoms of species −1 are ignored; an atom without neighbours gets E0 + σ·readout(0) + μ
//   (readout(0) = Σ_h o_h silu(β_h), computed here from the raw weights);
// - tabulated radial functions: within the Hermite error bound, fourth order, forces = −∇E;
// - the BLAS and team batches of the radial MLP equal the per-edge MLP; one edge's gradient with
//   the channels on vector lanes equals the serial one.
// Periodic fixtures: every edge with a nonzero image shift gets its own ghost atom at
// x_j + shift·cell; ghost forces and per-atom virials are folded back to their owner here, as
// LAMMPS's reverse communication does.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "gauntnet_engine.hpp"
#include "gauntnet_radial_blas.hpp"
#include "model_file.hpp"
#include "test_helpers.hpp"

namespace {

using gaunt::test::Vec3;
using nlohmann::json;

const std::string kTiny = gaunt::test::reference_dir() + "/model/tiny.gaunt.pt";

const gaunt::ModelFile& tiny_model() {
  static const gaunt::ModelFile model = gaunt::read_model_file(kTiny);
  return model;
}

const json& reference() {
  static const json ref = gaunt::test::read_reference("model/tiny_reference.json");
  return ref;
}

// Graph on the host: local atoms, ghosts (with owners), CSR neighbour list.
struct HostGraph {
  int n_local = 0;
  std::vector<Vec3> positions;  // [n_total]
  std::vector<int> species;     // [n_total]
  std::vector<int> owner;       // [n_total] local atom owning each row
  std::vector<int> offsets;     // [n_local + 1]
  std::vector<int> neighbors;
  int n_total() const { return int(positions.size()); }
};

// All pairs j ≠ i of a finite structure (pairs beyond the cutoff included: the engine must
// ignore them, as it ignores a neighbour-list skin).
HostGraph all_pairs_graph(const std::vector<Vec3>& positions, const std::vector<int>& species) {
  HostGraph g;
  g.n_local = int(positions.size());
  g.positions = positions;
  g.species = species;
  for (int i = 0; i < g.n_local; ++i) g.owner.push_back(i);
  g.offsets.push_back(0);
  for (int i = 0; i < g.n_local; ++i) {
    for (int j = 0; j < g.n_local; ++j)
      if (j != i) g.neighbors.push_back(j);
    g.offsets.push_back(int(g.neighbors.size()));
  }
  return g;
}

// Graph of a fixture structure: its edge list (with image shifts) over local atoms + ghosts.
HostGraph fixture_graph(const json& s) {
  HostGraph g;
  const auto positions = s.at("positions").get<std::vector<Vec3>>();
  const auto species = s.at("species").get<std::vector<int>>();
  if (!s.at("pbc").get<bool>()) return all_pairs_graph(positions, species);
  const auto cell = s.at("cell").get<std::vector<Vec3>>();
  const auto ei = s.at("edges").at("i").get<std::vector<int>>();
  const auto ej = s.at("edges").at("j").get<std::vector<int>>();
  const auto shift = s.at("edges").at("shift").get<std::vector<std::array<int, 3>>>();
  g.n_local = int(positions.size());
  g.positions = positions;
  g.species = species;
  for (int i = 0; i < g.n_local; ++i) g.owner.push_back(i);
  std::map<std::tuple<int, int, int, int>, int> ghost_of;
  std::vector<std::vector<int>> lists(std::size_t(g.n_local));
  for (std::size_t e = 0; e < ei.size(); ++e) {
    int j = ej[e];
    const auto& n = shift[e];
    if (n[0] != 0 || n[1] != 0 || n[2] != 0) {
      const auto key = std::make_tuple(j, n[0], n[1], n[2]);
      auto it = ghost_of.find(key);
      if (it == ghost_of.end()) {
        Vec3 x = positions[std::size_t(j)];
        for (int a = 0; a < 3; ++a)
          for (int b = 0; b < 3; ++b)
            x[std::size_t(b)] += n[std::size_t(a)] * cell[std::size_t(a)][std::size_t(b)];
        it = ghost_of.emplace(key, g.n_total()).first;
        g.positions.push_back(x);
        g.species.push_back(species[std::size_t(j)]);
        g.owner.push_back(j);
      }
      j = it->second;
    }
    lists[std::size_t(ei[e])].push_back(j);
  }
  g.offsets.push_back(0);
  for (const auto& list : lists) {
    g.neighbors.insert(g.neighbors.end(), list.begin(), list.end());
    g.offsets.push_back(int(g.neighbors.size()));
  }
  return g;
}

// Engine outputs on the host, ghosts folded back to their owners.
struct Outputs {
  double energy = 0, virial[6] = {}, min_distance = 0;
  std::vector<double> per_atom_energy;
  std::vector<Vec3> forces;                            // [n_local]
  std::vector<std::array<double, 6>> per_atom_virial;  // [n_local]
};

template <class Space>
class GauntNetEngineTest : public ::testing::Test {
 public:
  using Engine = gaunt::GauntNetEngine<Space>;
  using Memory = typename Space::memory_space;

  // The graph's views on the engine's memory space.
  // images: pass h.owner as the graph's image_of (periodic partners share radial rows).
  static typename Engine::Graph make_graph(const HostGraph& h, const bool images = true) {
    const int n_total = h.n_total();
    Kokkos::View<double* [3], Kokkos::LayoutRight, Memory> positions("positions", n_total);
    Kokkos::View<int*, Memory> species("species", n_total), offsets("offsets", h.n_local + 1),
        neighbors("neighbors", h.neighbors.size());
    auto hp = Kokkos::create_mirror_view(positions);
    auto hs = Kokkos::create_mirror_view(species);
    auto ho = Kokkos::create_mirror_view(offsets);
    auto hn = Kokkos::create_mirror_view(neighbors);
    for (int i = 0; i < n_total; ++i) {
      for (int c = 0; c < 3; ++c) hp(i, c) = h.positions[std::size_t(i)][std::size_t(c)];
      hs(i) = h.species[std::size_t(i)];
    }
    for (int i = 0; i <= h.n_local; ++i) ho(i) = h.offsets[std::size_t(i)];
    for (std::size_t e = 0; e < h.neighbors.size(); ++e) hn(e) = h.neighbors[e];
    Kokkos::deep_copy(positions, hp);
    Kokkos::deep_copy(species, hs);
    Kokkos::deep_copy(offsets, ho);
    Kokkos::deep_copy(neighbors, hn);
    typename Engine::Graph graph;
    graph.n_local = h.n_local;
    graph.n_total = n_total;
    graph.positions = positions;
    graph.species = species;
    graph.offsets = offsets;
    graph.neighbors = neighbors;
    if (images) {
      Kokkos::View<int*, Memory> image_of("image_of", n_total);
      auto hi = Kokkos::create_mirror_view(image_of);
      for (int i = 0; i < n_total; ++i) hi(i) = h.owner[std::size_t(i)];
      Kokkos::deep_copy(image_of, hi);
      graph.image_of = image_of;
    }
    return graph;
  }

  static Outputs run(Engine& engine, const HostGraph& h) {
    const int n_total = h.n_total();
    const auto& r = engine.compute(make_graph(h), {true, true});
    Outputs out;
    out.energy = r.energy;
    std::copy(r.virial, r.virial + 6, out.virial);
    out.min_distance = r.min_distance;
    auto e = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.per_atom_energy);
    auto f = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.forces);
    auto w = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.per_atom_virial);
    out.per_atom_energy.assign(e.data(), e.data() + h.n_local);
    out.forces.assign(std::size_t(h.n_local), Vec3{});
    out.per_atom_virial.assign(std::size_t(h.n_local), std::array<double, 6>{});
    for (int i = 0; i < n_total; ++i) {
      const auto o = std::size_t(h.owner[std::size_t(i)]);
      for (int c = 0; c < 3; ++c) out.forces[o][std::size_t(c)] += f(i, c);
      for (int c = 0; c < 6; ++c) out.per_atom_virial[o][std::size_t(c)] += w(i, c);
    }
    return out;
  }

  // (max |F − F_fd|, max |F_fd|) over every atom and component, F_fd the central difference
  // of the engine's own energy with step h.
  static std::pair<double, double> finite_difference_force_error(Engine& engine, const HostGraph& g,
                                                                 double h) {
    const Outputs out = run(engine, g);
    double max_err = 0, max_f = 0;
    for (int i = 0; i < g.n_local; ++i) {
      for (int c = 0; c < 3; ++c) {
        HostGraph plus = g, minus = g;
        plus.positions[std::size_t(i)][std::size_t(c)] += h;
        minus.positions[std::size_t(i)][std::size_t(c)] -= h;
        const double fd = -(run(engine, plus).energy - run(engine, minus).energy) / (2 * h);
        max_err = std::max(max_err, std::abs(fd - out.forces[std::size_t(i)][std::size_t(c)]));
        max_f = std::max(max_f, std::abs(fd));
      }
    }
    return {max_err, max_f};
  }
};

TYPED_TEST_SUITE(GauntNetEngineTest, gaunt::test::ExecutionSpaces);

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// max |a - b| ≤ tol · max(max |b|, floor): relative to the size of the reference quantity.
void expect_close(const std::vector<double>& got, const std::vector<double>& want, double tol,
                  const std::string& what, double floor = 1e-300) {
  ASSERT_EQ(got.size(), want.size()) << what;
  const double scale = std::max(max_abs(want), floor);
  double err = 0;
  for (std::size_t a = 0; a < got.size(); ++a) err = std::max(err, std::abs(got[a] - want[a]));
  EXPECT_LE(err, tol * scale) << what << ": max error " << err << ", scale " << scale;
  std::printf("  %-48s max |error| / scale = %.2e\n", what.c_str(), err / scale);
}

std::vector<double> flatten(const std::vector<Vec3>& v) {
  std::vector<double> out;
  for (const auto& x : v) out.insert(out.end(), x.begin(), x.end());
  return out;
}

// Scale floor (eV/Å, eV) for forces and virials: in the near_cutoff fixture they are ~1e-13,
// a difference of O(1) envelope terms, so both codes carry ~1e-20 absolute rounding there.
constexpr double kForceFloor = 1e-6;

constexpr int kVoigt[6][2] = {{0, 0}, {1, 1}, {2, 2}, {0, 1}, {0, 2}, {1, 2}};

// Both product-basis routes (gaunt::ProductRoute), named for messages.
const std::vector<std::pair<gaunt::ProductRoute, std::string>> kProductRoutes = {
    {gaunt::ProductRoute::kIndexTuples, "tuples"}, {gaunt::ProductRoute::kSphereGrid, "grid"}};
// The radial MLP's routes: BLAS products (OpenBLAS on host, cuBLAS on GPUs) and the team kernel.
const std::vector<std::pair<gaunt::RadialMlpRoute, std::string>> kRadialMlpRoutes = {
    {gaunt::RadialMlpRoute::kGemm, "gemm"}, {gaunt::RadialMlpRoute::kTeams, "teams"}};

// The engine's outputs of fixture structure s against its PyTorch reference (1e-10 relative), and
// their sums: Σ per-atom energy = E, Σ per-atom virial = W (the engine's own outputs).
void expect_matches_reference(const Outputs& out, const json& s, const std::string& name) {
  const double e_ref = s.at("energy").get<double>();
  EXPECT_NEAR(out.energy, e_ref, 1e-10 * std::abs(e_ref)) << name;
  expect_close(out.per_atom_energy, s.at("per_atom_energy").get<std::vector<double>>(), 1e-10,
               name + " per-atom energy");
  expect_close(flatten(out.forces), flatten(s.at("forces").get<std::vector<Vec3>>()), 1e-10,
               name + " forces", kForceFloor);
  const auto w_ref = s.at("virial_voigt").get<std::vector<double>>();
  expect_close(std::vector<double>(out.virial, out.virial + 6), w_ref, 1e-10, name + " virial",
               kForceFloor);
  const auto wa_ref = s.at("per_atom_virial").get<std::vector<std::vector<Vec3>>>();
  std::vector<double> wa, wa_want;
  for (std::size_t i = 0; i < wa_ref.size(); ++i) {
    for (int c = 0; c < 6; ++c) {
      wa.push_back(out.per_atom_virial[i][std::size_t(c)]);
      wa_want.push_back(wa_ref[i][std::size_t(kVoigt[c][0])][std::size_t(kVoigt[c][1])]);
    }
  }
  expect_close(wa, wa_want, 1e-10, name + " per-atom virial", kForceFloor);
  double e_sum = 0;
  for (double e : out.per_atom_energy) e_sum += e;
  EXPECT_NEAR(e_sum, out.energy, 1e-13 * std::abs(out.energy)) << name;
  for (int c = 0; c < 6; ++c) {
    double w_sum = 0;
    for (const auto& w : out.per_atom_virial) w_sum += w[std::size_t(c)];
    EXPECT_NEAR(w_sum, out.virial[c], 1e-12 * (1 + max_abs(w_ref))) << name;
  }
}

TYPED_TEST(GauntNetEngineTest, MatchesPyTorchReference) {
  typename TestFixture::Engine engine(tiny_model());
  EXPECT_EQ(engine.cutoff(), 3.0);
  EXPECT_EQ(engine.elements(), (std::vector<std::string>{"H", "C", "O"}));
  // L = 3, ν_max = 4: 1 952 multiplies per channel over 422 + 77 + 16 + 1 tuple entries against
  // 91 grid points × (16 + 10 · 4): the tuples are the default.
  EXPECT_EQ(engine.product_route(), gaunt::ProductRoute::kIndexTuples);
  EXPECT_EQ(engine.atom_team_threads(), gaunt::GauntNetTuning<TypeParam>::atom_team_threads);
  EXPECT_THROW(engine.set_atom_team_threads(0), std::invalid_argument);
  EXPECT_THROW(engine.set_chunk_atoms(0), std::invalid_argument);
  EXPECT_EQ(engine.scratch_level0_bytes(), Kokkos::TeamPolicy<TypeParam>::scratch_size_max(0));
  EXPECT_THROW(engine.set_scratch_level0_bytes(-1), std::invalid_argument);
  // Teams of several threads: the GPUs' work sharing of the per-atom kernels (several atoms per
  // team, one atom's edges over the team's threads), here on OpenMP threads (the tests run with 2,
  // so 4 is capped to 2; Serial teams stay at 1); each with the per-atom kernels' scratch at
  // level 0 (this model's fits) and, with a level-0 limit of 0 bytes, at level 1 (that of large
  // K (L+1)² models on GPUs).
  const int level0_bytes = engine.scratch_level0_bytes();
  for (const auto& [team_threads, scratch_bytes] :
       {std::pair{1, level0_bytes}, {2, level0_bytes}, {4, level0_bytes}, {1, 0}, {4, 0}}) {
    engine.set_atom_team_threads(team_threads);
    engine.set_scratch_level0_bytes(scratch_bytes);
    for (const auto& [radial_route, radial_name] : kRadialMlpRoutes) {
      engine.set_radial_mlp_route(radial_route);
      for (const auto& [route, route_name] : kProductRoutes) {
        engine.set_product_route(route);
        for (const int chunk : {0, 1, 2, 3}) {  // 0: the default chunk size
          engine.set_chunk_atoms(chunk > 0 ? chunk : gaunt::GauntNetTuning<TypeParam>::chunk_atoms);
          for (const auto& s : reference().at("structures")) {
            const std::string name = s.at("name").get<std::string>() + " (" + radial_name + ", " +
                                     route_name + ", chunk " + std::to_string(chunk) +
                                     ", teams of " + std::to_string(team_threads) +
                                     ", scratch level " + (scratch_bytes > 0 ? "0" : "1") + ")";
            expect_matches_reference(TestFixture::run(engine, fixture_graph(s)), s, name);
          }
        }
      }
    }
  }
}

// A wide model (K = 64, L = 8, ν_max = 3: make_model_reference.py --wide, written by CTest into
// the build tree, GAUNT_WIDE_REFERENCE_DIR): its reverse product basis takes (L+1)² K doubles,
// 41 kB, of scratch per atom, more than a GPU block's shared memory, so on GPUs its per-atom
// kernels run with level-1 scratch; on host (both levels one memory) it checks the engine at L = 8.
TYPED_TEST(GauntNetEngineTest, WideModelMatchesPyTorchReference) {
  const char* dir = std::getenv("GAUNT_WIDE_REFERENCE_DIR");
  if (dir == nullptr || *dir == 0)
    GTEST_SKIP() << "GAUNT_WIDE_REFERENCE_DIR is not set (CTest sets it)";
  const json ref = gaunt::test::read_reference(dir, "wide_reference.json");
  typename TestFixture::Engine engine(gaunt::read_model_file(std::string(dir) + "/wide.gaunt.pt"));
  EXPECT_EQ(engine.product_route(), gaunt::ProductRoute::kIndexTuples);  // ν_max = 3
  for (const auto& [radial_route, radial_name] : kRadialMlpRoutes) {
    engine.set_radial_mlp_route(radial_route);
    for (const auto& [route, route_name] : kProductRoutes) {
      engine.set_product_route(route);
      for (const auto& s : ref.at("structures")) {
        expect_matches_reference(TestFixture::run(engine, fixture_graph(s)), s,
                                 "wide model, " + s.at("name").get<std::string>() + " (" +
                                     radial_name + ", " + route_name + ")");
      }
    }
  }
}

TYPED_TEST(GauntNetEngineTest, ForcesAndVirialMatchFiniteDifferences) {
  typename TestFixture::Engine engine(tiny_model());
  const json& s = reference().at("structures").at(0);  // the molecule
  HostGraph g = fixture_graph(s);
  const double h = 1e-5;
  for (const auto& [route, route_name] : kProductRoutes) {
    engine.set_product_route(route);
    const auto [max_err, max_f] = TestFixture::finite_difference_force_error(engine, g, h);
    EXPECT_GT(max_f, 1e-2) << route_name;
    EXPECT_LT(max_err, 1e-7 * max_f) << route_name << ": max |F - F_fd| = " << max_err;
  }
  const Outputs out = TestFixture::run(engine, g);
  // Virial = −dE/dε under the homogeneous deformation x -> x (1 + ε).
  for (int c = 0; c < 6; ++c) {
    const int a = kVoigt[c][0], b = kVoigt[c][1];
    auto deformed = [&](double eps) {
      HostGraph d = g;
      for (auto& x : d.positions) {
        // symmetric strain ε_ab = ε_ba = eps / 2 (eps for the diagonal): δx_a = ε_ab x_b
        const Vec3 x0 = x;
        if (a == b) {
          x[std::size_t(a)] += eps * x0[std::size_t(a)];
        } else {
          x[std::size_t(a)] += 0.5 * eps * x0[std::size_t(b)];
          x[std::size_t(b)] += 0.5 * eps * x0[std::size_t(a)];
        }
      }
      return TestFixture::run(engine, d).energy;
    };
    const double fd = -(deformed(h) - deformed(-h)) / (2 * h);
    EXPECT_NEAR(out.virial[c], fd, 1e-7 * (1 + std::abs(fd))) << "virial component " << c;
  }
}

TYPED_TEST(GauntNetEngineTest, RotationInvariantEnergyEquivariantForces) {
  typename TestFixture::Engine engine(tiny_model());
  const json& s = reference().at("structures").at(0);
  const HostGraph g = fixture_graph(s);
  const Outputs out = TestFixture::run(engine, g);
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 3; ++trial) {
    const auto R = gaunt::test::random_rotation(rng);
    const Vec3 t = gaunt::test::random_vector(rng, 5.0);
    HostGraph rotated = g;
    for (auto& x : rotated.positions) {
      x = gaunt::test::apply(R, x);
      for (int c = 0; c < 3; ++c) x[std::size_t(c)] += t[std::size_t(c)];
    }
    const Outputs rot = TestFixture::run(engine, rotated);
    EXPECT_NEAR(rot.energy, out.energy, 1e-12 * std::abs(out.energy));
    std::vector<Vec3> f_expected;
    for (const auto& f : out.forces) f_expected.push_back(gaunt::test::apply(R, f));
    expect_close(flatten(rot.forces), flatten(f_expected), 1e-11, "rotated forces");
  }
}

TYPED_TEST(GauntNetEngineTest, IgnoresAtomsOfSpeciesMinusOne) {
  typename TestFixture::Engine engine(tiny_model());
  const json& s = reference().at("structures").at(0);
  const auto positions = s.at("positions").get<std::vector<Vec3>>();
  const auto species = s.at("species").get<std::vector<int>>();
  const Outputs out = TestFixture::run(engine, all_pairs_graph(positions, species));
  // Interleave foreign atoms (species −1) close to the molecule's atoms, as local atoms.
  std::vector<Vec3> mixed_pos;
  std::vector<int> mixed_species, index_of;
  for (std::size_t i = 0; i < positions.size(); ++i) {
    index_of.push_back(int(mixed_pos.size()));
    mixed_pos.push_back(positions[i]);
    mixed_species.push_back(species[i]);
    if (i % 2 == 0) {
      mixed_pos.push_back({positions[i][0] + 0.7, positions[i][1], positions[i][2] - 0.3});
      mixed_species.push_back(-1);
    }
  }
  const Outputs mixed = TestFixture::run(engine, all_pairs_graph(mixed_pos, mixed_species));
  EXPECT_NEAR(mixed.energy, out.energy, 1e-13 * std::abs(out.energy));
  for (std::size_t i = 0; i < mixed_pos.size(); ++i) {
    if (mixed_species[i] < 0) {
      EXPECT_EQ(mixed.per_atom_energy[i], 0.0);
      for (int c = 0; c < 3; ++c) EXPECT_EQ(mixed.forces[i][std::size_t(c)], 0.0);
    }
  }
  for (std::size_t i = 0; i < positions.size(); ++i) {
    const auto k = std::size_t(index_of[i]);
    EXPECT_NEAR(mixed.per_atom_energy[k], out.per_atom_energy[i], 1e-13);
    for (int c = 0; c < 3; ++c)
      EXPECT_NEAR(mixed.forces[k][std::size_t(c)], out.forces[i][std::size_t(c)], 1e-13);
  }
}

TYPED_TEST(GauntNetEngineTest, AtomWithoutNeighboursAndEmptyGraph) {
  const auto& m = tiny_model();
  typename TestFixture::Engine engine(m);
  const auto& bias = m.weight("readout_hidden.bias").values;
  const auto& o = m.weight("readout_out").values;
  double readout0 = 0;
  for (std::size_t h = 0; h < bias.size(); ++h)
    readout0 += o[h] * bias[h] / (1 + std::exp(-bias[h]));
  using Precision = typename TestFixture::Engine::Precision;
  // Chunks without edges, in both precisions (float32 rows of none with `precision mixed`).
  for (const auto precision : {Precision::kDouble, Precision::kMixed}) {
    engine.set_precision(precision);
    for (int s = 0; s < 3; ++s) {
      // Alone, and with a neighbour beyond the cutoff.
      for (const double d : {0.0, 3.5}) {
        std::vector<Vec3> pos = {{0.3, -0.2, 1.0}};
        std::vector<int> sp = {s};
        if (d > 0) {
          pos.push_back({0.3 + d, -0.2, 1.0});
          sp.push_back(0);
        }
        const Outputs out = TestFixture::run(engine, all_pairs_graph(pos, sp));
        const double expected = m.e0s[std::size_t(s)] + m.scale * readout0 + m.shift;
        EXPECT_NEAR(out.per_atom_energy[0], expected, 1e-14) << "species " << s;
        for (int c = 0; c < 3; ++c) EXPECT_EQ(out.forces[0][std::size_t(c)], 0.0);
        for (int c = 0; c < 6; ++c) EXPECT_EQ(out.virial[c], 0.0);
        EXPECT_TRUE(std::isinf(out.min_distance));
      }
    }
    const Outputs empty = TestFixture::run(engine, HostGraph{0, {}, {}, {}, {0}, {}});
    EXPECT_EQ(empty.energy, 0.0);
  }
}

// The two edges i → j and j → i of a pair inside a chunk share one row of R(r); edges to ghosts
// and across chunks have their own (the energies and forces of both cases are checked against
// PyTorch in MatchesPyTorchReference). Expected counts from the graph itself.
// Rows of R(r): one per pair of edges i → j, J → h inside a chunk with r_Jh = −r_ij, where J and
// h are the atoms j and i are images of (with image_of; without it only pairs of local atoms),
// one per other edge that enters the model, none for edges beyond r_c. Counted here from the graph.
TYPED_TEST(GauntNetEngineTest, PairsInsideAChunkShareRadialRows) {
  typename TestFixture::Engine engine(tiny_model());
  const double cutoff = engine.cutoff();
  for (const auto& s : reference().at("structures")) {
    const HostGraph g = fixture_graph(s);
    const auto vector = [&](const int a, const int b) {
      Vec3 d{};
      for (std::size_t c = 0; c < 3; ++c)
        d[c] = g.positions[std::size_t(b)][c] - g.positions[std::size_t(a)][c];
      return d;
    };
    for (const bool images : {false, true}) {
      const auto image = [&](const int a) {
        return images ? g.owner[std::size_t(a)] : a < g.n_local ? a : -1;
      };
      for (const int chunk : {1, 2, g.n_local}) {
        engine.set_chunk_atoms(std::max(chunk, 1));
        long expected = 0, shared = 0, shared_images = 0, beyond_cutoff = 0;
        for (int i = 0; i < g.n_local; ++i) {
          for (int e = g.offsets[std::size_t(i)]; e < g.offsets[std::size_t(i) + 1]; ++e) {
            const int j = g.neighbors[std::size_t(e)];
            const Vec3 d = vector(i, j);
            if (g.species[std::size_t(i)] < 0 || g.species[std::size_t(j)] < 0 ||
                std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]) >= cutoff) {
              ++beyond_cutoff;  // no row: the edge does not enter the model
              continue;
            }
            const int J = image(j);
            bool partner_first = false;
            if (J >= 0 && J / chunk == i / chunk) {
              for (int f = g.offsets[std::size_t(J)]; f < g.offsets[std::size_t(J) + 1]; ++f) {
                const int h = g.neighbors[std::size_t(f)];
                const Vec3 q = vector(J, h);
                if (image(h) == i &&
                    std::abs(q[0] + d[0]) + std::abs(q[1] + d[1]) + std::abs(q[2] + d[2]) < 1e-9) {
                  ++shared;
                  if (j >= g.n_local) ++shared_images;
                  partner_first = f < e;
                }
              }
            }
            if (!partner_first) ++expected;
          }
        }
        const auto& r = engine.compute(TestFixture::make_graph(g, images), {});
        EXPECT_EQ(r.radial_rows, expected)
            << s.at("name") << ", chunk " << chunk << (images ? ", images" : "");
        if (chunk == g.n_local && g.n_local > 1) {
          EXPECT_GT(shared, 0) << s.at("name");
        }
        if (images && chunk == g.n_local && s.at("pbc").get<bool>()) {
          EXPECT_GT(shared_images, 0) << s.at("name") << ": periodic partners through images";
        }
        if (!s.at("pbc").get<bool>()) {
          EXPECT_GT(beyond_cutoff, 0) << s.at("name") << ": all pairs, some beyond r_c";
        }
      }
    }
  }
}

TYPED_TEST(GauntNetEngineTest, ReportsClosestPair) {
  typename TestFixture::Engine engine(tiny_model());
  EXPECT_EQ(engine.min_safe_distance(), 0.1);
  const Outputs out =
      TestFixture::run(engine, all_pairs_graph({{0, 0, 0}, {0.05, 0, 0}, {0, 2.0, 0}}, {1, 0, 2}));
  EXPECT_NEAR(out.min_distance, 0.05, 1e-15);
  for (const auto& f : out.forces)
    for (double x : f) EXPECT_TRUE(std::isfinite(x));
}

// A radial MLP whose last layer is wider than kMaxRadialWidth (a model with (L+1)K > 128):
// with the aspirin model's last layer W replaced by [W | 2W | −W] the outputs are exactly
// [R | 2R | −R] (and the same for dR/dr), in float64 and in float32, where R comes from the
// narrow layer (checked against PyTorch by the engine fixtures).
TEST(RadialFunctions, LastLayerWiderThanOneBlock) {
  const std::string aspirin =
      gaunt::test::reference_dir() + "/../../examples/models/aspirin/aspirin.gaunt.pt";
  const auto p =
      gaunt::make_gauntnet_parameters<Kokkos::HostSpace>(gaunt::read_model_file(aspirin));
  const int last = p.n_layers - 1, n_in = p.width[last], Q = p.width[p.n_layers];
  ASSERT_EQ(Q, gaunt::kMaxRadialWidth);
  auto wide = p;
  wide.width[p.n_layers] = 3 * Q;
  const std::size_t head = std::size_t(p.layer_offset[last]);
  wide.radial_weights = Kokkos::View<double*, Kokkos::HostSpace>("wide", head + 3 * n_in * Q);
  wide.radial_weights_f32 =
      Kokkos::View<float*, Kokkos::HostSpace>("wide_f32", head + 3 * n_in * Q);
  for (std::size_t i = 0; i < head; ++i) {
    wide.radial_weights(i) = p.radial_weights(i);
    wide.radial_weights_f32(i) = p.radial_weights_f32(i);
  }
  for (int i = 0; i < n_in; ++i)
    for (int o = 0; o < Q; ++o)
      for (int b = 0; b < 3; ++b) {
        const double scale = b == 0 ? 1.0 : b == 1 ? 2.0 : -1.0;
        const std::size_t src = head + std::size_t(i * Q + o);
        const std::size_t dst = head + std::size_t(i * 3 * Q + b * Q + o);
        wide.radial_weights(dst) = scale * p.radial_weights(src);
        wide.radial_weights_f32(dst) = float(scale) * p.radial_weights_f32(src);
      }
  std::vector<double> R(Q), dR(Q), Rw(3 * Q), dRw(3 * Q);
  for (double r : {0.7, 1.9, 4.2}) {
    for (bool mixed : {false, true}) {
      if (mixed) {
        gaunt::radial_functions<float>(p, r, R.data(), dR.data());
        gaunt::radial_functions<float>(wide, r, Rw.data(), dRw.data());
      } else {
        gaunt::radial_functions<double>(p, r, R.data(), dR.data());
        gaunt::radial_functions<double>(wide, r, Rw.data(), dRw.data());
      }
      for (int o = 0; o < Q; ++o) {
        EXPECT_EQ(Rw[o], R[o]) << r << " " << mixed;
        EXPECT_EQ(Rw[Q + o], 2 * R[o]) << r << " " << mixed;
        EXPECT_EQ(Rw[2 * Q + o], -R[o]) << r << " " << mixed;
        EXPECT_EQ(dRw[o], dR[o]) << r << " " << mixed;
        EXPECT_EQ(dRw[Q + o], 2 * dR[o]) << r << " " << mixed;
        EXPECT_EQ(dRw[2 * Q + o], -dR[o]) << r << " " << mixed;
      }
    }
  }
}

// The batches of the radial MLP, by BLAS (host, gauntnet_radial_blas.hpp) and by teams (GPUs,
// gauntnet_radial_teams.hpp; run here on the host execution space in teams of its threads, so
// that a missing barrier shows), against the per-edge float64 MLP (radial_functions<double>):
// 700 edges (two full BLAS blocks of 256 and a partial one; 87 full team blocks of 8 and a partial
// one), every tenth inactive (zero input rows). The float64 batches to rounding (1e-13 of the
// scale), the float32 ones (`precision mixed`) to float32 rounding of 64-term sums; inactive rows
// give exact zeros.
TEST(RadialFunctions, BatchesEqualPerEdge) {
  using Host = Kokkos::DefaultHostExecutionSpace;
  const std::string aspirin =
      gaunt::test::reference_dir() + "/../../examples/models/aspirin/aspirin.gaunt.pt";
  const auto p =
      gaunt::make_gauntnet_parameters<Kokkos::HostSpace>(gaunt::read_model_file(aspirin));
  const int n_edges = 700, Q = p.width[p.n_layers], N_b = p.width[0];
  ASSERT_GT(n_edges, 2 * gaunt::kRadialBlasBlock);
  std::vector<double> r(n_edges);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> uniform(0.3, p.cutoff);
  for (double& x : r) x = uniform(rng);
  const auto check = [&](auto real, double tolerance) {
    using Real = decltype(real);
    gaunt::RadialBlas<Host, Kokkos::HostSpace, Real> blas;
    blas.reserve(n_edges, N_b, true);
    using Rows = Kokkos::View<Real**, Kokkos::LayoutRight, Kokkos::HostSpace>;
    const Rows R("R", n_edges, Q), dR("dR", n_edges, Q);
    for (int e = 0; e < n_edges; ++e) {
      for (int n = 0; n < N_b; ++n) blas.input(2 * e, n) = blas.input(2 * e + 1, n) = Real(0);
      if (e % 10 != 0)
        gaunt::radial_basis(p, r[e], &blas.input(2 * e, 0), &blas.input(2 * e + 1, 0));
    }
    for (const bool teams : {false, true}) {
      if (teams) {
        // Teams of several threads, as on GPUs: their barriers and shared rows are under test.
        const int threads = gaunt::radial_functions_teams(Host(), p, blas.input, n_edges, R, dR);
        EXPECT_EQ(threads, std::min(Host().concurrency(), gaunt::kRadialTeamThreads));
      } else {
        gaunt::radial_functions_blas(Host(), p, blas, n_edges, R, dR);
      }
      std::vector<double> R1(Q), dR1(Q);
      double scale = 0, dscale = 0, err = 0, derr = 0;
      for (int e = 0; e < n_edges; ++e) {
        if (e % 10 == 0) {
          for (int q = 0; q < Q; ++q) {
            EXPECT_EQ(R(e, q), 0.0);
            EXPECT_EQ(dR(e, q), 0.0);
          }
          continue;
        }
        gaunt::radial_functions<double>(p, r[e], R1.data(), dR1.data());
        for (int q = 0; q < Q; ++q) {
          scale = std::max(scale, std::abs(R1[q]));
          dscale = std::max(dscale, std::abs(dR1[q]));
          err = std::max(err, std::abs(R(e, q) - R1[q]));
          derr = std::max(derr, std::abs(dR(e, q) - dR1[q]));
        }
      }
      std::printf("  %s batch by %s: max |ΔR| / scale %.2e, max |ΔR'| / scale %.2e\n",
                  sizeof(Real) == 8 ? "float64" : "float32", teams ? "teams" : "BLAS", err / scale,
                  derr / dscale);
      EXPECT_GT(scale, 0.0);
      EXPECT_LT(err, tolerance * scale);
      EXPECT_LT(derr, tolerance * dscale);
      Kokkos::deep_copy(R, 1.0);  // the next method must write every entry
      Kokkos::deep_copy(dR, 1.0);
    }
  };
  check(double(), 1e-13);
  check(float(), 2e-6);
}

// Rows of values drawn uniformly from [-1, 1), from a seeded generator.
class RandomRows {
 public:
  explicit RandomRows(unsigned seed) : rng_(seed) {}
  std::vector<double> operator()(int n) {
    std::vector<double> v(n);
    for (double& x : v) x = uniform_(rng_);
    return v;
  }

 private:
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> uniform_{-1.0, 1.0};
};

// The GPU forms below as functors, so that their calls are host and device code as in the engine's
// kernels (nvcc warns when a host-only lambda reaches them). One edge's gradient in one team:
template <class RowReal>
struct EdgeGradientLanes {
  int K, lmax;
  double scale;
  const double *A_bar, *h;
  const RowReal *R, *dR;
  const double *Y, *Y_grad, *r_ij;
  double* g_out;
  template <class Member>
  KOKKOS_INLINE_FUNCTION void operator()(const Member& team) const {
    double g[3];
    gaunt::atomic_basis_edge_gradient_lanes(gaunt::TeamChannels<Member>{team, K}, lmax, scale,
                                            A_bar, h, R, dR, Y, Y_grad, r_ij, g);
    Kokkos::single(Kokkos::PerThread(team), [&]() {
      for (int c = 0; c < 3; ++c) g_out[c] = g[c];
    });
  }
};

// The rows of test edge e ([e][l K + k] and [e][lm]); every third edge, from the second on, does
// not contribute.
template <class RowReal>
struct TestEdgeRows {
  int K, lmax;
  const double* h;
  const RowReal* R;
  const double* Y;
  KOKKOS_INLINE_FUNCTION gaunt::EdgeRows<RowReal> operator()(const int e) const {
    gaunt::EdgeRows<RowReal> rows;
    if (e % 3 != 1) rows = {h, R + e * (lmax + 1) * K, Y + e * (lmax + 1) * (lmax + 1)};
    return rows;
  }
};

// One atom's forward atomic basis in one team.
template <class RowReal>
struct AtomicBasisLanes {
  int lmax;
  double scale;
  int n_edges;
  TestEdgeRows<RowReal> edge;
  double *tile, *A;
  template <class Member>
  KOKKOS_INLINE_FUNCTION void operator()(const Member& team) const {
    gaunt::atomic_basis_of_atom_lanes(gaunt::TeamChannels<Member>{team, edge.K}, lmax, scale, 0,
                                      n_edges, edge, tile, A);
  }
};

// One edge's gradient with the channels on a team's vector lanes (GPUs; run here in a host team)
// equals the serial form that the engine tests above check against PyTorch, on random rows, for
// channel counts below, at and above a warp and every L up to the engine's limit.
// R and dR rows of both types the engine keeps: float64, and float32 with `precision mixed`.
template <class RowReal>
class AtomicBasisRows : public ::testing::Test {};
using RowTypes = ::testing::Types<double, float>;
TYPED_TEST_SUITE(AtomicBasisRows, RowTypes);

// Random rows in the row type.
template <class RowReal>
std::vector<RowReal> rows_of(const std::vector<double>& values) {
  return std::vector<RowReal>(values.begin(), values.end());
}

TYPED_TEST(AtomicBasisRows, EdgeGradientLanesEqualSerial) {
  using Host = Kokkos::DefaultHostExecutionSpace;
  using Policy = Kokkos::TeamPolicy<Host>;
  RandomRows random_rows(11);
  for (const int K : {5, 32, 48}) {
    for (const int lmax : {0, 1, 3, gaunt::kMaxEngineLmax}) {
      const int n_sh = (lmax + 1) * (lmax + 1), n_radial = (lmax + 1) * K;
      const auto A_bar = random_rows(n_sh * K), h = random_rows(K), Y = random_rows(n_sh),
                 Y_grad = random_rows(3 * n_sh), r_ij = random_rows(3);
      const auto R = rows_of<TypeParam>(random_rows(n_radial)),
                 dR = rows_of<TypeParam>(random_rows(n_radial));
      const double scale = 0.37;
      double serial[3], host[3], lanes[3], in_double[3];
      gaunt::atomic_basis_edge_gradient(K, lmax, scale, A_bar.data(), h.data(), R.data(), dR.data(),
                                        Y.data(), Y_grad.data(), r_ij.data(), serial);
      gaunt::atomic_basis_edge_gradient_host(K, lmax, scale, A_bar.data(), h.data(), R.data(),
                                             dR.data(), Y.data(), Y_grad.data(), r_ij.data(), host);
      Kokkos::parallel_for(
          Policy(Host(), 1, 1, std::min(K, Policy::vector_length_max())),
          EdgeGradientLanes<TypeParam>{K, lmax, scale, A_bar.data(), h.data(), R.data(), dR.data(),
                                       Y.data(), Y_grad.data(), r_ij.data(), lanes});
      Kokkos::fence();
      // The same rows as float64: float rows only change what is stored, every sum is float64
      // (float32 sums would be ~1e-7 off).
      const auto R_d = rows_of<double>({R.begin(), R.end()}),
                 dR_d = rows_of<double>({dR.begin(), dR.end()});
      gaunt::atomic_basis_edge_gradient(K, lmax, scale, A_bar.data(), h.data(), R_d.data(),
                                        dR_d.data(), Y.data(), Y_grad.data(), r_ij.data(),
                                        in_double);
      // Sums of ~4 K (L+1)² terms below 1 in size: their rounding is far below 1e-14 per term.
      ASSERT_GT(std::hypot(serial[0], serial[1], serial[2]), 0.0);
      for (int c = 0; c < 3; ++c) {
        EXPECT_NEAR(lanes[c], serial[c], 1e-14 * K * n_sh) << "K " << K << ", L " << lmax;
        EXPECT_NEAR(host[c], serial[c], 1e-14 * K * n_sh) << "K " << K << ", L " << lmax;
        EXPECT_NEAR(in_double[c], serial[c], 1e-14 * K * n_sh) << "K " << K << ", L " << lmax;
      }
    }
  }
}

// One atom's forward atomic basis in its GPU form (atomic_basis_of_atom_lanes: degree by degree in
// scratch, channels on the vector lanes) equals the host form (every edge straight into A), here in
// a host team, for several K and L and with edges that do not contribute (h = nullptr) in between.
TYPED_TEST(AtomicBasisRows, AtomLanesEqualHost) {
  using Host = Kokkos::DefaultHostExecutionSpace;
  using Policy = Kokkos::TeamPolicy<Host>;
  RandomRows random_rows(12);
  const int n_edges = 7;
  for (const int K : {5, 32, 48}) {
    for (const int lmax : {0, 1, 3, gaunt::kMaxEngineLmax}) {
      const int n_sh = (lmax + 1) * (lmax + 1);
      const auto h = random_rows(K), Y = random_rows(n_edges * n_sh);
      const auto R = rows_of<TypeParam>(random_rows(n_edges * (lmax + 1) * K));
      const TestEdgeRows<TypeParam> edge{K, lmax, h.data(), R.data(), Y.data()};
      const double scale = 0.37;
      // A rows start as garbage: both forms must overwrite every value.
      std::vector<double> host(n_sh * K, 9.0), lanes(n_sh * K, 9.0), t(K),
          tile((2 * lmax + 1) * K, 5.0);
      gaunt::atomic_basis_of_atom_host(K, lmax, scale, 0, n_edges, edge, t.data(), host.data());
      Kokkos::parallel_for(
          Policy(Host(), 1, 1, std::min(K, Policy::vector_length_max())),
          AtomicBasisLanes<TypeParam>{lmax, scale, n_edges, edge, tile.data(), lanes.data()});
      Kokkos::fence();
      // Independent of both: the sum written out, A_{lm,k} = scale Σ_e h_k R_{e,k,l} Y_{e,lm}.
      for (int l = 0; l <= lmax; ++l) {
        for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
          for (int k = 0; k < K; ++k) {
            double expected = 0.0;
            for (int e = 0; e < n_edges; ++e)
              if (e % 3 != 1)
                expected +=
                    scale * h[k] * double(R[(e * (lmax + 1) + l) * K + k]) * Y[e * n_sh + lm];
            ASSERT_NEAR(host[lm * K + k], expected, 1e-14) << "K " << K << ", L " << lmax;
            ASSERT_NEAR(lanes[lm * K + k], expected, 1e-14) << "K " << K << ", L " << lmax;
          }
        }
      }
    }
  }
}

// Tabulated radial functions (gauntnet_radial.hpp). The bound is the cubic Hermite
// interpolation error, |R - R_h| ≤ h⁴/384 M4 and |R' - R'_h| ≤ √3 h³/216 M4 with M4 = max|R⁗|,
// where M4 comes from finite differences of the exact radial MLP (not from the table).
// Models: the tiny fixture model and the shipped aspirin model (K = 32, L = 3, r_c = 5 Å).
TEST(RadialTable, WithinHermiteBoundAndFourthOrder) {
  using Host = Kokkos::DefaultHostExecutionSpace;
  const std::string aspirin =
      gaunt::test::reference_dir() + "/../../examples/models/aspirin/aspirin.gaunt.pt";
  for (const std::string& path : {kTiny, aspirin}) {
    const auto model = gaunt::read_model_file(path);
    const auto p = gaunt::make_gauntnet_parameters<Kokkos::HostSpace>(model);
    const int Q = (p.lmax + 1) * p.channels;
    const double r_lo = 0.05;
    const auto n_q = static_cast<std::size_t>(Q);
    std::vector<double> R(n_q), dR(n_q), Rt(n_q), dRt(n_q);
    // M4 by the 5-point fourth difference (step 0.01 Å) on a 0.002 Å grid of [r_lo + 0.02, r_c).
    double M4 = 0, R_max = 0;
    const double d = 0.01;
    std::vector<std::vector<double>> f(5, std::vector<double>(n_q));
    for (double r = r_lo + 2 * d; r + 2 * d < p.cutoff; r += 0.002) {
      for (int s = 0; s < 5; ++s)
        gaunt::radial_functions<double>(p, r + (s - 2) * d, f[s].data(), dR.data());
      for (int q = 0; q < Q; ++q) {
        const auto u = std::size_t(q);
        const double d4 =
            (f[0][u] - 4 * f[1][u] + 6 * f[2][u] - 4 * f[3][u] + f[4][u]) / (d * d * d * d);
        M4 = std::max(M4, std::abs(d4));
        R_max = std::max(R_max, std::abs(f[2][u]));
      }
    }
    double previous = 0;
    for (const int n : {125, 250, 500, 1000}) {
      const auto table = gaunt::make_radial_table(Host(), p, n, r_lo);
      const double h = table.h;
      double err = 0, derr = 0;
      std::mt19937_64 rng(11);
      std::uniform_real_distribution<double> uniform(r_lo, p.cutoff);
      for (int sample = 0; sample < 4000; ++sample) {
        const double r = uniform(rng);
        gaunt::radial_functions<double>(p, r, R.data(), dR.data());
        table.evaluate(r, Rt.data(), dRt.data());
        for (std::size_t q = 0; q < std::size_t(Q); ++q) {
          err = std::max(err, std::abs(Rt[q] - R[q]));
          derr = std::max(derr, std::abs(dRt[q] - dR[q]));
        }
      }
      const double bound = h * h * h * h / 384 * M4, dbound = std::sqrt(3.0) * h * h * h / 216 * M4;
      std::printf(
          "  %s N = %4d h = %.4f Å: max|ΔR| %.2e (bound %.2e), max|ΔR'| %.2e (bound %.2e), "
          "max|R| %.2e\n",
          path.substr(path.rfind('/') + 1).c_str(), n, h, err, bound, derr, dbound, R_max);
      EXPECT_LE(err, 1.05 * bound + 1e-14 * R_max) << path << " N = " << n;
      EXPECT_LE(derr, 1.05 * dbound + 1e-12 * R_max) << path << " N = " << n;
      // Fourth order: halving h divides the error by ~16 (while above round-off).
      if (previous > 0 && err > 1e-12 * R_max) {
        EXPECT_GT(previous / err, 10.0) << path << " N = " << n;
      }
      previous = err;
    }
  }
}

// The engine with a table: forces and virial are the exact gradient of the tabulated energy
// (finite differences), and the energy and forces stay close to the exact MLP's.
TYPED_TEST(GauntNetEngineTest, RadialTableForcesAreGradientAndCloseToExact) {
  typename TestFixture::Engine exact(tiny_model()), tabulated(tiny_model());
  tabulated.set_radial_table(1000);
  EXPECT_EQ(tabulated.radial_table_intervals(), 1000);
  EXPECT_THROW(tabulated.set_radial_table(-1), std::invalid_argument);
  for (const auto& s : reference().at("structures")) {
    const std::string name = s.at("name").get<std::string>();
    const HostGraph g = fixture_graph(s);
    const Outputs a = TestFixture::run(exact, g), b = TestFixture::run(tabulated, g);
    EXPECT_NEAR(b.energy, a.energy, 1e-9 * std::abs(a.energy)) << name;
    // Relative to max(|F|, 0.01 eV/Å): the near_cutoff forces are ~1e-13 eV/Å, where the
    // table's absolute error (~1e-10 eV/Å) is what counts.
    expect_close(flatten(b.forces), flatten(a.forces), 1e-7, name + " forces, table vs exact",
                 1e-2);
  }
  const HostGraph g = fixture_graph(reference().at("structures").at(0));
  const auto [max_err, max_f] = TestFixture::finite_difference_force_error(tabulated, g, 1e-5);
  EXPECT_LT(max_err, 1e-7 * max_f) << "max |F - F_fd| = " << max_err;
}

// Below the table's range (r < min_safe_distance / 2 = 0.05 Å) the radial functions come from the
// MLP itself: a dimer 0.03 Å apart (and one of each species) gives the exact engine's numbers to
// rounding with a table, in float64, and to float32 rounding with `precision mixed` too.
TYPED_TEST(GauntNetEngineTest, RadialTableBelowItsRangeUsesTheMlp) {
  using Engine = typename TestFixture::Engine;
  const HostGraph g = all_pairs_graph({{0, 0, 0}, {0.03, 0.01, -0.005}}, {1, 2});
  for (const bool mixed : {false, true}) {
    Engine exact(tiny_model()), tabulated(tiny_model());
    tabulated.set_radial_table(1000);
    if (mixed) {
      exact.set_precision(Engine::Precision::kMixed);
      tabulated.set_precision(Engine::Precision::kMixed);
    }
    const Outputs a = TestFixture::run(exact, g), b = TestFixture::run(tabulated, g);
    const double tolerance = mixed ? 1e-6 : 1e-12;
    EXPECT_NEAR(b.energy, a.energy, tolerance * std::abs(a.energy)) << "mixed " << mixed;
    expect_close(flatten(b.forces), flatten(a.forces), tolerance,
                 std::string("dimer below the table, mixed ") + (mixed ? "yes" : "no"), 1e-2);
  }
}

// precision mixed: the radial MLP in float32. Energies and forces stay within float32 rounding
// of the float64 reference (whose forces are −∇E to 1e-7, ForcesAndVirialMatchFiniteDifferences)
// and differ from it (the float32 path is really taken). Measured: energies ≤ ~1e-7 relative,
// forces ≤ 3.3e-7 of max(|F|, 0.01 eV/Å).
TYPED_TEST(GauntNetEngineTest, MixedPrecisionCloseToDouble) {
  using Engine = typename TestFixture::Engine;
  Engine exact(tiny_model()), mixed(tiny_model());
  mixed.set_precision(Engine::Precision::kMixed);
  EXPECT_EQ(mixed.precision(), Engine::Precision::kMixed);
  EXPECT_EQ(exact.precision(), Engine::Precision::kDouble);
  for (const auto& [radial_route, radial_name] : kRadialMlpRoutes) {
    mixed.set_radial_mlp_route(radial_route);
    double max_rel = 0;
    for (const auto& s : reference().at("structures")) {
      const std::string name = s.at("name").get<std::string>() + " (" + radial_name + ")";
      const HostGraph g = fixture_graph(s);
      const Outputs a = TestFixture::run(exact, g), b = TestFixture::run(mixed, g);
      EXPECT_NEAR(b.energy, a.energy, 1e-6 * std::abs(a.energy)) << name;
      max_rel = std::max(max_rel, std::abs(b.energy - a.energy) / std::abs(a.energy));
      expect_close(flatten(b.forces), flatten(a.forces), 1e-5, name + " forces, mixed vs double",
                   1e-2);
    }
    EXPECT_GT(max_rel, 1e-12) << radial_name << ": mixed precision gave the float64 energies";
  }
}

// No allocation once the buffers have grown to the largest system (DESIGN.md §8): a second pass
// over every fixture, with forces and per-atom virials, allocates nothing. Counted with Kokkos'
// profiling hook for allocations; a probe view shows the hook counts.
int g_allocations = 0;
void count_allocation(Kokkos_Profiling_SpaceHandle, const char*, const void*, uint64_t) {
  ++g_allocations;
}

TYPED_TEST(GauntNetEngineTest, NoAllocationsAfterFirstPass) {
  using Memory = typename TestFixture::Memory;
  typename TestFixture::Engine engine(tiny_model());
  std::vector<typename TestFixture::Engine::Graph> graphs;
  for (const auto& s : reference().at("structures"))
    graphs.push_back(TestFixture::make_graph(fixture_graph(s)));
  for (const auto& g : graphs) engine.compute(g, {true, true});
  g_allocations = 0;
  Kokkos::Tools::Experimental::set_allocate_data_callback(count_allocation);
  { Kokkos::View<double*, Memory> probe("probe", 8); }
  const int probe_count = g_allocations;
  for (const auto& g : graphs) engine.compute(g, {true, true});
  const int engine_count = g_allocations - probe_count;
  Kokkos::Tools::Experimental::set_allocate_data_callback(nullptr);
  EXPECT_EQ(probe_count, 1) << "the allocation hook did not count a view";
  EXPECT_EQ(engine_count, 0) << "allocations in the second pass over " << graphs.size()
                             << " structures";
}

}  // namespace
