"""The campaign file: which cells exist, how each is run, and where each is shown.

A campaign is one TOML file (``experiments/campaign.toml``)::

    title = "devo beside LNDP"
    seeds = [0, 1, 2]              # every cell's seeds unless the cell names its own
    lifetimes = 100                # fresh lifetimes of `devo eval` and `devo ablate` per record
    runs = "../runs/campaign"      # run folders (checkpoints; not committed)
    results = "results"            # the committed records, one folder per cell and seed
    report = "RESULTS.md"          # regenerated from the records
    figures = "figures"

    [[table]]                      # rows = conditions, columns = tasks
    name = "tasks"
    title = "Tasks"
    rows = ["LNDP's protocol", "devo's protocol"]   # optional: the order (and empty rows)
    columns = ["CartPole-v1", "Foraging-v0"]

    [[cell]]
    name = "cartpole_lndp"         # names the run folder and the record folder
    config = "cartpole_lndp.toml"  # a `devo run` config
    set = ["develop.plasticity=frozen"]   # `--set` overrides, as on the command line
    table = "tasks"
    row = "LNDP's protocol"
    column = "CartPole-v1"
    also = [["conditions", "learned", "CartPole-v1"]]   # further places: [table, row, column]
    lndp = "~300-320 (Fig. 5)"     # LNDP's published figure for this cell, shown beside ours

Every path is relative to the campaign file's folder. :func:`load_campaign` checks the whole file
before anything runs: unknown keys, a config that does not exist, an override key or value that
`devo run` would refuse (each seed's config is resolved), a cell without seeds, a place in a table
that is not declared; each error names the key and exits with code 2.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from devo.config import from_dict, load_toml, to_dict
from devo.config import option as _f
from devo.errors import ConfigError
from devo.experiment import Experiment, load_experiment

__all__ = ["Campaign", "CampaignFile", "Cell", "Table", "config_hash", "load_campaign"]

# Set by `devo campaign` itself, never by a cell's overrides.
RESERVED = {
    "seed": "the cell's `seeds` list",
    "name": "the cell's `name`",
    "run.out": "the campaign's `runs` folder",
    "run.workers": "`devo campaign --workers`",
    "run.ray_address": "`devo campaign --ray-address`",
}
# Run keys that change where or how fast a run goes, never its numbers (left out of config_hash).
UNHASHED_RUN_KEYS = (
    "workers", "ray_address", "out", "chunk_size", "max_retries", "checkpoint_every", "keep_checkpoints",
    "tensorboard", "mlflow", "mlflow_uri",
)  # fmt: skip
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")


@dataclass(frozen=True)
class Table:
    """One results table: rows are conditions, columns are tasks."""

    name: str = _f("", "the name cells use in `table` and `also`")
    title: str = _f("", "heading of the table in the report")
    about: str = _f("", "a paragraph under the heading")
    rows: list[str] = _f([], "row labels in order (optional; cells may then only use these)")
    columns: list[str] = _f([], "column labels in order (optional; cells may then only use these)")


@dataclass(frozen=True)
class Cell:
    """One configuration of the campaign, run once per seed."""

    name: str = _f("", "names the cell's run and record folders (letters, digits, _ . + -)")
    config: str = _f("", "a `devo run` config, relative to the campaign file's folder")
    set: list[str] = _f([], "`--set key=value` overrides of the config")
    seeds: list[int] = _f([], "run seeds; empty = the campaign's `seeds`")
    table: str = _f("", "the table the cell belongs to")
    row: str = _f("", "its row (a condition)")
    column: str = _f("", "its column (a task)")
    also: list[list[str]] = _f([], "further places, each [table, row, column]")
    lndp: str = _f("", "LNDP's published figure for this cell (shown beside ours)")
    note: str = _f("", "a sentence shown with the cell's details")

    def places(self) -> list[tuple[str, str, str]]:
        return [(self.table, self.row, self.column), *((a[0], a[1], a[2]) for a in self.also)]


@dataclass(frozen=True)
class CampaignFile:
    """The campaign file's keys."""

    title: str = _f("Results", "title of the report")
    about: str = _f("", "paragraph under the title")
    reference: str = _f("", "where the published figures come from (shown in the report)")
    seeds: list[int] = _f([], "run seeds of every cell that does not name its own")
    lifetimes: int = _f(100, "fresh lifetimes of `devo eval` and `devo ablate` per record")
    eval_seed: int = _f(0, "evaluation seed of `devo eval` and `devo ablate` (--seed)")
    runs: str = _f("../runs/campaign", "folder of the run folders (checkpoints; not committed)")
    results: str = _f("results", "folder of the committed records")
    report: str = _f("RESULTS.md", "the report regenerated from the records")
    figures: str = _f("figures", "folder of the report's figures")
    table: list[Table] = _f([], "the results tables")
    cell: list[Cell] = _f([], "the cells")


