// Explicit instantiations of GauntNetEngine for the execution spaces of this build.
#include "gauntnet_engine.hpp"

namespace gaunt {

template class GauntNetEngine<Kokkos::DefaultHostExecutionSpace>;
#if defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP)
template class GauntNetEngine<Kokkos::Serial>;
#endif
#ifdef KOKKOS_ENABLE_CUDA
template class GauntNetEngine<Kokkos::Cuda>;
#endif

}  // namespace gaunt
