"""A results campaign: cells (a config, overrides, seeds, a place in a table) run one after another,
each seed's outcome kept as a small record, and a report regenerated from the records alone.

- :mod:`~devo.campaign.spec`: the campaign file (TOML) as typed data, checked before anything runs
- :mod:`~devo.campaign.execute`: which cell-seeds are missing, and running them (`devo run`,
  `devo eval`, `devo ablate` in-process, resuming a stopped run from its checkpoints)
- :mod:`~devo.campaign.records`: the committed record of one cell and seed, written and read
- :mod:`~devo.campaign.report`: RESULTS.md from the records; :mod:`~devo.campaign.figures` its figures

The command is `devo campaign` (:mod:`devo.commands.campaign`). Submodules are imported on use.
"""
