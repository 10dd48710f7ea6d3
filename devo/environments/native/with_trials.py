"""A compiled task's five functions in one module, ``new_trial`` included (never a new trial when the
task has none): what :func:`devo.environments.compiled.functions` returns for such a task.

A template: :func:`devo.environments.compiled.specialise` points the marked import at the task.
"""

from __future__ import annotations

from devo.environments.native.stub import begin_lifetime, new_trial, observe, reset, step  # devo:task  # isort: skip

__all__ = ["begin_lifetime", "new_trial", "observe", "reset", "step"]
