"""Reference values of real spherical harmonics, independent of the engine's recurrence.

Evaluates Y_lm(r/|r|) = N_l^|m| P_l^|m|(cos θ) Φ_m(φ) (DESIGN.md §3) with sympy's associated
Legendre functions (which carry the Condon-Shortley phase), exact normalisation constants and
40-digit arithmetic, for l ≤ LMAX at fixed random directions plus the poles and the axes.

Output: spherical_harmonics.json with
  {"lmax": L, "vectors": [[x, y, z], ...], "values": [[Y_00, Y_1-1, Y_10, Y_11, ...], ...]}
(flat index l*l + l + m; vectors are not normalised; values are rounded to 17 digits).

Run: /usr/bin/python3 tests/reference/make_sh_reference.py
"""

import json
import pathlib
import random

import sympy as sp

LMAX = 10
DIGITS = 40


def real_sph_reference(lmax: int, vec: list) -> list:
    x, y, z = (sp.Rational(str(c)) for c in vec)
    r = sp.sqrt(x**2 + y**2 + z**2)
    cos_theta = z / r
    phi = sp.atan2(y, x) if (x, y) != (0, 0) else sp.Integer(0)  # φ is arbitrary on the z axis
    out = []
    for l in range(lmax + 1):  # noqa: E741 (l: the SH degree)
        for m in range(-l, l + 1):
            am = abs(m)
            norm = sp.sqrt(
                sp.Rational(2 * l + 1, 4) / sp.pi * sp.factorial(l - am) / sp.factorial(l + am)
            )
            legendre = sp.assoc_legendre(l, am, cos_theta)
            if m == 0:
                azimuth = 1
            elif m > 0:
                azimuth = sp.sqrt(2) * sp.cos(m * phi)
            else:
                azimuth = sp.sqrt(2) * sp.sin(am * phi)
            out.append(float(sp.N(norm * legendre * azimuth, DIGITS)))
    return out


def main() -> None:
    rng = random.Random(20261127)
    vectors = [
        [0.0, 0.0, 1.0],
        [0.0, 0.0, -2.5],
        [1.0, 0.0, 0.0],
        [0.0, -1.0, 0.0],
        [-3.0, 0.0, 0.0],
    ]
    vectors += [[0.0, 1e-9, 1.0], [1.0, 1.0, 1.0]]
    for _ in range(12):
        vectors.append([round(rng.uniform(-2.0, 2.0), 6) for _ in range(3)])
    values = [real_sph_reference(LMAX, v) for v in vectors]
    path = pathlib.Path(__file__).with_name("spherical_harmonics.json")
    path.write_text(json.dumps({"lmax": LMAX, "vectors": vectors, "values": values}, indent=1))
    print(f"wrote {path} ({len(vectors)} vectors, l <= {LMAX})")


if __name__ == "__main__":
    main()
