"""`report.html`: one self-contained page (images embedded as base64 data URIs, no scripts, no
external files) with the figures, the growth animation, an evaluation summary, the config and the
genome's layout. It opens from disk in any browser.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devo.inspect.recording import GrowthRecording

__all__ = ["ReportImage", "config_text", "render_report", "write_report"]

_MIME = {".png": "image/png", ".gif": "image/gif", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 1400px;
       padding: 1rem 2rem 3rem; color: #222; line-height: 1.4; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem;
     border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
.sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; font-size: .9rem; margin: .5rem 0; }
td, th { border: 1px solid #ddd; padding: .25rem .6rem; text-align: right; }
th { background: #f5f5f5; } td.l, th.l { text-align: left; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: .9rem; }
pre { background: #f7f7f7; padding: .8rem; overflow-x: auto; font-size: .8rem; border: 1px solid #eee; }
nav a { margin-right: 1rem; }
"""


@dataclass(frozen=True)
class ReportImage:
    """An image file to embed, with its anchor and caption."""

    key: str
    path: Path
    title: str
    caption: str


def data_uri(path: str | Path) -> str:
    """``data:<mime>;base64,...`` of an image file."""
    p = Path(path)
    mime = _MIME.get(p.suffix.lower(), "application/octet-stream")
    return f"data:{mime};base64,{base64.b64encode(p.read_bytes()).decode('ascii')}"


def config_text(setup: Any) -> str:
    """The resolved config as TOML (for a setup that is not an ``Experiment``: its four lifetime
    sections)."""
    from devo.config import to_dict, to_toml
    from devo.experiment import Experiment, experiment_to_toml

    if isinstance(setup, Experiment):
        return experiment_to_toml(setup)
    data = {k: to_dict(getattr(setup, k)) for k in ("task", "network", "develop", "lifetime")}
    return to_toml(data)


def _e(x: Any) -> str:
    return html.escape(str(x))


