"""Compiled (numba) tasks that run inside a compiled lifetime; :mod:`.dispatch` is the entry point.

One module per task holds its equations (module docstring), its ``TASK_ID``, ``STATE_SIZE``,
``native_params(**kwargs)`` (the constants array for given Gymnasium keywords) and the four
kernels ``begin_lifetime``, ``reset``, ``observe``, ``step``.
"""
