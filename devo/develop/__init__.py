"""The developmental program: rules that grow a spiking network and rewire it for life.

Knows nothing of EvoTorch or Ray. :mod:`.rules` says what the genome means; one module per rule
(:mod:`.node`, :mod:`.edge`, :mod:`.structural`, :mod:`.growth`, :mod:`.spontaneous`,
:mod:`.modulator`), with :mod:`.agent` (the per-lifetime state every rule reads and writes) and
the shared helpers :mod:`.neighbours` and :mod:`.mathx`. Running a life from these rules is
:mod:`devo.lifetime`'s job (:mod:`devo.lifetime.step` strings them into development,
spontaneous-activity and lifetime steps).
"""
