"""LAMMPS throughput of pair_style gaunt (every variant built) against LAMMPS's SNAP (DESIGN.md §8).

One command measures, in one invocation, MD steps (velocity Verlet, NVE) of

- gaunt          (host style, 1 MPI rank, 1 thread)
- gaunt/kk       (Kokkos OpenMP, 1 and 2 threads; and 1 thread with `radial_table 2000` and
                  with `precision mixed`)
- gaunt/torch    (LibTorch autograd baseline, 1 thread; when the plugin has it)
- snap Ta06A     (2J = 6, 30 bispectrum components; LAMMPS's examples/snap, 1 thread)
- snap W 2940    (2J = 8, 55 components, + ZBL; LAMMPS's examples/snap, 1 thread)

on crystals from ~100 to ~100k atoms (diamond Si with the shipped Si model for gaunt, bcc Ta and
W for SNAP), and prints a table of atom-steps/s, µs/atom-step, peak memory of the process per atom
and the marginal memory per atom (slope between the two largest sizes); writes CSV and PNG plots.
The sizes of the models (channels, L, ν, parameters, neighbours per atom) are printed first.

Each run does `run 1` (warm-up: allocation, first neighbour list) and then a timed `run N`, with
N chosen from the previous size's throughput so a run takes about --seconds; the number reported
is LAMMPS's own "Performance: ... atom-step/s" of the timed run.

    /usr/bin/python3 tests/benchmarks/bench_lammps.py --build build [--max-atoms 100000]
        [--styles gaunt gaunt/kk:1 ...] [--seconds 5] [--out tests/benchmarks/results]
"""

import argparse
import csv
import itertools
import os
import pathlib
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "lammps"))
from gaunt_run0 import model_header, parameter_count  # noqa: E402  (the tests' model reader)

SI_MODEL = ROOT / "examples" / "models" / "si" / "si.gaunt.pt"


@dataclass(frozen=True)
class Lattice:
    name: str  # LAMMPS lattice style
    constant: float  # Å
    basis: Tuple[Tuple[float, float, float], ...]  # fractional positions in the cubic cell
    mass: float


DIAMOND_SI = Lattice(
    "diamond",
    5.468,
    ((0, 0, 0), (0, 0.5, 0.5), (0.5, 0, 0.5), (0.5, 0.5, 0))
    + ((0.25, 0.25, 0.25), (0.25, 0.75, 0.75), (0.75, 0.25, 0.75), (0.75, 0.75, 0.25)),
    28.0855,
)
BCC_TA = Lattice("bcc", 3.316, ((0, 0, 0), (0.5, 0.5, 0.5)), 180.88)
BCC_W = Lattice("bcc", 3.1803, ((0, 0, 0), (0.5, 0.5, 0.5)), 183.84)


@dataclass(frozen=True)
class Style:
    label: str
    lattice: Lattice
    pair_lines: str  # pair_style / pair_coeff lines (with {snap} and {model} placeholders)
    kokkos_threads: int  # 0: no Kokkos
    cutoff: float


