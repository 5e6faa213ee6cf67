// The radial MLP's activation on the rows of a BLAS block (host; gauntnet_radial_blas.hpp), in
// place: z = a σ(a), ż = σ(a) (1 + a (1 − σ(a))) ȧ with σ(a) = 1 / (1 + e^{−a}) (DESIGN.md §4),
// the same numbers as silu_with_tangent (gauntnet_radial.hpp) to rounding. Out of line so that
// its loop is vectorised with the C library's vector exp where the compiler knows one.
#pragma once

namespace gaunt {

void silu_with_tangent_rows(double* value, double* tangent, int n);
void silu_with_tangent_rows(float* value, float* tangent, int n);

}  // namespace gaunt