@dataclass(frozen=True)
class Campaign:
    """A checked campaign file and the paths it names."""

    path: Path
    spec: CampaignFile

    @property
    def dir(self) -> Path:
        return self.path.parent

    @property
    def cells(self) -> list[Cell]:
        return self.spec.cell

    @property
    def tables(self) -> list[Table]:
        return self.spec.table

    @property
    def runs_dir(self) -> Path:
        return _under(self.dir, self.spec.runs)

    @property
    def results_dir(self) -> Path:
        return _under(self.dir, self.spec.results)

    @property
    def report_path(self) -> Path:
        return _under(self.dir, self.spec.report)

    @property
    def figures_dir(self) -> Path:
        return _under(self.dir, self.spec.figures)

    def cell(self, name: str) -> Cell:
        return next(c for c in self.cells if c.name == name)

    def seeds(self, cell: Cell) -> list[int]:
        return list(cell.seeds or self.spec.seeds)

    def config_path(self, cell: Cell) -> Path:
        return _under(self.dir, cell.config)

    def shown(self, path: str | Path) -> str:
        """A path inside the campaign as the report shows it: from the campaign folder's parent
        (``experiments/cartpole.toml``), the same on every machine."""
        rel = os.path.relpath(Path(path).resolve(), self.dir.resolve())
        return Path(os.path.normpath(Path(self.dir.resolve().name) / rel)).as_posix()

    def run_dir(self, cell: Cell, seed: int) -> Path:
        return self.runs_dir / cell.name / f"s{seed}"

    def record_dir(self, cell: Cell, seed: int) -> Path:
        return self.results_dir / cell.name / f"s{seed}"

    def overrides(self, cell: Cell) -> list[str]:
        return [*cell.set, f"name={json.dumps(cell.name)}"]

    def experiment(
        self, cell: Cell, seed: int, *, workers: int | None = None, ray_address: str | None = None
    ) -> Experiment:
        """The resolved config of one cell and seed (as `devo run CONFIG --seed S --set ...`)."""
        return load_experiment(
            self.config_path(cell), self.overrides(cell), seed=seed, workers=workers, ray_address=ray_address,
            out=str(self.runs_dir / cell.name),
        )  # fmt: skip

    def run_command(self, cell: Cell, seed: int | str = "S") -> str:
        """The `devo run` command line of a cell (what the campaign runs in-process)."""
        sets = "".join(f" --set {_quote(s)}" for s in cell.set)
        return f"devo run {self.shown(self.config_path(cell))} --seed {seed}{sets}"

    def select(self, patterns: Sequence[str]) -> list[Cell]:
        """The cells whose name matches one of ``patterns`` (shell wildcards; all when empty)."""
        if not patterns:
            return list(self.cells)
        chosen = [c for c in self.cells if any(fnmatch.fnmatchcase(c.name, p) for p in patterns)]
        if not chosen:
            names = ", ".join(c.name for c in self.cells)
            raise ConfigError(f"--only {' '.join(patterns)}: no cell matches; the cells are: {names}")
        return chosen


def _under(folder: Path, rel: str) -> Path:
    return Path(os.path.normpath(folder / rel))


def _quote(s: str) -> str:
    return s if re.fullmatch(r"[A-Za-z0-9_.,:=+/-]+", s) else "'" + s.replace("'", "'\\''") + "'"


def config_hash(exp: Experiment) -> str:
    """A short hash of everything that decides a run's numbers: the whole resolved config except
    its name and the run keys that only say where and how fast it runs (:data:`UNHASHED_RUN_KEYS`)."""
    data = to_dict(exp, hashing=True)
    data.pop("name", None)  # names the run folder only
    data["run"] = {k: v for k, v in data["run"].items() if k not in UNHASHED_RUN_KEYS}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def load_campaign(path: str | Path) -> Campaign:
    """Read and check a campaign file (see the module docstring); errors name the file and the key."""
    path = Path(path)
    where = f"campaign {str(path)!r}"
    try:
        spec = from_dict(CampaignFile, load_toml(path))
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    campaign = Campaign(path=path, spec=spec)
    _check(campaign, where)
    return campaign


