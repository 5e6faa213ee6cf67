#!/usr/bin/env bash
# One-shot GPU check (<= 8 min on an H100/H200): run from the repository root of a copy that holds
# gpu_bundle/ (made here by examples/gpu/make_bundle.sh) on a node with an NVIDIA GPU.
#   0. the engine's GoogleTests on Kokkos::Cuda (PyTorch fixtures, finite differences, Gaunt
#      routes and adjoints), each binary's output in OUT;
#   1. the PyTorch fixtures through LAMMPS `run 0` with gaunt/kk on the GPU (1e-10 relative), the
#      tiny model's and the wide model's (K = 64, L = 8: level-1 scratch);
#   2. a short NVE run of each example (aspirin in vacuum, silicon crystal) on the GPU;
#   3. the engine's stage times at 125k atoms (LAMMPS `timer full`), with the radial MLP by the
#      team kernel (the default on GPUs) and by cuBLAS (`radial_mlp gemm`), and those of the
#      baseline plugin when the bundle holds one (make_bundle.sh, GAUNT_BASELINE_PLUGIN);
#   4. throughput (atom-steps/s) of gaunt/kk on the GPU for 1k..1M atoms of crystalline Si with
#      the shipped Si model, float64 and `precision mixed`, and the peak GPU memory of each run
#      (nvidia-smi).
# Everything it prints is also written to OUT (gpu_check.log, gpu_throughput.csv).
# usage: bash examples/gpu/run_on_gpu.sh BUNDLE OUT
# With GAUNT_GPU_CHECK_ON_HOST=1 it runs here instead, on the host build's Kokkos OpenMP (2 threads;
# a bundle of links made by examples/gpu/host_bundle.sh), to check the script itself where no GPU
# is: every step runs, GPU memory reads as 0, and the timings are the host's. GAUNT_CHECK_PYTHON
# names the python3 of step 1 (it needs numpy).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bundle="$(cd "${1:?usage: run_on_gpu.sh BUNDLE OUT}" && pwd)"
out="$(mkdir -p "${2:?usage: run_on_gpu.sh BUNDLE OUT}" && cd "$2" && pwd)"
log="$out/gpu_check.log"
exec > >(tee "$log") 2>&1
start=$(date +%s)

source "$root/examples/gpu/bundle_env.sh"
kk=(-k on g 1 -sf kk -pk kokkos newton on neigh half)
gpu=(--gpu)
if [[ -n "${GAUNT_GPU_CHECK_ON_HOST:-}" ]]; then
  kk=(-k on t 2 -sf kk -pk kokkos newton on neigh half)
  gpu=()
  # A stand-in nvidia-smi: no GPU, 0 MiB used.
  mkdir -p "$out/host_check_bin"
  printf '#!/bin/sh\ncase "$*" in *memory.used*) echo 0 ;; *) echo "none (GAUNT_GPU_CHECK_ON_HOST)" ;; esac\n' \
    > "$out/host_check_bin/nvidia-smi"
  chmod +x "$out/host_check_bin/nvidia-smi"
  export PATH="$out/host_check_bin:$PATH"
fi
status=0

echo "== $(date -u '+%F %T') $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader)"
ldd "$lmp" "$plugin" | grep "not found" && { echo "FAIL: libraries missing"; exit 1; }

echo "== 0. the engine's GoogleTests (typed tests on Kokkos::Cuda and the host spaces)"
for test in "$bundle"/tests/test_*; do
  GAUNT_REFERENCE_DIR="$root/tests/reference" GAUNT_WIDE_REFERENCE_DIR="$bundle/wide" \
    timeout 180 "$test" --gtest_brief=1 \
    > "$out/$(basename "$test").txt" 2>&1 ||
    { status=1; echo "FAIL: $(basename "$test")"; tail -5 "$out/$(basename "$test").txt"; }
  grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[==========\] .* ran" "$out/$(basename "$test").txt" |
    sed "s|^|$(basename "$test"): |"
