"""Datasets: extxyz loading, E0s, splits, neighbour lists and batched graphs.

Quirks handled (../shared/data/README.md):
- ``pbc=[T, T, T]`` (Julia style) in the comment line is rewritten to ``pbc="T T T"`` before
  ASE parses the text;
- per-atom forces under the key ``force`` are accepted as well as ``forces``;
- energies are per configuration; stress (if present, ASE sign: +dE/dε / V) is optional.
"""

from __future__ import annotations

import dataclasses
import io
import pathlib
import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

import ase
import ase.io
import numpy as np
import torch
from ase.neighborlist import primitive_neighbor_list

PathLike = Union[str, pathlib.Path]

_JULIA_PBC = re.compile(r"pbc=\[\s*([TFtf]\w*)\s*,\s*([TFtf]\w*)\s*,\s*([TFtf]\w*)\s*\]")


def _fix_header(text: str) -> str:
    """Rewrite ``pbc=[T, T, T]`` to ``pbc="T T T"`` (ASE 3.22 cannot parse the former)."""

    def repl(match: "re.Match[str]") -> str:
        flags = ["T" if g[0] in "Tt" else "F" for g in match.groups()]
        return 'pbc="' + " ".join(flags) + '"'

    return _JULIA_PBC.sub(repl, text)


@dataclasses.dataclass
class Configuration:
    """One labelled structure (eV, Å). ``stress`` uses the ASE sign convention (3x3)."""

    numbers: np.ndarray  # [N] atomic numbers
    positions: np.ndarray  # [N, 3]
    cell: np.ndarray  # [3, 3], rows are lattice vectors
    pbc: np.ndarray  # [3] bool
    energy: Optional[float] = None
    forces: Optional[np.ndarray] = None  # [N, 3]
    stress: Optional[np.ndarray] = None  # [3, 3]

    @property
    def n_atoms(self) -> int:
        return int(len(self.numbers))

    def to_atoms(self) -> ase.Atoms:
        return ase.Atoms(
            numbers=self.numbers, positions=self.positions, cell=self.cell, pbc=self.pbc
        )


def _voigt_to_matrix(stress: np.ndarray) -> np.ndarray:
    s = np.asarray(stress, dtype=np.float64).reshape(-1)
    if s.size == 9:
        return s.reshape(3, 3)
    if s.size == 6:  # ASE Voigt order xx yy zz yz xz xy
        xx, yy, zz, yz, xz, xy = s
        return np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]])
    raise ValueError(f"stress must have 6 or 9 components, got {s.size}")


def atoms_to_configuration(atoms: ase.Atoms, energy_key: str = "energy") -> Configuration:
    """Extract labels from info/arrays or from an attached single-point calculator."""
    results: Dict[str, object] = {}
    if atoms.calc is not None and hasattr(atoms.calc, "results"):
        results = dict(atoms.calc.results)
    energy = atoms.info.get(energy_key, results.get(energy_key))
    forces = None
    for key in ("forces", "force"):
        if key in atoms.arrays:
            forces = np.array(atoms.arrays[key], dtype=np.float64)
            break
        if key in results:
            forces = np.array(results[key], dtype=np.float64)
            break
    stress = atoms.info.get("stress", results.get("stress"))
    if stress is None and "virial" in atoms.info:
        volume = atoms.get_volume()
        stress = -_voigt_to_matrix(np.asarray(atoms.info["virial"])) / volume
    return Configuration(
        numbers=np.array(atoms.numbers, dtype=np.int64),
        positions=np.array(atoms.positions, dtype=np.float64),
        cell=np.array(atoms.cell[:], dtype=np.float64),
        pbc=np.array(atoms.pbc, dtype=bool),
        energy=None if energy is None else float(energy),  # type: ignore[arg-type]
        forces=forces,
        stress=None if stress is None else _voigt_to_matrix(np.asarray(stress)),
    )


