// Stage 1, the edge basis (DESIGN.md §4, MODEL_FILE.md §5), per edge e = (i -> j) of a chunk:
//   r = |r_ij|, d = r / r_c, u(d) = 1 + d^p (c0 + d (c1 + d c2))             (envelope)
//   e_n(r) = sqrt(2/r_c) sin(nπr/r_c) / r · u(d),  n = 1..N_b                 (radial basis)
//   z_0 = e, z_t = silu(z_{t-1} W_{t-1}) (t = 1..m), R = z_m W_m,  R_{k,l} = R[l K + k]
//   Y_lm(r̂)                                                                   (SH, §3)
// together with dR/dr (forward-mode tangent through the MLP: ż_t = silu'(a_t) ż_{t-1} W) and
// ∂Y_lm/∂r_ij. Forward buffers: EdgeBasis; the reverse, g_e = ∂E/∂r_ij, is formed together with
// the atomic basis's reverse (gauntnet_atomic_basis.hpp) into EdgeBasisAdj.
// An edge contributes iff both species are ≥ 0 and 0 < r < r_c; otherwise species_j(e) = -1,
// its SH buffers are zero and it has no row of R (the neighbour list's skin costs no MLP row).
#pragma once

#include <Kokkos_Core.hpp>
#include <limits>
#include <stdexcept>

#include "gauntnet_graph.hpp"
#include "gauntnet_parameters.hpp"
#include "gauntnet_radial.hpp"
#include "gauntnet_radial_blas.hpp"
#include "gauntnet_radial_teams.hpp"

namespace gaunt {

// EdgeBasis::radial_row of an edge that does not contribute: it has no row of R.
inline constexpr int kNoRow = std::numeric_limits<int>::min();
// Two edges are periodic partners when their vectors add up to less than this (Å²): images are
// placed by adding box vectors, so they agree to rounding (~1e-13 Å); distinct atoms closer than
// this are an input error reported elsewhere (min_distance).
inline constexpr double kPartnerTolerance2 = 1e-16;

template <class MemorySpace>
struct EdgeBasis {
  template <class T>
  using View = Kokkos::View<T, Kokkos::LayoutRight, MemorySpace>;
  View<int*> centre;         // [e] chunk-local centre a = i - first
  View<int*> neighbor;       // [e] j
  View<int*> species_j;      // [e] s_j, or -1 when the edge does not contribute
  View<double* [3]> vector;  // [e] r_ij = x_j - x_i
  // R and dR/dr of edge e are rows radial_row(e) of `radial` and `radial_deriv`: the two edges
  // of a pair inside the chunk share one row (i → j and j → i: r_ij = −r_ji exactly, so r and
  // R(r) are the same numbers; or i → image of j and j → image of i: the same to rounding),
  // every other contributing edge has its own, and an edge that does not contribute has none
  // (kNoRow).
  View<int*> radial_row;        // [e]
  View<double*> row_distance;   // [row] r of the row's edge (for rows not in a batch)
  View<double**> radial;        // [row][(L+1)K] R_{k,l}(r) at l K + k
  View<double**> radial_deriv;  // [row][(L+1)K] dR_{k,l}/dr
  // The same rows in float32 instead (float_rows): with `precision mixed` and no table they are
  // the float32 MLP's own numbers, and the atomic basis reads half the bytes. One pair is sized.
  View<float**> radial_f32, radial_deriv_f32;
  bool float_rows = false;
  View<double**> sh;        // [e][M] Y_lm(r̂)
  View<double***> sh_grad;  // [e][M][3] ∂Y_lm/∂r_ij

