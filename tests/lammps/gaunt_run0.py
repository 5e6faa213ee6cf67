"""LAMMPS `run 0` checks of pair_style gaunt / gaunt/kk / gaunt/torch against the PyTorch fixtures.

`fixture` mode turns one structure of tests/reference/model/tiny_reference.json (written by
tests/reference/make_model_reference.py from the PyTorch model) into a LAMMPS data file and
input, runs `lmp` once, and compares the energy, per-atom energies (compute pe/atom), forces,
the global virial (compute pressure NULL virial) and per-atom virials (compute stress/atom, and
compute centroid/stress/atom with its 9 components) with the fixture, all to 1e-10 relative
(max-norm over the array, DESIGN.md §7.2).

`error` mode runs one bad input and asserts that LAMMPS stops with the expected message.

Usage:
    gaunt_run0.py fixture --lmp LMP --plugin gauntplugin.so --reference JSON --structure NAME
                          --style gaunt|gaunt/kk|gaunt/kk/host|gaunt/torch --workdir DIR
                          [--newton on|off] [--neigh half|full] [--plugin-path] [--gpu]
    gaunt_run0.py error --lmp LMP --plugin gauntplugin.so --reference JSON --case CASE
                        --workdir DIR [--style ...]
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import zipfile
from typing import Any, Dict, List, Tuple

import numpy as np

NKTV2P_METAL = 1.6021765e6  # LAMMPS force->nktv2p for units metal (update.cpp)
TOLERANCE = 1e-10
TABLE_TOLERANCE = 1e-7  # with `radial_table 2000`: measured ~1e-9 (tiny model)
MIXED_TOLERANCE = 1e-5  # with `precision mixed` (radial MLP in float32): measured ~3e-7
# Arrays whose largest reference entry is below this (eV, eV/Å) are compared against it instead:
# the near_cutoff fixture's forces are ~2e-13 eV/Å, set by the envelope u(d) ~ (1 - d)^3 at
# d = 1 - 3e-5, where round-off of any evaluation order is ~1e-8 relative (1e-20 absolute).
SCALE_FLOOR = 1e-6
# Types 1..3 of every data file are the model's elements, in the model's order.
MASSES = {"H": 1.008, "C": 12.011, "O": 15.999}


def load_structure(reference: pathlib.Path, name: str) -> Tuple[Dict[str, Any], List[str]]:
    data = json.loads(reference.read_text())
    for s in data["structures"]:
        if s["name"] == name:
            return {**s, "model_file": data.get("model_file", "tiny.gaunt.pt")}, list(MASSES)
    raise ValueError(f"no structure named {name!r} in {reference}")


def box_of(structure: Dict[str, Any]) -> Tuple[str, str, np.ndarray]:
    """LAMMPS box lines, boundary, and positions (possibly shifted) for a fixture structure."""
    pos = np.asarray(structure["positions"], float)
    if structure["pbc"]:
        cell = np.asarray(structure["cell"], float)
        # LAMMPS's restricted triclinic form: rows a = (lx,0,0), b = (xy,ly,0), c = (xz,yz,lz).
        if abs(cell[0, 1]) + abs(cell[0, 2]) + abs(cell[1, 2]) > 0:
            raise ValueError(f"cell is not lower triangular: {cell.tolist()}")
        lx, ly, lz = cell[0, 0], cell[1, 1], cell[2, 2]
        xy, xz, yz = cell[1, 0], cell[2, 0], cell[2, 1]
        lines = f"0 {lx:.17g} xlo xhi\n0 {ly:.17g} ylo yhi\n0 {lz:.17g} zlo zhi\n" + (
            f"{xy:.17g} {xz:.17g} {yz:.17g} xy xz yz\n" if xy or xz or yz else ""
        )
        return lines, "p p p", pos
    # Molecule: a fixed, non-periodic box with 10 Å of vacuum around the atoms.
    lo, hi = pos.min(axis=0) - 10.0, pos.max(axis=0) + 10.0
    lines = "".join(f"{a:.17g} {b:.17g} {n}lo {n}hi\n" for a, b, n in zip(lo, hi, "xyz"))
    return lines, "f f f", pos


def write_data(path: pathlib.Path, structure: Dict[str, Any], elements: List[str]) -> str:
    box, boundary, pos = box_of(structure)
    lines = [
        f"fixture {structure['name']} (model {structure['model_file']})",
        "",
        f"{len(pos)} atoms",
        f"{len(elements)} atom types",
        "",
        box,
        "Masses",
        "",
    ]
    lines += [f"{t + 1} {MASSES[e]}" for t, e in enumerate(elements)]
    lines += ["", "Atoms # atomic", ""]
    for i, (sym, p) in enumerate(zip(structure["symbols"], pos)):
        lines.append(f"{i + 1} {elements.index(sym) + 1} {p[0]:.17g} {p[1]:.17g} {p[2]:.17g}")
    path.write_text("\n".join(lines) + "\n")
    return boundary


def input_script(
    plugin: str,
    data: str,
    boundary: str,
    model: str,
    style: str,
    coeff: str,
    newton: str = "on",
    units: str = "metal",
    load_plugin: bool = True,
) -> str:
    return f"""# written by tests/lammps/gaunt_run0.py
{f'plugin load {plugin}' if load_plugin else ''}
units {units}
atom_style atomic
atom_modify map array
boundary {boundary}
newton {newton}
read_data {data}
pair_style {style}
pair_coeff * * {model} {coeff}
neighbor 1.0 bin
compute pe_atom all pe/atom
compute stress_atom all stress/atom NULL virial
compute centroid_atom all centroid/stress/atom NULL virial
compute pvir all pressure NULL virial
thermo_style custom step pe vol c_pvir[1] c_pvir[2] c_pvir[3] c_pvir[4] c_pvir[5] c_pvir[6]
thermo_modify format float %.17g
dump d all custom 1 atoms.dump id fx fy fz c_pe_atom c_stress_atom[*] c_centroid_atom[*]
dump_modify d format float %.17g sort id
run 0
print "GAUNT_RESULT $(pe:%.17g) $(vol:%.17g) $(c_pvir[1]:%.17g) $(c_pvir[2]:%.17g) \
$(c_pvir[3]:%.17g) $(c_pvir[4]:%.17g) $(c_pvir[5]:%.17g) $(c_pvir[6]:%.17g)"
"""


def run_lmp(
    lmp: str,
    workdir: pathlib.Path,
    script: str,
    style: str,
    neigh: str,
    newton: str = "on",
    plugin_path: str = "",
    gpu: bool = False,
) -> subprocess.CompletedProcess:
    (workdir / "in.run0").write_text(script)
    cmd = [lmp, "-in", "in.run0", "-log", "log.lammps"]
    if "/kk" in style:
        # `newton` here too: the package checks `neigh full` against it before the input runs.
        cmd += [
            "-k",
            "on",
            *(["g", "1"] if gpu else ["t", "2"]),
            "-sf",
            "kk",
            "-pk",
            "kokkos",
            "neigh",
            neigh,
            "newton",
            newton,
        ]
    env = dict(os.environ, OMP_PROC_BIND="false", OMP_NUM_THREADS="2")
    if plugin_path:
        env["LAMMPS_PLUGIN_PATH"] = plugin_path
    return subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)


def parse_result(stdout: str) -> np.ndarray:
    for line in stdout.splitlines():
        if line.startswith("GAUNT_RESULT"):
            return np.array([float(v) for v in line.split()[1:]])
    raise ValueError("no GAUNT_RESULT line in the LAMMPS output")


def parse_dump(path: pathlib.Path) -> np.ndarray:
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("ITEM: ATOMS")) + 1
    return np.array([[float(v) for v in line.split()] for line in lines[start:] if line.strip()])


def relative_error(got: np.ndarray, ref: np.ndarray) -> float:
    """max |got - ref| / max(max |ref|, SCALE_FLOOR) (max norm over the array)."""
    got, ref = np.asarray(got, float), np.asarray(ref, float)
    if got.shape != ref.shape:
        raise ValueError(f"shape {got.shape} != reference shape {ref.shape}")
    scale = max(float(np.max(np.abs(ref))), SCALE_FLOOR)
    return float(np.max(np.abs(got - ref)) / scale)


def model_header(path: str) -> Dict[str, Any]:
    """The JSON header of a model file (MODEL_FILE.md), read straight from the zip archive."""
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.endswith("/extra/gaunt/header.json"))
        return json.loads(z.read(name))


def parameter_count(header: Dict[str, Any]) -> int:
    """Weights of the model, from the tensor shapes its header lists."""
    return sum(int(np.prod(shape)) for shape in header["weights"]["tensors"].values())


def model_reported(style: str, model: str, elements: List[str], stdout: str) -> bool:
    """Every style logs the model of pair_coeff: the lines expected from the file's own header."""
    header = model_header(model)
    h = header["hyperparameters"]
    widths = [h["num_bessel"], *h["radial_hidden"], (h["lmax"] + 1) * h["channels"]]
    parameters = parameter_count(header)
    name = style.split()[0]
    want = [
        f"pair_style {name}: model {model} ({header['model_version']}, weights sha256 "
        f"{header['weights']['sha256'][:12]}...)",
        f"pair_style {name}: elements {' '.join(header['elements'])}, cutoff "
        f"{header['cutoff']:g} Angstrom, {h['channels']} channels, L {h['lmax']}, nu_max "
        f"{h['nu_max']}, radial MLP {'-'.join(map(str, widths))}, readout hidden "
        f"{h['readout_hidden']}, {parameters} parameters",
        f"pair_style {name}: atom types "
        + ", ".join(f"{t} {e}" for t, e in enumerate(elements, start=1)),
    ]
    lines = stdout.splitlines()
    missing = [w for w in want if w not in lines]
    if missing:
        print("\n".join(x for x in lines if x.startswith(f"pair_style {name}:")))
        print(f"FAIL: the log does not describe the model: {missing}")
    return not missing


