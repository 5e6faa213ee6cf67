"""NVE energy conservation of a shipped model: 10 ps of ethanol in vacuum (issue 5, item 5).

Runs 20000 velocity-Verlet steps of 0.5 fs (10 ps) of one ethanol molecule (first frame of the
rMD17 training set, velocities drawn at 300 K; the molecule heats to ~500 K as it leaves the
training geometry) with examples/models/ethanol/ethanol.gaunt.pt, writes the energies to
WORKDIR/log.lammps and a plot WORKDIR/nve_energy.png, and checks two bounds on the total energy
E_tot(t) per atom:

- drift, the slope of a least-squares line through E_tot(t): |slope| < 2e-5 eV/atom/ps.
  Velocity Verlet is symplectic, so with forces that are the exact gradient of a smooth energy
  (the envelope makes energy and forces continuous at the cutoff) E_tot only fluctuates, with
  no systematic drift. What a fit over 10 ps can resolve is set by those fluctuations: with
  σ ≈ 0.2 meV/atom sampled every 50 fs (200 nearly independent points) the slope's standard
  error is σ·sqrt(12/200)/10 ps ≈ 5e-6 eV/atom/ps; the bound is four times that. Forces that
  are not the gradient of the energy, or an energy step at the cutoff (each crossing adds an
  unbalanced kick), show up as a drift beyond it.
- excursion, max |E_tot(t) − E_tot(0)| < 2e-3 eV/atom: the O(dt²) oscillation of the shadow
  Hamiltonian for 0.5 fs steps with C-H stretches (period ~11 fs), measured 0.8 meV/atom.

Measured (gaunt, 1 thread): slope -4.0e-6 eV/atom/ps, excursion 8.3e-4 eV/atom, σ 2.1e-4.

Usage: nve_drift.py --lmp LMP --plugin gauntplugin.so --workdir DIR [--style gaunt|gaunt/kk]
"""

import argparse
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))
from plot_nve import plot, read_thermo  # noqa: E402

DRIFT_BOUND = 2e-5  # eV/atom/ps
EXCURSION_BOUND = 2e-3  # eV/atom

INPUT = """# written by tests/lammps/nve_drift.py
plugin load {plugin}
units metal
atom_style atomic
boundary p p p
read_data {data}
pair_style {style}
pair_coeff * * {model} C H O
velocity all create 300.0 20261127 mom yes rot yes dist gaussian
timestep 0.0005
neighbor 1.0 bin
neigh_modify every 1 delay 0 check yes
fix nve all nve
thermo 100
thermo_style custom step time temp pe ke etotal
thermo_modify format float %20.12f
run 20000
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lmp", required=True)
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--workdir", required=True, type=pathlib.Path)
    parser.add_argument("--style", default="gaunt", choices=["gaunt", "gaunt/kk"])
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    script = INPUT.format(
        plugin=pathlib.Path(args.plugin).resolve(),
        data=ROOT / "tests" / "lammps" / "data" / "ethanol.data",
        model=ROOT / "examples" / "models" / "ethanol" / "ethanol.gaunt.pt",
        style=args.style,
    )
    (args.workdir / "in.nve").write_text(script)
    cmd = [str(pathlib.Path(args.lmp).resolve()), "-in", "in.nve", "-log", "log.lammps"]
    if args.style == "gaunt/kk":
        cmd += ["-k", "on", "t", "1", "-sf", "kk"]
    env = dict(os.environ, OMP_NUM_THREADS="1", OMP_PROC_BIND="false")
    proc = subprocess.run(cmd, cwd=args.workdir, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
        print(f"FAIL: lmp exited with {proc.returncode}")
        return 1
    table = read_thermo(args.workdir / "log.lammps")
    png = args.workdir / "nve_energy.png"
    result = plot(table, png, f"ethanol, {args.style}, 10 ps NVE, dt 0.5 fs")
    slope, excursion = result["slope_ev_per_atom_ps"], result["max_excursion_ev_per_atom"]
    ok_drift = abs(slope) < DRIFT_BOUND
    ok_excursion = excursion < EXCURSION_BOUND
    print(f"simulated {table['Time'][-1]:.2f} ps, plot {png}")
    print(
        f"drift     {slope:.3e} eV/atom/ps (bound {DRIFT_BOUND:.0e}) {'ok' if ok_drift else 'FAIL'}"
    )
    print(
        f"excursion {excursion:.3e} eV/atom    (bound {EXCURSION_BOUND:.0e}) "
        f"{'ok' if ok_excursion else 'FAIL'}"
    )
    print(f"std       {result['std_ev_per_atom']:.3e} eV/atom")
    return 0 if ok_drift and ok_excursion and table["Time"][-1] >= 10.0 - 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
