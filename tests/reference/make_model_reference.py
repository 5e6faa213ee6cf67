"""Reference outputs of a tiny random GauntNet for the native engine (DESIGN.md §4, §7.2).

Writes, under tests/reference/model/:
- tiny.gaunt.pt        a randomly initialised float64 GauntNet (H, C, O; r_c = 3 Å; K = 4,
                       L = 3, ν_max = 4; every weight, including the readout bias, non-zero);
- tiny_reference.json  for each structure: symbols, species indices, positions, cell, pbc, the
                       edges i -> j with r_ij < r_c (and their integer image shifts: the edge
                       vector is x_j - x_i + shift @ cell), and the PyTorch model's energy,
                       per-atom energies, forces, virial (W = -dE/dε, eV, 3x3 and LAMMPS Voigt
                       order xx yy zz xy xz yz), per-atom virial [N,3,3] (each edge's
                       -r_e ⊗ ∂E/∂r_e split half/half between i and j), per-atom centroid
                       virial [N,3,3] (each edge's -r_e ⊗ ∂E/∂r_e all to j: the per-atom
                       virial of the heat flux with site energies E_i, for LAMMPS's compute
                       centroid/stress/atom) — all float64, printed with 17 digits.

Structures: a molecule, an orthorhombic periodic cell, a small triclinic cell (atoms see their
own images), a molecule with an atom that has no neighbour, and pairs just inside / just
outside the cutoff. The native engine must reproduce these to 1e-10 relative.

With --wide DIR it writes wide.gaunt.pt and wide_reference.json to DIR instead: the same
structures through a wide random model (K = 64, L = 8, ν_max = 3), whose per-atom kernels need
more scratch than a GPU block's shared memory holds (the reverse product basis: (L + 1)² K
doubles, 41 kB per atom). CTest writes it into the build tree (1 MB, not committed).

Run from the repository root:
    PYTHONPATH=model_export /usr/bin/python3 tests/reference/make_model_reference.py [--wide DIR]
"""

import argparse
import json
import pathlib
from typing import Any, Dict, List, Tuple

import numpy as np
import torch

from model_export import data
from model_export.config import GauntNetConfig
from model_export.model import GauntNet, evaluate
from model_export.model_file import read_model_file, save_model_file

OUT = pathlib.Path(__file__).resolve().parent / "model"
CUTOFF = 3.0
ELEMENTS = ["H", "C", "O"]


def random_model(channels: int, lmax: int, nu_max: int) -> GauntNet:
    config = GauntNetConfig(
        elements=ELEMENTS,
        cutoff=CUTOFF,
        num_bessel=4,
        radial_hidden=[8, 8],
        channels=channels,
        lmax=lmax,
        nu_max=nu_max,
        readout_hidden=4,
        avg_num_neighbors=2.0,
        e0s=[-0.6, -1.3, -2.1],
        scale=4.0,
        shift=-0.3,
    )
    model = GauntNet(config, seed=2026)
    gen = torch.Generator().manual_seed(2027)
    with torch.no_grad():
        bias = model.readout_hidden.bias
        bias.copy_(0.5 * torch.randn(bias.shape, generator=gen, dtype=torch.float64))
    return model


def structures() -> List[Dict[str, Any]]:
    rng = np.random.default_rng(20261127)
    out = []
    # 1. molecule (9 atoms, ethanol-like composition, random geometry with d > 0.9 Å)
    pos: List[np.ndarray] = []
    while len(pos) < 9:
        p = rng.uniform(0.0, 3.2, 3)
        if all(np.linalg.norm(p - q) > 0.9 for q in pos):
            pos.append(p)
    out.append(
        dict(
            name="molecule",
            symbols=list("CCOHHHHHH"),
            positions=np.array(pos),
            cell=np.zeros((3, 3)),
            pbc=False,
        )
    )
    # 2. orthorhombic periodic cell
    cell = np.diag([3.4, 3.7, 4.1])
    out.append(
        dict(
            name="periodic_orthorhombic",
            symbols=list("CCOH"),
            positions=rng.uniform(0, 1, (4, 3)) @ cell,
            cell=cell,
            pbc=True,
        )
    )
    # 3. small triclinic cell: every atom interacts with its own periodic images
    cell = np.array([[2.6, 0.0, 0.0], [0.9, 2.4, 0.0], [-0.5, 0.7, 2.5]])
    out.append(
        dict(
            name="periodic_triclinic",
            symbols=list("COH"),
            positions=np.array([[0.1, 0.2, 0.1], [1.4, 1.0, 1.1], [0.4, 1.9, 1.6]]),
            cell=cell,
            pbc=True,
        )
    )
    # 4. an atom with no neighbour (O far away from a CH2 fragment)
    out.append(
        dict(
            name="isolated_atom",
            symbols=list("CHHO"),
            positions=np.array(
                [[0.0, 0.0, 0.0], [1.09, 0.0, 0.0], [-0.36, 1.03, 0.0], [8.0, 8.0, 8.0]]
            ),
            cell=np.zeros((3, 3)),
            pbc=False,
        )
    )
    # 5. pairs just inside (r_c - 1e-4) and just outside (r_c + 1e-4) the cutoff
    d_in = np.array([0.48, 0.6, 0.64])
    d_in *= (CUTOFF - 1e-4) / np.linalg.norm(d_in)
    d_out = np.array([-0.6, 0.8, 0.0]) * (CUTOFF + 1e-4)
    out.append(
        dict(
            name="near_cutoff",
            symbols=list("CHO"),
            positions=np.array([[0.0, 0.0, 0.0], d_in, d_out]),
            cell=np.zeros((3, 3)),
            pbc=False,
        )
    )
    return out


