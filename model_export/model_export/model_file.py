"""The model file ``NAME.gaunt.pt`` (DESIGN.md §5; field-by-field spec in MODEL_FILE.md).

A zip archive written by ``torch.jit.save(scripted_model, path, _extra_files=...)``:

- ``<root>/extra/gaunt/header.json``        JSON header (schema below),
- ``<root>/extra/gaunt/weights.safetensors`` weights in the safetensors layout
  (8-byte little-endian header length, JSON index, raw little-endian float64 buffers),
- the TorchScript module (``<root>/code``, ``<root>/data.pkl``, ...), float64.

``<root>`` is chosen by torch (the file stem, or ``archive``): readers look for the entry whose
name ends in ``/extra/gaunt/header.json``. Everything read here is validated; every problem is a
``ModelFileError`` (a ValueError) naming the file and the problem.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import struct
import zipfile
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np
import torch
from ase.data import atomic_numbers

from .config import GauntNetConfig
from .model import GauntNet, weight_shapes

SCHEMA_VERSION = 1
MODEL_VERSION = "gauntnet-1"
UNITS = "metal"
HEADER_ENTRY = "gaunt/header.json"
WEIGHTS_ENTRY = "gaunt/weights.safetensors"
HYPERPARAMETER_KEYS = (
    "num_bessel",
    "envelope_p",
    "radial_hidden",
    "channels",
    "lmax",
    "nu_max",
    "readout_hidden",
)

PathLike = Union[str, pathlib.Path]


class ModelFileError(ValueError):
    """A model file is missing, corrupt, truncated, of the wrong version or the wrong units."""


# ---------------------------------------------------------------------- safetensors layout
def encode_safetensors(tensors: Dict[str, np.ndarray]) -> bytes:
    """Serialise float64 arrays: u64 LE header length N, N bytes JSON (space-padded to a
    multiple of 8), then the raw little-endian buffers in the order of ``tensors``."""
    index: Dict[str, Any] = {"__metadata__": {"format": "gaunt"}}
    buffers: List[bytes] = []
    offset = 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(np.asarray(array, dtype="<f8")).tobytes()
        index[name] = {
            "dtype": "F64",
            "shape": [int(d) for d in np.shape(array)],
            "data_offsets": [offset, offset + len(data)],
        }
        buffers.append(data)
        offset += len(data)
    header = json.dumps(index, separators=(",", ":")).encode("utf-8")
    header += b" " * ((8 - len(header) % 8) % 8)
    return struct.pack("<Q", len(header)) + header + b"".join(buffers)


def decode_safetensors(blob: bytes, where: str = "weights") -> Dict[str, np.ndarray]:
    """Parse and validate the safetensors layout; return {name: float64 array}."""
    if len(blob) < 8:
        raise ModelFileError(f"{where}: truncated safetensors blob ({len(blob)} bytes)")
    (n_header,) = struct.unpack("<Q", blob[:8])
    if n_header > len(blob) - 8:
        raise ModelFileError(
            f"{where}: safetensors header length {n_header} exceeds the blob ({len(blob)} bytes)"
        )
    try:
        end_of_index = 8 + n_header
        index = json.loads(blob[8:end_of_index].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelFileError(f"{where}: safetensors JSON index is corrupt ({err})") from err
    if not isinstance(index, dict):
        raise ModelFileError(f"{where}: safetensors index is not a JSON object")
    data = blob[8 + n_header :]  # noqa: E203 (black slice style)
    out: Dict[str, np.ndarray] = {}
    spans: List[Tuple[int, int]] = []
    for name, entry in index.items():
        if name == "__metadata__":
            continue
        if not isinstance(entry, dict) or entry.get("dtype") != "F64":
            raise ModelFileError(f"{where}: tensor {name!r} must have dtype F64, got {entry!r}")
        shape = entry.get("shape")
        offsets = entry.get("data_offsets")
        if (
            not isinstance(shape, list)
            or not all(isinstance(d, int) and d >= 0 for d in shape)
            or not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(isinstance(o, int) for o in offsets)
        ):
            raise ModelFileError(f"{where}: tensor {name!r} has a malformed index entry")
        begin, end = offsets
        if not 0 <= begin <= end <= len(data):
            raise ModelFileError(
                f"{where}: tensor {name!r} data_offsets {offsets} outside the buffer "
                f"({len(data)} bytes): file truncated?"
            )
        if end - begin != 8 * int(np.prod(shape, dtype=np.int64)):
            raise ModelFileError(f"{where}: tensor {name!r} size does not match shape {shape}")
        out[name] = np.frombuffer(data[begin:end], dtype="<f8").reshape(shape).copy()
        spans.append((begin, end))
    spans.sort()
    position = 0
    for begin, end in spans:
        if begin != position:
            raise ModelFileError(f"{where}: tensor buffers overlap or leave gaps")
        position = end
    if position != len(data):
        raise ModelFileError(
            f"{where}: {len(data) - position} trailing bytes after the last tensor"
        )
    return out


# ---------------------------------------------------------------------- header
def config_from_header(header: Dict[str, Any]) -> GauntNetConfig:
    hyper = header["hyperparameters"]
    norm = header["normalisation"]
    return GauntNetConfig(
        elements=list(header["elements"]),
        cutoff=float(header["cutoff"]),
        e0s=[float(v) for v in header["e0s"]],
        scale=float(norm["scale"]),
        shift=float(norm["shift"]),
        avg_num_neighbors=float(norm["avg_num_neighbors"]),
        dtype=str(header.get("dtype", "float64")),
        **{key: hyper[key] for key in HYPERPARAMETER_KEYS},
    )


def make_header(
    config: GauntNetConfig, weights_sha256: str, training: Optional[Dict[str, Any]] = None
) -> Dict[str, Any]:
    shapes = weight_shapes(config)
    return {
        "schema_version": SCHEMA_VERSION,
        "model_version": MODEL_VERSION,
        "units": UNITS,
        "elements": list(config.elements),
        "atomic_numbers": [atomic_numbers[e] for e in config.elements],
        "cutoff": float(config.cutoff),
        "hyperparameters": {key: getattr(config, key) for key in HYPERPARAMETER_KEYS},
        "e0s": [float(v) for v in config.e0s],  # type: ignore[union-attr]
        "normalisation": {
            "scale": float(config.scale),
            "shift": float(config.shift),
            "avg_num_neighbors": float(config.avg_num_neighbors),
        },
        "dtype": config.dtype,
        "weights": {
            "entry": WEIGHTS_ENTRY,
            "format": "safetensors",
            "dtype": "F64",
            "byte_order": "little",
            "sha256": weights_sha256,
            "tensors": {name: shape for name, shape in shapes.items()},
        },
        "sphere_grid": {
            "kind": "gauss-legendre-x-uniform-phi",
            "total_degree": config.nu_max * config.lmax,
            "note": "B is the exact integral; any exact quadrature or Gaunt route agrees",
        },
        "torchscript": {
            "present": True,
            "dtype": "float64",
            "torch_version": torch.__version__,
            "signature": "forward(positions[N,3], species[N] int64, edge_index[2,E] int64, "
            "n_local: int) -> per-atom energies [n_local]",
        },
        "training": training or {},
    }


def _require(cond: bool, path: str, message: str) -> None:
    if not cond:
        raise ModelFileError(f"{path}: {message}")


def validate_header(header: Any, path: str) -> GauntNetConfig:
    """Check every header field; return the config it describes."""
    _require(isinstance(header, dict), path, "header is not a JSON object")
    version = header.get("schema_version")
    _require(
        isinstance(version, int) and not isinstance(version, bool),
        path,
        f"header has no integer schema_version (got {version!r})",
    )
    _require(
        version == SCHEMA_VERSION,
        path,
        f"unsupported schema_version {version} (this reader supports {SCHEMA_VERSION})",
    )
    _require(
        header.get("model_version") == MODEL_VERSION,
        path,
        f"unsupported model_version {header.get('model_version')!r} (expected {MODEL_VERSION!r})",
    )
    _require(
        header.get("units") == UNITS,
        path,
        f"units must be {UNITS!r}, got {header.get('units')!r}",
    )
    for key in ("elements", "atomic_numbers", "cutoff", "hyperparameters", "e0s"):
        _require(key in header, path, f"header field {key!r} is missing")
    _require(isinstance(header.get("normalisation"), dict), path, "normalisation missing")
    _require(isinstance(header.get("weights"), dict), path, "weights description missing")
    hyper = header["hyperparameters"]
    _require(isinstance(hyper, dict), path, "hyperparameters is not an object")
    for key in HYPERPARAMETER_KEYS:
        _require(key in hyper, path, f"hyperparameters.{key} is missing")
    for key in ("scale", "shift", "avg_num_neighbors"):
        _require(key in header["normalisation"], path, f"normalisation.{key} is missing")
    try:
        config = config_from_header(header)
    except (ValueError, TypeError, KeyError) as err:
        raise ModelFileError(f"{path}: invalid header: {err}") from err
    expected_z = [atomic_numbers[e] for e in config.elements]
    _require(
        header["atomic_numbers"] == expected_z,
        path,
        f"atomic_numbers {header['atomic_numbers']} do not match elements {config.elements}",
    )
    sha = header["weights"].get("sha256")
    _require(isinstance(sha, str) and len(sha) == 64, path, "weights.sha256 missing or malformed")
    return config


# ---------------------------------------------------------------------- write
def model_weights(model: GauntNet) -> Dict[str, np.ndarray]:
    """Trained weights by file name, float64, in the order of ``weight_shapes``."""
    params = dict(model.named_parameters())
    out: Dict[str, np.ndarray] = {}
    for name, shape in weight_shapes(model.config).items():
        tensor = params[name].detach().to(torch.float64).cpu()
        if list(tensor.shape) != shape:
            raise ValueError(f"weight {name}: shape {list(tensor.shape)} != expected {shape}")
        out[name] = tensor.numpy()
    if set(params) != set(out):
        raise ValueError(f"untracked parameters: {sorted(set(params) - set(out))}")
    return out


def save_model_file(
    model: GauntNet, path: PathLike, training: Optional[Dict[str, Any]] = None
) -> Dict[str, Any]:
    """Write ``model`` to ``path`` (should end in .gaunt.pt); return the header written."""
    path = pathlib.Path(path)
    weights = model_weights(model)
    blob = encode_safetensors(weights)
    header = make_header(model.config, hashlib.sha256(blob).hexdigest(), training)
    reference = build_model(model.config, weights, torch.float64)
    scripted = torch.jit.script(reference)
    extra = {
        HEADER_ENTRY: json.dumps(header, indent=2).encode("utf-8"),
        WEIGHTS_ENTRY: blob,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.jit.save(scripted, str(path), _extra_files=extra)
    return header


def build_model(
    config: GauntNetConfig, weights: Dict[str, np.ndarray], dtype: Optional[torch.dtype] = None
) -> GauntNet:
    """A GauntNet with exactly these weights (float64 unless ``dtype`` says otherwise).

    Built in float64 whatever the training precision ``config.dtype``: the header's e0s and the
    quadrature tables stay exact (a float32 build cast back to float64 would round them).
    """
    model = GauntNet(config, dtype=torch.float64)
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, array in weights.items():
            params[name].copy_(torch.from_numpy(np.asarray(array, dtype=np.float64)))
    if dtype is not None:
        model.to(dtype)
    return model


# ---------------------------------------------------------------------- read
def _find_entry(names: List[str], suffix: str) -> Optional[str]:
    hits = [n for n in names if n == "extra/" + suffix or n.endswith("/extra/" + suffix)]
    return hits[0] if len(hits) == 1 else None


def read_model_file(path: PathLike) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
    """Read and validate the native part; return (header, weights)."""
    spath = str(path)
    p = pathlib.Path(path)
    _require(p.is_file(), spath, "no such model file")
    try:
        with zipfile.ZipFile(p) as archive:
            names = archive.namelist()
            header_name = _find_entry(names, HEADER_ENTRY)
            weights_name = _find_entry(names, WEIGHTS_ENTRY)
            _require(header_name is not None, spath, f"no {HEADER_ENTRY} entry: not a gaunt file")
            _require(weights_name is not None, spath, f"no {WEIGHTS_ENTRY} entry")
            header_bytes = archive.read(header_name)  # type: ignore[arg-type]
            blob = archive.read(weights_name)  # type: ignore[arg-type]
    except zipfile.BadZipFile as err:
        raise ModelFileError(f"{spath}: not a valid zip archive (corrupt or truncated): {err}")
    except (OSError, EOFError, zipfile.LargeZipFile) as err:
        raise ModelFileError(f"{spath}: cannot read archive (corrupt or truncated): {err}")
    try:
        header = json.loads(header_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelFileError(f"{spath}: header.json is not valid JSON: {err}") from err
    config = validate_header(header, spath)
    digest = hashlib.sha256(blob).hexdigest()
    _require(
        digest == header["weights"]["sha256"],
        spath,
        f"weights sha256 mismatch (file {digest}, header {header['weights']['sha256']})",
    )
    weights = decode_safetensors(blob, spath)
    expected = weight_shapes(config)
    _require(
        set(weights) == set(expected),
        spath,
        f"weight names {sorted(weights)} do not match the model's {sorted(expected)}",
    )
    for name, shape in expected.items():
        _require(
            list(weights[name].shape) == shape,
            spath,
            f"weight {name} has shape {list(weights[name].shape)}, expected {shape}",
        )
        _require(bool(np.all(np.isfinite(weights[name]))), spath, f"weight {name} not finite")
    _require(
        header["weights"].get("tensors") == expected,
        spath,
        "header weights.tensors does not match the hyperparameters",
    )
    return header, weights


def load_model(path: PathLike, dtype: Optional[torch.dtype] = None) -> GauntNet:
    """Eager GauntNet from a model file (validated); float64 unless ``dtype`` is given."""
    header, weights = read_model_file(path)
    return build_model(config_from_header(header), weights, dtype)


def load_torchscript(path: PathLike) -> torch.jit.ScriptModule:
    """The TorchScript module stored in the file (after validating the native part)."""
    read_model_file(path)
    return torch.jit.load(str(path), map_location="cpu")


def header_text(path: PathLike) -> str:
    header, _ = read_model_file(path)
    return json.dumps(header, indent=2)