def read_extxyz(path: PathLike, index: str = ":") -> List[Configuration]:
    """Read an extended-XYZ file (with the quirks above) into Configurations."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise ValueError(f"dataset file not found: {path}")
    text = _fix_header(path.read_text())
    try:
        frames = ase.io.read(io.StringIO(text), index=index, format="extxyz")
    except Exception as err:  # ASE raises many exception types for bad files
        raise ValueError(f"cannot parse extxyz file {path}: {err}") from err
    if isinstance(frames, ase.Atoms):
        frames = [frames]
    return [atoms_to_configuration(a) for a in frames]


def read_e0s(path: PathLike) -> Dict[str, float]:
    """Isolated-atom energies {symbol: eV} from a file of one-atom configurations."""
    e0s: Dict[str, float] = {}
    for conf in read_extxyz(path):
        if conf.n_atoms != 1:
            raise ValueError(f"{path}: isolated-atom file has a {conf.n_atoms}-atom frame")
        if conf.energy is None:
            raise ValueError(f"{path}: isolated-atom frame without energy")
        symbol = ase.data.chemical_symbols[int(conf.numbers[0])]
        e0s[symbol] = conf.energy
    return e0s


def fit_e0s(configs: Sequence[Configuration], elements: Sequence[str]) -> List[float]:
    """Least-squares per-element energies (fallback when no isolated-atom energies exist)."""
    z_of = {ase.data.atomic_numbers[e]: i for i, e in enumerate(elements)}
    counts = np.zeros((len(configs), len(elements)))
    energies = np.zeros(len(configs))
    for row, conf in enumerate(configs):
        if conf.energy is None:
            raise ValueError("fit_e0s: configuration without energy")
        for z in conf.numbers:
            counts[row, z_of[int(z)]] += 1
        energies[row] = conf.energy
    solution, *_ = np.linalg.lstsq(counts, energies, rcond=None)
    return [float(v) for v in solution]


def split_train_valid(
    configs: Sequence[Configuration], valid_fraction: float, seed: int
) -> Tuple[List[Configuration], List[Configuration]]:
    """Deterministic random split; at least one configuration on each side."""
    if not 0.0 < valid_fraction < 1.0:
        raise ValueError(f"valid_fraction must be in (0, 1), got {valid_fraction}")
    n = len(configs)
    if n < 2:
        raise ValueError(f"need at least 2 configurations to split, got {n}")
    order = np.random.default_rng(seed).permutation(n)
    n_valid = min(max(1, int(round(valid_fraction * n))), n - 1)
    valid = [configs[i] for i in sorted(order[:n_valid])]
    train = [configs[i] for i in sorted(order[n_valid:])]
    return train, valid


def neighbour_list(
    positions: np.ndarray, cell: np.ndarray, pbc: np.ndarray, cutoff: float
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges i -> j with r_ij < cutoff, including periodic images, for any triclinic cell.

    Returns (i, j, shifts) where the edge vector is ``x_j - x_i + shifts @ cell`` (integer
    shifts [E, 3]). A periodic direction needs a non-degenerate cell vector.
    """
    pbc = np.asarray(pbc, dtype=bool)
    cell = np.asarray(cell, dtype=np.float64)
    if pbc.any() and abs(np.linalg.det(cell)) < 1e-12:
        raise ValueError("periodic structure with a degenerate cell")
    i, j, shifts = primitive_neighbor_list(
        "ijS",
        pbc,
        cell,
        np.asarray(positions, dtype=np.float64),
        float(cutoff),
        self_interaction=False,
    )
    return i.astype(np.int64), j.astype(np.int64), shifts.astype(np.int64)


def species_indices(numbers: np.ndarray, elements: Sequence[str]) -> np.ndarray:
    z_to_index = {ase.data.atomic_numbers[e]: k for k, e in enumerate(elements)}
    out = np.empty(len(numbers), dtype=np.int64)
    for a, z in enumerate(numbers):
        if int(z) not in z_to_index:
            raise ValueError(
                f"element {ase.data.chemical_symbols[int(z)]} is not in the model's elements "
                f"{list(elements)}"
            )
        out[a] = z_to_index[int(z)]
    return out


