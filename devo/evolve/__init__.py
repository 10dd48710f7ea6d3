"""Evolution of genomes: EvoTorch searchers, devo's fault-tolerant Ray evaluation, run directories.

- :mod:`~devo.evolve.searchers`: the searcher table (name -> hyper-parameters, builder)
- :mod:`~devo.evolve.problem`: the EvoTorch problem whose batches go through a pool
- :mod:`~devo.evolve.pool`: in-process and Ray evaluation (chunks, retries on worker death)
- :mod:`~devo.evolve.runner`: the generation loop of `devo run` / `devo resume`
- :mod:`~devo.evolve.evaluate`: `devo eval`
- :mod:`~devo.evolve.rundir`, :mod:`~devo.evolve.checkpoint`, :mod:`~devo.evolve.metrics`,
  :mod:`~devo.evolve.display`: the files of a run and its display (genome files, which
  :mod:`devo.inspect` reads too, are :mod:`devo.genome_io`)

Submodules are imported on use (this package imports nothing heavy).
"""
