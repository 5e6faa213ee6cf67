// One edge's share of the atomic basis (stage 2, DESIGN.md §4) and of its reverse, on raw rows,
// written once for every backend (channel_loops.hpp). The host copies are out of line
// (atomic_basis_edge.cpp) so that they are also compiled for AVX2 + FMA CPUs (host_clones.hpp).
// Rows: A, Ā [lm][k] of the centre atom; R, dR [l K + k]; Y [lm]; ∂Y [lm][3]; h [k] the embedding
// of s_j; scale = 1/n̄. R and dR are float64, or float32 (RowReal = float: the radial MLP's own
// numbers with `precision mixed`, half the bytes to read); every product and sum is float64.
#pragma once

#include <Kokkos_Core.hpp>

#include "channel_loops.hpp"
#include "gauntnet_tuning.hpp"

namespace gaunt {

// A_{lm,k} += t_k Y_lm with t_k = scale h_k R_{k,l} (t: K doubles of scratch).
template <class Channels, class RowReal>
KOKKOS_FORCEINLINE_FUNCTION void add_edge_to_atomic_basis(const Channels& channels, int lmax,
                                                          double scale, const double* h,
                                                          const RowReal* R, const double* Y,
                                                          double* t, double* A) {
  const int K = channels.K;
  for (int l = 0; l <= lmax; ++l) {
    const RowReal* R_l = R + l * K;
    channels([&](const int k) { t[k] = scale * h[k] * R_l[k]; });
    for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
      const double y = Y[lm];
      double* A_lm = A + lm * K;
      channels([&](const int k) { A_lm[k] += t[k] * y; });
    }
  }
}

// The host copies of add_edge_to_atomic_basis (above) and atomic_basis_edge_gradient (below), in
// atomic_basis_edge.cpp, for float64 and float32 rows.
void add_edge_to_atomic_basis_host(int K, int lmax, double scale, const double* h, const double* R,
                                   const double* Y, double* t, double* A);
void add_edge_to_atomic_basis_host(int K, int lmax, double scale, const double* h, const float* R,
                                   const double* Y, double* t, double* A);
void atomic_basis_edge_gradient_host(int K, int lmax, double scale, const double* A_bar,
                                     const double* h, const double* R, const double* dR,
                                     const double* Y, const double* Y_grad, const double* r_ij,
                                     double* g);
void atomic_basis_edge_gradient_host(int K, int lmax, double scale, const double* A_bar,
                                     const double* h, const float* R, const float* dR,
                                     const double* Y, const double* Y_grad, const double* r_ij,
                                     double* g);

// The rows of one edge that the forward pass reads (h = nullptr: the edge does not contribute).
template <class RowReal = double>
struct EdgeRows {
  const double* h = nullptr;
  const RowReal* R = nullptr;
  const double* Y = nullptr;
};

// One atom's A on host: its edges' shares added in turn straight into A (in cache on a CPU),
// with add_edge_to_atomic_basis_host (t: K doubles of scratch).
template <class Edges>
void atomic_basis_of_atom_host(int K, int lmax, double scale, int e_begin, int e_end,
                               const Edges& edge, double* t, double* A) {
  const int n = (lmax + 1) * (lmax + 1) * K;
  for (int x = 0; x < n; ++x) A[x] = 0.0;
  for (int e = e_begin; e < e_end; ++e) {
    const auto rows = edge(e);
    if (rows.h != nullptr)
      add_edge_to_atomic_basis_host(K, lmax, scale, rows.h, rows.R, rows.Y, t, A);
  }
}

// One atom's A on GPUs, with the channels on the team's vector lanes, degree by degree: the 2l+1
// rows A_{lm,·} of degree l are summed over the atom's edges e_begin..e_end-1 (edge(e) gives their
// EdgeRows) in `tile` (scratch, 2 L + 1 rows [m][k]) and written once, so that the edge loop adds
// to scratch and not to A (a GPU's global stores go through to L2). Lane k touches column k only.
template <class Member, class Edges>
KOKKOS_FORCEINLINE_FUNCTION void atomic_basis_of_atom_lanes(const TeamChannels<Member>& channels,
                                                            int lmax, double scale, int e_begin,
                                                            int e_end, const Edges& edge,
                                                            double* tile, double* A) {
  const int K = channels.K;
  for (int l = 0; l <= lmax; ++l) {
    const int n_m = 2 * l + 1;
    channels([&](const int k) {
      for (int m = 0; m < n_m; ++m) tile[m * K + k] = 0.0;
    });
    for (int e = e_begin; e < e_end; ++e) {
      const auto rows = edge(e);
      if (rows.h == nullptr) continue;
      const auto* R_l = rows.R + l * K;
      const double* Y_l = rows.Y + l * l;
      channels([&](const int k) {
        const double t = scale * rows.h[k] * R_l[k];
        for (int m = 0; m < n_m; ++m) tile[m * K + k] += t * Y_l[m];
      });
    }
    channels([&](const int k) {
      for (int m = 0; m < n_m; ++m) A[(l * l + m) * K + k] = tile[m * K + k];
    });
  }
}

