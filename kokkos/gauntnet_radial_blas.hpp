// The radial MLP of a whole chunk of edges at once as matrix products (RadialMlpRoute::kGemm),
// float64, or float32 layers with `precision mixed`: every edge contributes two rows, its MLP
// input e_n(r) u and the forward-mode tangent d/dr of it (radial_basis), and each layer is one
// matrix product of those rows with the layer's weights, with the activations in between:
//   Z_{t+1} = act(Z_t W_t)  on (value, tangent) row pairs,   [R; dR/dr] = Z_m W_m.
// The same sums as radial_functions in another order (agreement to rounding). On host, per block
// of kRadialBlasBlock edges on each Kokkos thread, dgemm or sgemm of Debian's libblas (OpenBLAS at
// run time; gauntnet_blas.hpp) and silu_with_tangent_rows: each weight feeds 2·block
// multiply-adds. On GPUs, per block of kRadialGemmDeviceBlock edges, cuBLAS (cublas_gemm.hpp)
// and an activation kernel, on the execution space's stream.
#pragma once

#include <Kokkos_Core.hpp>
#include <string>
#include <type_traits>

#include "cublas_gemm.hpp"
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
  using Rows = Kokkos::View<Real**, Kokkos::LayoutRight, MemorySpace>;
  Rows input;  // [2 e][N_b]: row 2e the MLP input of edge e, row 2e + 1 its tangent
  // One layer's rows of a block, twice (ping-pong): [2 thread + 0/1][2 block · width] on host,
  // [0/1][2 block · width] on GPUs; only for the matrix products (not for radial_functions_teams).
  Rows hidden;
  Kokkos::Experimental::UniqueToken<ExecutionSpace> token;

  void reserve(int n_edges, int n_bessel, bool gemm) {
    if (int(input.extent(0)) < 2 * n_edges || int(input.extent(1)) != n_bessel) {
      input = Rows(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string("gaunt::RadialBlas::input")),
          2 * n_edges, n_bessel);
    }
    if (!gemm) return;
    constexpr bool host = host_blas_reaches<MemorySpace>;
    const int width = kMaxRadialWidth;  // hidden layers (the last writes R and dR)
    const int block = host ? kRadialBlasBlock : kRadialGemmDeviceBlock;
    if (int(hidden.extent(1)) < 2 * block * width) {
      hidden = Rows(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string("gaunt::RadialBlas::hidden")),
          host ? 2 * token.size() : 2, 2 * block * width);
      if constexpr (host) blas_single_threaded();
    }
  }
  std::size_t bytes() const { return (input.span() + hidden.span()) * sizeof(Real); }
};

// R(e, ·) and dR(e, ·) for the edges e < n_edges of `blas.input` (rows of inactive edges are zero
// and give zero), on host, in Real (the last product writes them).
template <class ExecutionSpace, class MemorySpace, class Real>
void radial_functions_blas(const ExecutionSpace& space, const GauntNetParameters<MemorySpace>& p,
                           const RadialBlas<ExecutionSpace, MemorySpace, Real>& blas, int n_edges,
                           const Kokkos::View<Real**, Kokkos::LayoutRight, MemorySpace>& R,
                           const Kokkos::View<Real**, Kokkos::LayoutRight, MemorySpace>& dR) {
  static_assert(host_blas_reaches<MemorySpace>, "BLAS reads host memory only");
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
            // Values (even rows) into R, tangents (odd rows) into dR.
            gemm_rows(ne, n_out, n_in, z, 2 * ld_z, W, &R(e0, 0), ld_out);
            gemm_rows(ne, n_out, n_in, z + ld_z, 2 * ld_z, W, &dR(e0, 0), ld_out);
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

#ifdef KOKKOS_ENABLE_CUDA
// The same on a GPU: per block of edges one cuBLAS product per layer over all its rows, the
// activations as one kernel per layer, in place.
template <class MemorySpace, class Real>
void radial_functions_blas(const Kokkos::Cuda& space, const GauntNetParameters<MemorySpace>& p,
                           const RadialBlas<Kokkos::Cuda, MemorySpace, Real>& blas, int n_edges,
                           const Kokkos::View<Real**, Kokkos::LayoutRight, MemorySpace>& R,
                           const Kokkos::View<Real**, Kokkos::LayoutRight, MemorySpace>& dR) {
  const Cublas& cublas = Cublas::instance();
  const cudaStream_t stream = space.cuda_stream();
  const int ld_out = int(R.extent(1));
  const Real* weights = radial_weights<Real>(p);
  for (int e0 = 0; e0 < n_edges; e0 += kRadialGemmDeviceBlock) {
    const int ne = std::min(kRadialGemmDeviceBlock, n_edges - e0);
    const Real* z = &blas.input(2 * e0, 0);
    int ld_z = p.width[0];
    for (int t = 0; t < p.n_layers; ++t) {
      const int n_in = p.width[t], n_out = p.width[t + 1];
      const Real* W = weights + p.layer_offset[t];
      Real* a = &blas.hidden(t % 2, 0);
      if (t + 1 == p.n_layers) {
        // Values (even rows) into R, tangents (odd rows) into dR.
        cublas.gemm_rows(stream, ne, n_out, n_in, z, 2 * ld_z, W, &R(e0, 0), ld_out);
        cublas.gemm_rows(stream, ne, n_out, n_in, z + ld_z, 2 * ld_z, W, &dR(e0, 0), ld_out);
        break;
      }
      cublas.gemm_rows(stream, 2 * ne, n_out, n_in, z, ld_z, W, a, n_out);
      Kokkos::parallel_for(
          "gaunt::RadialBlas::activations", Kokkos::RangePolicy<Kokkos::Cuda>(space, 0, ne * n_out),
          KOKKOS_LAMBDA(const int x) {
            Real* value = a + 2 * (x / n_out) * n_out + x % n_out;
            silu_with_tangent(value[0], value[n_out], value[0], value[n_out]);
          });
      z = a;
      ld_z = n_out;
    }
  }
}
#endif

}  // namespace gaunt
