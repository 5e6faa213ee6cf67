#include "gaunt_product.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "gaunt_fourier.hpp"
#include "gaunt_grid.hpp"
#include "gaunt_sparse.hpp"
#include "gaunt_tables.hpp"

namespace gaunt {

std::string to_string(GauntRoute route) {
  switch (route) {
    case GauntRoute::kFourier:
      return "fourier";
    case GauntRoute::kGrid:
      return "grid";
    case GauntRoute::kSparse:
      return "sparse";
  }
  return "unknown";
}

namespace {

// Pairwise chain for the sparse route: stage s multiplies the running product (degree d_s) by
// factor s+1 and keeps only degrees that can still reach Lout: min(d_s + L_{s+1}, Lout + Σ_{k>s+1}
// L_k) (a degree-l component times the remaining factors only reaches degrees ≥ l - Σ L_rest).
std::vector<PairCouplings> sparse_stages(const std::vector<int>& degree, int lout) {
  std::vector<PairCouplings> stages;
  int d = degree[0];
  const int nf = int(degree.size());
  for (int s = 0; s + 1 < nf; ++s) {
    int rest = 0;
    for (int k = s + 2; k < nf; ++k) rest += degree[k];
    const int out = s + 2 == nf ? lout : std::min(d + degree[s + 1], lout + rest);
    if (out > kMaxShDegree) {
      throw std::invalid_argument("GauntProduct(sparse): intermediate degree " +
                                  std::to_string(out) + " above " + std::to_string(kMaxShDegree) +
                                  "; use the grid or Fourier route");
    }
    stages.push_back(real_gaunt_couplings(d, degree[s + 1], out));
    d = out;
  }
  return stages;
}

}  // namespace

template <class ExecutionSpace>
GauntProduct<ExecutionSpace>::GauntProduct(GauntRoute route, std::vector<int> factor_degrees,
                                           int lout, const Options& options)
    : route_(route), degree_(std::move(factor_degrees)), lout_(lout) {
  const int nf = int(degree_.size());
  if (nf < 2 || nf > kMaxGauntFactors) {
    throw std::invalid_argument("GauntProduct: number of factors " + std::to_string(nf) +
                                " outside [2, " + std::to_string(kMaxGauntFactors) + "]");
  }
  for (int d : degree_) {
    if (d < 0 || d > kMaxShDegree) {
      throw std::invalid_argument("GauntProduct: factor degree " + std::to_string(d) +
                                  " outside [0, " + std::to_string(kMaxShDegree) + "]");
    }
  }
  if (lout < 0 || lout > kMaxShDegree) {
    throw std::invalid_argument("GauntProduct: lout " + std::to_string(lout) + " outside [0, " +
                                std::to_string(kMaxShDegree) + "]");
  }
  switch (route) {
    case GauntRoute::kGrid:
      grid_ = std::make_unique<GridProduct<ExecutionSpace>>(degree_, lout, options.grid_n_theta,
                                                            options.grid_n_phi);
      break;
    case GauntRoute::kFourier:
      fourier_ = std::make_unique<FourierProduct<ExecutionSpace>>(degree_, lout,
                                                                  options.fourier_convolution);
      break;
    case GauntRoute::kSparse:
      sparse_ = std::make_unique<SparseChain<ExecutionSpace>>(sparse_stages(degree_, lout),
                                                              "GauntSparse");
      break;
  }
}

template <class ExecutionSpace>
GauntProduct<ExecutionSpace>::~GauntProduct() = default;
template <class ExecutionSpace>
GauntProduct<ExecutionSpace>::GauntProduct(GauntProduct&&) noexcept = default;
template <class ExecutionSpace>
GauntProduct<ExecutionSpace>& GauntProduct<ExecutionSpace>::operator=(GauntProduct&&) noexcept =
    default;

template <class ExecutionSpace>
void GauntProduct<ExecutionSpace>::forward(const std::vector<ConstFeatures>& factors,
                                           const Features& out) const {
  const ExecutionSpace space;
  if (grid_) grid_->forward(space, factors, out);
  if (fourier_) fourier_->forward(space, factors, out);
  if (sparse_) sparse_->forward(space, factors, out);
}

template <class ExecutionSpace>
void GauntProduct<ExecutionSpace>::reverse(const std::vector<ConstFeatures>& factors,
                                           const ConstFeatures& out_adj,
                                           const std::vector<Features>& factors_adj) const {
  const ExecutionSpace space;
  if (grid_) grid_->reverse(space, factors, out_adj, factors_adj);
  if (fourier_) fourier_->reverse(space, factors, out_adj, factors_adj);
  if (sparse_) sparse_->reverse(space, factors, out_adj, factors_adj);
}

template class GauntProduct<Kokkos::DefaultHostExecutionSpace>;
#if defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP)
template class GauntProduct<Kokkos::Serial>;
#endif
#ifdef KOKKOS_ENABLE_CUDA
template class GauntProduct<Kokkos::Cuda>;
#endif

}  // namespace gaunt
