#include "clebsch_gordan.hpp"

#include "gaunt_sparse.hpp"
#include "gaunt_tables.hpp"

namespace gaunt {

namespace {
double call_weight(int l1, int l2, int l3, const void* context) {
  return (*static_cast<const std::function<double(int, int, int)>*>(context))(l1, l2, l3);
}
}  // namespace

template <class ExecutionSpace>
ClebschGordanProduct<ExecutionSpace>::ClebschGordanProduct(int l1, int l2, int lout,
                                                           const PathWeights& path_weight) {
  PairCouplings c = path_weight ? clebsch_gordan_couplings(l1, l2, lout, call_weight, &path_weight)
                                : clebsch_gordan_couplings(l1, l2, lout);
  std::vector<PairCouplings> stages;
  stages.push_back(std::move(c));
  chain_ = std::make_unique<SparseChain<ExecutionSpace>>(std::move(stages), "ClebschGordan");
}

template <class ExecutionSpace>
ClebschGordanProduct<ExecutionSpace>::~ClebschGordanProduct() = default;

template <class ExecutionSpace>
long ClebschGordanProduct<ExecutionSpace>::n_couplings() const {
  return chain_->n_couplings();
}

template <class ExecutionSpace>
void ClebschGordanProduct<ExecutionSpace>::forward(const ConstFeatures& a, const ConstFeatures& b,
                                                   const Features& out) const {
  chain_->forward(ExecutionSpace(), {a, b}, out);
}

template <class ExecutionSpace>
void ClebschGordanProduct<ExecutionSpace>::reverse(const ConstFeatures& a, const ConstFeatures& b,
                                                   const ConstFeatures& out_adj,
                                                   const Features& a_adj,
                                                   const Features& b_adj) const {
  chain_->reverse(ExecutionSpace(), {a, b}, out_adj, {a_adj, b_adj});
}

template class ClebschGordanProduct<Kokkos::DefaultHostExecutionSpace>;
#if defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP)
template class ClebschGordanProduct<Kokkos::Serial>;
#endif
#ifdef KOKKOS_ENABLE_CUDA
template class ClebschGordanProduct<Kokkos::Cuda>;
#endif

}  // namespace gaunt
