"""Compare the thermo table of a LAMMPS log with a reference log to the printed precision.

Each number of the reference must be reproduced to within one unit of its last printed digit
(the rounding of the last digit may differ when the summation order differs, as it does between
LAMMPS's serial g++ build and Kokkos OpenMP threads).

usage: compare_thermo.py RUN_LOG REFERENCE_LOG COLUMN [COLUMN ...]
"""

import decimal
import sys


def thermo_table(path: str) -> list:
    """The first thermo table of a log: a list of {column: printed string} rows."""
    rows, header = [], None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            words = line.split()
            if header is None:
                if words[:1] == ["Step"]:
                    header = words
                continue
            if line.startswith("Loop time") or len(words) != len(header):
                break
            rows.append(dict(zip(header, words)))
    if not rows:
        raise SystemExit(f"error: no thermo table in {path}")
    return rows


def last_digit_unit(printed: str) -> decimal.Decimal:
    return decimal.Decimal(1).scaleb(decimal.Decimal(printed).as_tuple().exponent)


def main() -> int:
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    run, ref, columns = thermo_table(sys.argv[1]), thermo_table(sys.argv[2]), sys.argv[3:]
    if len(run) != len(ref):
        print(f"FAIL: {len(run)} thermo rows, reference has {len(ref)}")
        return 1
    failures = 0
    for got, want in zip(run, ref):
        for col in columns:
            diff = abs(decimal.Decimal(got[col]) - decimal.Decimal(want[col]))
            ok = diff <= last_digit_unit(want[col])
            failures += not ok
            verdict = "ok" if ok else "FAIL"
            print(f"step {want['Step']:>6} {col:>8}: {got[col]:>14} ref {want[col]:>14} {verdict}")
    print(f"{len(run) * len(columns) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
