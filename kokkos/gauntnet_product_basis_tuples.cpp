#include "gauntnet_product_basis_tuples.hpp"

#include "host_clones.hpp"

// flatten: everything they call is inlined into each copy, so the AVX2 copy has no baseline parts.
namespace gaunt::detail {

GAUNT_HOST_CLONES __attribute__((flatten)) void add_atom_invariants_host(const TupleRows& tuples,
                                                                         const double* A, int s,
                                                                         double* sum) {
  add_atom_invariants(HostChannels{tuples.channels}, tuples, A, s, sum);
}

GAUNT_HOST_CLONES __attribute__((flatten)) void add_atom_invariants_adjoint_host(
    const TupleRows& tuples, const double* A, int s, const double* B_bar, double* A_adj) {
  add_atom_invariants_adjoint(HostChannels{tuples.channels}, tuples, A, s, B_bar, A_adj);
}

}  // namespace gaunt::detail
