"""Exact real Gaunt coefficients and exact Gaunt products, for the Python and C++ tests.

Convention (DESIGN.md §3): real orthonormal spherical harmonics with the Condon-Shortley phase,
    Y_l0 = Y_l^0,  Y_lm = √2 Re Y_l^m,  Y_l,-m = √2 Im Y_l^m   (m > 0),
where Y_l^m is sympy's complex ``Ynm`` (CS phase, Y_l^{-m} = (-1)^m conj(Y_l^m)); flat index
l*l + l + m. The real Gaunt coefficient
    G(l1m1, l2m2, l3m3) = ∫ Y_l1m1 Y_l2m2 Y_l3m3 dΩ = Σ_{μ1μ2μ3} U_{m1μ1} U_{m2μ2} U_{m3μ3} g(μ)
is computed in exact arithmetic from sympy's complex ``gaunt`` (g = ∫ Y^μ1 Y^μ2 Y^μ3 dΩ, exact:
a rational times the square root of a rational over sqrt(π)) with the unitary map
    U_{0,0} = 1,  U_{m,m} = 1/√2,  U_{m,-m} = (-1)^m/√2,
    U_{-m,m} = -i/√2,  U_{-m,-m} = i (-1)^m/√2                       (m > 0),
then evaluated to 40 significant digits and rounded once to a double.

Relation to sympy's ``real_gaunt`` (sympy >= 1.12, not in Debian 12's sympy 1.11): sympy's real
harmonics are Z_l^m = Y_lm for m >= 0 but Z_l^-k = (-1)^(k+1) Y_l,-k for k > 0, so
    sympy.real_gaunt(l1, l2, l3, m1, m2, m3) = s(m1) s(m2) s(m3) G(l1m1, l2m2, l3m3),
    s(m) = 1 for m >= 0,  s(m) = (-1)^(|m|+1) for m < 0.
(Check: sympy's documented real_gaunt(2, 2, 4, -1, -1, 0) = -2/(7 sqrt(π)) equals our G.)
The script checks that map for every coefficient with l ≤ 3 by evaluating sympy's documented
definition (Σ Re(U U U) gaunt with the U of its docstring), and, when the installed sympy has
``real_gaunt``, compares every coefficient with l ≤ 4 through the map. It always checks every
coefficient of the table (and every zero) against an independent exact evaluation: the real
harmonics written as polynomials in (x, y, z) from Rodrigues' formula, integrated monomial by
monomial with
∫ x^a y^b z^c dΩ = 2 Γ((a+1)/2) Γ((b+1)/2) Γ((c+1)/2) / Γ((a+b+c+3)/2) (a, b, c even).

Output: real_gaunt_l4.json (next to this script), a single JSON object:
  "convention":  text (the lines above, short form),
  "lmax_table":  [4, 4, 8]  (l1max, l2max, l3max of "gaunt"),
  "gaunt":       [[i1, i2, i3, value], ...]  every nonzero G with l1 ≤ 4, l2 ≤ 4, l3 ≤ 8, flat
                 indices, all index orders listed, sorted by (i1, i2, i3); a coefficient absent
                 from the list is exactly zero,
  "products":    [{"l1": L1, "l2": L2, "lout": Lout, "a": [...], "b": [...], "out": [...]}, ...]
                 with out[i3] = Σ G(i1, i2, i3) a[i1] b[i2] in 40-digit arithmetic (a, b are
                 doubles from a fixed seed, taken exactly), for (L1, L2, Lout) in
                 (1, 1, 2), (2, 3, 5), (4, 4, 8), (3, 2, 1); three (a, b) pairs each.
All numbers are JSON doubles (shortest round-trip repr, i.e. exactly the rounded double).

Run (about 1.5 minutes on 2 cores, deterministic; the output is committed):
  /usr/bin/python3 tests/reference/make_gaunt_reference.py
"""

import functools
import json
import pathlib
import random
import time
from typing import Dict, List, Tuple

import mpmath
import sympy as sp
from sympy.physics.wigner import gaunt

DIGITS = 40
L12MAX = 4
L3MAX = 8
PRODUCT_CASES = [(1, 1, 2), (2, 3, 5), (4, 4, 8), (3, 2, 1)]
PAIRS_PER_CASE = 3
SEED = 20261127
OUTPUT = pathlib.Path(__file__).with_name("real_gaunt_l4.json")

Key = Tuple[int, int, int]


