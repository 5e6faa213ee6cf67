// cuBLAS for the radial MLP's matrix products on GPUs (RadialMlpRoute::kGemm,
// gauntnet_radial_blas.hpp), opened at run time: the plugin and `lmp` then load where cuBLAS is
// absent, and only the route that needs it says so. Row-major products as BLAS's gemm_rows on
// host. CUDA builds only.
#pragma once

#ifdef KOKKOS_ENABLE_CUDA

#include <cublas_api.h>  // types and enums only: nothing is linked
#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace gaunt {

class Cublas {
 public:
  // The process's cuBLAS (libcublas.so.13, else libcublas.so on the library path), opened on
  // first use; throws std::runtime_error, naming the library, where it cannot be opened.
  static const Cublas& instance() {
    static const Cublas cublas;
    return cublas;
  }

  // Row-major C[m][n] = A[m][k] B[k][n] (B dense, n columns) on `stream`, device pointers: in
  // cuBLAS's column-major terms Cᵀ = Bᵀ Aᵀ.
  void gemm_rows(cudaStream_t stream, int m, int n, int k, const double* A, int lda,
                 const double* B, double* C, int ldc) const {
    const double one = 1.0, zero = 0.0;
    check(set_stream_(handle_, stream), "cublasSetStream");
    check(dgemm_(handle_, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &one, B, n, A, lda, &zero, C, ldc),
          "cublasDgemm");
  }
  void gemm_rows(cudaStream_t stream, int m, int n, int k, const float* A, int lda, const float* B,
                 float* C, int ldc) const {
    const float one = 1.0f, zero = 0.0f;
    check(set_stream_(handle_, stream), "cublasSetStream");
    check(sgemm_(handle_, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &one, B, n, A, lda, &zero, C, ldc),
          "cublasSgemm");
  }

  Cublas(const Cublas&) = delete;
  Cublas& operator=(const Cublas&) = delete;

 private:
  using Create = cublasStatus_t (*)(cublasHandle_t*);
  using SetStream = cublasStatus_t (*)(cublasHandle_t, cudaStream_t);
  template <class Real>
  using Gemm = cublasStatus_t (*)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int,
                                  int, const Real*, const Real*, int, const Real*, int, const Real*,
                                  Real*, int);

  Cublas() {
    for (const char* name : {"libcublas.so.13", "libcublas.so"}) {
      library_ = dlopen(name, RTLD_NOW | RTLD_LOCAL);
      if (library_) break;
    }
    if (!library_) {
      throw std::runtime_error(
          "radial_mlp gemm on a GPU needs cuBLAS: libcublas.so.13 is not on the library path (" +
          std::string(dlerror()) +
          "); use radial_mlp teams or add cuBLAS's lib directory to "
          "LD_LIBRARY_PATH");
    }
    const auto create = symbol<Create>("cublasCreate_v2");
    set_stream_ = symbol<SetStream>("cublasSetStream_v2");
    dgemm_ = symbol<Gemm<double>>("cublasDgemm_v2");
    sgemm_ = symbol<Gemm<float>>("cublasSgemm_v2");
    check(create(&handle_), "cublasCreate");
  }
  // The handle lives as long as the process (a static): destroying it at exit could come after
  // the CUDA context is gone.

  template <class F>
  F symbol(const char* name) const {
    void* f = dlsym(library_, name);
    if (!f) throw std::runtime_error(std::string("cuBLAS lacks ") + name);
    return reinterpret_cast<F>(f);
  }
  static void check(cublasStatus_t status, const char* call) {
    if (status != CUBLAS_STATUS_SUCCESS)
      throw std::runtime_error(std::string(call) + " failed: status " + std::to_string(status));
  }

  void* library_ = nullptr;
  cublasHandle_t handle_ = nullptr;
  SetStream set_stream_ = nullptr;
  Gemm<double> dgemm_ = nullptr;
  Gemm<float> sgemm_ = nullptr;
};

}  // namespace gaunt

#endif  // KOKKOS_ENABLE_CUDA
