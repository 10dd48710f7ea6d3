"""What devo checks around Ray before and after ``ray.init``: the cluster address, the auth token file.

- :func:`check_address`: a ``--ray-address`` must be ``HOST:PORT`` (optionally ``ray://HOST:PORT``)
  where something accepts a TCP connection. Ray itself retries an unreachable address for about
  14 minutes; devo probes it first and fails in seconds, before a run directory exists.
- :func:`secure_auth_token`: Ray creates ``~/.ray/auth_token`` readable by everyone (0644) although
  the token lets its holder run code on the cluster. devo creates it 0600 when it is missing (with
  Ray's own generator) and narrows an existing one it relies on to 0600.
"""

from __future__ import annotations

import os
import re
import socket
import stat
from pathlib import Path

from devo.errors import DevoError

__all__ = ["PROBE_TIMEOUT_S", "check_address", "parse_address", "secure_auth_token", "token_path"]

PROBE_TIMEOUT_S = 5.0
_ADDRESS = re.compile(r"^(?:ray://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")


def parse_address(address: str) -> tuple[str, int]:
    """``(host, port)`` of ``"HOST:PORT"`` or ``"ray://HOST:PORT"``; a :class:`DevoError` otherwise."""
    m = _ADDRESS.match(address.strip())
    if m is None or not 0 < int(m.group(2)) < 65536:
        raise DevoError(
            f"run.ray_address {address!r} is not HOST:PORT (e.g. 10.0.0.1:6379, the address `ray start --head` "
            "printed); '' runs an embedded Ray on this machine. See docs/ray.md"
        )
    return m.group(1).strip("[]"), int(m.group(2))


def check_address(address: str, timeout: float = PROBE_TIMEOUT_S) -> None:
    """Raise a :class:`DevoError` unless something accepts a TCP connection at ``address``."""
    host, port = parse_address(address)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as exc:
        why = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or type(exc).__name__)
    raise DevoError(
        f"cannot join the Ray cluster at {address!r}: nothing accepts connections at {host}:{port} ({why}). "
        "Is `ray start --head` running there, on that port, and reachable from this machine? "
        "'' (no --ray-address) runs an embedded Ray instead. See docs/ray.md."
    )


def token_path() -> Path | None:
    """The token file Ray will use: ``RAY_AUTH_TOKEN_PATH``, else ``~/.ray/auth_token``; None when the
    token comes from ``RAY_AUTH_TOKEN`` or token auth is off."""
    if os.environ.get("RAY_AUTH_MODE", "token").lower() != "token" or os.environ.get("RAY_AUTH_TOKEN"):
        return None
    given = os.environ.get("RAY_AUTH_TOKEN_PATH")
    return Path(given).expanduser() if given else Path.home() / ".ray" / "auth_token"


def _new_token() -> str:
    try:
        from ray._private.authentication.authentication_token_generator import generate_new_authentication_token
    except ImportError:  # pragma: no cover - another Ray version: a token of the same form
        import uuid

        return uuid.uuid4().hex
    return generate_new_authentication_token()


def secure_auth_token(create: bool) -> Path | None:
    """Make the token file Ray will read private (0600); with ``create`` (an embedded instance, which
    would create ``~/.ray/auth_token`` itself, 0644) write a new one 0600 if there is none. Returns
    the file, or None when there is none to secure. Never fails the run: a file devo cannot change
    (another owner, read-only) stays as it is."""
    path = token_path()
    if path is None:
        return None
    if not path.exists():
        if not create or "RAY_AUTH_TOKEN_PATH" in os.environ:
            return None
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # made meanwhile by another process: secure it below
        except OSError:
            return None
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(_new_token())
    try:
        st = path.stat()
        if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & 0o077:
            os.chmod(path, stat.S_IMODE(st.st_mode) & 0o700)
    except OSError:
        return None
    return path
