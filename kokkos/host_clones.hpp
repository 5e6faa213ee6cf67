// GAUNT_HOST_CLONES before a host function: GCC compiles it twice, for x86-64-v3 (AVX2 + FMA) and
// for the portable baseline (SSE2), and the dynamic loader picks the copy the CPU runs (an ifunc,
// resolved once). The build itself stays portable. Empty for other compilers, CPUs and C
// libraries, and under nvcc.
#pragma once

#include <cstddef>  // defines __GLIBC__ where glibc is the C library

// GAUNT_GCC_GLIBC_X86_64: defined where that holds (GCC, not under nvcc, glibc, x86-64).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__) && \
    !defined(__CUDACC__)
#define GAUNT_GCC_GLIBC_X86_64
#define GAUNT_HOST_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define GAUNT_HOST_CLONES
#endif
