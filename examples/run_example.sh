#!/usr/bin/env bash
# Runs the main example with the lmp and the plugin of a pair_gaunt build: NVE dynamics of aspirin
# in vacuum with the shipped GauntNet model through gaunt/kk (Kokkos OpenMP, 2 threads).
# usage: examples/run_example.sh BUILD_DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="$(cd "${1:?usage: run_example.sh BUILD_DIR}" && pwd)"
work="$build/examples/aspirin_md"
mkdir -p "$work" && cd "$work"
cp "$here/aspirin_md/aspirin.data" .
echo "== running examples/aspirin_md/in.nve with gaunt/kk in $work"
OMP_PROC_BIND=false LAMMPS_PLUGIN_PATH="$build/plugins" \
  "$build/lmp" -k on t 2 -sf kk -in "$here/aspirin_md/in.nve" \
  -var model "$here/models/aspirin/aspirin.gaunt.pt" -log log.lammps
