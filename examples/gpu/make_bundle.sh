#!/usr/bin/env bash
# Builds the CUDA variant here (no GPU needed: nvcc compiles and links) and packs what a GPU node
# needs into one folder, gpu_bundle/ at the repository root (ignored by git, ~40 MiB):
#   lmp, liblammps.so.0, gauntplugin.so (Kokkos CUDA + OpenMP, HOPPER90 unless GAUNT_CUDA_ARCH),
#   the engine's GoogleTest binaries,
#   the shared libraries they need beyond glibc/libstdc++ (OpenMPI, FFTW, libzip, OpenSSL, ...),
#   OpenMPI's and PMIx's components (a singleton MPI run needs them), the shipped models, and a
#   wide random model with its PyTorch reference (wide/).
# Then, on the GPU node, from the repository root:  bash examples/gpu/run_on_gpu.sh gpu_bundle OUT
# usage: bash examples/gpu/make_bundle.sh [BUILD_DIR]      (default: build-cuda)
# With GAUNT_BASELINE_PLUGIN=FILE (a gauntplugin.so built in BUILD_DIR from an earlier commit, e.g.
# after `git checkout REV -- kokkos pair_style`) and GAUNT_BASELINE_LABEL=TEXT, that plugin is
# packed too (baseline/), and run_on_gpu.sh times it next to the current one (step 3).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
build="${1:-$root/build-cuda}"
bash cmake/install_packages.sh
cmake --preset cuda -B "$build"
cmake --build "$build" -j "${GAUNT_JOBS:-$(nproc)}"

bundle="$root/gpu_bundle"
rm -rf "$bundle" && mkdir -p "$bundle/lib"
cp -L "$build/lmp" "$bundle/"
cp -L "$build/liblammps.so.0" "$bundle/lib/"
cp -L "$build/plugins/gauntplugin.so" "$bundle/"
if [[ -n "${GAUNT_BASELINE_PLUGIN:-}" ]]; then
  mkdir -p "$bundle/baseline"
  cp -L "$GAUNT_BASELINE_PLUGIN" "$bundle/baseline/gauntplugin.so"
  echo "${GAUNT_BASELINE_LABEL:-$GAUNT_BASELINE_PLUGIN}" > "$bundle/baseline/LABEL"
fi
# The engine's GoogleTests, whose typed tests run on Kokkos::Cuda as well as on the host spaces.
mkdir -p "$bundle/tests"
cp -L "$build"/tests/cpp/test_* "$bundle/tests/"
# The wide random model (K = 64, L = 8, ν_max = 3) and its PyTorch reference, for the engine test
# and the LAMMPS run that need level-1 scratch on GPUs (AtomTeams::with_scratch_level).
PYTHONPATH="$root/model_export" /usr/bin/python3 "$root/tests/reference/make_model_reference.py" \
  --wide "$bundle/wide"
