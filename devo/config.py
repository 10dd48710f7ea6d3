"""Typed configuration: frozen dataclasses <-> TOML, with errors that name the key.

A config section is a frozen dataclass whose fields have defaults and type annotations; each
field's docstring-like help lives in ``field(metadata={"help": ...})``. :func:`from_dict` builds a
section (recursively, for nested sections) from plain data and rejects, with a
:class:`~devo.errors.ConfigError` that names the full key path:

- unknown keys (with the allowed keys and a close match, if any);
- values of the wrong type (ints are accepted for floats; nothing else is coerced);
- values outside ``metadata["choices"]``, and non-finite numbers (NaN, inf) for float keys;
- values a section's ``__post_init__`` rejects (its ``ValueError`` message is kept).

:func:`apply_override` applies ``--set section.key=value`` (the value is parsed as TOML, bare
words as strings), and :func:`to_dict` gives back the resolved config, ready for TOML or JSON.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import re
import sys
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from devo.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def option(default: Any, help: str, **meta: Any) -> Any:  # noqa: A002 - "help" reads best in the field table
    """A config field: its ``default`` (a fresh copy per instance for lists and dicts), its
    ``help`` and any checks :func:`from_dict` applies (``min``, ``max``, ``choices``).
    ``hash_default=True`` marks a field added after genomes and records were made: at its default
    it stays out of the config hashes (``to_dict(..., hashing=True)``: the lifetime hash of genome
    files, the campaign's config hash), so those keep theirs."""
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata={"help": help, **meta})
    return dataclasses.field(default=default, metadata={"help": help, **meta})


T = TypeVar("T")

__all__ = [
    "ConfigError",
    "apply_override",
    "option",
    "from_dict",
    "load_toml",
    "to_dict",
    "to_toml",
    "help_for",
]


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(tp))
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in get_args(tp))
    if origin in (list, tuple):
        args = get_args(tp)
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return "table"
    if tp is type(None):
        return "none"
    return getattr(tp, "__name__", str(tp))


def _convert(value: Any, tp: Any, path: str) -> Any:
    """Check ``value`` against the annotation ``tp``; returns the (possibly converted) value."""
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _convert(value, a, path)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(f"{path}: expected {_type_name(tp)}, got {value!r}")
    if origin is typing.Literal:
        if value not in get_args(tp):
            raise ConfigError(
                f"{path}: {value!r} is not allowed; choose one of {', '.join(map(repr, get_args(tp)))}"
            )
        return value
    if dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, Mapping):
            raise ConfigError(f"{path}: expected a table of settings, got {value!r}")
        return from_dict(tp, value, path)
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{path}: expected a list, got {value!r}")
        args = get_args(tp)
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(value) != len(args):
                raise ConfigError(f"{path}: expected {len(args)} values, got {len(value)}")
            return tuple(_convert(v, a, f"{path}[{k}]") for k, (v, a) in enumerate(zip(value, args, strict=False)))
        inner = args[0] if args else Any
        items = [_convert(v, inner, f"{path}[{k}]") for k, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{path}: expected a table, got {value!r}")
        return dict(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise ConfigError(f"{path}: expected an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{path}: expected a number, got {value!r}")
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(f"{path}: must be a finite number, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{path}: expected a string, got {value!r}")
        return value
    if isinstance(tp, type) and not isinstance(value, tp):
        raise ConfigError(f"{path}: expected {_type_name(tp)}, got {value!r}")
    return value


def from_dict(cls: type[T], data: Mapping[str, Any], path: str = "") -> T:
    """Build the dataclass ``cls`` from ``data``, validating every key (see module docstring)."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path or 'config'}: expected a table of settings, got {data!r}")
    hints = get_type_hints(cls)
    flds = {f.name: f for f in dataclasses.fields(cls) if f.init}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        kpath = f"{path}.{key}" if path else str(key)
        if key not in flds:
            allowed = ", ".join(sorted(flds))
            close = difflib.get_close_matches(str(key), list(flds), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            where = f"[{path}]" if path else "the top level"
            raise ConfigError(f"unknown key {kpath!r} in {where}.{hint} Allowed keys: {allowed}")
        f = flds[key]
        value = _convert(value, hints[key], kpath)
        choices = f.metadata.get("choices")
        if choices is not None and value not in choices:
            raise ConfigError(f"{kpath}: {value!r} is not allowed; choose one of {', '.join(map(repr, choices))}")
        lo = f.metadata.get("min")
        if lo is not None and value is not None and value < lo:
            raise ConfigError(f"{kpath}: must be >= {lo}, got {value!r}")
        hi = f.metadata.get("max")
        if hi is not None and value is not None and value > hi:
            raise ConfigError(f"{kpath}: must be <= {hi}, got {value!r}")
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except ConfigError:
        raise
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path or 'config'}: {exc}") from None


def _plain(value: Any, hashing: bool = False) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_dict(value, hashing)
    if isinstance(value, tuple):
        return [_plain(v, hashing) for v in value]
    if isinstance(value, list):
        return [_plain(v, hashing) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v, hashing) for k, v in value.items()}
    return value


def to_dict(obj: Any, hashing: bool = False) -> dict[str, Any]:
    """The dataclass as plain nested dicts (``None`` values dropped: TOML has no null). With
    ``hashing``, the data a config hash is made of: also without the ``hash_default`` fields
    left at their default (see :func:`option`)."""
    out = {}
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        if v is None:
            continue
        if hashing and f.metadata.get("hash_default") and v == f.default:
            continue
        out[f.name] = _plain(v, hashing)
    return out


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        if isinstance(v, float) and math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _toml_key(key: str) -> str:
    """A bare key if TOML allows one, else a quoted key (``"syn.gain"`` is one key, not two)."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def to_toml(data: Mapping[str, Any]) -> str:
    """Write nested dicts as TOML: every dict value becomes a ``[table]``."""
    lines: list[str] = []

    def emit(d: Mapping[str, Any], prefix: str) -> None:
        scalars = {k: v for k, v in d.items() if not isinstance(v, dict)}
        tables = {k: v for k, v in d.items() if isinstance(v, dict)}
        if prefix and (scalars or not tables):
            lines.append(f"[{prefix}]")
        for k, v in scalars.items():
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
        if scalars:
            lines.append("")
        for k, v in tables.items():
            emit(v, f"{prefix}.{_toml_key(k)}" if prefix else _toml_key(k))

    emit(data, "")
    return "\n".join(lines).rstrip() + "\n"


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file; a missing file or a syntax error becomes a ConfigError naming the file."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {str(p)!r} does not exist")
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {str(p)!r} is not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"config file {str(p)!r} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
            "TOML files must be UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {str(p)!r} ({exc.strerror or exc})") from None


