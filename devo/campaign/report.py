"""RESULTS.md from a campaign file and its committed records alone (never from run folders).

Per table (rows = conditions, columns = tasks) each cell shows the mean +- standard deviation over
seeds of the best genome's return on the record's fresh lifetimes, the mean return per episode
index (0 = innate), the mean difference when plasticity is frozen, and LNDP's published figure;
a cell without records reads "not run". Per cell, a section lists every seed: its return, per
episode, the frozen knock-out's paired difference with its interval, generations and wall time;
then every knock-out of `devo ablate` per seed, on a damaged task the returns split at each
lifetime's damage episode (intact and frozen), and the cell's two figures
(:mod:`devo.campaign.figures`). The same records give the same bytes: no clock, no machine-local
path, every number through one formatter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from devo.atomic import atomic_write_text
from devo.campaign.records import SeedRecord, read_record
from devo.campaign.spec import Campaign, Cell, Table

__all__ = ["CellResult", "collect", "render", "write_report"]


@dataclass
class CellResult:
    """A cell's seeds and the records found for them."""

    cell: Cell
    seeds: list[int]
    records: dict[int, SeedRecord] = field(default_factory=dict)

    @property
    def done(self) -> list[SeedRecord]:
        return [self.records[s] for s in self.seeds if s in self.records]


def collect(c: Campaign) -> list[CellResult]:
    """Every cell of the campaign with the complete records of its seeds."""
    out = []
    for cell in c.cells:
        res = CellResult(cell, c.seeds(cell))
        for seed in res.seeds:
            rec = read_record(c.record_dir(cell, seed), seed)
            if rec is not None:
                res.records[seed] = rec
        out.append(res)
    return out


# -- numbers ---------------------------------------------------------------------------------------


def num(x: float | None) -> str:
    """One formatter for every number of the report: 1 decimal from 10 on, else 2."""
    if x is None or not np.isfinite(x):
        return "-"
    x = float(x)
    text = f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}"
    return "0.00" if text in ("-0.00", "-0.0") else text


def mean_sd(values: list[float]) -> str:
    """``mean ± sd`` over seeds (sample standard deviation); one value alone is shown as it is."""
    vals = [v for v in values if v is not None and np.isfinite(v)]
    if not vals:
        return "-"
    if len(vals) == 1:
        return num(vals[0])
    a = np.asarray(vals, np.float64)
    return f"{num(float(a.mean()))} ± {num(float(a.std(ddof=1)))}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(round(float(seconds)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


def ret(r: SeedRecord) -> float | None:
    return r.eval.get("all_episodes", {}).get("mean")


def episodes(r: SeedRecord) -> list[float | None]:
    return [e.get("mean") for e in r.eval.get("per_episode", [])]


def knockout(r: SeedRecord, name: str) -> dict[str, Any] | None:
    """The ablation row ``name`` of a record (None without an ablation or that knock-out)."""
    for cond in (r.ablation or {}).get("conditions", []):
        if cond.get("name") == name:
            return cond
    return None


def diff_text(cond: dict[str, Any] | None, interval: bool = True) -> str:
    if cond is None:
        return "-"
    if not cond.get("applicable", False):
        return "n/a"
    d = cond.get("diff") or {}
    text = num(d.get("mean"))
    return f"{text} [{num(d.get('low'))}, {num(d.get('high'))}]" if interval else text


