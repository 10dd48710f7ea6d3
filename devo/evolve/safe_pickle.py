"""Reading checkpoints without running code: a restricted unpickler.

A checkpoint holds EvoTorch's searcher object, which has no portable form other than pickle. Plain
``pickle.load`` calls whatever a file names (``os.system``, ``subprocess.run``...), so a crafted
checkpoint would run code on ``devo resume``. :func:`safe_loads` admits only the globals devo's
checkpoints are made of (listed in :data:`ALLOWED`, found by loading a checkpoint of every
searcher), and replaces the two that could reach further:

- ``builtins.getattr`` (pickle's way of naming a bound method) is admitted only for the searcher
  methods EvoTorch's status reporters keep (:data:`METHODS`), on instances of admitted classes;
- ``torch.storage._load_from_bytes`` (how a pickled ``torch.Generator``'s or tensor's storage
  comes back) calls ``torch.load(weights_only=False)``, a second, unrestricted unpickler; devo
  reads those bytes with ``weights_only=True`` instead.

Anything else is refused with :class:`UnsafePickleError`, before it is imported or called.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

__all__ = ["ALLOWED", "METHODS", "UnsafePickleError", "safe_loads"]

ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        ("builtins", "dict"), ("builtins", "list"), ("builtins", "tuple"), ("builtins", "set"),
        ("builtins", "frozenset"), ("builtins", "slice"), ("builtins", "complex"), ("builtins", "bytearray"),
        ("collections", "OrderedDict"), ("collections", "defaultdict"), ("datetime", "datetime"),
        ("devo.evolve.problem", "DevoProblem"),
        ("evotorch.algorithms.cmaes", "CMAES"),
        ("evotorch.algorithms.distributed.gaussian", "CEM"),
        ("evotorch.algorithms.distributed.gaussian", "PGPE"),
        ("evotorch.algorithms.distributed.gaussian", "SNES"),
        ("evotorch.algorithms.distributed.gaussian", "XNES"),
        ("evotorch.algorithms.ga", "GeneticAlgorithm"),
        ("evotorch.algorithms.searchalgorithm", "LazyReporter._missing_status_producer"),
        ("evotorch.algorithms.searchalgorithm", "SinglePopulationAlgorithmMixin.ObjectiveStatusReporter"),
        ("evotorch.core", "Solution"), ("evotorch.core", "SolutionBatch"),
        ("evotorch.distributions", "ExpGaussian"), ("evotorch.distributions", "ExpSeparableGaussian"),
        ("evotorch.distributions", "SeparableGaussian"), ("evotorch.distributions", "SymmetricSeparableGaussian"),
        ("evotorch.operators.real", "GaussianMutation"), ("evotorch.operators.real", "SimulatedBinaryCrossOver"),
        ("evotorch.optimizers", "Adam"), ("evotorch.optimizers", "ClipUp"),
        ("evotorch.optimizers", "ClipUpParameterGroup"), ("evotorch.optimizers", "SGD"),
        ("evotorch.tools.hook", "Hook"),
        ("numpy", "dtype"), ("numpy", "ndarray"), ("numpy._core.multiarray", "scalar"),
        ("numpy._core.multiarray", "_reconstruct"), ("numpy._core.numeric", "_frombuffer"),
        ("numpy.core.multiarray", "scalar"), ("numpy.core.multiarray", "_reconstruct"),
        ("numpy.core.numeric", "_frombuffer"),
        ("torch", "device"), ("torch", "float32"), ("torch", "float64"), ("torch", "int64"),
        ("torch._C", "Generator"), ("torch._utils", "_rebuild_tensor_v2"),
        ("torch.optim.adam", "Adam"), ("torch.optim.sgd", "SGD"),
    }
)  # fmt: skip

# Bound methods EvoTorch's status reporters hold (pickled as getattr(searcher, name)).
METHODS: frozenset[str] = frozenset({"_get_center", "_get_sigma", "_get_mu", "_step_non_distributed"})

_STORAGE = ("torch.storage", "_load_from_bytes")
_GETATTR = ("builtins", "getattr")


class UnsafePickleError(pickle.UnpicklingError):
    """The file names something a devo checkpoint never holds."""


def _load_storage(data: bytes) -> Any:
    import torch

    try:
        return torch.load(io.BytesIO(data), weights_only=True)
    except pickle.UnpicklingError as exc:
        lines = [x.strip() for x in str(exc).splitlines() if x.strip().startswith("Trying to load")]
        raise UnsafePickleError(
            "refusing tensor storage bytes that hold more than tensor data" + (f" ({lines[0]})" if lines else "")
        ) from None


def _admitted(obj: Any) -> bool:
    cls = type(obj)
    return (cls.__module__, cls.__qualname__) in ALLOWED


def _method(obj: Any, name: str) -> Any:
    if not isinstance(name, str) or name not in METHODS or isinstance(obj, type) or not _admitted(obj):
        raise UnsafePickleError(
            f"refusing getattr({type(obj).__name__}, {name!r}): not a method a devo checkpoint refers to"
        )
    return getattr(obj, name)


class _Restricted(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == _GETATTR:
            return _method
        if (module, name) == _STORAGE:
            return _load_storage
        if (module, name) not in ALLOWED:
            raise UnsafePickleError(f"refusing {module}.{name}: not a type a devo checkpoint holds")
        return super().find_class(module, name)

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickleError("refusing a persistent reference: devo checkpoints have none")


def safe_loads(data: bytes) -> Any:
    """Unpickle ``data`` admitting only what devo's checkpoints are made of (see the module docstring)."""
    return _Restricted(io.BytesIO(data)).load()