def _num(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.5g}"
    return _e(x)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], left: int = 1) -> str:
    head = "".join(f'<th class="{"l" if i < left else ""}">{_e(h)}</th>' for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{_num(v)}</td>' for i, v in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _eval_section(report: Mapping[str, Any] | None) -> str:
    if not report:
        return "<p>No fresh-lifetime evaluation was run (<code>--lifetimes 0</code>).</p>"
    rows = []
    for k, s in enumerate(report.get("per_episode", [])):
        label = f"{k} (innate)" if k == 0 and len(report["per_episode"]) > 1 else str(k)
        rows.append([label, s.get("mean"), s.get("std"), s.get("min"), s.get("max"), s.get("n")])
    a = report.get("all_episodes", {})
    rows.append(["all", a.get("mean"), a.get("std"), a.get("min"), a.get("max"), a.get("n")])
    f = report.get("fitness", {})
    text = (
        f"<p>{_e(report.get('lifetimes'))} fresh lifetimes of {_e(report.get('episodes'))} episode(s), "
        f"evaluation seed {_e(report.get('seed'))} (the same numbers as <code>devo eval</code> with these "
        f"options). Lifetime fitness: mean {_num(f.get('mean'))}, std {_num(f.get('std'))}, "
        f"min {_num(f.get('min'))}, max {_num(f.get('max'))}."
    )
    if report.get("nan_count") or report.get("error_count"):
        text += f" {report.get('nan_count')} lifetime(s) blew up, {report.get('error_count')} raised."
    text += "</p>"
    return text + _table(["episode", "mean return", "std", "min", "max", "n"], rows)


def _ablation_section(ab: Mapping[str, Any]) -> str:
    rows = []
    for c in ab.get("conditions", []):
        if not c.get("applicable"):
            rows.append([c["name"], "not applicable", "", "", c.get("reason", "")])
            continue
        eps = ", ".join(_num(e.get("mean")) for e in c.get("per_episode", []))
        d = c.get("diff") or {}
        iv = f"[{_num(d.get('low'))}, {_num(d.get('high'))}]" if d else ""
        rows.append([c["name"], _num((c.get("fitness") or {}).get("mean")), _num(d.get("mean")) if d else "", iv, eps])
    text = (
        f"<p>The genome on {_e(ab.get('lifetimes'))} fresh lifetimes (seed {_e(ab.get('seed'))}), intact and with "
        "each mechanism knocked out; difference = knock-out minus intact on the same lifetimes, with its "
        f"{int(round(100 * float(ab.get('level', 0.95))))}% paired interval (<code>devo ablate</code>).</p>"
    )
    return text + _table(["condition", "fitness", "difference", "interval", "per episode"], rows)


def render_report(
    rec: GrowthRecording,
    figures: Sequence[ReportImage],
    *,
    source: str,
    config: str,
    meta: Mapping[str, Any] | None = None,
    eval_report: Mapping[str, Any] | None = None,
    files: Sequence[str] = (),
    notes: Sequence[str] = (),
    ablation: Mapping[str, Any] | None = None,
) -> str:
    """The report as one HTML string."""
    meta = dict(meta or {})
    s = rec.summary()
    r = rec.result
    overview = [
        ["source", source],
        ["environment", rec.env],
        ["seed (devo eval / inspect --seed)", rec.seed],
        ["lifetime seed", rec.lifetime_seed],
        ["fitness of this lifetime", r.fitness],
        ["returns per episode", ", ".join(f"{x:.5g}" for x in r.returns)],
        ["env steps / lifetime steps", f"{r.env_steps} / {s['lifetime_steps']}"],
        ["spikes", r.spikes],
        ["synapses added / pruned", f"{r.added} / {r.pruned}"],
        ["divisions", r.divisions],
        ["edits refused (buffers full)", r.refused],
        ["genome length", rec.genome.size],
        ["snapshots (every k steps)", f"{len(rec.snapshots)} (k = {rec.snap_every})"],
    ]
    if r.nan:
        overview.append(["blew up", r.error])
    for key, label in (("fitness", "fitness during evolution"), ("generation", "found in generation"),
                       ("run", "run"), ("lifetime_hash", "lifetime config hash")):
        if meta.get(key) is not None:
            overview.append([label, meta[key]])
    stages = [[name, st["step"], st["neurons"], st["hidden"], st["synapses"]] for name, st in s["stages"].items()]

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>devo inspect: {_e(rec.env)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>What grew: {_e(rec.env)}</h1>",
        f'<p class="sub">{_e(source)} &middot; seed {rec.seed} &middot; fitness {_num(r.fitness)}</p>',
        "<nav>" + "".join(f'<a href="#{_e(f.key)}">{_e(f.title)}</a>' for f in figures)
        + '<a href="#eval">evaluation</a><a href="#genome">genome</a><a href="#config">config</a></nav>',
        "<h2 id=\"summary\">This lifetime</h2>",
        _table(["", "value"], overview, left=2),
        "<h3>Network per stage</h3>",
        _table(["stage", "step", "neurons", "hidden", "synapses"], stages),
    ]
    for note in notes:
        parts.append(f"<p><em>{_e(note)}</em></p>")
    for f in figures:
        parts.append(
            f'<h2 id="{_e(f.key)}">{_e(f.title)}</h2><figure>'
            f'<img src="{data_uri(f.path)}" alt="{_e(f.title)}" data-file="{_e(f.path.name)}">'
            f"<figcaption>{_e(f.caption)}</figcaption></figure>"
        )
    parts += [
        '<h2 id="eval">Evaluation in fresh lifetimes</h2>',
        _eval_section(eval_report),
        *(['<h2 id="ablation-table">Ablation</h2>', _ablation_section(ablation)] if ablation else []),
        '<h2 id="genome">Genome</h2>',
        "<p>The genome is a flat vector of named blocks; every cell and synapse runs the same rules.</p>",
        f"<pre>{_e(rec.genome_description)}</pre>",
        '<h2 id="config">Config</h2>',
        f"<pre>{_e(config)}</pre>",
    ]
    if files:
        parts.append("<h2 id=\"files\">Files next to this report</h2><ul>")
        parts += [f'<li><a href="{_e(name)}">{_e(name)}</a></li>' for name in files]
        parts.append("</ul>")
    parts.append("<h2>Lifetime summary (JSON)</h2>")
    parts.append(f"<pre>{_e(json.dumps(s, indent=1, default=str))}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(path: str | Path, rec: GrowthRecording, figures: Sequence[ReportImage], **kw: Any) -> Path:
    """Write :func:`render_report`'s page to ``path``."""
    path = Path(path)
    path.write_text(render_report(rec, figures, **kw), encoding="utf-8")
    return path