def per_atom_virials(
    model: GauntNet, item: Any, conf: data.Configuration
) -> Tuple[np.ndarray, np.ndarray]:
    """Per-atom virials [N, 3, 3] from each edge's W_e = -r_e ⊗ ∂E/∂r_e: split half to i, half to
    the owner of j; and all to the owner of j (centroid form). Each sums to the total virial."""
    shifts = torch.tensor(item.shifts @ conf.cell)
    pos = torch.tensor(conf.positions)
    i, j = torch.tensor(item.i), torch.tensor(item.j)
    vectors = (pos[j] - pos[i] + shifts).requires_grad_(True)
    species = torch.tensor(item.species)
    energy = model.energies_from_vectors(vectors, species, torch.stack([i, j]), len(pos)).sum()
    (grad,) = torch.autograd.grad(energy, [vectors])
    w_edge = -torch.einsum("ea,eb->eab", vectors.detach(), grad).numpy()
    split = np.zeros((len(pos), 3, 3))
    np.add.at(split, item.i, 0.5 * w_edge)
    np.add.at(split, item.j, 0.5 * w_edge)
    centroid = np.zeros((len(pos), 3, 3))
    np.add.at(centroid, item.j, w_edge)
    return split, centroid


def compute(model: GauntNet, s: Dict[str, Any]) -> Dict[str, Any]:
    numbers = np.array([data.ase.data.atomic_numbers[x] for x in s["symbols"]])
    conf = data.Configuration(
        numbers=numbers,
        positions=np.asarray(s["positions"], float),
        cell=np.asarray(s["cell"], float),
        pbc=np.array([s["pbc"]] * 3),
    )
    items = data.prepare([conf], ELEMENTS, CUTOFF)
    out = evaluate(model, data.collate(items), compute_forces=True, compute_virial=True)
    w = out["virial"][0].detach().numpy()
    per_atom_virial, centroid_virial = per_atom_virials(model, items[0], conf)
    assert np.allclose(per_atom_virial.sum(axis=0), w, atol=1e-12)
    assert np.allclose(centroid_virial.sum(axis=0), w, atol=1e-12)
    return {
        "name": s["name"],
        "symbols": s["symbols"],
        "species": items[0].species.tolist(),
        "positions": conf.positions.tolist(),
        "cell": conf.cell.tolist(),
        "pbc": bool(s["pbc"]),
        "edges": {
            "i": items[0].i.tolist(),
            "j": items[0].j.tolist(),
            "shift": items[0].shifts.tolist(),
        },
        "energy": float(out["energy"][0]),
        "per_atom_energy": out["node_energy"].detach().numpy().tolist(),
        "forces": out["forces"].detach().numpy().tolist(),
        "virial": w.tolist(),
        "virial_voigt": [w[0, 0], w[1, 1], w[2, 2], w[0, 1], w[0, 2], w[1, 2]],
        "per_atom_virial": per_atom_virial.tolist(),
        "per_atom_centroid_virial": centroid_virial.tolist(),
    }


def write_reference(model: GauntNet, out: pathlib.Path, stem: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{stem}.gaunt.pt"
    save_model_file(model, path, {"note": "random weights (seed 2026), test fixture only"})
    header, _ = read_model_file(path)
    result = {
        "model_file": path.name,
        "weights_sha256": header["weights"]["sha256"],
        "units": "metal (eV, Å); virial W = -dE/dε in eV",
        "structures": [compute(model, s) for s in structures()],
    }
    (out / f"{stem}_reference.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {path} and {out / f'{stem}_reference.json'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wide", type=pathlib.Path, metavar="DIR", help="write the wide model")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.wide is not None:
        write_reference(random_model(channels=64, lmax=8, nu_max=3), args.wide, "wide")
    else:
        write_reference(random_model(channels=4, lmax=3, nu_max=4), OUT, "tiny")


if __name__ == "__main__":
    main()