# Libraries the node provides: glibc, the C++ runtime, the driver, and the CUDA runtime and cuFFT
# (CUDA 13; run_on_gpu.sh finds them in the node's CUDA toolkit or its Python nvidia-* wheels).
system='^(libc|libm|libdl|librt|libpthread|libstdc\+\+|libgcc_s|ld-linux-x86-64|libcuda|libcudart|libcufft)\.so'
for binary in "$bundle/lmp" "$bundle/lib/liblammps.so.0" "$bundle/gauntplugin.so" "$bundle"/tests/*; do
  ldd "$binary" | awk '/=> \//{print $1, $3}' | while read -r name path; do
    [[ "$name" =~ $system ]] || cp -Ln "$path" "$bundle/lib/$name"
  done
done
# OpenMPI loads its components (and PMIx's) with dlopen; a singleton run needs them.
for dir in openmpi/lib/openmpi3 pmix2/lib/pmix; do
  src="/usr/lib/x86_64-linux-gnu/$dir"
  [[ -d "$src" ]] && mkdir -p "$bundle/$(basename "$dir")" && cp -L "$src"/*.so "$bundle/$(basename "$dir")/"
done
for so in "$bundle"/openmpi3/*.so "$bundle"/pmix/*.so; do
  ldd "$so" | awk '/=> \//{print $1, $3}' | while read -r name path; do
    [[ "$name" =~ $system ]] || cp -Ln "$path" "$bundle/lib/$name"
  done
done
cp /usr/share/openmpi/openmpi-mca-params.conf "$bundle/" 2>/dev/null || true
# Symbols are not needed to run; the device tool carries at most 64 MiB.
strip --strip-unneeded "$bundle/lmp" "$bundle"/gauntplugin.so "$bundle"/baseline/gauntplugin.so \
  "$bundle"/lib/*.so* "$bundle"/tests/* 2>/dev/null || true
# Large libraries are compressed: liblammps.so with the KOKKOS package's device code (~100 MB ->
# ~12 MB), OpenBLAS behind libblas.so.3 (~37 MB -> ~4 MB) and the test binaries. run_on_gpu.sh
# unpacks them (python3's lzma) before anything runs.
for so in "$bundle"/lib/*.so*; do
  if [ "$(stat -c %s "$so")" -gt 8000000 ]; then xz -T0 -6 "$so"; fi
done
xz -T0 -6 "$bundle"/tests/*
echo "gpu_bundle: $(du -sh "$bundle" | cut -f1) ($(find "$bundle" -type f | wc -l) files)"
carry_mib=$(( $(du -sb "$bundle" | cut -f1) / 1048576 ))
(( carry_mib < 60 )) || { echo "gpu_bundle is ${carry_mib} MiB: more than the device tool carries"; exit 1; }

# Check here what can be checked without a GPU, on a copy of the bundle unpacked and set up as
# run_on_gpu.sh does (bundle_env.sh): every library resolves within it, lmp starts (a singleton
# MPI run with the bundled OpenMPI components) and loads the plugin (and the baseline plugin), and
# their four pair styles are registered.
# Nothing can compute here: in a CUDA build, Kokkos (which every gaunt style initialises) needs a
# GPU. Without a driver here, the loader is given the CUDA toolkit's stub libcuda (never called).
check="$(mktemp -d)"
trap 'rm -rf "$check"' EXIT
cp -r "$bundle" "$check/bundle"
if ! ldconfig -p | grep -q 'libcuda\.so\.1 '; then
  mkdir -p "$check/driver_stub"
  toolkit="$(sed -n 's/^CUDAToolkit_BIN_DIR:PATH=//p' "$build/CMakeCache.txt")/.."
  ln -s "$(find -L "$toolkit"/lib* -path '*stubs/libcuda.so' | head -1)" "$check/driver_stub/libcuda.so.1"
  export LD_LIBRARY_PATH="$check/driver_stub${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
(
  bundle="$check/bundle"
  source "$root/examples/gpu/bundle_env.sh"
  # Every library resolves inside the bundle, except those the node provides ($system).
  outside=$(ldd "$lmp" "$plugin" "$bundle"/lib/*.so* "$bundle"/openmpi3/*.so "$bundle"/pmix/*.so \
    "$bundle"/tests/* |
    awk '/not found/{print $1, "not found"} /=> \//{print $1, $3}' | sort -u |
    while read -r name path; do
      [[ "$path" == "$bundle"/* || "$name" =~ $system ]] || echo "  $name -> $path"
    done)
  [[ -z "$outside" ]] || { printf 'gpu_bundle: libraries from outside the bundle:\n%s\n' "$outside"; exit 1; }
  for so in "$plugin" "$bundle"/baseline/gauntplugin.so; do
    [[ -f "$so" ]] || continue
    printf 'plugin load %s\nplugin list\n' "$so" > "$check/in.styles"
    "$lmp" -in "$check/in.styles" -log none > "$check/styles.txt" 2>&1 || { cat "$check/styles.txt"; exit 1; }
    for style in gaunt gaunt/kk gaunt/kk/device gaunt/kk/host; do
      grep -qx " *[0-9]*: pair style plugin $style" "$check/styles.txt" ||
        { echo "gpu_bundle: no pair style $style in $so"; exit 1; }
    done
  done
)
echo "gpu_bundle: lmp starts and registers the gaunt styles here; on the GPU node: bash examples/gpu/run_on_gpu.sh gpu_bundle OUT"
