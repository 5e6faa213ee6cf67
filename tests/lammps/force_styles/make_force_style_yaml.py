"""PyTorch reference YAML files for LAMMPS's force-style harness (DESIGN.md §7.3).

LAMMPS's unittest/force-styles/test_pair_style reads one YAML file per system: the input
(`in.gaunt` and a data file, both in this folder), pair_style and pair_coeff, and the expected
pair energy, forces and virial, once at the start (`run 0`) and once after `run 4` with fix nve.
Every LAMMPS instance the harness makes must reproduce them: `gaunt`, and `gaunt/kk` through
`-sf kk`; newton on and off; after write_restart/read_restart and write_data/read_data; and the
sum of `compute pe/atom` must equal the energy.

For each system this script writes, next to itself:
- data.gaunt-NAME   the LAMMPS data file: box, masses, positions, velocities;
- gaunt-NAME.yaml   the expected values, from model_export's PyTorch GauntNet (`evaluate`, the
                    path of its ASE calculator with ASE's neighbour list), not from the native
                    engine under test.
The values after `run 4` integrate fix nve's velocity Verlet in float64 with the PyTorch forces,
operation for operation as LAMMPS does (metal units, masses per type, the data file's velocities).

Systems:
- molecule: two aspirin molecules in vacuum (non-periodic box): the geometry of
  examples/aspirin_md and a rotated copy next to it, so that edges join the molecules; the
  shipped aspirin model.
- periodic: 64 Si atoms, a 2x2x2 diamond supercell sheared into a triclinic periodic cell, with
  random displacements; the shipped Si model; two atom types that both map to Si.

Run from the repository root:
    PYTHONPATH=model_export /usr/bin/python3 tests/lammps/force_styles/make_force_style_yaml.py
"""

import dataclasses
import os
import pathlib
from typing import List, Tuple

import ase
import ase.data
import ase.io
import numpy as np
import torch
from ase.build import bulk
from scipy.spatial.transform import Rotation

from model_export import data
from model_export.model import evaluate
from model_export.model_file import load_model

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
FTM2V = 1.0 / 1.0364269e-4  # LAMMPS metal units (update.cpp): force * time / mass -> velocity
BOLTZ = 8.617343e-5  # LAMMPS metal units: Boltzmann constant, eV/K
RUN_STEPS = 4  # test_pair_style's run_lammps(): `run 4 post no` with fix nve


@dataclasses.dataclass
class System:
    name: str
    comment: str
    model: pathlib.Path
    type_elements: List[str]  # element of each LAMMPS atom type
    type_masses: List[float]  # amu
    types: np.ndarray  # [N] LAMMPS atom types, 1-based
    positions: np.ndarray  # [N, 3] Å
    velocities: np.ndarray  # [N, 3] Å/ps
    cell: np.ndarray  # rows a, b, c in LAMMPS's lower-triangular form (the box when not periodic)
    periodic: bool
    timestep: float  # ps
    # The harness's relative tolerance, |a - b| / min(|a|, |b|) per number (5x for run forces and
    # for gaunt/kk): about 3x the largest error measured with the native engine. That error is
    # on a small force component; the largest absolute force errors are 1e-14 eV/Å (molecule)
    # and 1e-13 eV/Å (Si), energies and virials agree to 2e-14 relative.
    epsilon: float

    @property
    def boundary(self) -> str:
        return "p p p" if self.periodic else "f f f"


@dataclasses.dataclass
class Result:
    energy: float
    forces: np.ndarray  # [N, 3] eV/Å
    virial: np.ndarray  # [6] eV, LAMMPS order xx yy zz xy xz yz (pair->virial)


def maxwell_boltzmann(
    rng: np.random.Generator, masses: np.ndarray, temperature: float
) -> np.ndarray:
    """Velocities in Å/ps (metal units) for a temperature in K, zero total momentum."""
    sigma = np.sqrt(BOLTZ * temperature * FTM2V / masses)
    v = rng.standard_normal((len(masses), 3)) * sigma[:, None]
    return v - (masses[:, None] * v).sum(axis=0) / masses.sum()


