"""One mapping from the errors commands raise to what a web page answers with.

The API answers the same errors in JSON (`cases.api.errors`); HTML views instead re-render
the page the person was on, with the sentence shown there and the status the error stands
for, never a server error. A view decides what that page shows; this module only says which
status and which sentence each error means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.errors import (
    CaseNotFound,
    CommandInvalid,
    ConcurrencyConflict,
    DomainError,
    TransitionForbidden,
    TransitionNotAllowed,
)

MSG_STALE = _(
    "Someone else changed this case after you opened this page; nothing was applied. "
    "Check the case as it is now and try again."
)

# Most specific first: the first class the error is an instance of gives the status.
_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (CommandInvalid, 400),
    (ConcurrencyConflict, 409),
    (TransitionNotAllowed, 409),
    (TransitionForbidden, 403),
    (CaseNotFound, 404),
)
# A refusal of a kind not listed above is still a refusal of what was sent, not a server fault.
_OTHER_STATUS = 400
# Version numbers mean nothing to someone filling a form; what they must know is that their
# change was not made.
_DEFAULT_WORDING: Mapping[type[DomainError], Any] = {ConcurrencyConflict: MSG_STALE}

Wording = Mapping[type[DomainError], Any]


@dataclass(frozen=True)
class Refusal:
    """What a page shows when a command refused: the status, a sentence for the whole page
    (empty when the field errors say it all) and the errors of single fields."""

    status: int
    message: str
    field_errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def errors(self) -> dict[str, list[str]]:
        return self.field_errors

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def invalid(self) -> bool:
        return self.status == 400

    def show_on(self, form: forms.Form) -> None:
        """Put each field's errors beside its field, and everything else above the form."""
        for name, messages in self.field_errors.items():
            target = name if name in form.fields and not form[name].is_hidden else None
            for message in messages:
                form.add_error(target, message)
        if self.message:
            form.add_error(None, self.message)


def refusal_for(error: DomainError, *, wording: Wording | None = None) -> Refusal:
    """How a page answers `error`. `wording` replaces the sentence of some kinds of error, for
    readers who need other words (the public is told neither versions nor workflow states)."""
    status = next((status for kind, status in _STATUS if isinstance(error, kind)), _OTHER_STATUS)
    chosen = {**_DEFAULT_WORDING, **(wording or {})}
    message = next((str(text) for kind, text in chosen.items() if isinstance(error, kind)), None)
    if isinstance(error, CommandInvalid):
        return Refusal(status=status, message=message or "", field_errors=dict(error.errors))
    return Refusal(status=status, message=message if message is not None else str(error))
