// Stage 5, readout and energy (DESIGN.md §4, MODEL_FILE.md §5), per chunk atom a (species s):
//   z_h = Σ_q b_q W_{q,h} + β_h,
//   E_a = E0_s + σ (Σ_q b_q λ_q + Σ_h o_h silu(z_h)) + μ,
// with b = B(a, ·), λ = readout_linear, W = readout_hidden.weight, β its bias, o = readout_out.
// Atoms of species −1 get E = 0. Reverse (adjoint of E = Σ_a E_a):
//   B̄_{a,q} = σ (λ_q + Σ_h o_h silu'(z_h) W_{q,h}).
#pragma once

#include <Kokkos_Core.hpp>

#include "gauntnet_edge_basis.hpp"
#include "gauntnet_product_basis.hpp"

namespace gaunt {

// Writes E_a to energies(first + a).
template <class ExecutionSpace, class MemorySpace>
void forward_readout(const ExecutionSpace& space, const GauntNetParameters<MemorySpace>& p,
                     const GauntNetGraph<MemorySpace>& graph, const AtomChunk& chunk,
                     const AtomInvariants<MemorySpace>& B,
                     const Kokkos::View<double*, MemorySpace>& energies) {
  const auto species = graph.species;
  const int first = chunk.first;
  Kokkos::parallel_for(
      "gaunt::Readout::forward", Kokkos::RangePolicy<ExecutionSpace>(space, 0, chunk.n_atoms),
      KOKKOS_LAMBDA(const int a) {
        const int s = species(first + a);
        if (s < 0) {
          energies(first + a) = 0.0;
          return;
        }
        double out = 0.0;
        for (int q = 0; q < p.n_invariants; ++q) out += B(a, q) * p.readout_linear(q);
        for (int h = 0; h < p.readout_hidden; ++h) {
          double z = p.readout_bias(h);
          for (int q = 0; q < p.n_invariants; ++q) z += B(a, q) * p.readout_weight(q, h);
          out += p.readout_out(h) * silu(z);
        }
        energies(first + a) = p.e0s(s) + p.scale * out + p.shift;
      });
}

template <class ExecutionSpace, class MemorySpace>
void reverse_readout(const ExecutionSpace& space, const GauntNetParameters<MemorySpace>& p,
                     const GauntNetGraph<MemorySpace>& graph, const AtomChunk& chunk,
                     const AtomInvariants<MemorySpace>& B,
                     const AtomInvariants<MemorySpace>& B_adj) {
  const auto species = graph.species;
  const int first = chunk.first;
  Kokkos::parallel_for(
      "gaunt::Readout::reverse", Kokkos::RangePolicy<ExecutionSpace>(space, 0, chunk.n_atoms),
      KOKKOS_LAMBDA(const int a) {
        const bool active = species(first + a) >= 0;
        for (int q = 0; q < p.n_invariants; ++q) {
          B_adj(a, q) = active ? p.scale * p.readout_linear(q) : 0.0;
        }
        if (!active) return;
        for (int h = 0; h < p.readout_hidden; ++h) {
          double z = p.readout_bias(h);
          for (int q = 0; q < p.n_invariants; ++q) z += B(a, q) * p.readout_weight(q, h);
          const double c = p.scale * p.readout_out(h) * silu_deriv(z);
          for (int q = 0; q < p.n_invariants; ++q) B_adj(a, q) += c * p.readout_weight(q, h);
        }
      });
}

}  // namespace gaunt