def engine_reported(args: argparse.Namespace, stdout: str) -> bool:
    """The native styles' log line says what the engine holds: the keywords reached it."""
    radial = (
        f"tabulated on {args.radial_table} intervals"
        if args.radial_table
        else f"by {args.radial_mlp or ('teams' if args.gpu else 'gemm')}"
    )
    line = next((x for x in stdout.splitlines() if ": GauntNet engine on " in x), "")
    want = [f"radial MLP {radial},", f"precision {args.precision},"]
    if args.chunk_atoms:
        want.append(f"chunks of {args.chunk_atoms} atoms")
    missing = [w for w in want if w not in line]
    if missing:
        print(f"FAIL: the engine line {line!r} lacks {missing}")
    return not missing


def check_fixture(args: argparse.Namespace) -> int:
    workdir = pathlib.Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    structure, elements = load_structure(pathlib.Path(args.reference), args.structure)
    boundary = write_data(workdir / "structure.data", structure, elements)
    model = str(pathlib.Path(args.reference).parent / structure["model_file"])
    style = args.style
    if args.radial_table:
        style += f" radial_table {args.radial_table}"
    if args.precision != "double":
        style += f" precision {args.precision}"
    if args.radial_mlp:
        style += f" radial_mlp {args.radial_mlp}"
    if args.chunk_atoms:
        style += f" chunk_atoms {args.chunk_atoms}"
    script = input_script(
        args.plugin,
        "structure.data",
        boundary,
        model,
        style,
        " ".join(elements),
        newton=args.newton,
        load_plugin=not args.plugin_path,
    )
    plugin_dir = str(pathlib.Path(args.plugin).parent) if args.plugin_path else ""
    proc = run_lmp(
        args.lmp,
        workdir,
        script,
        args.style,
        args.neigh,
        args.newton,
        plugin_dir,
        args.gpu,
    )
    if proc.returncode != 0:
        print(proc.stdout[-4000:], proc.stderr[-4000:])
        print(f"FAIL: lmp exited with {proc.returncode}")
        return 1
    if args.plugin_path and f"plugins from {plugin_dir}" not in proc.stdout:
        print(proc.stdout[-2000:])
        print("FAIL: LAMMPS_PLUGIN_PATH did not load the plugin")
        return 1

    if args.style != "gaunt/torch" and not engine_reported(args, proc.stdout):
        return 1
    if not model_reported(args.style, model, elements, proc.stdout):
        return 1

    res = parse_result(proc.stdout)
    energy, volume, pressure = res[0], res[1], res[2:8]
    virial = pressure * volume / NKTV2P_METAL
    atoms = parse_dump(workdir / "atoms.dump")
    forces, pe_atom, stress = atoms[:, 1:4], atoms[:, 4], atoms[:, 5:11]
    per_atom_virial = -stress / NKTV2P_METAL
    centroid_virial = -atoms[:, 11:20] / NKTV2P_METAL
    # LAMMPS's orders: xx yy zz xy xz yz (stress/atom), then yx zx zy (centroid/stress/atom).
    rows, cols = [0, 1, 2, 0, 0, 1, 1, 2, 2], [0, 1, 2, 1, 2, 2, 0, 0, 1]
    ref_voigt = np.asarray(structure["per_atom_virial"], float)[:, rows[:6], cols[:6]]
    ref_centroid = np.asarray(structure["per_atom_centroid_virial"], float)[:, rows, cols]
    checks = {
        "energy": relative_error([energy], [structure["energy"]]),
        "per_atom_energy": relative_error(pe_atom, structure["per_atom_energy"]),
        "sum_pe_atom": relative_error([pe_atom.sum()], [energy]),
        "forces": relative_error(forces, structure["forces"]),
        "virial": relative_error(virial, structure["virial_voigt"]),
        "per_atom_virial": relative_error(per_atom_virial, ref_voigt),
        "per_atom_centroid_virial": relative_error(centroid_virial, ref_centroid),
    }
    failed = False
    # Tabulated radial functions (pair_style keyword radial_table): the table's own error
    # (Hermite bound, tests/cpp) instead of round-off; precision mixed: float32 rounding.
    tolerance = TOLERANCE
    if args.radial_table:
        tolerance = TABLE_TOLERANCE
    elif args.precision == "mixed":
        tolerance = MIXED_TOLERANCE
    if tolerance != TOLERANCE and checks["forces"] < 1e-12:
        print("FAIL: forces agree to round-off: radial_table / precision mixed had no effect")
        failed = True
    for name, err in checks.items():
        ok = err <= (TOLERANCE if name == "sum_pe_atom" else tolerance)
        failed |= not ok
        print(
            f"{args.style} {args.structure} newton {args.newton}: {name} max rel err "
            f"{err:.3e} {'ok' if ok else 'FAIL'}"
        )
    return 1 if failed else 0


