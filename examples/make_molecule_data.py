"""Write a LAMMPS data file of one molecule: a frame of an extended-XYZ file in a periodic box.

The molecule is centred in a cubic box of side BOX = 40 Å, more than twice the model cutoff
(5 Å) plus the molecule's size, so it never sees its periodic images: the run is a molecule in
vacuum. Atom types follow the order of ELEMENTS, which must be the order of the pair_coeff line.

    /usr/bin/python3 examples/make_molecule_data.py XYZ OUT ELEMENT... [--frame N]

The shipped files were written from the repository root with (D = ../shared/data)
    examples/make_molecule_data.py $D/aspirin/train.xyz examples/aspirin_md/aspirin.data C H O
    examples/make_molecule_data.py $D/ethanol/train.xyz tests/lammps/data/ethanol.data C H O
"""

import argparse
import pathlib

import ase.io

BOX = 40.0


def write_data(xyz: pathlib.Path, out: pathlib.Path, elements: list, frame: int) -> None:
    atoms = ase.io.read(xyz, index=frame)
    positions = atoms.get_positions()
    positions += BOX / 2 - positions.mean(axis=0)
    symbols = atoms.get_chemical_symbols()
    unknown = sorted(set(symbols) - set(elements))
    if unknown:
        raise SystemExit(f"elements {unknown} of {xyz} are not in the type list {elements}")
    masses = {s: m for s, m in zip(symbols, atoms.get_masses())}
    lines = [f"{atoms.get_chemical_formula()}, frame {frame} of {xyz.name}", ""]
    lines += [f"{len(atoms)} atoms", f"{len(elements)} atom types", ""]
    lines += [f"0.0 {BOX} xlo xhi", f"0.0 {BOX} ylo yhi", f"0.0 {BOX} zlo zhi", "", "Masses", ""]
    lines += [f"{t + 1} {masses[s]:.4f}  # {s}" for t, s in enumerate(elements)]
    lines += ["", "Atoms  # atomic", ""]
    for i, (s, p) in enumerate(zip(symbols, positions)):
        lines.append(f"{i + 1} {elements.index(s) + 1} {p[0]:.8f} {p[1]:.8f} {p[2]:.8f}")
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}: {len(atoms)} atoms in a {BOX} Å box")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("xyz", type=pathlib.Path)
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("elements", nargs="+")
    parser.add_argument("--frame", type=int, default=0)
    args = parser.parse_args()
    write_data(args.xyz, args.out, args.elements, args.frame)


if __name__ == "__main__":
    main()