def flat(degree: int, m: int) -> int:
    return degree * degree + degree + m


def unitary(m: int) -> List[Tuple[int, sp.Expr]]:
    """[(μ, U_{m μ})]: Y_lm (real) = Σ_μ U_{mμ} Y_l^μ (complex, CS phase)."""
    if m == 0:
        return [(0, sp.Integer(1))]
    k = abs(m)
    r = 1 / sp.sqrt(2)
    sign = sp.Integer(-1) ** k
    if m > 0:
        return [(k, r), (-k, sign * r)]
    return [(k, -sp.I * r), (-k, sp.I * sign * r)]


@functools.lru_cache(maxsize=None)
def complex_gaunt(l1: int, l2: int, l3: int, m1: int, m2: int, m3: int) -> sp.Expr:
    return gaunt(l1, l2, l3, m1, m2, m3)


def real_gaunt_exact(l1: int, m1: int, l2: int, m2: int, l3: int, m3: int) -> sp.Expr:
    total = sp.Integer(0)
    for mu1, u1 in unitary(m1):
        for mu2, u2 in unitary(m2):
            for mu3, u3 in unitary(m3):
                if mu1 + mu2 + mu3 != 0:
                    continue
                g = complex_gaunt(l1, l2, l3, mu1, mu2, mu3)
                if g != 0:
                    total += u1 * u2 * u3 * g
    total = sp.expand(total)
    if sp.im(total) != 0:
        raise RuntimeError(f"non-real Gaunt coefficient {total} at {(l1, m1, l2, m2, l3, m3)}")
    return total


def gaunt_table(l1max: int, l2max: int, l3max: int) -> Dict[Key, sp.Expr]:
    """Every nonzero exact G with flat-index key (i1, i2, i3); zeros are decided exactly."""
    table: Dict[Key, sp.Expr] = {}
    for l1 in range(l1max + 1):
        for l2 in range(l2max + 1):
            for l3 in range(abs(l1 - l2), min(l1 + l2, l3max) + 1):
                if (l1 + l2 + l3) % 2:
                    continue  # complex gaunt vanishes exactly: no need to ask
                for m1 in range(-l1, l1 + 1):
                    for m2 in range(-l2, l2 + 1):
                        for m3 in range(-l3, l3 + 1):
                            # only |m3| = |m1 ± m2| can meet Σμ = 0; the rest is exactly zero
                            if abs(m3) not in (abs(abs(m1) - abs(m2)), abs(m1) + abs(m2)):
                                continue
                            value = real_gaunt_exact(l1, m1, l2, m2, l3, m3)
                            if value != 0:
                                table[(flat(l1, m1), flat(l2, m2), flat(l3, m3))] = value
    return table


# --- independent check: real harmonics as exact polynomials, monomial integration -------------

X, Y, Z = sp.symbols("x y z", real=True)


@functools.lru_cache(maxsize=None)
def real_sh_polynomial(l: int, m: int) -> Tuple[sp.Expr, sp.Poly]:  # noqa: E741 (SH degree)
    """(c, p) with Y_lm = sqrt(c / π) p(x, y, z) on the unit sphere, c rational, p rational."""
    k = abs(m)
    legendre = sp.diff((Z**2 - 1) ** l, Z, l) / (2**l * sp.factorial(l))  # Rodrigues
    q = (-1) ** k * sp.diff(legendre, Z, k)  # Q_l^k = P_l^k / sin^k θ with the CS phase
    cplx = sp.expand((X + sp.I * Y) ** k)
    azimuth = {0: sp.Integer(1)}.get(m, sp.re(cplx) if m > 0 else sp.im(cplx))
    c = sp.Rational(2 * l + 1, 4) * sp.factorial(l - k) / sp.factorial(l + k) * (2 if m else 1)
    return c, sp.Poly(sp.expand(q * azimuth), X, Y, Z)


@functools.lru_cache(maxsize=None)
def monomial_integral(a: int, b: int, c: int) -> sp.Expr:
    if a % 2 or b % 2 or c % 2:
        return sp.Integer(0)
    half = sp.Rational(1, 2)
    return (
        2
        * sp.gamma((a + 1) * half)
        * sp.gamma((b + 1) * half)
        * sp.gamma((c + 1) * half)
        / sp.gamma((a + b + c + 3) * half)
    )


