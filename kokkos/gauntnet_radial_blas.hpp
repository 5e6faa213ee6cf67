// The radial MLP of a whole chunk of edges at once, on host memory spaces without a radial table
// (float64, or float32 layers with `precision mixed`): every edge contributes two rows, its MLP
// input e_n(r) u and the forward-mode tangent d/dr of it (radial_basis), and each layer is one BLAS
// matrix product of those rows with the layer's weights (dgemm or sgemm of Debian's libblas,
// OpenBLAS at run time), with the activations (silu_with_tangent_rows) in between:
//   Z_{t+1} = act(Z_t W_t)  on (value, tangent) row pairs,   [R; dR/dr] = Z_m W_m.
// The same sums as radial_functions in another order (agreement to rounding). Per block of
// kRadialBlasBlock edges one matrix product per layer replaces a weight sweep per edge: each
// weight feeds 2·block multiply-adds. Blocks run on the Kokkos threads (gauntnet_blas.hpp).
#pragma once

#include <Kokkos_Core.hpp>
#include <string>
#include <type_traits>

#include "gauntnet_blas.hpp"
#include "gauntnet_radial.hpp"
#include "gauntnet_tuning.hpp"
#include "silu_rows.hpp"

namespace gaunt {

// Row-major C[m][n] = A[m][k] B[k][n] (B dense, n columns), BLAS's dgemm or sgemm.
inline void gemm_rows(int m, int n, int k, const double* A, int lda, const double* B, double* C,
                      int ldc) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0, A, lda, B, n, 0.0, C, ldc);
}
inline void gemm_rows(int m, int n, int k, const float* A, int lda, const float* B, float* C,
                      int ldc) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, A, lda, B, n, 0.0f, C, ldc);
}

// Real = double: the exact path; Real = float: `precision mixed` (the layers in float32, as
// radial_functions<float>).
template <class ExecutionSpace, class MemorySpace, class Real = double>
struct RadialBlas {
  // The batch runs where BLAS can read the views.
  static constexpr bool available = host_blas_reaches<MemorySpace>;
  using Rows = Kokkos::View<Real**, Kokkos::LayoutRight, MemorySpace>;
  Rows input;  // [2 e][N_b]: row 2e the MLP input of edge e, row 2e + 1 its tangent
  // Per thread: one layer's rows of a block, twice (ping-pong): [2 thread + 0/1][2 block · width].
  Rows hidden;
  Kokkos::Experimental::UniqueToken<ExecutionSpace> token;

  // n_radial = (L+1)K, the last layer's width: float32 outputs pass through `hidden`.
  void reserve(int n_edges, int n_bessel, int n_radial) {
    if (int(input.extent(0)) < 2 * n_edges || int(input.extent(1)) != n_bessel) {
      input = Rows(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string("gaunt::RadialBlas::input")),
          2 * n_edges, n_bessel);
    }
    if constexpr (!available) return;  // GPUs: the input rows only (gauntnet_radial_teams.hpp)
    const int width =
        std::is_same_v<Real, float> && n_radial > kMaxRadialWidth ? n_radial : kMaxRadialWidth;
    if (int(hidden.extent(1)) < 2 * kRadialBlasBlock * width) {
      hidden = Rows(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string("gaunt::RadialBlas::hidden")),
          2 * token.size(), 2 * kRadialBlasBlock * width);
      blas_single_threaded();
    }
  }
  std::size_t bytes() const { return (input.span() + hidden.span()) * sizeof(Real); }
};

// R(e, ·) and dR(e, ·) for the edges e < n_edges of `blas.input` (rows of inactive edges are zero
// and give zero).
template <class ExecutionSpace, class MemorySpace, class Real>
void radial_functions_blas(const ExecutionSpace& space, const GauntNetParameters<MemorySpace>& p,
                           const RadialBlas<ExecutionSpace, MemorySpace, Real>& blas, int n_edges,
                           const Kokkos::View<double**, Kokkos::LayoutRight, MemorySpace>& R,
                           const Kokkos::View<double**, Kokkos::LayoutRight, MemorySpace>& dR) {
  const int ld_out = int(R.extent(1)),
            n_blocks = (n_edges + kRadialBlasBlock - 1) / kRadialBlasBlock;
  const auto b = blas;
  const Real* weights = radial_weights<Real>(p);
  Kokkos::parallel_for(
      "gaunt::RadialBlas::blocks",
      Kokkos::RangePolicy<ExecutionSpace, Kokkos::Schedule<Kokkos::Dynamic>>(space, 0, n_blocks),
      [=](const int block) {
        const int e0 = block * kRadialBlasBlock;
        const int ne = n_edges - e0 < kRadialBlasBlock ? n_edges - e0 : kRadialBlasBlock;
        const int id = b.token.acquire();
        const Real* z = &b.input(2 * e0, 0);
        int ld_z = p.width[0];
        for (int t = 0; t < p.n_layers; ++t) {
          const int n_in = p.width[t], n_out = p.width[t + 1];
          const Real* W = weights + p.layer_offset[t];
          Real* a = &b.hidden(2 * id + t % 2, 0);
          if (t + 1 == p.n_layers) {
            if constexpr (std::is_same_v<Real, double>) {
              // Values (even rows) into R, tangents (odd rows) into dR.
              gemm_rows(ne, n_out, n_in, z, 2 * ld_z, W, &R(e0, 0), ld_out);
              gemm_rows(ne, n_out, n_in, z + ld_z, 2 * ld_z, W, &dR(e0, 0), ld_out);
            } else {
              gemm_rows(2 * ne, n_out, n_in, z, ld_z, W, a, n_out);
              for (int e = 0; e < ne; ++e) {
                for (int o = 0; o < n_out; ++o) {
                  R(e0 + e, o) = a[2 * e * n_out + o];
                  dR(e0 + e, o) = a[(2 * e + 1) * n_out + o];
                }
              }
            }
            break;
          }
          gemm_rows(2 * ne, n_out, n_in, z, ld_z, W, a, n_out);
          for (int e = 0; e < ne; ++e)
            silu_with_tangent_rows(a + 2 * e * n_out, a + (2 * e + 1) * n_out, n_out);
          z = a;
          ld_z = n_out;
        }
        b.token.release(id);
      });
  space.fence("gaunt::RadialBlas: done");
}

}  // namespace gaunt
