# Dependency step of the superbuild (DESIGN.md §2). Runs before project(): the CUDA build needs
# Kokkos' nvcc_wrapper from the unpacked tree as its C++ compiler.

function(gaunt_cache_dir out)
  if(GAUNT_CACHE_DIR)
    set(dir "${GAUNT_CACHE_DIR}")
  elseif(DEFINED ENV{GAUNT_CACHE_DIR})
    set(dir "$ENV{GAUNT_CACHE_DIR}")
  elseif(DEFINED ENV{XDG_CACHE_HOME})
    set(dir "$ENV{XDG_CACHE_HOME}/pair_gaunt")
  else()
    set(dir "$ENV{HOME}/.cache/pair_gaunt")
  endif()
  set(${out} "${dir}" PARENT_SCOPE)
endfunction()

# Sets GAUNT_LAMMPS_TREE: a LAMMPS source tree whose lib/kokkos holds Kokkos.
macro(gaunt_prepare_lammps_source)
  if(LAMMPS_SOURCE_DIR)
    foreach(required cmake/CMakeLists.txt src/pair.h src/KOKKOS/kokkos.h lib/kokkos/CMakeLists.txt)
      if(NOT EXISTS "${LAMMPS_SOURCE_DIR}/${required}")
        message(FATAL_ERROR "LAMMPS_SOURCE_DIR=${LAMMPS_SOURCE_DIR} is not a LAMMPS release tree "
                            "with bundled Kokkos: ${required} is missing")
      endif()
    endforeach()
    set(GAUNT_LAMMPS_TREE "${LAMMPS_SOURCE_DIR}" CACHE INTERNAL "LAMMPS tree in use")
    message(STATUS "pair_gaunt: using LAMMPS from LAMMPS_SOURCE_DIR=${LAMMPS_SOURCE_DIR} (fetch step skipped)")
  else()
    gaunt_cache_dir(_gaunt_cache)
    execute_process(
      COMMAND bash "${CMAKE_CURRENT_LIST_DIR}/cmake/fetch_deps.sh"
              --cache "${_gaunt_cache}" --fallback "${CMAKE_CURRENT_LIST_DIR}/../shared/deps"
      OUTPUT_VARIABLE _gaunt_tree
      OUTPUT_STRIP_TRAILING_WHITESPACE
      RESULT_VARIABLE _gaunt_rc)
    if(NOT _gaunt_rc EQUAL 0)
      message(FATAL_ERROR "pair_gaunt: the dependency step failed (message above). "
                          "Pass -DLAMMPS_SOURCE_DIR=/path/to/lammps to use a LAMMPS tree you already have.")
    endif()
    string(REGEX REPLACE ".*\n" "" _gaunt_tree "${_gaunt_tree}")
    set(GAUNT_LAMMPS_TREE "${_gaunt_tree}" CACHE INTERNAL "LAMMPS tree in use")
    message(STATUS "pair_gaunt: LAMMPS + Kokkos sources in ${GAUNT_LAMMPS_TREE}")
  endif()
endmacro()

# Compiler choice before project(): nvcc_wrapper for CUDA, ccache (keyed by content, kept in the
# cache directory) so that a fresh clone rebuilds LAMMPS + Kokkos from cached objects.
macro(gaunt_select_compilers)
  if(GAUNT_CUDA AND NOT CMAKE_CXX_COMPILER)
    set(CMAKE_CXX_COMPILER "${GAUNT_LAMMPS_TREE}/lib/kokkos/bin/nvcc_wrapper" CACHE FILEPATH "C++ compiler" FORCE)
  endif()
  find_program(GAUNT_CCACHE ccache)
  # Not with nvcc_wrapper: ccache would take it for plain nvcc.
  if(GAUNT_CCACHE AND NOT GAUNT_CUDA AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
    gaunt_cache_dir(_gaunt_cache)
    # BASEDIR makes build-tree paths relative; NOHASHDIR drops the working directory from the
    # hash, so builds in different clones share objects.
    set(_gaunt_launcher ${CMAKE_COMMAND} -E env "CCACHE_DIR=${_gaunt_cache}/ccache"
        "CCACHE_BASEDIR=${CMAKE_BINARY_DIR}" CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=8G ${GAUNT_CCACHE})
    set(CMAKE_CXX_COMPILER_LAUNCHER ${_gaunt_launcher})
    set(CMAKE_C_COMPILER_LAUNCHER ${_gaunt_launcher})
  endif()
endmacro()
