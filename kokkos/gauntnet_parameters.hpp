// GauntNet v1 parameters in a Kokkos memory space (DESIGN.md §4, MODEL_FILE.md §4-§5), built
// once from a ModelFile: the weights as views plus the derived tables (envelope coefficients,
// sphere grid with Y_lm at its points, the invariants' index tuples and weight permanents) and
// the product basis's route. Copied by value into kernels.
#pragma once

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "gauntnet_tuning.hpp"
#include "host_tables.hpp"
#include "invariant_tuples.hpp"
#include "model_file.hpp"
#include "sh_indexing.hpp"
#include "spherical_harmonics.hpp"

namespace gaunt {

// How the product basis forms B^ν = ∫ Π_ξ F^ξ dΩ (gauntnet_product_basis.hpp): on the points of
// the exact sphere grid, or as sums over the sorted index tuples of Ã (invariant_tuples.hpp).
enum class ProductRoute { kSphereGrid, kIndexTuples };

template <class MemorySpace>
struct GauntNetParameters {
  template <class T>
  using View = Kokkos::View<T, Kokkos::LayoutRight, MemorySpace>;

  // Sizes: S species, K channels, L = lmax, M = (L+1)², F factors, Q = ν_max K invariants,
  // H_r readout width, N_b radial basis size, P sphere-grid points.
  int n_species = 0, channels = 0, lmax = 0, n_sh = 0, nu_max = 0, n_factors = 0, n_invariants = 0;
  int readout_hidden = 0, num_bessel = 0, n_points = 0;
  double cutoff = 0, inv_avg_num_neighbors = 0, scale = 0, shift = 0;
  // Envelope u(d) = 1 + d^p (c0 + d (c1 + d c2)).
  int envelope_p = 0;
  double envelope_c0 = 0, envelope_c1 = 0, envelope_c2 = 0;
  // Radial MLP: n_layers weight matrices, layer t maps width[t] -> width[t+1]; its [a][b]
  // element is radial_weights(layer_offset[t] + a * width[t+1] + b).
  int n_layers = 0;
  int width[kMaxRadialLayers + 1] = {};
  int layer_offset[kMaxRadialLayers] = {};
  View<double*> radial_weights;
  View<float*> radial_weights_f32;  // the same, rounded once to float32 (precision mixed)
  View<double**> embedding;         // [S][K]
  View<double***> mixing;           // [L+1][K][K]  U^l_{k,q}
  View<double****> factor_weights;  // [F][S][L+1][K]
  View<double*> readout_linear;     // [Q]
  View<double**> readout_weight;    // [Q][H_r]
  View<double*> readout_bias;       // [H_r]
  View<double*> readout_out;        // [H_r]
  View<double*> e0s;                // [S]
  View<int*> l_of_lm;               // [M]
  View<double**> grid_sh;           // [P][M]  Y_lm at the grid points
  View<double*> grid_weight;        // [P]     quadrature weights (sum 4π)
  // Index tuples (invariant_tuples.hpp; empty when there are too many to tabulate): entries of
  // order ν are [tuple_begin[ν − 1], tuple_begin[ν]).
  ProductRoute product_route = ProductRoute::kSphereGrid;
  // Threads per team of the per-atom kernels (GauntNetTuning::atom_team_threads of the engine's
  // execution space unless set; AtomTeams, gauntnet_atomic_basis.hpp).
  int atom_team_threads = 1;
  // Bytes of level-0 scratch (GPU shared memory) one thread of the per-atom kernels may take
  // (TeamPolicy::scratch_size_max(0) of the engine's execution space unless set); beyond it they
  // take level 1 (AtomTeams::with_scratch_level).
  int scratch_level0_bytes = 0;
  int tuple_begin[kMaxNuMax + 1] = {};
  View<int**> tuple_index;           // [T][ν_max]  i_1 ≤ … ≤ i_ν
  View<double*> tuple_coefficient;   // [T]         c_t
  View<int*> tuple_degrees;          // [T]         λ(t)
  View<double***> degree_permanent;  // [S][Λ][K]   P_λ of species s, channel k
  SphericalHarmonics<double, MemorySpace> sh{0};
};

namespace detail {

template <class View, class T>
View upload(const std::string& label, const std::vector<T>& values, std::size_t n0,
            std::size_t n1 = KOKKOS_INVALID_INDEX, std::size_t n2 = KOKKOS_INVALID_INDEX,
            std::size_t n3 = KOKKOS_INVALID_INDEX) {
  View view(Kokkos::view_alloc(Kokkos::WithoutInitializing, label), n0, n1, n2, n3);
  auto host = Kokkos::create_mirror_view(view);
  for (std::size_t v = 0; v < values.size(); ++v) host.data()[v] = values[v];
  Kokkos::deep_copy(view, host);
  return view;
}

// P_λ = Σ_{σ∈S_ν} Π_ξ w^{f(ν,ξ)}_{s,λ_σ(ξ),k} for every degree tuple λ of `tuples`, species s and
// channel k, [s][λ][k]; factor_weights is [F][S][L+1][K] with f(ν,ξ) = ν(ν−1)/2 + ξ − 1.
inline std::vector<double> degree_permanents(const InvariantTuples& tuples,
                                             const std::vector<double>& factor_weights,
                                             int n_species, int channels) {
  const int L1 = tuples.lmax + 1, n_lambda = tuples.n_degree_tuples();
  const auto w = [&](int f, int s, int l, int k) {
    return factor_weights[((std::size_t(f) * n_species + s) * L1 + l) * channels + k];
  };
  std::vector<double> permanent(std::size_t(n_species) * n_lambda * channels, 0.0);
  for (int nu = 1; nu <= tuples.nu_max; ++nu) {
    const int first_factor = nu * (nu - 1) / 2;
    for (int lambda = tuples.degrees_begin[std::size_t(nu - 1)];
         lambda < tuples.degrees_begin[std::size_t(nu)]; ++lambda) {
      std::vector<int> sigma(static_cast<std::size_t>(nu));
      for (int xi = 0; xi < nu; ++xi) sigma[std::size_t(xi)] = xi;
      do {
        for (int s = 0; s < n_species; ++s) {
          for (int k = 0; k < channels; ++k) {
            double term = 1;
            for (int xi = 0; xi < nu; ++xi) {
              const int l = tuples.degrees[std::size_t(lambda) * tuples.nu_max +
                                           std::size_t(sigma[std::size_t(xi)])];
              term *= w(first_factor + xi, s, l, k);
            }
            permanent[(std::size_t(s) * n_lambda + lambda) * channels + k] += term;
          }
        }
      } while (std::next_permutation(sigma.begin(), sigma.end()));
    }
  }
  return permanent;
}

}  // namespace detail

// Builds the parameters; throws ModelFileError when the model exceeds a static engine limit.
template <class MemorySpace>
GauntNetParameters<MemorySpace> make_gauntnet_parameters(const ModelFile& m) {
  using P = GauntNetParameters<MemorySpace>;
  const auto& y = m.hyperparameters;
  P p;
  p.n_species = int(m.elements.size());
  p.channels = y.channels;
  p.lmax = y.lmax;
  p.n_sh = sh_size(y.lmax);
  p.nu_max = y.nu_max;
  p.n_factors = y.nu_max * (y.nu_max + 1) / 2;
  p.n_invariants = y.nu_max * y.channels;
  p.readout_hidden = y.readout_hidden;
  p.num_bessel = y.num_bessel;
  p.cutoff = m.cutoff;
  p.inv_avg_num_neighbors = 1.0 / m.avg_num_neighbors;
  p.scale = m.scale;
  p.shift = m.shift;
  p.envelope_p = y.envelope_p;
  const double ep = y.envelope_p;
  p.envelope_c0 = -(ep + 1) * (ep + 2) / 2;
  p.envelope_c1 = ep * (ep + 2);
  p.envelope_c2 = -ep * (ep + 1) / 2;

  if (y.lmax > kMaxEngineLmax) {
    throw ModelFileError(m.path, "lmax " + std::to_string(y.lmax) + " exceeds the engine limit " +
                                     std::to_string(kMaxEngineLmax));
  }
  std::vector<int> widths = {y.num_bessel};
  for (int w : y.radial_hidden) widths.push_back(w);
  if (int(widths.size()) > kMaxRadialLayers) {
    throw ModelFileError(m.path, "radial MLP has " + std::to_string(widths.size()) +
                                     " layers; the engine supports " +
                                     std::to_string(kMaxRadialLayers));
  }
  for (int w : widths) {
    if (w > kMaxRadialWidth) {
      throw ModelFileError(m.path, "radial MLP width " + std::to_string(w) +
                                       " exceeds the engine limit " +
                                       std::to_string(kMaxRadialWidth));
    }
  }
  widths.push_back((y.lmax + 1) * y.channels);
  p.n_layers = int(widths.size()) - 1;
  std::vector<double> radial;
  for (int t = 0; t <= p.n_layers; ++t) p.width[t] = widths[std::size_t(t)];
  for (int t = 0; t < p.n_layers; ++t) {
    p.layer_offset[t] = int(radial.size());
    const auto& w = m.weight("radial_mlp." + std::to_string(t) + ".weight").values;
    radial.insert(radial.end(), w.begin(), w.end());
  }
  using namespace detail;
  const std::size_t S = p.n_species, K = p.channels, L1 = p.lmax + 1, Q = p.n_invariants,
                    H = p.readout_hidden, F = p.n_factors;
  p.radial_weights = upload<typename P::template View<double*>>("gaunt::GauntNet::radial_weights",
                                                                radial, radial.size());
  p.radial_weights_f32 = upload<typename P::template View<float*>>(
      "gaunt::GauntNet::radial_weights_f32", radial, radial.size());
  p.embedding = upload<typename P::template View<double**>>("gaunt::GauntNet::embedding",
                                                            m.weight("embedding").values, S, K);
  p.mixing = upload<typename P::template View<double***>>("gaunt::GauntNet::mixing",
                                                          m.weight("mixing").values, L1, K, K);
  p.factor_weights = upload<typename P::template View<double****>>(
      "gaunt::GauntNet::factor_weights", m.weight("factor_weights").values, F, S, L1, K);
  p.readout_linear = upload<typename P::template View<double*>>(
      "gaunt::GauntNet::readout_linear", m.weight("readout_linear").values, Q);
  p.readout_weight = upload<typename P::template View<double**>>(
      "gaunt::GauntNet::readout_weight", m.weight("readout_hidden.weight").values, Q, H);
  p.readout_bias = upload<typename P::template View<double*>>(
      "gaunt::GauntNet::readout_bias", m.weight("readout_hidden.bias").values, H);
  p.readout_out = upload<typename P::template View<double*>>("gaunt::GauntNet::readout_out",
                                                             m.weight("readout_out").values, H);
  p.e0s = upload<typename P::template View<double*>>("gaunt::GauntNet::e0s", m.e0s, S);

  {
    p.l_of_lm = typename P::template View<int*>("gaunt::GauntNet::l_of_lm", p.n_sh);
    auto host = Kokkos::create_mirror_view(p.l_of_lm);
    for (int l = 0; l <= p.lmax; ++l)
      for (int mm = -l; mm <= l; ++mm) host(sh_index(l, mm)) = l;
    Kokkos::deep_copy(p.l_of_lm, host);
  }

  // Sphere grid exact for the integrand Π_ξ F^{ν,ξ} of total degree ν_max L (MODEL_FILE.md §5):
  // Gauss-Legendre in cosθ with ⌈(ν_max L + 1)/2⌉ nodes × (ν_max L + 1) uniform φ.
  const int degree = p.nu_max * p.lmax;
  const int n_theta = (degree + 2) / 2, n_phi = degree + 1;
  p.n_points = n_theta * n_phi;
  const auto gl = gauss_legendre(n_theta);
  const auto prefactor = sh_prefactors(p.lmax);
  std::vector<double> grid_sh(std::size_t(p.n_points) * std::size_t(p.n_sh)), grid_w(p.n_points);
  for (int t = 0; t < n_theta; ++t) {
    const double z = gl.nodes[std::size_t(t)], s = std::sqrt(1 - z * z);
    for (int f = 0; f < n_phi; ++f) {
      const double phi = 2 * std::numbers::pi * f / n_phi;
      const int point = t * n_phi + f;
      grid_w[std::size_t(point)] = gl.weights[std::size_t(t)] * 2 * std::numbers::pi / n_phi;
      real_sph_unit<double, false>(p.lmax, prefactor.data(), s * std::cos(phi), s * std::sin(phi),
                                   z, grid_sh.data() + std::size_t(point) * std::size_t(p.n_sh),
                                   nullptr);
    }
  }
  p.grid_sh = upload<typename P::template View<double**>>(
      "gaunt::GauntNet::grid_sh", grid_sh, std::size_t(p.n_points), std::size_t(p.n_sh));
  p.grid_weight = upload<typename P::template View<double*>>("gaunt::GauntNet::grid_weight", grid_w,
                                                             std::size_t(p.n_points));
  p.sh = SphericalHarmonics<double, MemorySpace>(p.lmax);

  // Index tuples when they are few enough to tabulate; the route with fewer multiply-adds per
  // (atom, channel), forward and reverse (ν + 2ν per tuple entry; per grid point M + F (L + 1)
  // for the factor values, recomputed in the reverse, and as much again for the adjoint).
  const auto tuples = invariant_tuples(p.lmax, p.nu_max, kMaxInvariantTuples);
  if (tuples) {
    const int T = tuples->n_entries(), n_degree_tuples = tuples->n_degree_tuples();
    for (int nu = 0; nu <= p.nu_max; ++nu) p.tuple_begin[nu] = tuples->entry_begin[std::size_t(nu)];
    p.tuple_index = upload<typename P::template View<int**>>(
        "gaunt::GauntNet::tuple_index", tuples->index, std::size_t(T), std::size_t(p.nu_max));
    p.tuple_degrees = upload<typename P::template View<int*>>("gaunt::GauntNet::tuple_degrees",
                                                              tuples->degrees_of, std::size_t(T));
    p.tuple_coefficient = upload<typename P::template View<double*>>(
        "gaunt::GauntNet::tuple_coefficient", tuples->coefficient, std::size_t(T));
    p.degree_permanent = upload<typename P::template View<double***>>(
        "gaunt::GauntNet::degree_permanent",
        degree_permanents(*tuples, m.weight("factor_weights").values, p.n_species, p.channels), S,
        std::size_t(n_degree_tuples), K);
    long tuple_cost = 0;
    for (int nu = 1; nu <= p.nu_max; ++nu)
      tuple_cost += 3L * nu * (p.tuple_begin[nu] - p.tuple_begin[nu - 1]);
    const long grid_cost = 3L * p.n_points * (p.n_sh + p.n_factors * (p.lmax + 1));
    if (tuple_cost < grid_cost) p.product_route = ProductRoute::kIndexTuples;
  }
  return p;
}

}  // namespace gaunt
