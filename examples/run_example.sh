#!/usr/bin/env bash
# Runs the main example with the lmp of a pair_gaunt build, with Kokkos OpenMP on 2 threads.
# usage: examples/run_example.sh BUILD_DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="$(cd "${1:?usage: run_example.sh BUILD_DIR}" && pwd)"
lmp="$build/lmp"
tree="$(sed -n 's/^GAUNT_LAMMPS_TREE:[A-Z]*=//p' "$build/CMakeCache.txt")"
work="$build/examples/snap_kokkos"
mkdir -p "$work" && cd "$work"
echo "== running examples/snap_kokkos/in.ta_nve in $work"
OMP_PROC_BIND=false LAMMPS_POTENTIALS="$tree/potentials" \
  "$lmp" -k on t 2 -sf kk -in "$here/snap_kokkos/in.ta_nve" -log log.lammps
