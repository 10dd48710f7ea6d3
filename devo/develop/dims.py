"""Compile-time sizes of the developmental program, and the node rule's input layout.

``H`` = developmental state per neuron, ``E`` = state per synapse, ``M`` = message size, ``P`` =
hidden units of the structural MLPs, ``X`` = node-rule input size. They are constants, so the
kernels' inner loops have fixed trip counts and unroll; the agent's scratch arrays
(:mod:`devo.develop.agent`) and the genome blocks of every rule are sized by them.
"""

from __future__ import annotations

H_DIM = 8  # H, developmental state per neuron
E_DIM = 4  # E, state per synapse (its first component is the weight)
MSG_DIM = 4  # M
MLP_DIM = 8  # P

# node-rule input layout (X entries): messages in/out, activity, kind, degree, modulator, position, phase
X_MIN = 0
X_MOUT = MSG_DIM
X_RATE = 2 * MSG_DIM
X_COUNT = X_RATE + 1
X_KIND = X_COUNT + 1  # 3 one-hot entries
X_DEG_IN = X_KIND + 3
X_DEG_OUT = X_DEG_IN + 1
X_MOD = X_DEG_OUT + 1
X_POS = X_MOD + 1  # 2 entries
X_DEV = X_POS + 2
NODE_IN = X_DEV + 1  # X
