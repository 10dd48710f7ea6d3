"""devo's shelf of tasks (distribution ``devo-environments``, import name ``devo_environments``).

Each task is one module here and declares itself in ``pyproject.toml``'s ``devo.environments``
entry points -- the same group a user's package uses; devo imports none of them by name.

- CartPole-v1, Acrobot-v1, MountainCar-v0, Pendulum-v1 (``cartpole``, ``acrobot``, ``mountaincar``,
  ``pendulum``): compiled twins of Gymnasium's classic control;
- Foraging-v0 (``foraging``): LNDP's foraging track, compiled, with its Python twin (lifetime learning);
- Bandit-v0 (``bandit``): Bernoulli bandit with reversals, compiled, with its Python twin;
- Beacon-v0 (``beacon``): the worked example of a plain ``gymnasium.Env`` (Python path).

Mid-life damage is a wrapper any task takes (``damage=...``, :mod:`devo.environments.damage`), not
a task of its own. The compiled-task protocol and how to add a task: README.md here.
"""
