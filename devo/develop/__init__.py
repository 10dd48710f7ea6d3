"""The developmental program: rules that grow a spiking network and rewire it for life.

Knows nothing of EvoTorch or Ray. :mod:`.rules` says what the genome means; one module per rule
(:mod:`.node`, :mod:`.edge`, :mod:`.structural`, :mod:`.growth`, :mod:`.spontaneous`,
:mod:`.modulator`); :mod:`.step` strings them into development, spontaneous-activity and
lifetime steps.
"""