def apply_override(data: dict[str, Any], assignment: str) -> None:
    """Apply ``"a.b.c=value"`` to nested dict ``data`` in place.

    The value is parsed as a TOML value (``3``, ``0.5``, ``true``, ``"x"``, ``[1, 2]``); a bare
    word that is not valid TOML is taken as a string.
    """
    if "=" not in assignment:
        raise ConfigError(f"--set expects key=value, got {assignment!r}")
    key, _, raw = assignment.partition("=")
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ConfigError(f"--set: bad key {key!r} in {assignment!r}")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    parts = key.split(".")
    d = data
    for part in parts[:-1]:
        nxt = d.setdefault(part, {})
        if not isinstance(nxt, dict):
            raise ConfigError(f"--set {key}: {part!r} is a value, not a table")
        d = nxt
    d[parts[-1]] = value


def help_for(cls: type, prefix: str = "") -> list[tuple[str, str, str]]:
    """``(key path, default, help)`` for every field of a config section, recursively: the
    default as TOML writes it, the help followed by the allowed values of a key that has a list
    of them (``metadata["choices"]`` or a ``Literal`` type)."""
    rows = []
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        path = f"{prefix}.{f.name}" if prefix else f.name
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            rows.extend(help_for(tp, path))
            continue
        if f.default is not dataclasses.MISSING:
            default = _help_value(f.default)
        elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            default = _help_value(f.default_factory())  # type: ignore[misc]
        else:
            default = "(required)"
        text = f.metadata.get("help", "")
        choices = f.metadata.get("choices")
        if choices is None and get_origin(tp) is typing.Literal:
            choices = get_args(tp)
        if choices:
            text += f" [one of: {', '.join(_help_value(c) for c in choices)}]"
        rows.append((path, default, text))
    return rows


def _help_value(v: Any) -> str:
    """A value as it is written in TOML (``true``, ``"CartPole-v1"``); ``(none)`` for no value."""
    if v is None:
        return "(none)"
    try:
        return _toml_value(_plain(v))
    except TypeError:
        return repr(v)
