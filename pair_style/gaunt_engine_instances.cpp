// Explicit instantiations of the engine for the execution spaces the plugin uses: the host
// space (pair_style gaunt, gaunt/kk/host) and the default space (gaunt/kk, gaunt/kk/device).
// kokkos/gauntnet_engine.cpp is not compiled into the plugin: it also instantiates
// Kokkos::Serial, whose runtime is not part of the Kokkos that liblammps.so carries (LAMMPS
// never uses Serial, so the linker left it out of liblammps.so).
#include "gauntnet_engine.hpp"

namespace gaunt {

template class GauntNetEngine<Kokkos::DefaultHostExecutionSpace>;
#ifdef KOKKOS_ENABLE_CUDA
template class GauntNetEngine<Kokkos::Cuda>;
#endif

}  // namespace gaunt
