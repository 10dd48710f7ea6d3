"""Shared test set-up: hypothesis profiles (compiled kernels: no deadline); one Ray per session."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=400,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("DEVO_HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def ray_session():
    """One embedded Ray instance (2 CPUs, no dashboard) shared by every test that needs Ray.

    Started on first use, shut down at the end of the session; Ray start-up costs seconds, so
    tests never start their own (except the one that starts a real cluster with `ray start`).
    """
    ray = pytest.importorskip("ray")
    from devo.evolve.pool import init_ray

    started = not ray.is_initialized()
    if started:
        init_ray(num_cpus=2)
    yield ray
    if started:
        ray.shutdown()
