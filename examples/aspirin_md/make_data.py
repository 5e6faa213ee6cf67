"""Write aspirin.data: the first configuration of the aspirin training set as a LAMMPS data file.

The molecule sits in the middle of a 40 Å periodic box (more than twice the model cutoff plus its
size, so it never sees its images). Atom types follow the order C H O of the pair_coeff line.
Run: /usr/bin/python3 examples/aspirin_md/make_data.py ../shared/data/aspirin/train.xyz
"""

import pathlib
import sys

import ase.io

TYPES = ["C", "H", "O"]
BOX = 40.0


def main() -> None:
    atoms = ase.io.read(sys.argv[1], index=0)
    positions = atoms.get_positions()
    positions += BOX / 2 - positions.mean(axis=0)
    masses = {s: m for s, m in zip(atoms.get_chemical_symbols(), atoms.get_masses())}
    lines = [f"aspirin, first frame of {pathlib.Path(sys.argv[1]).name}", ""]
    lines += [f"{len(atoms)} atoms", f"{len(TYPES)} atom types", ""]
    lines += [f"0.0 {BOX} xlo xhi", f"0.0 {BOX} ylo yhi", f"0.0 {BOX} zlo zhi", "", "Masses", ""]
    lines += [f"{t + 1} {masses[s]:.4f}  # {s}" for t, s in enumerate(TYPES)]
    lines += ["", "Atoms  # atomic", ""]
    for i, (s, p) in enumerate(zip(atoms.get_chemical_symbols(), positions)):
        lines.append(f"{i + 1} {TYPES.index(s) + 1} {p[0]:.8f} {p[1]:.8f} {p[2]:.8f}")
    out = pathlib.Path(__file__).with_name("aspirin.data")
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}: {len(atoms)} atoms in a {BOX} Å box")


if __name__ == "__main__":
    main()
