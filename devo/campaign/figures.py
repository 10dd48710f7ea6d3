"""The report's figures, from the records alone: per cell with at least one record,

- ``<cell>.curve.png``: the run's best fitness so far per generation (solid) and the population's
  mean (thin), one colour per seed (from ``curve.csv``);
- ``<cell>.episodes.png``: the mean return per episode index on the record's fresh lifetimes with
  its standard deviation (solid), and the same genome with plasticity frozen (dashed, from
  ``ablation.json``), one colour per seed.

Figures of cells that no longer have records are removed, so the folder matches the report.
"""

from __future__ import annotations

from pathlib import Path

from devo.campaign.report import CellResult, episodes, knockout
from devo.campaign.spec import Campaign

__all__ = ["write_figures"]

SUFFIXES = (".curve.png", ".episodes.png")
_META = {"Software": None}  # no version string: the same records give the same bytes


def write_figures(c: Campaign, results: list[CellResult]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = c.figures_dir
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for res in results:
        if not res.done:
            continue
        for suffix, draw in zip(SUFFIXES, (_curve, _episodes), strict=True):
            path = folder / f"{res.cell.name}{suffix}"
            fig, ax = plt.subplots(figsize=(6.4, 3.8))
            draw(ax, res)
            fig.tight_layout()
            fig.savefig(path, dpi=100, metadata=_META)
            plt.close(fig)
            written.append(path)
    keep = set(written)
    for p in folder.iterdir():
        if p.name.endswith(SUFFIXES) and p not in keep:
            p.unlink()
    return written


def _curve(ax, res: CellResult) -> None:
    for k, r in enumerate(res.done):
        colour = f"C{k % 10}"
        gens = [row["generation"] for row in r.curve]
        nan = float("nan")
        ax.plot(gens, [row.get("best_so_far", nan) for row in r.curve], color=colour, lw=1.8,
                label=f"seed {r.seed}: best so far")
        ax.plot(gens, [row.get("mean", nan) for row in r.curve], color=colour, lw=0.7, alpha=0.7,
                label=f"seed {r.seed}: population mean")
    ax.set_xlabel("generation")
    ax.set_ylabel("fitness")
    ax.set_title(f"{res.cell.name}: fitness during evolution", fontsize=10)
    ax.legend(fontsize=7)


def _episodes(ax, res: CellResult) -> None:
    n = 0
    for k, r in enumerate(res.done):
        colour = f"C{k % 10}"
        means = episodes(r)
        sds = [e.get("std") for e in r.eval.get("per_episode", [])]
        xs = list(range(len(means)))
        n = max(n, len(xs))
        ys = [m if m is not None else float("nan") for m in means]
        err = [s if s is not None else 0.0 for s in sds]
        ax.errorbar(xs, ys, yerr=err, color=colour, marker="o", capsize=3, lw=1.6, label=f"seed {r.seed}")
        frozen = knockout(r, "frozen")
        if frozen is not None and frozen.get("applicable"):
            fy = [e.get("mean") if e.get("mean") is not None else float("nan") for e in frozen.get("per_episode", [])]
            ax.plot(range(len(fy)), fy, color=colour, ls="--", marker="x", lw=1.0, label=f"seed {r.seed}: frozen")
    ax.set_xticks(range(n))
    ax.set_xlabel("episode in the lifetime (0 = innate)")
    ax.set_ylabel("return (mean ± sd over lifetimes)")
    ax.set_title(f"{res.cell.name}: return per episode", fontsize=10)
    ax.legend(fontsize=7)
