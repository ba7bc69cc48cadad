"""One root for every error ecsdev raises, so the CLI catches one type and never shows a
traceback for a user's mistake. Each error carries a hint: the next thing to try."""

from __future__ import annotations

from dataclasses import dataclass


class EcsdevError(Exception):
    """Root of all ecsdev errors. ``exit_code`` is 2 for bad input, 1 for runtime trouble."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in an input file, located as ``FILE:LINE: path: message``."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class LayoutError(EcsdevError):
    """A layout or task-definition file cannot run; every problem is listed at once."""

    exit_code = 2

    def __init__(self, problems: list[Problem], hint: str = "") -> None:
        self.problems = list(problems)
        text = "\n".join(str(p) for p in self.problems)
        super().__init__(text, hint)


class UsageError(EcsdevError):
    """The command line asks for something that does not exist or makes no sense."""

    exit_code = 2


class NotFound(UsageError):
    """A task, service, target group or stack named by the user does not exist."""


class DockerUnavailable(EcsdevError):
    """No Docker engine answers where DOCKER_HOST (or the default socket) points."""


class RuntimeOperationError(EcsdevError):
    """Docker refused or failed an operation (create, start, pull, ...)."""


class AwsAccessError(EcsdevError):
    """An AWS (or LocalStack, or moto) API call failed; the message names the call."""


class TaskFailedToStart(RuntimeOperationError):
    """A task could not be created or started; it is recorded as STOPPED with this reason."""

    def __init__(self, message: str, task_arn: str, hint: str = "") -> None:
        super().__init__(message, hint)
        self.task_arn = task_arn