def real_gaunt_polynomial(l1: int, m1: int, l2: int, m2: int, l3: int, m3: int) -> sp.Expr:
    (c1, p1), (c2, p2), (c3, p3) = (
        real_sh_polynomial(*pair) for pair in ((l1, m1), (l2, m2), (l3, m3))
    )
    prod = p1 * p2 * p3
    integral = sum(
        (coeff * monomial_integral(*powers) for powers, coeff in prod.terms()), sp.Integer(0)
    )
    return sp.sqrt(c1 * c2 * c3 / sp.pi**3) * integral


def check_polynomial(table: Dict[Key, sp.Expr]) -> int:
    lm = [(d, m) for d in range(L3MAX + 1) for m in range(-d, d + 1)]
    n12, n3 = (L12MAX + 1) ** 2, (L3MAX + 1) ** 2
    triples = [(i, j, k) for i in range(n12) for j in range(i, n12) for k in range(n3)]
    for i1, i2, i3 in triples:
        exact = real_gaunt_polynomial(*lm[i1], *lm[i2], *lm[i3])
        ours = table.get((i1, i2, i3), sp.Integer(0))
        if abs(sp.N(exact - ours, DIGITS)) > sp.Float(10) ** (-30):
            raise RuntimeError(
                f"polynomial check failed at {lm[i1], lm[i2], lm[i3]}: {exact} vs {ours}"
            )
    return len(triples)


def sympy_sign(m: int) -> int:
    """s(m): sympy's real harmonic Z_l^m = s(m) Y_lm."""
    return 1 if m >= 0 else (-1) ** (abs(m) + 1)


def sympy_unitary(m: int, mu: int) -> sp.Expr:
    """U^m_μ as written in the docstring of sympy's real_gaunt (sympy >= 1.12):
    δ_{|m||μ|} (δ_{μ0} δ_{m0} + [Θ(m)(δ_{μm} + (-1)^μ δ_{μ,-m})
                                 + i Θ(-m)((-1)^{-m} δ_{μ,-m} - δ_{μm} (-1)^{μ-m})] / √2)."""
    if abs(m) != abs(mu):
        return sp.Integer(0)
    step = 1 if m > 0 else 0
    step_neg = 1 if m < 0 else 0
    bracket = step * ((mu == m) + (-1) ** abs(mu) * (mu == -m)) + sp.I * step_neg * (
        (-1) ** abs(m) * (mu == -m) - (mu == m) * (-1) ** abs(mu - m)
    )
    return sp.Integer(1 if m == mu == 0 else 0) + bracket / sp.sqrt(2)


def check_sympy_documented_convention(table: Dict[Key, sp.Expr], lmax: int = 3) -> int:
    """Recompute sympy's real_gaunt from its documented definition,
    Σ_μ Re(U^m1_μ1 U^m2_μ2 U^m3_μ3) gaunt(l1, l2, l3, μ1, μ2, μ3), and check the sign map
    s(m1) s(m2) s(m3) for every l ≤ lmax (works without sympy >= 1.12)."""
    lm = [(d, m) for d in range(lmax + 1) for m in range(-d, d + 1)]
    for i1, (l1, m1) in enumerate(lm):
        for i2, (l2, m2) in enumerate(lm):
            for i3, (l3, m3) in enumerate(lm):
                theirs = sp.Integer(0)
                for mu1 in (m1, -m1) if m1 else (0,):
                    for mu2 in (m2, -m2) if m2 else (0,):
                        mu3 = -mu1 - mu2
                        if abs(mu3) != abs(m3):
                            continue
                        u = sympy_unitary(m1, mu1) * sympy_unitary(m2, mu2)
                        u = sp.re(sp.expand(u * sympy_unitary(m3, mu3)))
                        theirs += u * complex_gaunt(l1, l2, l3, mu1, mu2, mu3)
                ours = table.get((i1, i2, i3), sp.Integer(0))
                diff = theirs - sympy_sign(m1) * sympy_sign(m2) * sympy_sign(m3) * ours
                if abs(sp.N(diff, DIGITS)) > sp.Float(10) ** (-30):
                    raise RuntimeError(f"sympy convention map fails at {lm[i1], lm[i2], lm[i3]}")
    return len(lm) ** 3


