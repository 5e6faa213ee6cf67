// Plugin entry point: registers pair styles gaunt, gaunt/kk, gaunt/kk/device and gaunt/kk/host,
// and gaunt/torch in builds with LibTorch (GAUNT_WITH_TORCH), with LAMMPS (`plugin load
// gauntplugin.so` or LAMMPS_PLUGIN_PATH). No LAMMPS source is patched.
#include "lammpsplugin.h"
#include "pair_gaunt.h"
#include "version.h"

#ifdef LMP_KOKKOS
#include "pair_gaunt_kokkos.h"
#endif
#ifdef GAUNT_WITH_TORCH
#include "pair_gaunt_torch.h"
#endif

using namespace LAMMPS_NS;

namespace {

Pair* gaunt_creator(LAMMPS* lmp) { return new PairGaunt(lmp); }
#ifdef GAUNT_WITH_TORCH
Pair* gaunt_torch_creator(LAMMPS* lmp) { return new PairGauntTorch(lmp); }
#endif

#ifdef LMP_KOKKOS
Pair* gaunt_kk_device_creator(LAMMPS* lmp) { return new PairGauntKokkos<LMPDeviceType>(lmp); }
Pair* gaunt_kk_host_creator(LAMMPS* lmp) { return new PairGauntKokkos<LMPHostType>(lmp); }
#endif

void register_pair(const char* name, const char* info, lammpsplugin_factory1* creator, void* handle,
                   lammpsplugin_regfunc register_plugin, void* lmp) {
  lammpsplugin_t plugin;
  plugin.version = LAMMPS_VERSION;
  plugin.style = "pair";
  plugin.name = name;
  plugin.info = info;
  plugin.author = "pair_gaunt developers";
  plugin.creator.v1 = creator;
  plugin.handle = handle;
  (*register_plugin)(&plugin, lmp);
}

}  // namespace

extern "C" void lammpsplugin_init(void* lmp, void* handle, void* regfunc) {
  auto register_plugin = (lammpsplugin_regfunc)regfunc;
  register_pair("gaunt", "GauntNet equivariant MLIP, native Kokkos engine on the host",
                (lammpsplugin_factory1*)&gaunt_creator, handle, register_plugin, lmp);
#ifdef GAUNT_WITH_TORCH
  register_pair("gaunt/torch", "GauntNet equivariant MLIP, TorchScript + LibTorch autograd",
                (lammpsplugin_factory1*)&gaunt_torch_creator, handle, register_plugin, lmp);
#endif
#ifdef LMP_KOKKOS
  register_pair("gaunt/kk", "GauntNet equivariant MLIP, Kokkos (default device)",
                (lammpsplugin_factory1*)&gaunt_kk_device_creator, handle, register_plugin, lmp);
  register_pair("gaunt/kk/device", "GauntNet equivariant MLIP, Kokkos device",
                (lammpsplugin_factory1*)&gaunt_kk_device_creator, handle, register_plugin, lmp);
  register_pair("gaunt/kk/host", "GauntNet equivariant MLIP, Kokkos host",
                (lammpsplugin_factory1*)&gaunt_kk_host_creator, handle, register_plugin, lmp);
#endif
}