def _esc(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _mean_episodes(done: list[SeedRecord]) -> str:
    per = [episodes(r) for r in done]
    n = max((len(p) for p in per), default=0)
    cols = []
    for k in range(n):
        vals = [p[k] for p in per if len(p) > k and p[k] is not None]
        cols.append(num(float(np.mean(vals))) if vals else "-")
    return " / ".join(cols)


def _frozen_mean(done: list[SeedRecord]) -> float | None:
    vals = []
    for r in done:
        cond = knockout(r, "frozen")
        if cond is not None and cond.get("applicable") and (cond.get("diff") or {}).get("mean") is not None:
            vals.append(float(cond["diff"]["mean"]))
    return float(np.mean(vals)) if vals else None


# -- tables ----------------------------------------------------------------------------------------


def _axes(table: Table, results: list[CellResult]) -> tuple[list[str], list[str]]:
    rows, cols = list(table.rows), list(table.columns)
    for res in results:
        for t, r, col in res.cell.places():
            if t != table.name:
                continue
            if r not in rows:
                rows.append(r)
            if col not in cols:
                cols.append(col)
    return rows, cols


def _table_cell(res: CellResult) -> str:
    done, cell = res.done, res.cell
    parts = []
    if not done:
        parts.append("not run")
    else:
        seeds = f"{len(done)} seed{'s' if len(done) > 1 else ''}"
        if len(done) < len(res.seeds):
            seeds = f"{len(done)} of {len(res.seeds)} seeds"
        parts.append(f"**{mean_sd([ret(r) for r in done])}** ({seeds})")
        parts.append(f"ep. {_mean_episodes(done)}")
        frozen = _frozen_mean(done)
        if frozen is not None:
            parts.append(f"frozen Δ {num(frozen)}")
        parts.append(_budget(done))
    if cell.lndp:
        parts.append(f"LNDP: {_esc(cell.lndp)}")
    parts.append(f"[`{cell.name}`](#{_anchor(cell.name)})")
    return "<br>".join(parts)


def _budget(done: list[SeedRecord]) -> str:
    """``350 gen., 15 min 2 s a seed``: the generations (a range if they differ) and the mean wall
    time of the runs."""
    gens = sorted({int(r.run["generations"]) for r in done if isinstance(r.run.get("generations"), int)})
    walls = [float(w) for r in done if isinstance(w := (r.run.get("wall_s") or {}).get("run"), (int, float))]
    g = "-" if not gens else str(gens[0]) if len(gens) == 1 else f"{gens[0]}-{gens[-1]}"
    return f"{g} gen., {duration(float(np.mean(walls)) if walls else None)} a seed"


def _anchor(name: str) -> str:
    return "cell-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name.lower())


def _render_table(table: Table, results: list[CellResult]) -> list[str]:
    rows, cols = _axes(table, results)
    at: dict[tuple[str, str], CellResult] = {}
    for res in results:
        for t, r, col in res.cell.places():
            if t == table.name:
                at[(r, col)] = res
    lines = [f"## {_esc(table.title or table.name)}", ""]
    if table.about:
        lines += [table.about.strip(), ""]
    lines.append("| | " + " | ".join(_esc(col) for col in cols) + " |")
    lines.append("|---|" + "---|" * len(cols))
    for r in rows:
        cells = [_table_cell(at[(r, col)]) if (r, col) in at else "-" for col in cols]
        lines.append(f"| **{_esc(r)}** | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


# -- cells -----------------------------------------------------------------------------------------


def _render_cell(c: Campaign, res: CellResult, lifetimes: int, figures: str) -> list[str]:
    cell = res.cell
    where = "; ".join(f"{t}: {r} / {col}" for t, r, col in cell.places())
    lines = [f'<a id="{_anchor(cell.name)}"></a>', "", f"### `{cell.name}` ({_esc(where)})", ""]
    seeds = ", ".join(str(s) for s in res.seeds)
    lines.append(f"`{c.run_command(cell)}` for S in {seeds}" + (f"; LNDP: {cell.lndp}" if cell.lndp else ""))
    if cell.note:
        lines += ["", cell.note.strip()]
    lines += [
        "",
        f"| seed | return, {lifetimes} lifetimes | per episode (0 = innate) | frozen: Δ [95% interval] "
        "| generations | wall time (run) |",
        "|---|---|---|---|---|---|",
    ]
    for seed in res.seeds:
        r = res.records.get(seed)
        if r is None:
            lines.append(f"| {seed} | not run | | | | |")
            continue
        eps = " / ".join(num(e) for e in episodes(r))
        wall = (r.run.get("wall_s") or {}).get("run")
        lines.append(
            f"| {seed} | {num(ret(r))} | {eps} | {diff_text(knockout(r, 'frozen'))} | {r.run.get('generations', '-')} "
            f"| {duration(wall)} |"
        )
    done = res.done
    if len(done) > 1:
        frozen = [
            float(cond["diff"]["mean"]) for r in done
            if (cond := knockout(r, "frozen")) is not None and cond.get("applicable") and cond.get("diff")
            and cond["diff"].get("mean") is not None
        ]  # fmt: skip
        lines.append(
            f"| mean ± sd | {mean_sd([ret(r) for r in done])} | {_mean_episodes(done)} | {mean_sd(frozen)} | | |"
        )
    if not done:
        lines.append("")
        return lines
    lines += _render_ablation(res)
    lines += _render_damage(res)
    lines += [
        "",
        f"![fitness per generation]({figures}/{cell.name}.curve.png) "
        f"![return per episode]({figures}/{cell.name}.episodes.png)",
        "",
    ]
    return lines


def _render_ablation(res: CellResult) -> list[str]:
    done = res.done
    names: list[str] = []
    for r in done:
        for cond in (r.ablation or {}).get("conditions", []):
            if cond.get("name") != "intact" and cond.get("name") not in names:
                names.append(cond["name"])
    if not names:
        return []
    lines = [
        "",
        "`devo ablate`: fitness difference knock-out - intact on the same lifetimes, 95% paired interval "
        "(n/a: the knock-out does not apply to this config)",
        "",
        "| knock-out | " + " | ".join(f"s{r.seed}" for r in done) + " |",
        "|---|" + "---|" * len(done),
    ]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(diff_text(knockout(r, name)) for r in done) + " |")
    return lines


def _split_text(split: dict[str, Any] | None) -> str:
    if not split:
        return "-"
    parts = " / ".join(num((split.get(k) or {}).get("mean")) for k in ("before", "first", "later"))
    rec = split.get("recovery")
    return parts + ("" if rec is None else f" ({num(rec)})")


def _render_damage(res: CellResult) -> list[str]:
    """Per seed, the returns split at each lifetime's damage episode (`devo eval` on a damaged task),
    intact and with plasticity frozen; nothing for a cell without damage or records older than the split."""
    done = [r for r in res.done if r.eval.get("damage")]
    if not done:
        return []
    what = done[0].eval["damage"].get("what", "")
    lines = [
        "",
        f"Mid-life damage ({_esc(what)}): mean return before the damage / in the first damaged episode / in "
        "the later damaged ones (later / before), each lifetime split at its own damage episode",
        "",
        "| seed | intact | plasticity frozen |",
        "|---|---|---|",
    ]
    for r in done:
        frozen = knockout(r, "frozen")
        lines.append(f"| {r.seed} | {_split_text(r.eval['damage'])} | {_split_text((frozen or {}).get('damage'))} |")
    return lines


# -- the whole report ------------------------------------------------------------------------------


def _machines(results: list[CellResult]) -> list[str]:
    seen: dict[str, int] = {}
    for res in results:
        for r in res.done:
            m = r.run.get("machine") or {}
            d = r.run.get("devo") or {}
            workers = m.get("workers")
            how = "in-process" if workers == 0 else f"{workers} Ray worker(s), {m.get('ray', '?')}"
            commit = d.get("commit")
            ver = f"devo {d.get('version', '?')}" + (f" at {commit[:10]}" if commit else "")
            if d.get("modified"):
                ver += " (with uncommitted changes)"
            key = f"{m.get('cpu', '?')}, {m.get('cpus', '?')} CPUs, {m.get('system', '?')}; {how}; {ver}"
            seen[key] = seen.get(key, 0) + 1
    return [f"- {k}: {n} record(s)" for k, n in sorted(seen.items())]


def render(c: Campaign, results: list[CellResult]) -> str:
    """The report's text (see the module docstring)."""
    campaign = c.shown(c.path)
    lifetimes = c.spec.lifetimes
    figures = Path(os.path.relpath(c.figures_dir.resolve(), c.report_path.parent.resolve())).as_posix()
    units = sum(len(r.seeds) for r in results)
    done = sum(len(r.done) for r in results)
    complete = sum(len(r.done) == len(r.seeds) for r in results)
    lines = [
        f"<!-- Generated by `devo campaign {campaign} --report-only` from {campaign} and the records under "
        f"{c.shown(c.results_dir)}/. Do not edit: change the campaign or the records and run the command. -->",
        "",
        f"# {c.spec.title}",
        "",
    ]
    if c.spec.about:
        lines += [c.spec.about.strip(), ""]
    lines += [
        f"Every figure is the best genome a run handed over, on {lifetimes} fresh lifetimes that evolution never "
        f"used (`devo eval GENOME --lifetimes {lifetimes}`): the mean return over all episodes of a lifetime, "
        "mean ± standard deviation over seeds; `ep.` the mean return per episode index (0 = innate, later = "
        "learned within the lifetime); `frozen Δ` the change when the genome's plasticity is frozen after "
        f"development (`devo ablate GENOME --lifetimes {lifetimes}`, paired on the same lifetimes)."
        + (f" {c.spec.reference.strip()}" if c.spec.reference else ""),
        "",
        f"Records: {done} of {units} cell-seeds, {complete} of {len(results)} cells complete. `devo campaign "
        f"{campaign}` runs the missing ones (`--budget-min M` to stop starting new ones after M minutes; "
        f"`--only PATTERN` for some cells); each record's `run.json` holds the commands that reproduce it.",
        "",
    ]
    machines = _machines(results)
    if machines:
        lines += ["Machines:", "", *machines, ""]
    for table in c.tables:
        lines += _render_table(table, results)
    lines += ["## Cells", ""]
    for res in results:
        lines += _render_cell(c, res, lifetimes, figures)
    return "\n".join(lines).rstrip() + "\n"


def write_report(c: Campaign, *, figures: bool = True) -> tuple[Path, list[Path]]:
    """Write the report (and, with ``figures``, every cell's figures) from the records; returns
    the report's path and the figures written."""
    results = collect(c)
    written: list[Path] = []
    if figures:
        from devo.campaign.figures import write_figures

        written = write_figures(c, results)
    c.report_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(c.report_path, render(c, results))
    return c.report_path, written