def aspirin_pair(rng: np.random.Generator) -> System:
    elements = ["C", "H", "O"]  # the example's atom types
    one = ase.io.read(
        ROOT / "examples" / "aspirin_md" / "aspirin.data",
        format="lammps-data",
        style="atomic",
        Z_of_type={1: 6, 2: 1, 3: 8},
    )
    box = 40.0
    center = one.positions.mean(axis=0)
    rotated = Rotation.random(random_state=7).apply(one.positions - center)
    direction = np.array([1.0, 0.4, -0.3]) / np.linalg.norm([1.0, 0.4, -0.3])
    # The closest approach where no two atoms of different molecules are nearer than 2.2 Å.
    shift = 3.0
    while True:
        two = center + shift * direction + rotated
        if np.linalg.norm(one.positions[:, None] - two[None], axis=-1).min() >= 2.2:
            break
        shift += 0.05
    positions = np.concatenate([one.positions, two]) - center + box / 2 - 0.5 * shift * direction
    types = np.concatenate([one.numbers, one.numbers])
    types = np.array([elements.index(ase.data.chemical_symbols[z]) + 1 for z in types])
    masses = [float(ase.data.atomic_masses[ase.data.atomic_numbers[e]]) for e in elements]
    return System(
        name="molecule",
        comment="two aspirin molecules in vacuum, shipped aspirin model",
        model=ROOT / "examples" / "models" / "aspirin" / "aspirin.gaunt.pt",
        type_elements=elements,
        type_masses=masses,
        types=types,
        positions=positions,
        velocities=maxwell_boltzmann(rng, np.array(masses)[types - 1], 300.0),
        cell=box * np.eye(3),
        periodic=False,
        timestep=0.0005,
        epsilon=1e-10,  # measured: 3.1e-11 (3.0e-15 on a component of 9.5e-5 eV/Å)
    )


def silicon_cell(rng: np.random.Generator) -> System:
    crystal = bulk("Si", "diamond", a=5.431, cubic=True).repeat((2, 2, 2))
    length = crystal.cell[0, 0]
    cell = np.array([[length, 0.0, 0.0], [0.45, length, 0.0], [-0.35, 0.25, length]])
    fractional = crystal.get_scaled_positions() + rng.normal(0.0, 0.1, (len(crystal), 3)) / length
    positions = (fractional % 1.0) @ cell
    types = np.arange(len(crystal)) % 2 + 1
    mass = float(ase.data.atomic_masses[ase.data.atomic_numbers["Si"]])
    return System(
        name="periodic",
        comment="64 Si atoms in a sheared periodic cell, shipped Si model, 2 types = Si",
        model=ROOT / "examples" / "models" / "si" / "si.gaunt.pt",
        type_elements=["Si", "Si"],
        type_masses=[mass, mass],
        types=types,
        positions=positions,
        velocities=maxwell_boltzmann(rng, np.full(len(types), mass), 600.0),
        cell=cell,
        periodic=True,
        timestep=0.001,
        epsilon=2.5e-11,  # measured: 7.6e-12 (2.7e-14 on a component of 3.6e-3 eV/Å)
    )


class PyTorchReference:
    """Energy, forces and virial of the system's model at given positions (float64)."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.model = load_model(system.model, torch.float64)

    def __call__(self, positions: np.ndarray) -> Result:
        s = self.system
        atoms = ase.Atoms(
            [s.type_elements[t - 1] for t in s.types],
            positions=positions,
            cell=s.cell,
            pbc=s.periodic,
        )
        config = self.model.config
        graph = data.graph_from_atoms(atoms, config.elements, config.cutoff, torch.float64)
        out = evaluate(self.model, graph, compute_forces=True, compute_virial=True)
        w = out["virial"][0].detach().numpy()
        return Result(
            energy=float(out["energy"][0]),
            forces=out["forces"].detach().numpy(),
            virial=np.array([w[0, 0], w[1, 1], w[2, 2], w[0, 1], w[0, 2], w[1, 2]]),
        )


def run_nve(system: System, reference: PyTorchReference) -> Tuple[Result, Result]:
    """Results at the start and after RUN_STEPS steps of LAMMPS's fix nve (FixNVE)."""
    dtv = system.timestep
    dtf = 0.5 * system.timestep * FTM2V
    dtfm = (dtf / np.array(system.type_masses)[system.types - 1])[:, None]
    x, v = system.positions.copy(), system.velocities.copy()
    start = reference(x)
    f = start.forces
    end = start
    for _ in range(RUN_STEPS):
        v = v + dtfm * f  # initial_integrate
        x = x + dtv * v
        end = reference(x)
        f = end.forces
        v = v + dtfm * f  # final_integrate
    return start, end


