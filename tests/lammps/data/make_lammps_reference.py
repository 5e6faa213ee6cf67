"""PyTorch reference numbers for the LAMMPS integration tests (tests/lammps/gaunt_integration.py).

Writes, next to this script:
- triclinic_trajectory.dump  a LAMMPS text dump (id type x y z, box bounds with tilts) of four
                             frames of a 40-atom H/C/O triclinic periodic cell: random
                             non-overlapping positions (>= 0.9 Å apart), then small random
                             displacements and box deformations frame by frame;
- lammps_reference.json       for every frame, for frame 0 without the atoms whose ID is a
                             multiple of 5 (the hybrid/overlay test's NULL type), and for a
                             16-atom cluster in vacuum: the cell (LAMMPS lx ly lz xy xz yz),
                             symbols, positions and the PyTorch GauntNet's energy, per-atom
                             energies, forces and virial (W = -dE/dε, eV, LAMMPS Voigt order
                             xx yy zz xy xz yz), float64 written with 17 significant digits.

The model is tests/reference/model/tiny.gaunt.pt, evaluated with model_export's `evaluate` (the
same path as its ASE calculator), independently of the native engine under test.

Run from the repository root:
    PYTHONPATH=model_export /usr/bin/python3 tests/lammps/data/make_lammps_reference.py
"""

import json
import pathlib
from typing import Any, Dict, List

import ase
import numpy as np
import torch
from ase.geometry import get_distances

from model_export import data
from model_export.model import evaluate
from model_export.model_file import load_model

HERE = pathlib.Path(__file__).resolve().parent
MODEL = HERE.parents[1] / "reference" / "model" / "tiny.gaunt.pt"
ELEMENTS = ["H", "C", "O"]
MIN_DISTANCE = 0.9  # Å; the engine's safe minimum is 0.1 Å
NULL_EVERY = 5


def random_atoms(
    rng: np.random.Generator, n: int, cell: np.ndarray, pbc: bool, radius: float = 0.0
) -> ase.Atoms:
    """n atoms at least MIN_DISTANCE apart: uniform in the cell, or in a ball of `radius`."""
    positions: List[np.ndarray] = []
    while len(positions) < n:
        if pbc:
            p = rng.random(3) @ cell
        else:
            p = rng.uniform(-radius, radius, 3)
            if np.linalg.norm(p) > radius:
                continue
        if positions:
            _, d = get_distances(
                p, np.array(positions), cell=cell if pbc else None, pbc=pbc if pbc else None
            )
            if d.min() < MIN_DISTANCE:
                continue
        positions.append(p)
    symbols = [ELEMENTS[k % 3] for k in range(n)]
    return ase.Atoms(symbols, positions=positions, cell=cell if pbc else None, pbc=pbc)


def lammps_cell(cell: np.ndarray) -> List[float]:
    if abs(cell[0, 1]) + abs(cell[0, 2]) + abs(cell[1, 2]) > 0:
        raise ValueError(f"cell is not in LAMMPS's lower-triangular form: {cell.tolist()}")
    return [cell[0, 0], cell[1, 1], cell[2, 2], cell[1, 0], cell[2, 0], cell[2, 1]]


def reference(model: torch.nn.Module, atoms: ase.Atoms) -> Dict[str, Any]:
    graph = data.graph_from_atoms(atoms, ELEMENTS, model.config.cutoff, torch.float64)
    out = evaluate(model, graph, compute_forces=True, compute_virial=True)
    w = out["virial"][0].detach().numpy()
    return {
        "symbols": atoms.get_chemical_symbols(),
        "pbc": bool(atoms.pbc.all()),
        "cell": lammps_cell(atoms.cell.array) if atoms.pbc.all() else None,
        "positions": atoms.positions.tolist(),
        "energy": float(out["energy"][0]),
        "per_atom_energy": out["node_energy"].detach().numpy().tolist(),
        "forces": out["forces"].detach().numpy().tolist(),
        "virial_voigt": [w[0, 0], w[1, 1], w[2, 2], w[0, 1], w[0, 2], w[1, 2]],
    }


def dump_frame(step: int, atoms: ase.Atoms) -> str:
    lx, ly, lz, xy, xz, yz = lammps_cell(atoms.cell.array)
    xlo_b, xhi_b = min(0.0, xy, xz, xy + xz), lx + max(0.0, xy, xz, xy + xz)
    ylo_b, yhi_b = min(0.0, yz), ly + max(0.0, yz)
    lines = [
        "ITEM: TIMESTEP",
        str(step),
        "ITEM: NUMBER OF ATOMS",
        str(len(atoms)),
        "ITEM: BOX BOUNDS xy xz yz pp pp pp",
        f"{xlo_b:.17g} {xhi_b:.17g} {xy:.17g}",
        f"{ylo_b:.17g} {yhi_b:.17g} {xz:.17g}",
        f"0 {lz:.17g} {yz:.17g}",
        "ITEM: ATOMS id type x y z",
    ]
    for k, (sym, p) in enumerate(zip(atoms.get_chemical_symbols(), atoms.positions)):
        lines.append(f"{k + 1} {ELEMENTS.index(sym) + 1} {p[0]:.17g} {p[1]:.17g} {p[2]:.17g}")
    return "\n".join(lines) + "\n"


def main() -> None:
    torch.set_num_threads(2)
    model = load_model(MODEL, torch.float64)
    rng = np.random.default_rng(20261127)
    cell0 = np.array([[8.3, 0.0, 0.0], [1.1, 7.9, 0.0], [-0.7, 0.6, 8.1]])
    base = random_atoms(rng, 40, cell0, pbc=True)
    frames, dump = [], ""
    for k in range(4):
        atoms = base.copy()
        if k:
            strain = np.eye(3) + np.tril(rng.uniform(-0.02, 0.02, (3, 3)))
            atoms.set_cell(cell0 @ strain, scale_atoms=True)
            atoms.positions += rng.uniform(-0.1, 0.1, atoms.positions.shape)
        atoms.wrap()
        _, d = get_distances(atoms.positions, cell=atoms.cell, pbc=True)
        if d[np.triu_indices(len(atoms), 1)].min() < MIN_DISTANCE - 0.25:
            raise ValueError(f"frame {k}: atoms too close ({d.min():.3f} Å)")
        frames.append(reference(model, atoms))
        dump += dump_frame(10 * k, atoms)
    cluster = random_atoms(rng, 16, np.zeros((3, 3)), pbc=False, radius=3.2)
    # Frame 0 without the atoms with ID = 5, 10, ..., 40 (the hybrid/overlay test's NULL type).
    subset = base.copy()
    subset.wrap()
    del subset[[k for k in range(len(subset)) if (k + 1) % NULL_EVERY == 0]]
    out = {
        "model": "tests/reference/model/tiny.gaunt.pt",
        "elements": ELEMENTS,
        "trajectory": {"dump": "triclinic_trajectory.dump", "steps": [0, 10, 20, 30]},
        "frames": frames,
        "cluster": reference(model, cluster),
        "null_every": NULL_EVERY,
        "frame0_without_null": reference(model, subset),
    }
    (HERE / "triclinic_trajectory.dump").write_text(dump)
    (HERE / "lammps_reference.json").write_text(json.dumps(out, indent=1) + "\n")
    for k, f in enumerate(frames):
        print(f"frame {k}: E = {f['energy']:.12f} eV, max |F| = {np.abs(f['forces']).max():.4f}")
    print(f"cluster: E = {out['cluster']['energy']:.12f} eV")


if __name__ == "__main__":
    main()