def styles(lammps_tree: pathlib.Path) -> Dict[str, Style]:
    gaunt = "pair_style {style}\npair_coeff * * {model} Si"
    snap = lammps_tree / "examples" / "snap"
    return {
        "gaunt": Style("gaunt", DIAMOND_SI, gaunt.replace("{style}", "gaunt"), 0, 5.0),
        "gaunt/kk:1": Style(
            "gaunt/kk, 1 thread", DIAMOND_SI, gaunt.replace("{style}", "gaunt"), 1, 5.0
        ),
        "gaunt/kk:2": Style(
            "gaunt/kk, 2 threads", DIAMOND_SI, gaunt.replace("{style}", "gaunt"), 2, 5.0
        ),
        "gaunt/kk:1:table": Style(
            "gaunt/kk, 1 thread, radial_table 2000",
            DIAMOND_SI,
            gaunt.replace("{style}", "gaunt radial_table 2000"),
            1,
            5.0,
        ),
        "gaunt/kk:1:mixed": Style(
            "gaunt/kk, 1 thread, precision mixed",
            DIAMOND_SI,
            gaunt.replace("{style}", "gaunt precision mixed"),
            1,
            5.0,
        ),
        "gaunt/torch": Style(
            "gaunt/torch", DIAMOND_SI, gaunt.replace("{style}", "gaunt/torch"), 0, 5.0
        ),
        "snap_ta06a": Style(
            "snap Ta06A",
            BCC_TA,
            f"pair_style snap\npair_coeff * * {snap}/Ta06A.snapcoeff {snap}/Ta06A.snapparam Ta",
            0,
            4.67637,
        ),
        "snap_w2940": Style(
            "snap W 2940 + zbl",
            BCC_W,
            "pair_style hybrid/overlay zbl 4.0 4.8 snap\npair_coeff 1 1 zbl 74 74\n"
            f"pair_coeff * * snap {snap}/W_2940_2017_2.snapcoeff "
            f"{snap}/W_2940_2017_2.snapparam W",
            0,
            4.73442,
        ),
    }


def cells_for(lattice: Lattice, target_atoms: int) -> Tuple[int, int, int]:
    """Replicas (nx, ny, nz) of the cubic cell, as cubic as possible, closest to target_atoms."""
    per_cell = len(lattice.basis)
    best = (1, 1, 1)
    n = max(1, round((target_atoms / per_cell) ** (1 / 3)))
    for nx, ny, nz in itertools.product(range(max(1, n - 1), n + 2), repeat=3):
        if not nx <= ny <= nz:
            continue
        if abs(nx * ny * nz * per_cell - target_atoms) < abs(
            best[0] * best[1] * best[2] * per_cell - target_atoms
        ):
            best = (nx, ny, nz)
    return best


def neighbours_per_atom(lattice: Lattice, cutoff: float) -> int:
    """Neighbours within the cutoff in the perfect crystal (what each atom sees at step 0)."""
    basis = np.array(lattice.basis) * lattice.constant
    shifts = np.array(list(itertools.product(range(-3, 4), repeat=3))) * lattice.constant
    images = (basis[None, :, :] + shifts[:, None, :]).reshape(-1, 3)
    d = np.linalg.norm(images - basis[0], axis=1)
    return int(np.sum((d > 1e-8) & (d < cutoff)))


def model_size(path: pathlib.Path) -> Dict[str, float]:
    """Channels, L, ν, cutoff and parameter count from the model file's header (MODEL_FILE.md)."""
    header = model_header(str(path))
    h = header["hyperparameters"]
    return {
        "channels": h["channels"],
        "lmax": h["lmax"],
        "nu_max": h["nu_max"],
        "cutoff": header["cutoff"],
        "parameters": parameter_count(header),
    }


def input_script(style: Style, cells: Tuple[int, int, int], steps: int, plugin: str) -> str:
    lat = style.lattice
    pair = style.pair_lines.replace("{model}", str(SI_MODEL))
    return f"""plugin load {plugin}
units metal
atom_style atomic
boundary p p p
lattice {lat.name} {lat.constant}
region cell block 0 {cells[0]} 0 {cells[1]} 0 {cells[2]}
create_box 1 cell
create_atoms 1 box
mass 1 {lat.mass}
{pair}
velocity all create 300.0 20261127 loop geom
timestep 0.0005
neighbor 1.0 bin
neigh_modify every 1 delay 0 check yes
fix nve all nve
thermo 0
run 1
run {steps}
"""


