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

constexpr char kGaunt[] = "gaunt";
#ifdef GAUNT_WITH_TORCH
constexpr char kGauntTorch[] = "gaunt/torch";
#endif
#ifdef LMP_KOKKOS
constexpr char kGauntKk[] = "gaunt/kk";
constexpr char kGauntKkDevice[] = "gaunt/kk/device";
constexpr char kGauntKkHost[] = "gaunt/kk/host";
#endif

// A style registered as Name knows that name (PairGaunt::set_style_name).
template <class Style, const char* Name>
Pair* create(LAMMPS* lmp) {
  auto* pair = new Style(lmp);
  pair->set_style_name(Name);
  return pair;
}

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
  register_pair(kGaunt, "GauntNet equivariant MLIP, native Kokkos engine on the host",
                (lammpsplugin_factory1*)&create<PairGaunt, kGaunt>, handle, register_plugin, lmp);
#ifdef GAUNT_WITH_TORCH
  register_pair(kGauntTorch, "GauntNet equivariant MLIP, TorchScript + LibTorch autograd",
                (lammpsplugin_factory1*)&create<PairGauntTorch, kGauntTorch>, handle,
                register_plugin, lmp);
#endif
#ifdef LMP_KOKKOS
  register_pair(kGauntKk, "GauntNet equivariant MLIP, Kokkos (default device)",
                (lammpsplugin_factory1*)&create<PairGauntKokkos<LMPDeviceType>, kGauntKk>, handle,
                register_plugin, lmp);
  register_pair(kGauntKkDevice, "GauntNet equivariant MLIP, Kokkos device",
                (lammpsplugin_factory1*)&create<PairGauntKokkos<LMPDeviceType>, kGauntKkDevice>,
                handle, register_plugin, lmp);
  register_pair(kGauntKkHost, "GauntNet equivariant MLIP, Kokkos host",
                (lammpsplugin_factory1*)&create<PairGauntKokkos<LMPHostType>, kGauntKkHost>, handle,
                register_plugin, lmp);
#endif
}
