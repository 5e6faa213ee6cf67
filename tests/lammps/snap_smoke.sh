#!/usr/bin/env bash
# LAMMPS smoke test: the built lmp runs LAMMPS's own SNAP Ta06A example with Kokkos OpenMP
# (-k on t 2 -sf kk) and must reproduce the energies of the log shipped with LAMMPS.
# usage: snap_smoke.sh LMP LAMMPS_TREE WORKDIR
set -euo pipefail
lmp="$1" tree="$2" work="$3"
rm -rf "$work" && mkdir -p "$work" && cd "$work"
cp "$tree"/examples/snap/{in.snap.Ta06A,Ta06A.snap,Ta06A.snapcoeff,Ta06A.snapparam} .
OMP_PROC_BIND=false "$lmp" -k on t 2 -sf kk -in in.snap.Ta06A -log log.kokkos -screen none
python3 "$(dirname "$0")/compare_thermo.py" log.kokkos "$tree"/examples/snap/log.15Jun20.snap.Ta06A.g++.1 \
  Temp E_pair TotEng Press
grep -q "KOKKOS mode with Kokkos version 5.0.2 is enabled" log.kokkos ||
  { echo "FAIL: log does not show Kokkos 5.0.2 enabled"; exit 1; }
