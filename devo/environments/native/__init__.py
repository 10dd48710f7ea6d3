"""Compiled code around any compiled task (the protocol: :mod:`devo.environments.compiled`): the
null task the templates import (:mod:`.stub`), the random-action loop (:mod:`.loop`), mid-life
damage (:mod:`.damage`, and the wrapper template :mod:`.damaged`), and the five functions of a
task in one module (:mod:`.with_trials`). The tasks themselves live on the shelf, ``environments/``.
"""