def check_sympy_real_gaunt(table: Dict[Key, sp.Expr]) -> str:
    try:
        from sympy.physics.wigner import real_gaunt  # sympy >= 1.12
    except ImportError:
        documented = table[(flat(2, -1), flat(2, -1), flat(4, 0))]
        if sp.simplify(documented + 2 / (7 * sp.sqrt(sp.pi))) != 0:
            raise RuntimeError(f"G(2-1, 2-1, 40) = {documented}, sympy documents -2/(7 sqrt(pi))")
        return "sympy has no real_gaunt (needs >= 1.12); checked its documented example"
    lm = [(d, m) for d in range(L12MAX + 1) for m in range(-d, d + 1)]

    s = sympy_sign
    for i1, (l1, m1) in enumerate(lm):
        for i2, (l2, m2) in enumerate(lm):
            for i3, (l3, m3) in enumerate(lm):
                theirs = real_gaunt(l1, l2, l3, m1, m2, m3) * s(m1) * s(m2) * s(m3)
                ours = table.get((i1, i2, i3), sp.Integer(0))
                if abs(sp.N(theirs - ours, DIGITS)) > sp.Float(10) ** (-30):
                    raise RuntimeError(f"sympy real_gaunt differs at {lm[i1], lm[i2], lm[i3]}")
    return f"matches sympy.real_gaunt for all l <= {L12MAX} (with the sign map s(m))"


def exact_products(table: Dict[Key, sp.Expr], rng: random.Random) -> List[dict]:
    mpmath.mp.dps = DIGITS + 10
    numeric = {key: mpmath.mpf(str(sp.N(v, DIGITS + 10))) for key, v in table.items()}
    records = []
    for l1, l2, lout in PRODUCT_CASES:
        n1, n2, nout = (l1 + 1) ** 2, (l2 + 1) ** 2, (lout + 1) ** 2
        for _ in range(PAIRS_PER_CASE):
            a = [rng.gauss(0.0, 1.0) for _ in range(n1)]
            b = [rng.gauss(0.0, 1.0) for _ in range(n2)]
            out = [mpmath.mpf(0) for _ in range(nout)]
            for (i1, i2, i3), g in numeric.items():
                if i1 < n1 and i2 < n2 and i3 < nout:
                    out[i3] += g * mpmath.mpf(a[i1]) * mpmath.mpf(b[i2])
            records.append(
                {"l1": l1, "l2": l2, "lout": lout, "a": a, "b": b, "out": [float(v) for v in out]}
            )
    return records


def to_json(document: dict) -> str:
    """JSON with one table entry / product record per line (readable diffs)."""
    lines = ["{"]
    for key, value in document.items():
        if isinstance(value, list) and value and isinstance(value[0], (list, dict)):
            rows = ",\n".join("  " + json.dumps(row, separators=(",", ":")) for row in value)
            lines.append(f" {json.dumps(key)}: [\n{rows}\n ],")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value)},")
    lines[-1] = lines[-1].rstrip(",")
    return "\n".join(lines) + "\n}\n"


def main() -> None:
    start = time.time()
    rng = random.Random(SEED)
    table = gaunt_table(L12MAX, L12MAX, L3MAX)
    print(f"{len(table)} nonzero exact real Gaunt coefficients ({time.time() - start:.1f} s)")
    checked = check_polynomial(table)
    print(
        f"polynomial-integration check passed on {checked} triples (i1 <= i2) "
        f"({time.time() - start:.1f} s)"
    )
    checked = check_sympy_documented_convention(table)
    print(
        f"sympy's documented real_gaunt convention = ours times s(m1)s(m2)s(m3) ({checked} checked)"
    )
    print(check_sympy_real_gaunt(table))
    products = exact_products(table, rng)
    entries = [[i1, i2, i3, float(sp.N(v, DIGITS))] for (i1, i2, i3), v in sorted(table.items())]
    document = {
        "convention": (
            "real orthonormal SH, Condon-Shortley phase, Y_l0 = Y_l^0, Y_lm = sqrt2 Re Y_l^m, "
            "Y_l,-m = sqrt2 Im Y_l^m (m > 0), flat index l*l+l+m; "
            "G(i1,i2,i3) = integral of Y_i1 Y_i2 Y_i3 over the sphere; "
            "products: out[i3] = sum G(i1,i2,i3) a[i1] b[i2]"
        ),
        "generator": "tests/reference/make_gaunt_reference.py",
        "lmax_table": [L12MAX, L12MAX, L3MAX],
        "gaunt": entries,
        "products": products,
    }
    OUTPUT.write_text(to_json(document))
    size = OUTPUT.stat().st_size
    print(f"wrote {OUTPUT} ({size} bytes, {time.time() - start:.1f} s)")


if __name__ == "__main__":
    main()
