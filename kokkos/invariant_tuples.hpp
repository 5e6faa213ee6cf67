// The Gaunt invariants of GauntNet v1 in coefficient space (DESIGN.md §4): host tables for the
// product basis's tuple route (gauntnet_product_basis.hpp).
//
// With F^ξ = Σ_i w^ξ_{l(i)} Ã_i Y_i (i the flat lm index, sh_indexing.hpp), expanding
// B^ν = ∫ Π_{ξ=1..ν} F^ξ dΩ and grouping the ordered index tuples by their sorted tuple
// t = (i_1 ≤ … ≤ i_ν) gives
//   B^ν = Σ_t c_t P_{λ(t)} Π_{i∈t} Ã_i,
//   c_t = ∫ Π_{i∈t} Y_i dΩ / Π_i mult_i(t)!,        λ(t) = (l(i_1) ≤ … ≤ l(i_ν)),
//   P_λ = Σ_{σ∈S_ν} Π_ξ w^ξ_{λ_σ(ξ)}                (a permanent of the factor weights),
// since the distinct orderings of t number ν!/Π mult_i! and each ordering of λ arises from
// Π_l mult_l!/Π_i mult_i! of them. c_t is the real Gaunt coefficient for ν = 3 (and 1/2 or 0 for
// ν = 2: Y orthonormal), computed here by quadrature that is exact for the degree Σ l ≤ ν_max L;
// tuples with an odd Σ l or a zero integral are dropped. P_λ depends only on the species and
// the channel, so the engine tabulates it once per model.
#pragma once

#include <optional>
#include <vector>

namespace gaunt {

struct InvariantTuples {
  int lmax = 0, nu_max = 0;
  // Entries of order ν are [entry_begin[ν − 1], entry_begin[ν]).
  std::vector<int> entry_begin;     // [ν_max + 1]
  std::vector<int> index;           // [entry][ν_max]: i_1 ≤ … ≤ i_ν, then −1
  std::vector<double> coefficient;  // [entry] c_t
  std::vector<int> degrees_of;      // [entry] its λ, an index into degrees
  // λ tuples of order ν are [degrees_begin[ν − 1], degrees_begin[ν]).
  std::vector<int> degrees_begin;  // [ν_max + 1]
  std::vector<int> degrees;        // [λ][ν_max]: l_1 ≤ … ≤ l_ν, then −1
  int n_entries() const { return int(coefficient.size()); }
  int n_degree_tuples() const { return int(degrees.size()) / nu_max; }
};

// Sorted index tuples of order ν with 0 ≤ i_1 ≤ … ≤ i_ν < (L+1)², C((L+1)² + ν − 1, ν).
long sorted_tuple_count(int lmax, int nu);

// The tables for ν = 1..nu_max; nullopt when some order has more than max_tuples sorted tuples
// to integrate (there the sphere grid is the cheaper route anyway).
std::optional<InvariantTuples> invariant_tuples(int lmax, int nu_max, long max_tuples);

}  // namespace gaunt
