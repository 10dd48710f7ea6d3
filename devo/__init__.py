"""devo: neuroevolution of developing spiking networks."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__version__ = "0.1.0"


def _source_hash() -> str:
    """A hash of every devo source file with compiled code (the files that mention ``njit``), the
    numba version and the code-generation flags devo sets."""
    import numba

    root = Path(__file__).parent
    h = hashlib.sha256()
    h.update(f"numba {numba.__version__} slp {os.environ.get('NUMBA_SLP_VECTORIZE', '1')}".encode())
    for p in sorted(root.rglob("*.py")):
        text = p.read_bytes()
        if b"njit" in text:
            h.update(str(p.relative_to(root)).encode())
            h.update(text)
    return h.hexdigest()[:12]


def _configure_numba_cache() -> None:
    """Point numba's on-disk cache at a folder named by the source hash.

    numba's cache notices when a function's own file changes, not when a function it calls (in
    another file) changes, so a stale compiled caller could outlive an edit. One folder per source
    version rules that out, works when the package folder is read-only, and is shared by every
    process on the machine (Ray workers load what the driver compiled). ``NUMBA_CACHE_DIR`` set by
    the user wins; ``DEVO_CACHE_DIR`` moves the root (default ``~/.cache/devo``).
    """
    set_by_user = os.environ.get("NUMBA_CACHE_DIR")
    if set_by_user and set_by_user != os.environ.get("_DEVO_NUMBA_CACHE_DIR"):
        return
    root = Path(os.environ.get("DEVO_CACHE_DIR") or Path.home() / ".cache" / "devo")
    folder = root / f"numba-{_source_hash()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # numba falls back to its own locations
    # children (Ray workers, subprocesses) inherit the variable; the marker tells them devo set it,
    # so each recomputes its own folder from the sources it runs
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    os.environ["_DEVO_NUMBA_CACHE_DIR"] = str(folder)
    import numba

    numba.config.CACHE_DIR = str(folder)


def _configure_numba_codegen() -> None:
    """Switch on LLVM's SLP vectoriser, which numba leaves off by default.

    devo's rules work on short fixed-size vectors (8 state values, 4 synapse values); written as
    straight-line code per neuron, SLP turns them into SIMD (the node rule runs about 2-3x faster).
    It does not reorder arithmetic, so results stay bit-identical. ``NUMBA_SLP_VECTORIZE=0`` set by
    the user wins.
    """
    if "NUMBA_SLP_VECTORIZE" in os.environ:
        return
    os.environ["NUMBA_SLP_VECTORIZE"] = "1"  # numba re-reads its config from the environment
    from numba.core import config

    config.reload_config()


_configure_numba_cache()
_configure_numba_codegen()