  void reserve(int n_edges, int n_radial, int n_sh, bool float_rows_wanted) {
    const int row_width = int(float_rows ? radial_f32.extent(1) : radial.extent(1));
    if (int(centre.extent(0)) >= n_edges && float_rows == float_rows_wanted &&
        row_width == n_radial && int(sh.extent(1)) == n_sh)
      return;
    float_rows = float_rows_wanted;
    const auto no_init = [](const char* label) {
      return Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label));
    };
    centre = View<int*>(no_init("gaunt::EdgeBasis::centre"), n_edges);
    neighbor = View<int*>(no_init("gaunt::EdgeBasis::neighbor"), n_edges);
    species_j = View<int*>(no_init("gaunt::EdgeBasis::species_j"), n_edges);
    radial_row = View<int*>(no_init("gaunt::EdgeBasis::radial_row"), n_edges);
    row_distance = View<double*>(no_init("gaunt::EdgeBasis::row_distance"), n_edges);
    vector = View<double* [3]>(no_init("gaunt::EdgeBasis::vector"), n_edges);
    const int double_rows = float_rows_wanted ? 0 : n_edges, float_rows_n = n_edges - double_rows;
    radial = View<double**>(no_init("gaunt::EdgeBasis::radial"), double_rows, n_radial);
    radial_deriv = View<double**>(no_init("gaunt::EdgeBasis::radial_deriv"), double_rows, n_radial);
    radial_f32 = View<float**>(no_init("gaunt::EdgeBasis::radial_f32"), float_rows_n, n_radial);
    radial_deriv_f32 =
        View<float**>(no_init("gaunt::EdgeBasis::radial_deriv_f32"), float_rows_n, n_radial);
    sh = View<double**>(no_init("gaunt::EdgeBasis::sh"), n_edges, n_sh);
    sh_grad = View<double***>(no_init("gaunt::EdgeBasis::sh_grad"), n_edges, n_sh, 3);
  }
  std::size_t bytes() const {
    return centre.span() * 4 * sizeof(int) +
           (vector.span() + row_distance.span() + 2 * radial.span() + sh.span() + sh_grad.span()) *
               sizeof(double) +
           2 * radial_f32.span() * sizeof(float);
  }
};

// The reverse pass's per-edge result, g_e = ∂E/∂r_ij (R̄ and Ȳ are not stored:
// reverse_atomic_basis forms and consumes them per edge).
template <class MemorySpace>
struct EdgeBasisAdj {
  Kokkos::View<double* [3], Kokkos::LayoutRight, MemorySpace> vector;  // [e] g_e

  void reserve(int n_edges) {
    if (int(vector.extent(0)) >= n_edges) return;
    vector = decltype(vector)(
        Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string("gaunt::EdgeBasisAdj::vector")),
        n_edges);
  }
  std::size_t bytes() const { return vector.span() * sizeof(double); }
};

// How the radial MLP of all rows runs without a table: as matrix products of a BLAS library
// (gauntnet_radial_blas.hpp: OpenBLAS on host, cuBLAS on GPUs), or as the engine's own team kernel
// (gauntnet_radial_teams.hpp).
enum class RadialMlpRoute { kGemm, kTeams };

// The radial MLP's batches, float64 and float32, for either route, from the same input rows.
template <class ExecutionSpace, class MemorySpace>
struct RadialBatches {
  RadialBlas<ExecutionSpace, MemorySpace, double> exact;
  RadialBlas<ExecutionSpace, MemorySpace, float> mixed;
  std::size_t bytes() const { return exact.bytes() + mixed.bytes(); }
};

struct EdgeBasisStats {
  double min_distance;  // smallest r over edges with both species ≥ 0 and r < r_c (or +∞)
  int radial_rows;      // rows of R evaluated: one per pair inside the chunk, one per other edge
                        // that contributes
};

