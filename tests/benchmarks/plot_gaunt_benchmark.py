"""Log-log plot of the Gaunt-route / Clebsch-Gordan benchmark written by bench_gaunt.

Usage:
    /usr/bin/python3 tests/benchmarks/plot_gaunt_benchmark.py BENCH.csv OUT.png

One panel per batch size: time per product (ns) against L (L1 = L2 = L, Lout = 2L) for each
method, with dashed reference slopes L^3 and L^5 through the CG point at the smallest fitted L.
"""

import csv
import sys
from collections import defaultdict
from typing import Dict, List, Tuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

LABELS = {
    "fourier": "Gaunt: 2D Fourier + FFT",
    "grid": "Gaunt: sphere grid",
    "sparse": "Gaunt: sparse coefficients",
    "cg": "full real CG tensor product",
}
MARKERS = {"fourier": "s", "grid": "o", "sparse": "^", "cg": "x"}


def read(path: str) -> Tuple[Dict[int, Dict[str, List[Tuple[int, float]]]], Dict[int, str]]:
    """Rows of the CSV grouped as data[batch][method] = [(L, ns)], and the channel count and
    clock of each batch."""
    data: Dict[int, Dict[str, List[Tuple[int, float]]]] = defaultdict(lambda: defaultdict(list))
    info: Dict[int, str] = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            batch = int(row["batch"])
            data[batch][row["method"]].append((int(row["L"]), float(row["ns_per_product"])))
            info[batch] = f"C = {row['channels']}, {row.get('clock', 'wall')} time"
    return data, info


def main(argv: List[str]) -> int:
    if len(argv) != 3:
        raise SystemExit(f"usage: {argv[0]} BENCH.csv OUT.png")
    data, info = read(argv[1])
    if not data:
        raise ValueError(f"no rows in {argv[1]!r}")
    batches = sorted(data)
    fig, axes = plt.subplots(1, len(batches), figsize=(6 * len(batches), 4.5), squeeze=False)
    for ax, batch in zip(axes[0], batches):
        for method, points in data[batch].items():
            points.sort()
            ls = [p[0] for p in points]
            ts = [p[1] for p in points]
            ax.loglog(ls, ts, marker=MARKERS.get(method, "."), label=LABELS.get(method, method))
        cg = sorted(data[batch].get("cg", []))
        if cg:
            l0, t0 = next(((lv, tv) for lv, tv in cg if lv >= 3), cg[0])
            lmax = cg[-1][0]
            for p, style in ((3, ":"), (5, "--")):
                ax.loglog(
                    [l0, lmax], [t0, t0 * (lmax / l0) ** p], "k" + style, lw=0.8, label=f"∝ L^{p}"
                )
        ax.set_xlabel("L  (L1 = L2 = L, Lout = 2L)")
        ax.set_ylabel("time per product [ns]")
        ax.set_title(f"batch {batch} items, {info[batch]}")
        ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(range(1, 17)))
        ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(argv[2], dpi=120)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
