"""Rotations and real Wigner D matrices, for equivariance tests (DESIGN.md §3, §7).

For a rotation R, the real Wigner D matrix of degree l is defined by

    Y_lm(R x) = Σ_m' D^l_{mm'}(R) Y_lm'(x),   so   D^l_{mm'} = ∫_{S²} Y_lm(R x) Y_lm'(x) dΩ,

computed here by a quadrature that is exact for the degree-2l integrand. D is orthogonal and
block diagonal over l. If f(x) = Σ c_lm Y_lm(x), the rotated function x ↦ f(R⁻¹ x) has
coefficients D c (:func:`rotate_coefficients`). A Gaunt product P is equivariant iff
P(D a, D b) = D P(a, b).
"""

from typing import Optional

import numpy as np
import torch
from torch import Tensor

from .gaunt import SphereGrid
from .spherical_harmonics import sh_size, spherical_harmonics


def random_rotation(rng: Optional[np.random.Generator] = None) -> np.ndarray:
    """A uniformly random proper rotation matrix (float64 [3, 3], det = +1), from a random
    unit quaternion."""
    rng = np.random.default_rng() if rng is None else rng
    q = rng.normal(size=4)
    w, x, y, z = q / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def wigner_d_real(lmax: int, rotation: np.ndarray) -> Tensor:
    """Block-diagonal real Wigner D for degrees ≤ lmax: float64 [(lmax+1)², (lmax+1)²] with
    Y(R x) = D Y(x) (exact quadrature; blocks between different l are set to zero)."""
    rotation = np.asarray(rotation, dtype=np.float64)
    if rotation.shape != (3, 3):
        raise ValueError(f"rotation must be a 3x3 matrix, got shape {rotation.shape}")
    n = sh_size(lmax)
    grid = SphereGrid.exact_for(2 * lmax)
    points = grid.points
    rotated = points @ torch.from_numpy(rotation).T
    y = spherical_harmonics(lmax, points)
    y_rot = spherical_harmonics(lmax, rotated)
    d = (y_rot * grid.weights[:, None]).T @ y
    mask = torch.zeros(n, n, dtype=torch.bool)
    for ell in range(lmax + 1):
        block = slice(ell * ell, (ell + 1) ** 2)
        mask[block, block] = True
    return torch.where(mask, d, torch.zeros_like(d))


def rotate_coefficients(coefficients: Tensor, d: Tensor) -> Tensor:
    """Coefficients [..., n] of x ↦ f(R⁻¹ x) from those of f, with d = wigner_d_real(L, R)
    (L ≥ the degree of f; only the leading n×n block is used)."""
    n = coefficients.size(-1)
    return coefficients @ d[:n, :n].to(coefficients.dtype).T
