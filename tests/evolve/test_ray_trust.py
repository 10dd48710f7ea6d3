"""Ray workers must run the driver's devo (issue 15, item 8), and the Ray token file is private
(item 9); the address probe (item 2) at the unit level."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

import devo
from devo.errors import DevoError
from devo.evolve import identity
from devo.evolve.raynet import check_address, parse_address, secure_auth_token


def test_another_devo_checkout_has_another_identity(tmp_path) -> None:
    root = Path(devo.__file__).parent
    mine = identity.package_identity(root, devo.__version__)
    assert mine == identity.worker_identity() | {"path": mine["path"]}
    copy = tmp_path / "devo"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert identity.same_devo(mine, identity.package_identity(copy, devo.__version__))  # same code: fine
    (copy / "lifetime" / "evaluator.py").write_text((copy / "lifetime" / "evaluator.py").read_text() + "\n# changed\n")
    assert not identity.same_devo(mine, identity.package_identity(copy, devo.__version__))


def test_a_worker_running_another_devo_is_refused(ray_session, monkeypatch) -> None:
    from devo.evolve.pool import RayPool
    from tests.evolve.helpers import tiny

    def elsewhere():
        def probe(_actor=None):
            return {"version": "0.0.9", "source": "0123456789ab", "path": "/elsewhere/devo"}

        return probe

    monkeypatch.setattr(identity, "probe_code", elsewhere)
    with pytest.raises(DevoError, match=r"Ray worker 0 runs devo 0.0.9 \(source 0123456789ab\) from /elsewhere/devo"):
        RayPool(tiny(Path("unused")), workers=1)


def test_workers_report_the_devo_they_import(ray_session) -> None:
    """The probe runs the driver's code in the worker (by value) and reports the worker's devo."""
    import ray

    @ray.remote
    class Probe:
        pass

    actor = Probe.remote()
    theirs = ray.get(actor.__ray_call__.remote(identity.probe_code()))
    ray.kill(actor)
    assert identity.same_devo(theirs, identity.worker_identity())


@pytest.mark.parametrize("bad", ["notanaddress", "host:", ":6379", "10.0.0.1:99999", "http://x:1"])
def test_addresses_that_are_not_host_port_are_refused(bad) -> None:
    with pytest.raises(DevoError, match="is not HOST:PORT"):
        parse_address(bad)


def test_address_forms() -> None:
    assert parse_address("10.0.0.1:6379") == ("10.0.0.1", 6379)
    assert parse_address("ray://head.local:10001") == ("head.local", 10001)
    assert parse_address("[::1]:6379") == ("::1", 6379)


def test_a_closed_port_is_refused_at_once() -> None:
    from tests.commands.test_evolve_commands import _free_port

    with pytest.raises(DevoError, match="nothing accepts connections"):
        check_address(f"127.0.0.1:{_free_port()}", timeout=2)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    for var in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_the_token_devo_creates_is_private(home) -> None:
    path = secure_auth_token(create=True)
    assert path == home / ".ray" / "auth_token" and _mode(path) == 0o600
    assert len(path.read_text()) == 64 and int(path.read_text(), 16) >= 0


def test_a_world_readable_token_devo_relies_on_becomes_private(home, monkeypatch) -> None:
    path = home / ".ray" / "auth_token"
    path.parent.mkdir()
    path.write_text("ab" * 32)
    path.chmod(0o644)
    assert secure_auth_token(create=False) == path and _mode(path) == 0o600 and path.read_text() == "ab" * 32
    other = home / "tok"
    other.write_text("cd" * 32)
    other.chmod(0o644)
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(other))
    assert secure_auth_token(create=True) == other and _mode(other) == 0o600


def test_no_token_is_made_or_touched_when_auth_is_off(home, monkeypatch) -> None:
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    assert secure_auth_token(create=True) is None
    assert not (home / ".ray").exists()
