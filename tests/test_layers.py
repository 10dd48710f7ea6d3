"""The layout shows the architecture: every module of ``devo`` sits in a layer and imports only its
own layer and the layers below it.

From the bottom up (``docs/design.md``, "Layout"):

0. **base**: ``devo`` (its ``__init__``: numba settings), ``errors``, ``rng``, ``config``,
   ``settings`` (the lifetime's config sections), ``genome`` (GenomeSpec), ``genome_io`` (genome
   files), ``atomic`` (atomic file writes) -- no devo imports above this line;
1. **snn** (the spiking substrate) and **environments** (tasks, their interface and compiled
   twins): side by side, neither imports the other;
2. **develop**: the developmental rules and the agent state they share;
3. **lifetime**: running a life (``devo.lifetime``), and ``warmup`` (compiling a lifetime);
4. **evolve**: searchers, pool, runs, eval, ablate, and ``experiment`` (the whole experiment's
   config, whose ``[search]`` section is checked against ``evolve.searchers``);
5. **tools** over evolution: ``inspect``, ``campaign``, ``bench``;
6. **commands**: ``commands``, ``cli``, ``__main__``.

Every import counts: module level, inside functions (lazy imports of heavy or optional modules)
and under ``TYPE_CHECKING``. Besides: no import cycle at import time (module-level imports), and
outside ``devo/environments`` only its task interface is imported -- the package itself and
:data:`ENV_INTERFACE`, never a concrete task (those live on the shelf, ``environments/``, reached only through entry
points: a test below checks that no devo module names ``devo_environments``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import devo

ROOT = Path(devo.__file__).parent

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("devo", "devo.errors", "devo.rng", "devo.config", "devo.settings", "devo.genome",
              "devo.genome_io", "devo.atomic")),
    ("snn, environments", ("devo.snn", "devo.environments")),
    ("develop", ("devo.develop",)),
    ("lifetime", ("devo.lifetime", "devo.warmup")),
    ("evolve", ("devo.evolve", "devo.experiment")),
    ("inspect, campaign, bench", ("devo.inspect", "devo.campaign", "devo.bench")),
    ("commands", ("devo.commands", "devo.cli", "devo.__main__")),
)  # fmt: skip

# what code outside devo/environments may import from it (besides the package itself)
ENV_INTERFACE = frozenset(
    f"devo.environments.{m}"
    for m in ("adapter", "check", "compiled", "damage", "registry", "resolve", "spaces", "spec", "task", "trust",
              "native.stub")
)


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the devo module it imports (a package's name for names from its __init__)
    line: int
    where: str  # "module", "function" or "TYPE_CHECKING"

    def __str__(self) -> str:
        return f"{self.module} (line {self.line}, {self.where}) imports {self.target}"


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(ROOT.rglob("*.py")):
        parts = list(p.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = p
    return out


MODULES = _modules()


def _target(name: str) -> str | None:
    """The devo module a dotted import name lands in (``devo.snn.state``; ``devo.inspect.grow``,
    a name from a package's ``__init__``, lands in ``devo.inspect``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(), str(path))
    where: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(node):
                where.setdefault(id(sub), "function")
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in ast.walk(node):
                where[id(sub)] = "TYPE_CHECKING"
    is_pkg = path.name == "__init__.py"
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the importing module's package
                pkg = module.split(".") if is_pkg else module.split(".")[:-1]
                pkg = pkg[: len(pkg) - node.level + 1]
                base = ".".join(pkg + ([base] if base else []))
            names = [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name == "devo" or name.startswith("devo."):
                t = _target(name)
                if t and t != module:
                    out.append(Import(module, t, node.lineno, where.get(id(node), "module")))
    return out


IMPORTS = [i for m, p in MODULES.items() for i in _imports(m, p)]


def layer_of(module: str) -> int | None:
    """Index in :data:`LAYERS` of the longest prefix that holds ``module``."""
    best = None
    for k, (_, members) in enumerate(LAYERS):
        for m in members:
            if (module == m or module.startswith(m + ".")) and (best is None or len(m) > best[1]):
                best = (k, len(m))
    return None if best is None else best[0]


def test_the_parser_sees_every_kind_of_import() -> None:
    by_kind = {i.where for i in IMPORTS}
    assert by_kind == {"module", "function", "TYPE_CHECKING"}
    assert Import("devo.lifetime.step", "devo.develop.node", 0, "") in {
        Import(i.module, i.target, 0, "") for i in IMPORTS
    }


def test_every_module_has_a_layer() -> None:
    missing = sorted(m for m in MODULES if layer_of(m) is None)
    assert not missing, f"modules in no layer (add them to LAYERS here and to docs/design.md): {missing}"


def test_no_module_imports_a_higher_layer() -> None:
    bad = [
        f"{i} ({LAYERS[layer_of(i.module)][0]} -> {LAYERS[layer_of(i.target)][0]})"
        for i in IMPORTS
        if layer_of(i.target) > layer_of(i.module)
    ]
    assert not bad, "imports of a higher layer:\n" + "\n".join(bad)


def test_snn_and_environments_do_not_import_each_other() -> None:
    pkgs = ("devo.snn", "devo.environments")
    bad = [
        str(i) for i in IMPORTS
        for a, b in (pkgs, pkgs[::-1])
        if i.module.startswith(a) and (i.target == b or i.target.startswith(b + "."))
    ]  # fmt: skip
    assert not bad, "\n".join(bad)


def test_outside_environments_only_the_task_interface_is_imported() -> None:
    bad = [
        str(i)
        for i in IMPORTS
        if i.target.startswith("devo.environments.")
        and not i.module.startswith("devo.environments")
        and i.target not in ENV_INTERFACE
    ]
    assert not bad, "concrete task modules imported from outside devo/environments:\n" + "\n".join(bad)


def test_no_import_cycle_at_import_time() -> None:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for i in IMPORTS:
        if i.where == "module":
            graph[i.module].add(i.target)
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                return path[path.index(t) :] + [t]
            if t not in state and (cycle := visit(t)):
                return cycle
        path.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (cycle := visit(m)):
            raise AssertionError("import cycle: " + " -> ".join(cycle))


def test_export_and_recording_do_not_import_each_other_both_ways() -> None:
    """recording imports the exporters on use; they take a GrowthRecording but import it only for
    annotations (an import cycle between them was removed)."""
    runtime = {(i.module, i.target) for i in IMPORTS if i.where != "TYPE_CHECKING"}
    for other in ("devo.inspect.export", "devo.inspect.notebook"):
        assert not {("devo.inspect.recording", other), (other, "devo.inspect.recording")} <= runtime


def test_devo_imports_no_task_of_the_shelf() -> None:
    """devo reaches its own tasks only through entry points, as a user's: no module of the package
    imports the shelf's package."""
    root = Path(__file__).resolve().parents[1] / "devo"
    bad = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "import devo_environments" in p.read_text() or "from devo_environments" in p.read_text()
        or "import_module(\"devo_environments" in p.read_text()
    ]
    assert not bad, f"devo modules naming the shelf devo_environments: {bad}"
