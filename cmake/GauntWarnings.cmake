# Warnings as errors for pair_gaunt's own targets (never for LAMMPS or Kokkos).
function(gaunt_strict_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang" AND NOT GAUNT_CUDA)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  elseif(GAUNT_CUDA)
    # nvcc_wrapper forwards host-compiler flags; warnings from CUDA headers are not ours.
    target_compile_options(${target} PRIVATE "SHELL:-Xcompiler -Wall,-Wextra")
  endif()
endfunction()
