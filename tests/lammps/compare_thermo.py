"""Compare the thermo table of a LAMMPS log with a reference log to the printed precision.

Each number of the reference must be reproduced to within one unit of its last printed digit
(the rounding of the last digit may differ when the summation order differs, as it does between
LAMMPS's serial g++ build and Kokkos OpenMP threads).

usage: compare_thermo.py [--prefix] RUN_LOG REFERENCE_LOG COLUMN [COLUMN ...]
  --prefix: the run may be shorter than the reference; its rows are compared with the first
            rows of the reference (a short run of a long example).
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
    args = sys.argv[1:]
    prefix = args[:1] == ["--prefix"]
    args = args[1:] if prefix else args
    if len(args) < 3:
        raise SystemExit(__doc__)
    run, ref, columns = thermo_table(args[0]), thermo_table(args[1]), args[2:]
    if prefix and 2 <= len(run) <= len(ref):
        ref = ref[: len(run)]
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
