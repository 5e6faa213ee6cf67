// Gaunt tensor products (DESIGN.md §3): the projection onto degrees ≤ Lout of the pointwise
// product of ν = 2..4 spherical functions f_k = Σ_lm a^k_lm Y_lm of degrees L_k,
//   out_lm = ∫ Π_k f_k(x) Y_lm(x) dΩ,
// channel-wise and batched: features are [item][lm][channel] (gaunt_features.hpp), each (item,
// channel) multiplied independently. Three exact routes, one interface:
//   GauntRoute::kFourier  2D Fourier basis + FFT convolution (the paper)   gaunt_fourier.hpp
//   GauntRoute::kGrid     Gauss-Legendre × uniform-φ sphere grid          gaunt_grid.hpp
//   GauntRoute::kSparse   contraction over nonzero real Gaunt coefficients gaunt_sparse.hpp
// forward writes out; reverse writes (overwrites) the adjoint of every factor given out_adj:
//   ā_k = ∂(⟨out_adj, out⟩)/∂a_k.
// Kernels are labelled "gaunt::<Stage>::forward" / "gaunt::<Stage>::reverse".
#pragma once

#include <Kokkos_Core.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gaunt_features.hpp"

namespace gaunt {

enum class GauntRoute { kFourier, kGrid, kSparse };
std::string to_string(GauntRoute route);
inline constexpr GauntRoute kAllGauntRoutes[] = {GauntRoute::kFourier, GauntRoute::kGrid,
                                                 GauntRoute::kSparse};

template <class ExecutionSpace>
class GridProduct;
template <class ExecutionSpace>
class FourierProduct;
template <class ExecutionSpace>
class SparseChain;

template <class ExecutionSpace = Kokkos::DefaultExecutionSpace>
class GauntProduct {
 public:
  using memory_space = typename ExecutionSpace::memory_space;
  using Features = FeatureView<memory_space>;
  using ConstFeatures = ConstFeatureView<memory_space>;

  // Route options: for kGrid, grid_n_theta / grid_n_phi > 0 override the default exact grid
  // (the minimal n_θ and the minimal even n_φ; used to test the exactness boundary); for
  // kFourier, how the convolution runs.
  struct Options {
    int grid_n_theta = 0, grid_n_phi = 0;
    FourierConvolution fourier_convolution = FourierConvolution::kAuto;
  };

  // factor_degrees: L_1..L_ν (2 ≤ ν ≤ 4, each ≤ 16), lout ≤ 16.
  GauntProduct(GauntRoute route, std::vector<int> factor_degrees, int lout, const Options& options);
  GauntProduct(GauntRoute route, std::vector<int> factor_degrees, int lout)
      : GauntProduct(route, std::move(factor_degrees), lout, Options{}) {}
  ~GauntProduct();
  GauntProduct(GauntProduct&&) noexcept;
  GauntProduct& operator=(GauntProduct&&) noexcept;

  GauntRoute route() const { return route_; }
  const std::vector<int>& factor_degrees() const { return degree_; }
  int lout() const { return lout_; }

  void forward(const std::vector<ConstFeatures>& factors, const Features& out) const;
  void reverse(const std::vector<ConstFeatures>& factors, const ConstFeatures& out_adj,
               const std::vector<Features>& factors_adj) const;

 private:
  GauntRoute route_;
  std::vector<int> degree_;
  int lout_;
  std::unique_ptr<GridProduct<ExecutionSpace>> grid_;
  std::unique_ptr<FourierProduct<ExecutionSpace>> fourier_;
  std::unique_ptr<SparseChain<ExecutionSpace>> sparse_;
};

}  // namespace gaunt
