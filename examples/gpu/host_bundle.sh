#!/usr/bin/env bash
# A bundle of links to a host build (no CUDA) for checking run_on_gpu.sh here, where no GPU is:
#   GAUNT_GPU_CHECK_ON_HOST=1 GAUNT_CHECK_PYTHON=/usr/bin/python3 \
#     bash examples/gpu/run_on_gpu.sh host_bundle OUT
# runs every step of the GPU check on Kokkos OpenMP (its tests, parsing, deadlines and files; the
# numbers are the host's, GPU memory reads as 0). Not a GPU test: make_bundle.sh builds that one.
# usage: bash examples/gpu/host_bundle.sh [BUILD_DIR]      (default: build; writes host_bundle/)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
bundle="$root/host_bundle"
[[ -x "$build/lmp" && -f "$build/plugins/gauntplugin.so" ]] ||
  { echo "host_bundle.sh: no lmp or plugin in $build (bash cmake/run.sh build first)"; exit 1; }
rm -rf "$bundle" && mkdir -p "$bundle/tests" "$bundle/lib"
ln -s "$build/lmp" "$bundle/lmp"
ln -s "$build/plugins/gauntplugin.so" "$bundle/gauntplugin.so"
for test in "$build"/tests/cpp/test_*; do
  [[ -f "$test" && -x "$test" ]] && ln -s "$test" "$bundle/tests/"
done
# The system's OpenMPI and PMIx components, where bundle_env.sh looks for the bundled ones.
ln -s /usr/lib/x86_64-linux-gnu/openmpi/lib/openmpi3 "$bundle/openmpi3"
ln -s /usr/lib/x86_64-linux-gnu/pmix2/lib/pmix "$bundle/pmix"
PYTHONPATH="$root/model_export" /usr/bin/python3 "$root/tests/reference/make_model_reference.py" \
  --wide "$bundle/wide"
echo "host_bundle: then GAUNT_GPU_CHECK_ON_HOST=1 GAUNT_CHECK_PYTHON=/usr/bin/python3 bash examples/gpu/run_on_gpu.sh host_bundle OUT"