// Fills `basis` for the edges of `chunk`, with R and dR/dr from `table` where it covers r and
// from the radial MLP otherwise (its layers in float32 when mixed_precision; without a table, for
// all rows at once by `route`).
template <class ExecutionSpace, class MemorySpace>
EdgeBasisStats forward_edge_basis(const ExecutionSpace& space,
                                  const GauntNetParameters<MemorySpace>& p,
                                  const RadialTable<MemorySpace>& table, bool mixed_precision,
                                  RadialMlpRoute route, const GauntNetGraph<MemorySpace>& graph,
                                  const AtomChunk& chunk, const EdgeBasis<MemorySpace>& basis,
                                  RadialBatches<ExecutionSpace, MemorySpace>& batches) {
  const auto offsets = graph.offsets;
  const auto neighbors = graph.neighbors;
  const auto species = graph.species;
  const auto positions = graph.positions;
  const int first = chunk.first, edge_begin = chunk.edge_begin;
  const auto centre = basis.centre;
  Kokkos::parallel_for(
      "gaunt::EdgeBasis::forward::centres",
      Kokkos::RangePolicy<ExecutionSpace>(space, 0, chunk.n_atoms), KOKKOS_LAMBDA(const int a) {
        for (int e = offsets(first + a); e < offsets(first + a + 1); ++e)
          centre(e - edge_begin) = a;
      });
  // Geometry and rows. An edge i → j that contributes either takes the row of its partner, the
  // edge J → h with J the local atom that j is an image of (graph.image_of; j itself when local),
  // h an image of i and r_Jh = −r_ij (exactly for two local atoms, to rounding for images), when
  // J is in the chunk and the partner comes first in the list and contributes too (encoded
  // −1 − partner until the main kernel); or it numbers its own row (0 here, its index after the
  // scan). An edge that does not contribute (r ≥ r_c: the neighbour list's skin, or a
  // species < 0) has none (kNoRow) and costs no MLP row.
  const auto b = basis;
  const auto radial_row = basis.radial_row;
  const auto image_of = graph.image_of;
  const bool images = image_of.extent(0) > 0;
  const int n_local = graph.n_local, last = first + chunk.n_atoms;
  const double cutoff = p.cutoff;
  double min_r = Kokkos::reduction_identity<double>::min();
  Kokkos::parallel_reduce(
      "gaunt::EdgeBasis::forward::geometry",
      Kokkos::RangePolicy<ExecutionSpace>(space, 0, chunk.n_edges),
      KOKKOS_LAMBDA(const int e, double& local_min) {
        const int i = first + centre(e), j = neighbors(edge_begin + e);
        b.neighbor(e) = j;
        double d[3], r2 = 0.0;
        for (int c = 0; c < 3; ++c) {
          d[c] = positions(j, c) - positions(i, c);
          b.vector(e, c) = d[c];
          r2 += d[c] * d[c];
        }
        const double r = Kokkos::sqrt(r2);
        const bool species_ok = species(i) >= 0 && species(j) >= 0;
        if (species_ok && r < cutoff && r < local_min) local_min = r;
        const bool active = species_ok && r < cutoff && r > 0.0;
        b.species_j(e) = active ? species(j) : -1;
        int code = active ? 0 : kNoRow;
        const auto image = [&](const int a) { return images ? image_of(a) : a < n_local ? a : -1; };
        const int J = image(j);
        if (active && J >= first && J < last && J <= i) {
          for (int f = offsets(J); f < offsets(J + 1) && f < edge_begin + e; ++f) {
            const int h = neighbors(f);
            if (image(h) != i) continue;
            double q2 = 0.0, s2 = 0.0;
            for (int c = 0; c < 3; ++c) {
              const double q = positions(h, c) - positions(J, c);
              q2 += q * q;
              s2 += (q + d[c]) * (q + d[c]);
            }
            if (s2 > kPartnerTolerance2) continue;
            if (Kokkos::sqrt(q2) < cutoff) code = -1 - (f - edge_begin);
            break;
          }
        }
        radial_row(e) = code;
      },
      Kokkos::Min<double>(min_r));
  int n_rows = 0;
  Kokkos::parallel_scan(
      "gaunt::EdgeBasis::forward::rows",
      Kokkos::RangePolicy<ExecutionSpace>(space, 0, chunk.n_edges),
      KOKKOS_LAMBDA(const int e, int& row, const bool final) {
        if (radial_row(e) < 0) return;
        if (final) radial_row(e) = row;
        ++row;
      },
      n_rows);
  const int n_sh = p.n_sh, n_bessel = p.num_bessel;
  const bool batched = table.n_intervals == 0;
  const bool batched_exact = batched && !mixed_precision,
             batched_mixed = batched && mixed_precision;
  const bool gemm = route == RadialMlpRoute::kGemm;
  if (batched_mixed && !b.float_rows)
    throw std::logic_error("forward_edge_basis: precision mixed without a table needs float rows");
  if (batched_exact) batches.exact.reserve(chunk.n_edges, n_bessel, gemm);
  if (batched_mixed) batches.mixed.reserve(chunk.n_edges, n_bessel, gemm);
  const auto rows = batches.exact.input;
  const auto rows_f32 = batches.mixed.input;
  Kokkos::parallel_for(
      "gaunt::EdgeBasis::forward", Kokkos::RangePolicy<ExecutionSpace>(space, 0, chunk.n_edges),
      KOKKOS_LAMBDA(const int e) {
        if (b.species_j(e) < 0) {
          for (int lm = 0; lm < n_sh; ++lm) {
            b.sh(e, lm) = 0.0;
            for (int c = 0; c < 3; ++c) b.sh_grad(e, lm, c) = 0.0;
          }
          return;
        }
        const double r_vec[3] = {b.vector(e, 0), b.vector(e, 1), b.vector(e, 2)};
        p.sh.compute_with_gradients(r_vec, &b.sh(e, 0), &b.sh_grad(e, 0, 0));
        // A shared row is written by its own edge only (the reverse edge's entry is ≥ 0 and
        // stays so: this kernel rewrites only the negative entries).
        const int code = radial_row(e);
        if (code < 0) {
          radial_row(e) = radial_row(-1 - code);
          return;
        }
        const double r =
            Kokkos::sqrt(r_vec[0] * r_vec[0] + r_vec[1] * r_vec[1] + r_vec[2] * r_vec[2]);
        // R and dR/dr after this kernel: for all rows at once (batched), or per row.
        if (batched_exact)
          radial_basis(p, r, &rows(2 * code, 0), &rows(2 * code + 1, 0));
        else if (batched_mixed)
          radial_basis(p, r, &rows_f32(2 * code, 0), &rows_f32(2 * code + 1, 0));
        else
          b.row_distance(code) = r;
      });
  // Per row, from the table where it covers r, else (r below the table's range) the per-edge
  // MLP: kernels of their own, so that the MLP's per-thread layer (more than a GPU thread's
  // registers) weighs neither on the geometry and spherical harmonics above nor on the table.
  if (!batched) {
    const auto row_distance = b.row_distance;
    Kokkos::parallel_for(
        "gaunt::EdgeBasis::forward::radial_table",
        Kokkos::RangePolicy<ExecutionSpace>(space, 0, n_rows), KOKKOS_LAMBDA(const int row) {
          const double r = row_distance(row);
          if (table.covers(r)) table.evaluate(r, &b.radial(row, 0), &b.radial_deriv(row, 0));
        });
    Kokkos::parallel_for(
        "gaunt::EdgeBasis::forward::radial_mlp_rows",
        Kokkos::RangePolicy<ExecutionSpace>(space, 0, n_rows), KOKKOS_LAMBDA(const int row) {
          const double r = row_distance(row);
          if (table.covers(r)) return;
          if (mixed_precision)
            radial_functions<float>(p, r, &b.radial(row, 0), &b.radial_deriv(row, 0));
          else
            radial_functions<double>(p, r, &b.radial(row, 0), &b.radial_deriv(row, 0));
        });
  }
  const auto run_batch = [&](const auto& batch, const auto& R, const auto& dR) {
    if (gemm)
      radial_functions_blas(space, p, batch, n_rows, R, dR);
    else
      radial_functions_teams(space, p, batch.input, n_rows, R, dR);
  };
  if (batched_exact) run_batch(batches.exact, b.radial, b.radial_deriv);
  if (batched_mixed) run_batch(batches.mixed, b.radial_f32, b.radial_deriv_f32);
  return {min_r, n_rows};
}

}  // namespace gaunt
