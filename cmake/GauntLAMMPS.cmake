# LAMMPS as a subproject of the superbuild: KOKKOS (Serial + OpenMP, or CUDA), PLUGIN, ML-SNAP,
# MPI, shared libraries. LAMMPS sources are used as they are; nothing is patched.
# With GAUNT_WITH_LAMMPS=OFF only the bundled Kokkos is built (same options), for engine work
# and CUDA compile checks of kokkos/ that do not need LAMMPS.

macro(gaunt_kokkos_options)
  set(Kokkos_ENABLE_SERIAL ON CACHE BOOL "" FORCE)
  set(Kokkos_ENABLE_OPENMP ON CACHE BOOL "" FORCE)
  if(GAUNT_CUDA)
    set(Kokkos_ENABLE_CUDA ON CACHE BOOL "" FORCE)
    set(Kokkos_ARCH_${GAUNT_CUDA_ARCH} ON CACHE BOOL "" FORCE)
    # Build machines have the CUDA toolkit but no driver: link against the toolkit's stub
    # libcuda.so; the GPU node's driver provides the real one at run time.
    find_library(GAUNT_CUDA_DRIVER_STUB cuda PATHS ENV CUDA_HOME /usr/local/cuda
                 PATH_SUFFIXES lib64/stubs lib/stubs NO_DEFAULT_PATH)
    if(GAUNT_CUDA_DRIVER_STUB)
      get_filename_component(_gaunt_stub_dir "${GAUNT_CUDA_DRIVER_STUB}" DIRECTORY)
      link_directories(${_gaunt_stub_dir})
    endif()
  else()
    set(Kokkos_ENABLE_CUDA OFF CACHE BOOL "" FORCE)
  endif()
endmacro()

macro(gaunt_add_lammps)
  gaunt_kokkos_options()
  if(GAUNT_WITH_LAMMPS)
    set(BUILD_SHARED_LIBS ON CACHE BOOL "" FORCE)
    set(BUILD_MPI ON CACHE BOOL "" FORCE)
    set(BUILD_OMP ON CACHE BOOL "" FORCE)
    set(PKG_KOKKOS ON CACHE BOOL "" FORCE)
    set(PKG_PLUGIN ON CACHE BOOL "" FORCE)
    set(PKG_ML-SNAP ON CACHE BOOL "" FORCE)
    add_subdirectory(${GAUNT_LAMMPS_TREE}/cmake ${CMAKE_BINARY_DIR}/lammps)
  else()
    # The same Kokkos configuration LAMMPS's KOKKOS package uses, without LAMMPS.
    set(Kokkos_ENABLE_IMPL_VIEW_LEGACY ON CACHE BOOL "" FORCE)
    set(CMAKE_POSITION_INDEPENDENT_CODE ON)
    add_subdirectory(${GAUNT_LAMMPS_TREE}/lib/kokkos ${CMAKE_BINARY_DIR}/kokkos_lib EXCLUDE_FROM_ALL)
  endif()
endmacro()