@dataclasses.dataclass
class Graph:
    """Several structures in one disconnected graph (all atoms local; images via shifts).

    The edge vector of edge e is ``positions[j] - positions[i] + shifts[e]`` (Cartesian Å).
    """

    positions: torch.Tensor  # [N, 3]
    species: torch.Tensor  # [N] int64
    edge_index: torch.Tensor  # [2, E] int64, rows (i, j)
    shifts: torch.Tensor  # [E, 3] Cartesian
    batch: torch.Tensor  # [N] int64, structure of each atom
    cell: torch.Tensor  # [G, 3, 3]
    pbc: torch.Tensor  # [G, 3] bool
    n_atoms: torch.Tensor  # [G] int64
    energy: Optional[torch.Tensor] = None  # [G]
    forces: Optional[torch.Tensor] = None  # [N, 3]
    stress: Optional[torch.Tensor] = None  # [G, 3, 3]
    has_stress: Optional[torch.Tensor] = None  # [G] bool

    @property
    def n_graphs(self) -> int:
        return int(self.n_atoms.shape[0])

    def to(self, dtype: torch.dtype) -> "Graph":
        def cast(t: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
            return None if t is None else t.to(dtype)

        return dataclasses.replace(
            self,
            positions=self.positions.to(dtype),
            shifts=self.shifts.to(dtype),
            cell=self.cell.to(dtype),
            energy=cast(self.energy),
            forces=cast(self.forces),
            stress=cast(self.stress),
        )


@dataclasses.dataclass
class _Prepared:
    conf: Configuration
    species: np.ndarray
    i: np.ndarray
    j: np.ndarray
    shifts: np.ndarray


def prepare(
    configs: Sequence[Configuration], elements: Sequence[str], cutoff: float
) -> List[_Prepared]:
    """Species indices and neighbour lists for every configuration (done once)."""
    out = []
    for conf in configs:
        i, j, s = neighbour_list(conf.positions, conf.cell, conf.pbc, cutoff)
        out.append(_Prepared(conf, species_indices(conf.numbers, elements), i, j, s))
    return out


def collate(items: Sequence[_Prepared], dtype: torch.dtype = torch.float64) -> Graph:
    """Batch prepared configurations into one Graph."""
    pos, spec, ei, shifts, batch, cells, pbcs, n_atoms = [], [], [], [], [], [], [], []
    energies, forces, stresses, has_stress = [], [], [], []
    offset = 0
    all_energy = all(it.conf.energy is not None for it in items)
    all_forces = all(it.conf.forces is not None for it in items)
    for g, it in enumerate(items):
        c = it.conf
        pos.append(c.positions)
        spec.append(it.species)
        ei.append(np.stack([it.i + offset, it.j + offset]))
        shifts.append(it.shifts.astype(np.float64) @ c.cell)
        batch.append(np.full(c.n_atoms, g, dtype=np.int64))
        cells.append(c.cell)
        pbcs.append(c.pbc)
        n_atoms.append(c.n_atoms)
        energies.append(c.energy if c.energy is not None else 0.0)
        forces.append(c.forces if c.forces is not None else np.zeros((c.n_atoms, 3)))
        stresses.append(c.stress if c.stress is not None else np.zeros((3, 3)))
        has_stress.append(c.stress is not None)
        offset += c.n_atoms
    any_stress = any(has_stress)
    return Graph(
        positions=torch.tensor(np.concatenate(pos), dtype=dtype),
        species=torch.tensor(np.concatenate(spec), dtype=torch.int64),
        edge_index=torch.tensor(np.concatenate(ei, axis=1), dtype=torch.int64),
        shifts=torch.tensor(np.concatenate(shifts), dtype=dtype),
        batch=torch.tensor(np.concatenate(batch), dtype=torch.int64),
        cell=torch.tensor(np.stack(cells), dtype=dtype),
        pbc=torch.tensor(np.stack(pbcs), dtype=torch.bool),
        n_atoms=torch.tensor(n_atoms, dtype=torch.int64),
        energy=torch.tensor(energies, dtype=dtype) if all_energy else None,
        forces=torch.tensor(np.concatenate(forces), dtype=dtype) if all_forces else None,
        stress=torch.tensor(np.stack(stresses), dtype=dtype) if any_stress else None,
        has_stress=torch.tensor(has_stress, dtype=torch.bool) if any_stress else None,
    )


def graph_from_atoms(
    atoms_list: Union[ase.Atoms, Sequence[ase.Atoms]],
    elements: Sequence[str],
    cutoff: float,
    dtype: torch.dtype = torch.float64,
) -> Graph:
    """Unlabelled Graph from ASE Atoms (labels are read if a calculator/info carries them)."""
    if isinstance(atoms_list, ase.Atoms):
        atoms_list = [atoms_list]
    confs = [atoms_to_configuration(a) for a in atoms_list]
    return collate(prepare(confs, elements, cutoff), dtype)


@dataclasses.dataclass
class DatasetStatistics:
    avg_num_neighbors: float
    shift: float  # mean per-atom energy after E0 subtraction, eV
    scale: float  # RMS force component, eV/Å (std of per-atom energy if no forces)


def statistics(prepared: Sequence[_Prepared], e0s: Sequence[float]) -> DatasetStatistics:
    """avg_num_neighbors, shift μ and scale σ from training data (DESIGN.md §4)."""
    e0 = np.asarray(e0s, dtype=np.float64)
    n_edges = sum(len(p.i) for p in prepared)
    n_atoms = sum(p.conf.n_atoms for p in prepared)
    residual = [
        (p.conf.energy - e0[p.species].sum()) / p.conf.n_atoms
        for p in prepared
        if p.conf.energy is not None
    ]
    forces = [p.conf.forces for p in prepared if p.conf.forces is not None]
    shift = float(np.mean(residual)) if residual else 0.0
    if forces:
        scale = float(np.sqrt(np.mean(np.concatenate(forces) ** 2)))
    elif len(residual) > 1:
        scale = float(np.std(residual))
    else:
        scale = 1.0
    if not np.isfinite(scale) or scale <= 0:
        scale = 1.0
    return DatasetStatistics(
        avg_num_neighbors=max(n_edges / max(n_atoms, 1), 1.0), shift=shift, scale=scale
    )
