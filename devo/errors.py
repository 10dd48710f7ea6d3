"""User-facing errors. The CLI prints their message (no traceback) and exits with code 2."""


class DevoError(Exception):
    """A problem the user can fix; the message names the problem and the fix."""


class ConfigError(DevoError, ValueError):
    """A bad configuration key or value."""


class EnvironmentSpecError(DevoError, ValueError):
    """An environment that devo cannot use, or cannot create."""
