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
      # Executables linked against liblammps.so, which needs libcuda.so.1: the linker looks for
      # that soname, which the stub folder does not have. A link named so, for link time only.
      set(_gaunt_stub_soname_dir ${CMAKE_BINARY_DIR}/cuda_driver_stub)
      file(MAKE_DIRECTORY ${_gaunt_stub_soname_dir})
      file(CREATE_LINK ${GAUNT_CUDA_DRIVER_STUB} ${_gaunt_stub_soname_dir}/libcuda.so.1 SYMBOLIC)
      add_link_options("LINKER:-rpath-link,${_gaunt_stub_soname_dir}")
    endif()
  else()
    set(Kokkos_ENABLE_CUDA OFF CACHE BOOL "" FORCE)
  endif()
endmacro()

# LAMMPS's unittest/ downloads googletest from GTEST_URL. Offline, it gets Debian's googletest
# sources (package googletest, /usr/src/googletest) as a tarball made here, once per build tree.
# The targets it builds (GTest::gtest, GTest::gmock) then also serve tests/cpp: one googletest in
# the tree, the same release as Debian's libgtest-dev.
function(gaunt_local_googletest)
  set(source /usr/src/googletest)
  if(NOT EXISTS ${source}/CMakeLists.txt)
    message(FATAL_ERROR "pair_gaunt: ${source} is missing; install the Debian package googletest "
                        "(cmake/install_packages.sh)")
  endif()
  set(dir ${CMAKE_BINARY_DIR}/gaunt_googletest)
  set(tarball ${dir}/googletest-debian.tar.gz)
  if(NOT EXISTS ${tarball})
    file(REMOVE_RECURSE ${dir})
    file(COPY ${source} DESTINATION ${dir})   # -> ${dir}/googletest, the name LAMMPS looks for
    execute_process(COMMAND ${CMAKE_COMMAND} -E tar czf ${tarball} googletest
                    WORKING_DIRECTORY ${dir} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "pair_gaunt: cannot pack ${source} into ${tarball}")
    endif()
  endif()
  file(SHA256 ${tarball} sha256)
  set(GTEST_URL "file://${tarball}" CACHE STRING "googletest sources for LAMMPS's unittest/" FORCE)
  set(GTEST_SHA256 ${sha256} CACHE STRING "sha256 of GTEST_URL" FORCE)
endfunction()

# Of LAMMPS's unit tests only test_pair_style is built by default (tests/lammps/force_styles
# runs it), and CTest ignores all of LAMMPS's own tests (CTestCustom.cmake in the build tree).
function(gaunt_only_test_pair_style)
  set_property(DIRECTORY ${GAUNT_LAMMPS_TREE}/unittest PROPERTY EXCLUDE_FROM_ALL ON)
  set_property(TARGET test_pair_style PROPERTY EXCLUDE_FROM_ALL OFF)
  gaunt_directory_tests(${GAUNT_LAMMPS_TREE}/cmake lammps_tests)
  set(text "# Written by cmake/GauntLAMMPS.cmake: LAMMPS's own tests are not run here.\n")
  string(APPEND text "set(CTEST_CUSTOM_TESTS_IGNORE\n")
  foreach(name IN LISTS lammps_tests)
    string(APPEND text "  \"${name}\"\n")
  endforeach()
  file(WRITE ${CMAKE_BINARY_DIR}/CTestCustom.cmake "${text})\n")
endfunction()

# Every test registered in directory `dir` and its subdirectories.
function(gaunt_directory_tests dir out)
  get_property(tests DIRECTORY ${dir} PROPERTY TESTS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(subdir IN LISTS subdirs)
    gaunt_directory_tests(${subdir} subdir_tests)
    list(APPEND tests ${subdir_tests})
  endforeach()
  set(${out} ${tests} PARENT_SCOPE)
endfunction()

macro(gaunt_add_lammps)
  gaunt_kokkos_options()
  if(GAUNT_WITH_LAMMPS)
    set(BUILD_SHARED_LIBS ON CACHE BOOL "" FORCE)
    set(BUILD_MPI ON CACHE BOOL "" FORCE)
    set(BUILD_OMP ON CACHE BOOL "" FORCE)
    set(PKG_KOKKOS ON CACHE BOOL "" FORCE)
    set(PKG_PLUGIN ON CACHE BOOL "" FORCE)
    set(PKG_ML-SNAP ON CACHE BOOL "" FORCE)
    # LAMMPS's own unit-test tree, for its force-style harness test_pair_style (DESIGN.md §7.3),
    # in CPU builds (a CUDA build is checked on a GPU node through examples/gpu/).
    if((BUILD_TESTING OR NOT DEFINED BUILD_TESTING) AND NOT GAUNT_CUDA)
      set(ENABLE_TESTING ON CACHE BOOL "" FORCE)
      gaunt_local_googletest()
    else()
      set(ENABLE_TESTING OFF CACHE BOOL "" FORCE)
    endif()
    add_subdirectory(${GAUNT_LAMMPS_TREE}/cmake ${CMAKE_BINARY_DIR}/lammps)
    if(ENABLE_TESTING)
      gaunt_only_test_pair_style()
    endif()
  else()
    # The same Kokkos configuration LAMMPS's KOKKOS package uses, without LAMMPS.
    set(Kokkos_ENABLE_IMPL_VIEW_LEGACY ON CACHE BOOL "" FORCE)
    set(CMAKE_POSITION_INDEPENDENT_CODE ON)
    add_subdirectory(${GAUNT_LAMMPS_TREE}/lib/kokkos ${CMAKE_BINARY_DIR}/kokkos_lib EXCLUDE_FROM_ALL)
  endif()
endmacro()
