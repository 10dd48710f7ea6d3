"""Speed benchmarks, one module per ``devo bench`` suite (:data:`SUITES`).

Each suite module provides ``TITLE``, ``COLUMNS``, ``add_arguments(parser)``, ``run(args)`` (an
iterator of rows) and optionally ``notes(rows)``; :mod:`devo.commands.bench` prints them.
:mod:`.timing` holds the timing loops they share.
"""

# suite name -> module providing add_arguments(parser), run(args) -> rows, COLUMNS, TITLE
SUITES: dict[str, str] = {
    "snn": "devo.bench.snn",
    "envs": "devo.bench.envs",
    "lifetime": "devo.bench.lifetime",
    "run": "devo.bench.run",
}