def _check(c: Campaign, where: str) -> None:
    s = c.spec
    if s.lifetimes < 2:
        raise ConfigError(f"{where}: lifetimes: must be >= 2 (devo ablate's paired interval), got {s.lifetimes}")
    if s.eval_seed < 0:
        raise ConfigError(f"{where}: eval_seed: must be >= 0, got {s.eval_seed}")
    _check_seeds(s.seeds, f"{where}: seeds")
    tables: dict[str, Table] = {}
    for k, t in enumerate(s.table):
        if not t.name:
            raise ConfigError(f"{where}: table[{k}].name: missing; every [[table]] needs a name")
        if t.name in tables:
            raise ConfigError(f"{where}: table[{k}].name: {t.name!r} is used by two tables")
        tables[t.name] = t
    if not s.cell:
        raise ConfigError(f"{where}: no [[cell]]; a campaign needs at least one")
    names: set[str] = set()
    taken: dict[tuple[str, str, str], str] = {}
    for k, cell in enumerate(s.cell):
        at = f"{where}: cell[{k}]" + (f" ({cell.name!r})" if cell.name else "")
        if not cell.name:
            raise ConfigError(f"{at}.name: missing; every [[cell]] needs a name")
        if not _NAME.fullmatch(cell.name):
            raise ConfigError(f"{at}.name: {cell.name!r} is not allowed; use letters, digits and _ . + -")
        if cell.name in names:
            raise ConfigError(f"{at}.name: {cell.name!r} is used by two cells")
        names.add(cell.name)
        if not cell.seeds and not s.seeds:
            raise ConfigError(
                f"{at}.seeds: no seeds; give the cell `seeds = [0, 1, 2]` or the campaign a top-level `seeds` list"
            )
        _check_seeds(cell.seeds, f"{at}.seeds")
        _check_places(cell, at, tables, taken)
        _check_config(c, cell, at)


def _check_seeds(seeds: list[int], at: str) -> None:
    bad = [x for x in seeds if x < 0]
    if bad:
        raise ConfigError(f"{at}: seeds must be >= 0, got {bad[0]}")
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"{at}: a seed is listed twice ({seeds})")


def _check_places(cell: Cell, at: str, tables: dict[str, Table], taken: dict[tuple[str, str, str], str]) -> None:
    for k, place in enumerate(cell.also):
        if len(place) != 3 or not all(place):
            raise ConfigError(f"{at}.also[{k}]: expected [table, row, column], got {place!r}")
    for key, value in (("table", cell.table), ("row", cell.row), ("column", cell.column)):
        if not value:
            raise ConfigError(f"{at}.{key}: missing; a cell names the table, row and column it belongs to")
    for table, row, column in cell.places():
        key = "table" if (table, row, column) == cell.places()[0] else "also"
        t = tables.get(table)
        if t is None:
            known = ", ".join(repr(n) for n in tables) or "none"
            raise ConfigError(f"{at}.{key}: no [[table]] named {table!r} (tables: {known})")
        if t.rows and row not in t.rows:
            raise ConfigError(f"{at}.{key}: table {table!r} has no row {row!r} (rows: {', '.join(t.rows)})")
        if t.columns and column not in t.columns:
            raise ConfigError(
                f"{at}.{key}: table {table!r} has no column {column!r} (columns: {', '.join(t.columns)})"
            )
        other = taken.get((table, row, column))
        if other is not None:
            raise ConfigError(f"{at}.{key}: table {table!r} row {row!r} column {column!r} is cell {other!r}'s")
        taken[(table, row, column)] = cell.name


def _check_config(c: Campaign, cell: Cell, at: str) -> None:
    if not cell.config:
        raise ConfigError(f"{at}.config: missing; name a `devo run` config (relative to {str(c.dir)!r})")
    path = c.config_path(cell)
    if not path.is_file():
        raise ConfigError(
            f"{at}.config: {cell.config!r} does not exist (looked for {str(path)!r}; configs are relative to the "
            "campaign file's folder)"
        )
    for k, assignment in enumerate(cell.set):
        key = assignment.partition("=")[0].strip()
        if key in RESERVED:
            raise ConfigError(f"{at}.set[{k}]: {key!r} is set by devo campaign from {RESERVED[key]}; remove it")
    for seed in c.seeds(cell):
        try:
            c.experiment(cell, seed)
        except ConfigError as exc:
            raise ConfigError(f"{at}: {cell.config} with its `set` overrides (seed {seed}): {exc}") from None
