"""Running a life: develop -> spontaneous activity -> episodes, and what a lifetime returns.

:mod:`.evaluator` (``Evaluator``: one lifetime of a genome, its result and recording) drives the
compiled lifetime: :mod:`.step` strings the developmental rules of :mod:`devo.develop` into the
steps of each phase of a life (and the whole life on a native task), :mod:`.session` boxes a
lifetime's state for the Python-environment path, :mod:`.batch` lives many lifetimes on one
preallocated state, and :mod:`.record` records a life for inspection.
"""

from devo.lifetime.evaluator import (
    WORST_FITNESS,
    Evaluator,
    LifetimeResult,
    LifetimeSetup,
    Recording,
    aggregate,
    io_layout,
)

__all__ = ["WORST_FITNESS", "Evaluator", "LifetimeResult", "LifetimeSetup", "Recording", "aggregate", "io_layout"]
