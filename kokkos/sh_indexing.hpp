// Index conventions shared by host and device code (DESIGN.md §3): flat SH index l*l + l + m,
// triangular (l, m ≥ 0) index for per-(l, |m|) tables.
#pragma once

#include <Kokkos_Macros.hpp>

namespace gaunt {

inline constexpr int kMaxShDegree = 16;

KOKKOS_INLINE_FUNCTION constexpr int sh_index(int l, int m) { return l * l + l + m; }
KOKKOS_INLINE_FUNCTION constexpr int sh_size(int lmax) { return (lmax + 1) * (lmax + 1); }
KOKKOS_INLINE_FUNCTION constexpr int tri_index(int l, int m) { return l * (l + 1) / 2 + m; }
KOKKOS_INLINE_FUNCTION constexpr int tri_size(int lmax) { return (lmax + 1) * (lmax + 2) / 2; }

}  // namespace gaunt