done

echo "== 1. PyTorch fixtures, gaunt/kk on the GPU, run 0"
structures="molecule periodic_orthorhombic periodic_triclinic isolated_atom near_cutoff"
python="${GAUNT_CHECK_PYTHON:-python3}"
"$python" -c "import numpy" 2>/dev/null || { structures=""; echo "skipped: $python has no numpy"; }
for structure in $structures; do
  "$python" "$root/tests/lammps/gaunt_run0.py" fixture "${gpu[@]}" --style gaunt/kk --structure "$structure" \
    --lmp "$lmp" --plugin "$plugin" --reference "$root/tests/reference/model/tiny_reference.json" \
    --workdir "/tmp/gaunt_gpu/run0/$structure" || status=1
done
# The wide model (K = 64, L = 8): its per-atom kernels take level-1 scratch on the GPU.
if [[ -n "$structures" ]]; then
  "$python" "$root/tests/lammps/gaunt_run0.py" fixture "${gpu[@]}" --style gaunt/kk --structure periodic_triclinic \
    --lmp "$lmp" --plugin "$plugin" --reference "$bundle/wide/wide_reference.json" \
    --workdir "/tmp/gaunt_gpu/run0/wide_periodic_triclinic" || status=1
fi

echo "== 2. short NVE runs on the GPU"
export LAMMPS_PLUGIN_PATH="$bundle"
for example in aspirin_md si_crystal; do
  work="/tmp/gaunt_gpu/$example" && mkdir -p "$work" && cp "$root/examples/$example"/* "$work/"
  (cd "$work" && "$lmp" "${kk[@]}" -in in.nve -var steps 200 \
      -var model "$root/examples/models/$([[ $example == si_crystal ]] && echo si/si || echo aspirin/aspirin).gaunt.pt" \
      -log log.lammps > stdout.txt) || { status=1; tail -20 "$work/stdout.txt"; }
  grep -A3 "^ *Step" "$work/log.lammps" | head -4; grep -B1 "^Loop time" "$work/log.lammps"
  cp "$work/log.lammps" "$out/log.$example.lammps"
done

echo "== 3. where the time goes: stage times (timer full) at 125k Si atoms, float64, 20 steps,"
echo "   radial_mlp teams (the default) and gemm (cuBLAS)"
# run_si INPUT WORKDIR CELLS STEPS SECONDS: an input derived from examples/si_crystal/in.nve on
# the GPU with the shipped Si model, at most SECONDS; log.lammps and stdout.txt in WORKDIR.
run_si() {
  mkdir -p "$2"
  (cd "$2" && timeout "$5" "$lmp" "${kk[@]}" -in "$1" -var cells "$3" -var steps "$4" \
     -var thermo_every "$4" -var model "$root/examples/models/si/si.gaunt.pt" \
     -log log.lammps > stdout.txt 2>&1)
}
mkdir -p /tmp/gaunt_gpu
# profile NAME INPUT: the run's stage times (log.profile.NAME.lammps in OUT).
profile() {
  run_si "$2" "/tmp/gaunt_gpu/profile_$1" 25 20 120 ||
    { status=1; tail -5 "/tmp/gaunt_gpu/profile_$1/stdout.txt"; }
  sed -n '/stage times of the run/,/total/p;/^Loop time/p;/^Pair  /p' \
    "/tmp/gaunt_gpu/profile_$1/log.lammps"
  cp "/tmp/gaunt_gpu/profile_$1/log.lammps" "$out/log.profile.$1.lammps" 2>/dev/null
}
for mlp in teams gemm; do
  sed "s/^run /timer full\nrun /;s/^pair_style\( *\)gaunt$/pair_style\1gaunt radial_mlp $mlp/" \
    "$root/examples/si_crystal/in.nve" > "/tmp/gaunt_gpu/in.si.profile.$mlp"
  echo "-- radial_mlp $mlp"
  profile "$mlp" "/tmp/gaunt_gpu/in.si.profile.$mlp"
done
# The plugin of an earlier commit, when make_bundle.sh packed one (GAUNT_BASELINE_PLUGIN): the same
# run with its kernels, so that one GPU run compares the two.
if [[ -f "$bundle/baseline/gauntplugin.so" ]]; then
  echo "-- radial_mlp teams, the baseline plugin: $(cat "$bundle/baseline/LABEL")"
  LAMMPS_PLUGIN_PATH="$bundle/baseline" profile baseline "/tmp/gaunt_gpu/in.si.profile.teams"
fi

echo "== 4. throughput, Si crystal, gaunt/kk on the GPU, float64 and precision mixed"
# Sizes grow until the script's budget is spent: a run is skipped when the rate measured at the
# previous size predicts that it would end after the deadline (8 minutes from the start).
deadline=$(( start + 480 ))
echo "precision,atoms,cells,steps,atom_steps_per_s,us_per_atom_step,peak_gpu_mib" > "$out/gpu_throughput.csv"
for precision in double mixed; do
  sed "s/^pair_style\( *\)gaunt$/pair_style\1gaunt precision $precision/" \
    "$root/examples/si_crystal/in.nve" > "/tmp/gaunt_gpu/in.si.$precision"
done
declare -A rate=([double]=0 [mixed]=0)
for cells in 5 10 16 25 40 50; do
  for precision in double mixed; do
    steps=$(( cells <= 16 ? 100 : 20 ))
    atoms=$(( 8 * cells * cells * cells ))
    if (( ${rate[$precision]} < 0 )); then
      echo "$precision, cells $cells ($atoms atoms): skipped, a smaller size failed"
      continue
    fi
    left=$(( deadline - $(date +%s) ))
    # Setup (neighbour lists, first forces) costs about two steps; 15 s for loading and start-up.
    need=$(( ${rate[$precision]} > 0 ? 15 + atoms * (steps + 2) / ${rate[$precision]} : 15 ))
    if (( need > left )); then
      echo "$precision, cells $cells ($atoms atoms): skipped, needs ~${need} s, ${left} s left"
      continue
    fi
    work="/tmp/gaunt_gpu/bench_${precision}_$cells" && mkdir -p "$work"
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 > "$work/mem.txt" &
    smi=$!
    run_si "/tmp/gaunt_gpu/in.si.$precision" "$work" "$cells" "$steps" "$left"
    rc=$?
    kill "$smi" 2>/dev/null
    peak=$(sort -n "$work/mem.txt" | tail -1)
    # LAMMPS prints atom-step/s, katom-step/s or Matom-step/s.
    perf=$(awk '/^Performance:/{for (i = 1; i < NF; i++) {
             u = $(i+1); f = u ~ /^katom-step/ ? 1e3 : u ~ /^Matom-step/ ? 1e6 : u ~ /^atom-step/ ? 1 : 0
             if (f) printf "%.6g\n", $i * f }}' "$work/log.lammps" | tail -1)
    if [[ $rc -ne 0 || -z "$perf" ]]; then
      if [[ $rc -eq 124 ]]; then echo "$precision, cells $cells: stopped at the deadline"
      else echo "$precision, cells $cells: failed (rc $rc)"; tail -5 "$work/stdout.txt"; status=1; fi
      rate[$precision]=-1  # no larger size of this precision
      continue
    fi
    rate[$precision]=$(awk -v p="$perf" 'BEGIN{printf "%d", p}')
    us=$(awk -v p="$perf" 'BEGIN{printf "%.4g", 1e6 / p}')
    echo "$precision,$atoms,$cells,$steps,$perf,$us,$peak" | tee -a "$out/gpu_throughput.csv"
  done
done
echo "== done, status $status"
exit $status
