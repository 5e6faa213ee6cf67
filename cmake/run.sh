#!/usr/bin/env bash
# The two commands of README.md. Each one sets everything up (Debian packages, LAMMPS + Kokkos
# sources, the superbuild) and then runs the main example or every test.
#
#   bash cmake/run.sh example   # build, then run the MD example with Kokkos
#   bash cmake/run.sh test      # build, then run all tests (CTest: GoogleTest, pytest, LAMMPS)
#
# Environment: GAUNT_CACHE_DIR (downloads, sources, compiler cache; default ~/.cache/pair_gaunt),
# GAUNT_BUILD_DIR (default ./build), GAUNT_JOBS (parallel build jobs; default: all cores).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
what="${1:-}"
case "$what" in
  example | test) ;;
  *) echo "usage: bash cmake/run.sh example|test" >&2; exit 2 ;;
esac

bash cmake/install_packages.sh
build="${GAUNT_BUILD_DIR:-$root/build}"
jobs="${GAUNT_JOBS:-$(nproc)}"
cmake --preset default -B "$build"
cmake --build "$build" -j "$jobs"

case "$what" in
  example)
    bash examples/run_example.sh "$build"
    ;;
  test)
    ctest --test-dir "$build" --output-on-failure --no-tests=error -j 1
    ;;
esac
