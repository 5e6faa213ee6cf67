"""Plot the energies of an NVE run from its LAMMPS log and report the total-energy drift.

Reads the thermo table of the last run in LOG (columns step, time or step, pe, ke, etotal as
written by the examples' `thermo_style custom step time temp pe ke etotal`), writes PNG with
E_tot - E_tot(0), E_pot and E_kin against time, and prints the drift: the slope of a least-squares
line through E_tot(t) per atom, and the largest excursion |E_tot(t) - E_tot(0)| per atom.

    /usr/bin/python3 examples/plot_nve.py log.lammps nve_energy.png [--title TEXT]
"""

import argparse
import pathlib
from typing import Dict, List

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def read_thermo(log: pathlib.Path) -> Dict[str, np.ndarray]:
    """Columns of the last thermo table in a LAMMPS log, plus `natoms` from its Loop line."""
    header: List[str] = []
    rows: List[List[float]] = []
    natoms = 0
    table: Dict[str, np.ndarray] = {}
    for line in log.read_text().splitlines():
        words = line.split()
        if words[:2] == ["Step", "Time"] or (words and words[0] == "Step" and "TotEng" in words):
            header, rows = words, []
        elif header and words and line.startswith("Loop time"):
            natoms = int(words[-2])
            table = {name: np.array(column) for name, column in zip(header, np.array(rows).T)}
            header = []
        elif header and len(words) == len(header):
            try:
                rows.append([float(w) for w in words])
            except ValueError:
                continue
    if not table:
        raise SystemExit(f"{log}: no complete thermo table (Step ... TotEng ... Loop time)")
    table["natoms"] = np.array(natoms)
    return table


def drift(time_ps: np.ndarray, etotal: np.ndarray, natoms: int) -> Dict[str, float]:
    """Slope (eV/atom/ps) of the least-squares line and largest excursion (eV/atom)."""
    slope = np.polyfit(time_ps, etotal, 1)[0]
    return {
        "slope_ev_per_atom_ps": float(slope / natoms),
        "max_excursion_ev_per_atom": float(np.max(np.abs(etotal - etotal[0])) / natoms),
        "std_ev_per_atom": float(np.std(etotal) / natoms),
    }


def plot(table: Dict[str, np.ndarray], png: pathlib.Path, title: str) -> Dict[str, float]:
    time_ps = table["Time"]
    natoms = int(table["natoms"])
    etotal, pe, ke = table["TotEng"], table["PotEng"], table["KinEng"]
    result = drift(time_ps, etotal, natoms)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    top.plot(time_ps, 1e3 * (etotal - etotal[0]) / natoms, color="k", lw=1)
    top.set_ylabel("(E_tot − E_tot(0)) / N  [meV/atom]")
    top.set_title(
        f"{title}\ndrift {1e6 * result['slope_ev_per_atom_ps']:.3g} µeV/atom/ps, "
        f"max |ΔE_tot| {1e3 * result['max_excursion_ev_per_atom']:.3g} meV/atom"
    )
    bottom.plot(time_ps, pe - pe[0], label="E_pot − E_pot(0)")
    bottom.plot(time_ps, ke - ke[0], label="E_kin − E_kin(0)")
    bottom.set_xlabel("time [ps]")
    bottom.set_ylabel("energy [eV]")
    bottom.legend()
    fig.tight_layout()
    fig.savefig(png, dpi=120)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("log", type=pathlib.Path)
    parser.add_argument("png", type=pathlib.Path)
    parser.add_argument("--title", default="NVE")
    args = parser.parse_args()
    result = plot(read_thermo(args.log), args.png, args.title)
    for name, value in result.items():
        print(f"{name:28s} {value:.3e}")
    print(f"wrote {args.png}")


if __name__ == "__main__":
    main()