def run_one(
    lmp: str, plugin: str, style: Style, cells: Tuple[int, int, int], steps: int
) -> Tuple[float, float, int]:
    """(atom-steps/s, peak resident memory in MB, atoms) of one timed run."""
    with tempfile.TemporaryDirectory() as work:
        pathlib.Path(work, "in.bench").write_text(input_script(style, cells, steps, plugin))
        cmd = [lmp, "-in", "in.bench", "-log", "none", "-screen", "screen.txt"]
        threads = max(style.kokkos_threads, 1)
        if style.kokkos_threads:
            cmd += ["-k", "on", "t", str(style.kokkos_threads), "-sf", "kk"]
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMP_PROC_BIND="false")
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        screen = pathlib.Path(work, "screen.txt").read_text()
        if status != 0:
            raise RuntimeError(f"{style.label}: lmp failed\n{screen[-2000:]}")
        # LAMMPS prints atom-step/s, katom-step/s or Matom-step/s.
        perf = [
            float(value) * {"": 1.0, "k": 1e3, "M": 1e6}[prefix]
            for value, prefix in re.findall(
                r"Performance:.* ([0-9.e+]+) ([kM]?)atom-step/s", screen
            )
        ]
        atoms = re.findall(r"Loop time of .* steps with (\d+) atoms", screen)
        return perf[-1], usage.ru_maxrss / 1024.0, int(atoms[-1])


def has_style(lmp: str, plugin: str, name: str) -> bool:
    with tempfile.TemporaryDirectory() as work:
        pathlib.Path(work, "in.info").write_text(f"plugin load {plugin}\ninfo styles pair\n")
        out = subprocess.run(
            [lmp, "-in", "in.info", "-log", "none"],
            cwd=work,
            capture_output=True,
            text=True,
        ).stdout
    return f" {name} " in f" {out.replace(chr(10), ' ')} "


def print_ratios(rows: List[Dict[str, float]]) -> None:
    """Throughput ratios at each size: gaunt/kk (1 thread) over gaunt/torch, snap W over gaunt."""
    speed = {(r["style"], r["atoms"]): r["atom_steps_per_s"] for r in rows}
    sizes = sorted({r["atoms"] for r in rows if r["style"].startswith("gaunt")})
    kk = "gaunt/kk, 1 thread"
    print("\nratios at each size (same invocation):")
    for n in sizes:
        parts = []
        if (kk, n) in speed and ("gaunt/torch", n) in speed:
            parts.append(
                f"gaunt/kk / gaunt/torch = {speed[(kk, n)] / speed[('gaunt/torch', n)]:.2f}"
            )
        w = [
            v
            for (label, atoms), v in speed.items()
            if label.startswith("snap W") and abs(atoms - n) <= 0.3 * n
        ]
        for label in (kk, kk + ", radial_table 2000", kk + ", precision mixed"):
            if w and (label, n) in speed:
                parts.append(f"snap W / {label} = {w[0] / speed[(label, n)]:.2f}")
        if parts:
            print(f"  {n:7d} atoms: " + "; ".join(parts))