def data_file(system: System) -> str:
    ntypes = len(system.type_elements)
    c = system.cell
    lines = [
        f"LAMMPS data file for test_pair_style: {system.comment} "
        "(written by make_force_style_yaml.py)",
        "",
        f"{len(system.types)} atoms",
        f"{ntypes} atom types",
        "",
        f"0 {c[0, 0]:.17g} xlo xhi",
        f"0 {c[1, 1]:.17g} ylo yhi",
        f"0 {c[2, 2]:.17g} zlo zhi",
    ]
    if system.periodic:
        lines.append(f"{c[1, 0]:.17g} {c[2, 0]:.17g} {c[2, 1]:.17g} xy xz yz")
    lines += ["", "Masses", ""]
    lines += [
        f"{t + 1} {m:.17g}  # {e}"
        for t, (m, e) in enumerate(zip(system.type_masses, system.type_elements))
    ]
    lines += ["", "Atoms  # atomic", ""]
    for i, (t, p) in enumerate(zip(system.types, system.positions)):
        lines.append(f"{i + 1} {t} {p[0]:.17g} {p[1]:.17g} {p[2]:.17g}")
    lines += ["", "Velocities", ""]
    for i, u in enumerate(system.velocities):
        lines.append(f"{i + 1} {u[0]:.17g} {u[1]:.17g} {u[2]:.17g}")
    return "\n".join(lines) + "\n"


def block(rows: List[str]) -> str:
    """A YAML literal block as LAMMPS's YAML reader expects it."""
    return "! |\n" + "".join(f"  {row}\n" for row in rows)


def result_entries(prefix: str, result: Result) -> List[str]:
    forces = [f"{i + 1} {f[0]:.16e} {f[1]:.16e} {f[2]:.16e}" for i, f in enumerate(result.forces)]
    return [
        f"{prefix}_vdwl: {result.energy:.16e}",
        f"{prefix}_coul: 0",
        f"{prefix}_stress: " + block([" ".join(f"{w:.16e}" for w in result.virial)]),
        f"{prefix}_forces: " + block(forces),
    ]


def yaml_file(system: System, start: Result, end: Result) -> str:
    model = os.path.relpath(system.model, HERE)
    pair_coeff = f"* * ${{input_dir}}/{model} {' '.join(system.type_elements)}"
    pre_commands = [
        f"variable system index gaunt-{system.name}",
        f"variable boundary index '{system.boundary}'",
        f"variable timestep index {system.timestep}",
    ]
    entries = [
        "---",
        f"# test_pair_style input: {system.comment}.",
        "# Expected values from the PyTorch GauntNet, not from the native engine, written by",
        "# make_force_style_yaml.py: run it again when the model file changes.",
        f"epsilon: {system.epsilon:g}",
        "skip_tests: single",  # pair_style gaunt has no single()
        "prerequisites: " + block(["pair gaunt"]),
        "pre_commands: " + block(pre_commands),
        'post_commands: ! ""',
        "input_file: in.gaunt",
        "pair_style: gaunt",
        "pair_coeff: " + block([pair_coeff]),
        'extract: ! ""',
        f"natoms: {len(system.types)}",
    ]
    entries += result_entries("init", start)
    entries += result_entries("run", end)
    return "\n".join(e.rstrip("\n") for e in entries) + "\n...\n"


def main() -> None:
    torch.set_num_threads(2)
    rng = np.random.default_rng(20261128)
    for system in (aspirin_pair(rng), silicon_cell(rng)):
        start, end = run_nve(system, PyTorchReference(system))
        (HERE / f"data.gaunt-{system.name}").write_text(data_file(system))
        (HERE / f"gaunt-{system.name}.yaml").write_text(yaml_file(system, start, end))
        print(
            f"{system.name}: {len(system.types)} atoms, E = {start.energy:.10f} -> "
            f"{end.energy:.10f} eV, max |F| = {np.abs(start.forces).max():.3f} eV/Å, "
            f"min |F| component = {np.abs(start.forces).min():.2e}"
        )


if __name__ == "__main__":
    main()
