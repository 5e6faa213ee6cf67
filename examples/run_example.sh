#!/usr/bin/env bash
# Runs an example with the lmp and the plugin of a pair_gaunt build through gaunt/kk (Kokkos
# OpenMP, 2 threads), plots its NVE energies (nve_energy.png) and compares its thermo output
# with the expected output shipped next to the input (log.expected, same command).
# usage: examples/run_example.sh BUILD_DIR [aspirin_md|si_crystal] [LAMMPS -var arguments ...]
# The README's `bash cmake/run.sh example` runs aspirin_md (one aspirin molecule in vacuum).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="$(cd "${1:?usage: run_example.sh BUILD_DIR [EXAMPLE]}" && pwd)"
example="${2:-aspirin_md}"
shift $(( $# < 2 ? $# : 2 ))
case "$example" in
  aspirin_md) model="$here/models/aspirin/aspirin.gaunt.pt" ;;
  si_crystal) model="$here/models/si/si.gaunt.pt" ;;
  *) echo "no example $example (aspirin_md, si_crystal)" >&2; exit 2 ;;
esac
work="$build/examples/$example"
mkdir -p "$work" && cp "$here/$example"/* "$work/" && cd "$work"
echo "== running examples/$example/in.nve with gaunt/kk (OpenMP, 2 threads) in $work"
OMP_PROC_BIND=false LAMMPS_PLUGIN_PATH="$build/plugins" \
  "$build/lmp" -k on t 2 -sf kk -in in.nve -log log.lammps -var model "$model" "$@"
python3=/usr/bin/python3
"$python3" "$here/plot_nve.py" log.lammps nve_energy.png --title "examples/$example, gaunt/kk"
echo "== thermo output vs examples/$example/log.expected (to the last printed digit)"
"$python3" "$here/../tests/lammps/compare_thermo.py" --prefix log.lammps log.expected \
  Temp PotEng KinEng TotEng | tail -1