// g = ∂E/∂r_ij of one edge from Ā (see reverse_atomic_basis): with w_k = scale Ā_{lm,k} h_k,
//   Ȳ_lm = Σ_k w_k R_{k,l},   g = r̂ Σ_lm Y_lm Σ_k w_k dR_{k,l}/dr + Σ_lm Ȳ_lm ∂Y_lm/∂r_ij.
// Serial in k (host: the two sums over k per lm are SIMD partial sums).
template <class RowReal>
KOKKOS_FORCEINLINE_FUNCTION void atomic_basis_edge_gradient(int K, int lmax, double scale,
                                                            const double* A_bar, const double* h,
                                                            const RowReal* R, const RowReal* dR,
                                                            const double* Y, const double* Y_grad,
                                                            const double* r_ij, double* g) {
  double dE_dr = 0.0, g_x = 0.0, g_y = 0.0, g_z = 0.0;  // in registers: g may alias the rows
  for (int l = 0; l <= lmax; ++l) {
    const RowReal* R_l = R + l * K;
    const RowReal* dR_l = dR + l * K;
    for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
      const double* A_bar_lm = A_bar + lm * K;
      double r_sum = 0.0, dr_sum = 0.0;
      GAUNT_SIMD_REDUCTION(r_sum, dr_sum)
      for (int k = 0; k < K; ++k) {
        const double w = A_bar_lm[k] * h[k];
        r_sum += w * R_l[k];
        dr_sum += w * dR_l[k];
      }
      const double y_bar = scale * r_sum;
      dE_dr += scale * Y[lm] * dr_sum;
      g_x += y_bar * Y_grad[3 * lm];
      g_y += y_bar * Y_grad[3 * lm + 1];
      g_z += y_bar * Y_grad[3 * lm + 2];
    }
  }
  const double inv_r =
      1.0 / Kokkos::sqrt(r_ij[0] * r_ij[0] + r_ij[1] * r_ij[1] + r_ij[2] * r_ij[2]);
  g[0] = g_x + dE_dr * r_ij[0] * inv_r;
  g[1] = g_y + dE_dr * r_ij[1] * inv_r;
  g[2] = g_z + dE_dr * r_ij[2] * inv_r;
}

// The sums of atomic_basis_edge_gradient_lanes over the channels.
struct EdgeGradientSums {
  double dE_dr = 0.0, x = 0.0, y = 0.0, z = 0.0;
  KOKKOS_FORCEINLINE_FUNCTION EdgeGradientSums& operator+=(const EdgeGradientSums& other) {
    dE_dr += other.dE_dr;
    x += other.x;
    y += other.y;
    z += other.z;
    return *this;
  }
};

}  // namespace gaunt

// The zero of a Kokkos::Sum over EdgeGradientSums (how Kokkos sums a type of one's own).
namespace Kokkos {
template <>
struct reduction_identity<gaunt::EdgeGradientSums> {
  KOKKOS_FORCEINLINE_FUNCTION static gaunt::EdgeGradientSums sum() { return {}; }
};
}  // namespace Kokkos

namespace gaunt {

// The same g with the channels on the team's vector lanes (GPUs): lane k sums its terms over
// every lm, and the four sums meet in one reduction over the lanes,
//   ∂E/∂r = Σ_k Σ_lm w_{lm,k} dR_{k,l}/dr Y_lm,   Σ_lm Ȳ_lm ∂Y_lm = Σ_k Σ_lm w_{lm,k} R_{k,l}
//   ∂Y_lm,
// so that a warp reads the edge's R and dR rows, and Ā, coalesced (one thread per edge would read
// rows 2 kB apart), at 7 flops per (lm, k) against 3 and 2 reductions per lm in the serial form.
template <class Member, class RowReal>
KOKKOS_FORCEINLINE_FUNCTION void atomic_basis_edge_gradient_lanes(
    const TeamChannels<Member>& channels, int lmax, double scale, const double* A_bar,
    const double* h, const RowReal* R, const RowReal* dR, const double* Y, const double* Y_grad,
    const double* r_ij, double* g) {
  const int K = channels.K;
  EdgeGradientSums sums;
  Kokkos::parallel_reduce(
      Kokkos::ThreadVectorRange(channels.team, K),
      [&](const int k, EdgeGradientSums& lane) {
        const double scaled_h = scale * h[k];
        for (int l = 0; l <= lmax; ++l) {
          const double R_lk = R[l * K + k], dR_lk = dR[l * K + k];
          for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
            const double w = A_bar[lm * K + k] * scaled_h, u = w * R_lk;
            lane.dE_dr += w * dR_lk * Y[lm];
            lane.x += u * Y_grad[3 * lm];
            lane.y += u * Y_grad[3 * lm + 1];
            lane.z += u * Y_grad[3 * lm + 2];
          }
        }
      },
      sums);
  const double inv_r =
      1.0 / Kokkos::sqrt(r_ij[0] * r_ij[0] + r_ij[1] * r_ij[1] + r_ij[2] * r_ij[2]);
  g[0] = sums.x + sums.dE_dr * r_ij[0] * inv_r;
  g[1] = sums.y + sums.dE_dr * r_ij[1] * inv_r;
  g[2] = sums.z + sums.dE_dr * r_ij[2] * inv_r;
}

}  // namespace gaunt
