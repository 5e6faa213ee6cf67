// Stage 4, the Gaunt many-body basis (DESIGN.md §4, MODEL_FILE.md §5), channel-wise, per chunk
// atom a of species s and channel k:
//   c^f_{lm} = w^f_{s,l,k} Ã_{a,lm,k},   F^f(x̂) = Σ_lm c^f_lm Y_lm(x̂),  f = ν(ν−1)/2 + ξ − 1,
//   B^ν_{a,k} = ∫_{S²} Π_{ξ=1..ν} F^{f(ν,ξ)}(x̂) dΩ,   stored at B(a, (ν−1)K + k),
// and its reverse Ã̄ from B̄, by one of two exact routes (GauntNetParameters::product_route,
// chosen per model by the multiply-adds per atom and channel):
//   index tuples  Σ over the sorted tuples of Ã with nonzero ∫ Π Y (gauntnet_product_basis_tuples),
//                 the cheaper one for ν_max ≤ 3 and for ν_max = 4 with L ≤ 4;
//   sphere grid   Π_ξ F^ξ on the points of the exact quadrature grid (gauntnet_product_basis_grid).
#pragma once

#include "gauntnet_product_basis_grid.hpp"
#include "gauntnet_product_basis_tuples.hpp"

namespace gaunt {

template <class ExecutionSpace, class MemorySpace>
void forward_product_basis(const ExecutionSpace& space, const GauntNetParameters<MemorySpace>& p,
                           const GauntNetGraph<MemorySpace>& graph, const AtomChunk& chunk,
                           const AtomFeatures<MemorySpace>& A_mixed,
                           const AtomInvariants<MemorySpace>& B) {
  using Teams = detail::ProductBasisTeams<ExecutionSpace>;
  const bool tuples = p.product_route == ProductRoute::kIndexTuples;
  // Scratch per atom: B^ν of its channels (tuples), or the grid's row blocks.
  Teams::with_scratch_level(
      p.scratch_level0_bytes, tuples ? p.nu_max : Teams::kRows, p.channels, [&](auto level) {
        constexpr int Level = decltype(level)::value;
        if (tuples)
          detail::forward_product_basis_tuples<Level>(space, p, graph, chunk, A_mixed, B);
        else
          detail::forward_product_basis_grid<Level>(space, p, graph, chunk, A_mixed, B);
      });
}

template <class ExecutionSpace, class MemorySpace>
void reverse_product_basis(const ExecutionSpace& space, const GauntNetParameters<MemorySpace>& p,
                           const GauntNetGraph<MemorySpace>& graph, const AtomChunk& chunk,
                           const AtomFeatures<MemorySpace>& A_mixed,
                           const AtomInvariants<MemorySpace>& B_adj,
                           const AtomFeatures<MemorySpace>& A_mixed_adj) {
  using Teams = detail::ProductBasisTeams<ExecutionSpace>;
  const bool tuples = p.product_route == ProductRoute::kIndexTuples;
  // Scratch per atom: Ã̄ of its channels (tuples), or the grid's row blocks.
  Teams::with_scratch_level(p.scratch_level0_bytes, tuples ? p.n_sh : Teams::kRows, p.channels,
                            [&](auto level) {
                              constexpr int Level = decltype(level)::value;
                              if (tuples)
                                detail::reverse_product_basis_tuples<Level>(
                                    space, p, graph, chunk, A_mixed, B_adj, A_mixed_adj);
                              else
                                detail::reverse_product_basis_grid<Level>(
                                    space, p, graph, chunk, A_mixed, B_adj, A_mixed_adj);
                            });
}

}  // namespace gaunt
