"""devo's task interface: the registry (tasks declared by ``devo.environments`` entry points, devo's
own shelf ``environments/`` among them), the Gymnasium adapter, the compiled-task protocol
(:mod:`.compiled`), mid-life damage, and the checks a user runs on their own environment. The
contract: ``environments/README.md`` at the repository's top.

    task = make_task("CartPole-v1")              # or "Foraging-v0", "mypkg.envs:MyEnv", any Gymnasium id
    task.spec                                      # TaskSpec: sizes, bounds, horizon, kernel + params
    env = task.make_env()                          # in any process (Task pickles)
    env.begin_lifetime(seed); obs = env.reset(seed); obs, r, terminated, truncated = env.step(a)
"""

from devo.environments.adapter import EnvAdapter, EpisodeError, obs_ok
from devo.environments.check import CheckReport, check_env, preflight
from devo.environments.damage import DamageSpec
from devo.environments.registry import TaskEntry, list_tasks, make_task, register_task, registered_names
from devo.environments.resolve import ENTRY_POINT_GROUP, entry_point_names
from devo.environments.spec import TaskSpec
from devo.environments.task import Task

__all__ = [
    "ENTRY_POINT_GROUP",
    "CheckReport",
    "DamageSpec",
    "EnvAdapter",
    "EpisodeError",
    "Task",
    "TaskEntry",
    "TaskSpec",
    "check_env",
    "entry_point_names",
    "list_tasks",
    "make_task",
    "obs_ok",
    "preflight",
    "register_task",
    "registered_names",
]
