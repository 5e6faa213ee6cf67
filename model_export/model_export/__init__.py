"""pair_gaunt's Python side: real spherical harmonics, Gaunt products, the GauntNet reference
model, training and export to the ``*.gaunt.pt`` model file (DESIGN.md §1, §3-§5)."""

from .gaunt import (
    MAX_FACTORS,
    GauntManyBody,
    GauntProduct,
    GauntRoute,
    GauntTable,
    SphereGrid,
    gauss_legendre,
    real_gaunt_table,
)
from .spherical_harmonics import (
    MAX_DEGREE,
    SphericalHarmonics,
    sh_index,
    sh_size,
    spherical_harmonics,
)

__all__ = [
    "MAX_DEGREE",
    "MAX_FACTORS",
    "GauntManyBody",
    "GauntProduct",
    "GauntRoute",
    "GauntTable",
    "SphereGrid",
    "SphericalHarmonics",
    "gauss_legendre",
    "real_gaunt_table",
    "sh_index",
    "sh_size",
    "spherical_harmonics",
]

__version__ = "0.1.0"
