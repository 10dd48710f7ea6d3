"""Compiled timing loops for :mod:`devo.bench.lifetime` (one rule, many times, no Python between),
in a lifetime's floating-point mode (:mod:`devo.lifetime.fpmode`)."""

from __future__ import annotations

from numba import njit

from devo.develop.edge import edge_rule
from devo.develop.node import node_rule
from devo.develop.structural import prune, synaptogenesis
from devo.lifetime.fpmode import flush_subnormals, restore_mode
from devo.lifetime.step import env_act


@njit(cache=True, error_model="numpy", _nrt=False)
def time_act(net, ag, rec, reps: int) -> None:
    mode = flush_subnormals()
    for _ in range(reps):
        env_act(net, ag, rec, False)
    restore_mode(mode)


@njit(cache=True, error_model="numpy", _nrt=False)
def time_node(net, ag, R, reps: int) -> None:
    mode = flush_subnormals()
    for _ in range(reps):
        node_rule(net, ag, R)
    restore_mode(mode)


@njit(cache=True, error_model="numpy", _nrt=False)
def time_edge(net, ag, R, reps: int) -> None:
    mode = flush_subnormals()
    for _ in range(reps):
        edge_rule(net, ag, R)
    restore_mode(mode)


@njit(cache=True, error_model="numpy", _nrt=False)
def time_structural(net, ag, R, reps: int) -> None:
    mode = flush_subnormals()
    for _ in range(reps):
        prune(net, ag, R)
        synaptogenesis(net, ag, R)
    restore_mode(mode)
