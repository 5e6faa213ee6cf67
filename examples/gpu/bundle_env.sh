# Sourced by run_on_gpu.sh (on the GPU node) and make_bundle.sh (its check here): unpacks what
# make_bundle.sh compressed and sets up the environment in which the bundle's lmp runs.
# Needs: bundle (the bundle's absolute path). Sets: lmp, plugin, LD_LIBRARY_PATH and the OpenMPI
# variables of a singleton run. Safe under `set -e`.

# Unpack what make_bundle.sh compressed (python3's lzma: no xz binary needed there).
for packed in "$bundle"/lib/*.xz "$bundle"/tests/*.xz; do
  [[ -e "$packed" ]] || continue
  python3 -c 'import lzma, os, shutil, sys
with lzma.open(sys.argv[1]) as src, open(sys.argv[1][:-3], "wb") as dst:
    shutil.copyfileobj(src, dst)
os.chmod(sys.argv[1][:-3], 0o755)' "$packed" && rm -f "$packed"
done

# The CUDA runtime, cuFFT and cuBLAS (radial_mlp gemm) of the node: its toolkit, or the nvidia-*
# wheels of its Python.
cuda_libs=""
for dir in /usr/local/cuda/lib64 /usr/local/cuda/lib; do
  if [[ -e "$dir/libcudart.so.13" ]]; then cuda_libs="$cuda_libs:$dir"; fi
done
# The driver (libcuda.so.1), where a container mounts it outside the loader's default paths.
for dir in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  if [[ -e "$dir/libcuda.so.1" ]]; then cuda_libs="$cuda_libs:$dir"; fi
done
wheels="$(python3 -c 'import glob, os, nvidia; print(":".join(sorted({os.path.dirname(p) for d in nvidia.__path__ for p in glob.glob(d + "/*/lib/libcu*.so*")})))' 2>/dev/null || true)"
export LD_LIBRARY_PATH="$bundle/lib${cuda_libs}${wheels:+:$wheels}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# A singleton MPI run with the bundled OpenMPI: its components, no orted, and no transport to probe
# beyond the process itself (no InfiniBand or UCX probing, no shared-memory transport: the node may
# run in a gVisor sandbox).
export OMPI_MCA_mca_base_component_path="$bundle/openmpi3"
export PMIX_MCA_mca_base_component_path="$bundle/pmix"
export OMPI_MCA_ess_singleton_isolated=1 OMPI_MCA_plm=isolated OMPI_MCA_pml=ob1 OMPI_MCA_btl=self
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_PROC_BIND=false
lmp="$bundle/lmp"
plugin="$bundle/gauntplugin.so"
