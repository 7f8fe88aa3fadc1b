"""Domain errors raised by commands. One exception handler maps them to HTTP for the API;
web views turn them into form errors. Messages are named constants tests can assert on."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils.translation import gettext_lazy as _

MSG_CONFLICT = _("This case was changed by someone else (now at version %(current)s, you had %(expected)s).")
MSG_NOT_FOUND = _("No such case.")
MSG_TRANSITION_NOT_ALLOWED = _("“%(action)s” is not possible while the case is %(state)s.")
MSG_TRANSITION_REFUSED = _("“%(action)s” is not possible yet: %(reason)s")
MSG_FORBIDDEN = _("You are not allowed to do this on this case.")


class DomainError(Exception):
    """Base of every error a command raises on purpose."""


class ConcurrencyConflict(DomainError):
    def __init__(self, *, stream_id: uuid.UUID, expected_version: int, current_version: int) -> None:
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.current_version = current_version
        super().__init__(str(MSG_CONFLICT % {"current": current_version, "expected": expected_version}))


class CaseNotFound(DomainError):
    def __init__(self) -> None:
        super().__init__(str(MSG_NOT_FOUND))


class TransitionNotAllowed(DomainError):
    """A step the case's state does not allow, or (with `reason`) a rule of the step that the
    case does not meet yet."""

    def __init__(self, *, action: str, state: str, reason: str = "") -> None:
        self.action = action
        self.state = state
        self.reason = reason
        if reason:
            message = MSG_TRANSITION_REFUSED % {"action": action, "reason": reason}
        else:
            message = MSG_TRANSITION_NOT_ALLOWED % {"action": action, "state": state}
        super().__init__(str(message))


class TransitionForbidden(DomainError):
    def __init__(self, message: Any = MSG_FORBIDDEN) -> None:
        super().__init__(str(message))


class CommandInvalid(DomainError):
    """Input that is well-formed but breaks a rule; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, list[Any]]) -> None:
        self.errors = {name: [str(m) for m in messages] for name, messages in errors.items()}
        super().__init__("; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in self.errors.items()))

    @classmethod
    def single(cls, field: str, message: Any) -> CommandInvalid:
        return cls({field: [message]})