# Bad inputs (DESIGN.md §6, §7.4): (what to change, expected message fragment).
ERROR_CASES = {
    "unknown_element": "element N of atom type 3 is not in model file",
    "non_metal_units": (
        "GauntNet models use metal units (eV, Angstrom), but this input uses units real"
    ),
    "corrupt_file": "Cannot read GauntNet model file",
    "truncated_file": "Cannot read GauntNet model file",
    "too_few_elements": "Incorrect number of elements in pair_coeff",
    "overlapping_atoms": "closer than the minimum safe distance",
    "null_without_hybrid": "NULL in pair_coeff is only for types handled by another style",
    "unknown_keyword": "Unknown pair_style gaunt keyword: smooth (expected: radial_table N, "
    "precision double|mixed, radial_mlp gemm|teams, chunk_atoms N)",
    "bad_chunk_atoms": "pair_style gaunt chunk_atoms N needs N >= 1 (atoms per chunk), got 0",
    "bad_precision": "pair_style gaunt precision must be double or mixed, got single",
    "bad_radial_mlp": "pair_style gaunt radial_mlp must be gemm or teams, got cublas",
    "missing_radial_mlp": "pair_style gaunt radial_mlp needs a value (gemm or teams)",
    "torch_precision": "has no precision: it evaluates the TorchScript model",
    "negative_radial_table": "radial_table N needs N >= 0 (0: no table), got -5",
    "torch_radial_table": "has no radial_table: it evaluates the TorchScript model",
    # gaunt/torch only: a valid native part without the TorchScript module.
    "no_torchscript": "cannot load a TorchScript module from this file",
}


