"""The error family: every problem a user can fix is one of these, with a message that says where."""

from __future__ import annotations


class CswError(Exception):
    """A problem in the user's input or environment; the CLI prints it and exits with `exit_code`."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  {self.hint}" if self.hint else self.message

    def __reduce__(self) -> tuple[object, ...]:
        # Whole, hint included, when it comes back from a worker process (teams render in parallel).
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(kind: type[CswError], args: tuple[object, ...], state: dict[str, object]) -> CswError:
    error = kind.__new__(kind)
    error.args = args
    error.__dict__.update(state)
    return error


class NotUtf8Error(CswError):
    """A file the user gave csw (a plan, an idea bank, csw.toml) is not UTF-8 text."""


class UsageError(CswError):
    """A command-line argument is out of range or malformed."""


class ConfigError(CswError):
    """csw.toml cannot be read or does not validate."""


class IdeaBankError(CswError):
    """An idea bank file cannot be read or an idea does not validate."""

    def __init__(self, problems: list[str], *, hint: str | None = None) -> None:
        super().__init__("\n".join(problems), hint=hint)
        self.problems = problems


class PlanError(CswError):
    """A plan cannot be made (constraints) or a plan.yaml does not validate."""


class OutputError(CswError):
    """An output file cannot be written, or would overwrite the user's edits."""