def plot(rows: List[Dict[str, float]], png: pathlib.Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for label in dict.fromkeys(r["style"] for r in rows):
        sel = [r for r in rows if r["style"] == label]
        atoms = [r["atoms"] for r in sel]
        left.loglog(atoms, [r["atom_steps_per_s"] for r in sel], "o-", label=label)
        right.loglog(atoms, [r["us_per_atom_step"] for r in sel], "o-", label=label)
    left.set_ylabel("atom-steps / s")
    right.set_ylabel("µs / atom-step")
    for ax in (left, right):
        ax.set_xlabel("atoms")
        ax.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    fig.suptitle("LAMMPS throughput on this machine (CPU, 1 MPI rank)")
    fig.tight_layout()
    fig.savefig(png, dpi=120)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", type=pathlib.Path, default=ROOT / "build")
    parser.add_argument("--lammps-tree", type=pathlib.Path, default=None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000, 100000])
    parser.add_argument("--max-atoms", type=int, default=100000)
    parser.add_argument(
        "--torch-max-atoms",
        type=int,
        default=10000,
        help="largest box for gaunt/torch (the autograd baseline takes minutes per step above)",
    )
    parser.add_argument("--styles", nargs="+", default=None)
    parser.add_argument("--seconds", type=float, default=5.0, help="target time of a timed run")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "tests/benchmarks/results")
    args = parser.parse_args(argv)
    lmp = str((args.build / "lmp").resolve())
    plugin = str((args.build / "plugins" / "gauntplugin.so").resolve())
    tree = args.lammps_tree or pathlib.Path(
        re.search(r"GAUNT_LAMMPS_TREE:\w+=(.*)", (args.build / "CMakeCache.txt").read_text())[1]
    )
    all_styles = styles(tree)
    chosen = args.styles or list(all_styles)
    if "gaunt/torch" in chosen and not has_style(lmp, plugin, "gaunt/torch"):
        print("gaunt/torch is not in this build's plugin (no LibTorch): left out")
        chosen.remove("gaunt/torch")

    model = model_size(SI_MODEL)
    print(
        f"gaunt model {SI_MODEL.name}: K = {model['channels']} channels, L = {model['lmax']}, "
        f"ν = {model['nu_max']}, {model['parameters']} parameters, r_c = {model['cutoff']} Å, "
        f"{neighbours_per_atom(DIAMOND_SI, model['cutoff'])} neighbours/atom (diamond Si)"
    )
    print(
        f"snap Ta06A: 2J = 6, 30 coefficients, {neighbours_per_atom(BCC_TA, 4.67637)} "
        f"neighbours/atom; snap W 2940: 2J = 8, 56 coefficients, "
        f"{neighbours_per_atom(BCC_W, 4.73442)} neighbours/atom"
    )
    rows: List[Dict[str, float]] = []
    header = (
        f"{'style':38s} {'atoms':>8s} {'steps':>6s} {'atom-steps/s':>13s} "
        f"{'µs/atom-step':>13s} {'peak MB':>9s} {'kB/atom':>8s}"
    )
    print(header)
    for key in chosen:
        style = all_styles[key]
        speed = 1000.0  # atom-steps/s guess for the first (smallest) size
        cap = min(
            args.max_atoms,
            args.torch_max_atoms if key == "gaunt/torch" else args.max_atoms,
        )
        for target in [s for s in args.sizes if s <= cap]:
            cells = cells_for(style.lattice, target)
            natoms = cells[0] * cells[1] * cells[2] * len(style.lattice.basis)
            steps = int(min(200, max(1, args.seconds * speed / natoms)))
            speed, peak_mb, atoms = run_one(lmp, plugin, style, cells, steps)
            row = {
                "style": style.label,
                "atoms": atoms,
                "steps": steps,
                "atom_steps_per_s": speed,
                "us_per_atom_step": 1e6 / speed,
                "peak_mb": peak_mb,
                "kb_per_atom": 1024.0 * peak_mb / atoms,
            }
            rows.append(row)
            print(
                f"{style.label:38s} {atoms:8d} {steps:6d} {speed:13.4g} {1e6 / speed:13.4g} "
                f"{peak_mb:9.1f} {row['kb_per_atom']:8.2f}",
                flush=True,
            )
    print("\nmarginal memory per atom (slope between the two largest sizes):")
    for label in dict.fromkeys(r["style"] for r in rows):
        sel = sorted((r for r in rows if r["style"] == label), key=lambda r: r["atoms"])
        if len(sel) >= 2:
            a, b = sel[-2], sel[-1]
            slope = 1024.0 * (b["peak_mb"] - a["peak_mb"]) / (b["atoms"] - a["atoms"])
            print(f"  {label:38s} {slope:8.2f} kB/atom")
    print_ratios(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "lammps_benchmark.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    plot(rows, args.out / "lammps_benchmark.png")
    print(f"wrote {args.out / 'lammps_benchmark.csv'} and lammps_benchmark.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