def check_error(args: argparse.Namespace) -> int:
    workdir = pathlib.Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    structure, elements = load_structure(pathlib.Path(args.reference), "molecule")
    if args.case == "overlapping_atoms":
        structure = dict(structure)
        pos = np.asarray(structure["positions"], float).copy()
        pos[1] = pos[0] + np.array([0.03, 0.0, 0.04])  # 0.05 Å apart
        structure["positions"] = pos
    boundary = write_data(workdir / "structure.data", structure, elements)
    model = pathlib.Path(args.reference).parent / "tiny.gaunt.pt"
    coeff, units = " ".join(elements), "metal"
    if args.case == "unknown_element":
        coeff = "H C N"
    elif args.case == "too_few_elements":
        coeff = "H C"
    elif args.case == "null_without_hybrid":
        coeff = " ".join(elements[:-1] + ["NULL"])
    elif args.case == "non_metal_units":
        units = "real"
    elif args.case == "corrupt_file":
        raw = bytearray(model.read_bytes())
        for k in range(0, len(raw), 97):
            raw[k] ^= 0x5A
        model = workdir / "corrupt.gaunt.pt"
        model.write_bytes(bytes(raw))
    elif args.case == "truncated_file":
        raw = model.read_bytes()
        model = workdir / "truncated.gaunt.pt"
        model.write_bytes(raw[: len(raw) // 2])
    elif args.case == "no_torchscript":
        source, model = model, workdir / "native_only.gaunt.pt"
        with zipfile.ZipFile(source) as src, zipfile.ZipFile(model, "w") as dst:
            for name in src.namelist():
                if "/extra/gaunt/" in name:
                    dst.writestr(src.getinfo(name), src.read(name))
    style = args.style + {
        "unknown_keyword": " smooth 1",
        "negative_radial_table": " radial_table -5",
        "torch_radial_table": " radial_table 1000",
        "bad_precision": " precision single",
        "bad_radial_mlp": " radial_mlp cublas",
        "bad_chunk_atoms": " chunk_atoms 0",
        "missing_radial_mlp": " radial_mlp",
        "torch_precision": " precision mixed",
    }.get(args.case, "")
    script = input_script(
        args.plugin, "structure.data", boundary, str(model), style, coeff, units=units
    )
    proc = run_lmp(args.lmp, workdir, script, args.style, "half")
    expected = ERROR_CASES[args.case]
    output = proc.stdout + proc.stderr
    error_lines = [line for line in output.splitlines() if "ERROR" in line]
    print("\n".join(error_lines))
    if proc.returncode == 0:
        print(f"FAIL: {args.case}: lmp succeeded, expected an error")
        return 1
    if not any(expected in line for line in error_lines):
        print(output[-3000:])
        print(f"FAIL: {args.case}: no ERROR line contains {expected!r}")
        return 1
    if args.case in ("corrupt_file", "truncated_file", "no_torchscript") and not any(
        str(model) in line for line in error_lines
    ):
        print(f"FAIL: {args.case}: the error does not name the file {model}")
        return 1
    print(f"ok: {args.case}")
    return 0


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    for mode in ("fixture", "error"):
        p = sub.add_parser(mode)
        p.add_argument("--lmp", required=True)
        p.add_argument("--plugin", required=True)
        p.add_argument("--reference", required=True)
        p.add_argument("--workdir", required=True)
        p.add_argument("--style", default="gaunt")
    fixture = sub.choices["fixture"]
    fixture.add_argument("--structure", required=True)
    fixture.add_argument("--newton", default="on", choices=["on", "off"])
    fixture.add_argument("--neigh", default="half", choices=["half", "full"])
    fixture.add_argument(
        "--plugin-path",
        action="store_true",
        help="load the plugin through LAMMPS_PLUGIN_PATH, not `plugin load`",
    )
    fixture.add_argument(
        "--radial-table", type=int, default=0, help="pair_style keyword radial_table N"
    )
    fixture.add_argument(
        "--precision",
        default="double",
        choices=["double", "mixed"],
        help="pair_style keyword precision",
    )
    fixture.add_argument(
        "--radial-mlp",
        choices=["gemm", "teams"],
        help="pair_style keyword radial_mlp (default: the engine's own choice)",
    )
    fixture.add_argument("--chunk-atoms", type=int, help="pair_style keyword chunk_atoms N")
    fixture.add_argument(
        "--gpu",
        action="store_true",
        help="Kokkos on one GPU (-k on g 1) instead of 2 threads",
    )
    sub.choices["error"].add_argument("--case", required=True, choices=sorted(ERROR_CASES))
    args = parser.parse_args(argv)
    for name in ("lmp", "plugin", "reference", "workdir"):
        setattr(args, name, str(pathlib.Path(getattr(args, name)).resolve()))
    return check_fixture(args) if args.mode == "fixture" else check_error(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
