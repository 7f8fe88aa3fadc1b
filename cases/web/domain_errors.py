"""One mapping from the errors commands raise to what a web page answers with.

The API has its own handler (`cases.api.errors`); pages instead show the refusal on the page
the person was on, with the status code it stands for. A view decides what that page shows;
this module only says which status and which sentence each error means.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Refusal:
    """What a page says when a command refused: its status, a sentence, and field errors."""

    status: int
    message: str
    # Field name → messages, for input a command found wrong (a 400).
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def invalid(self) -> bool:
        return self.status == 400


def refusal_for(error: DomainError) -> Refusal:
    """The web answer to a domain error; an error of no known kind is a plain 400."""
    if isinstance(error, CommandInvalid):
        return Refusal(400, str(error), error.errors)
    if isinstance(error, ConcurrencyConflict):
        # The version numbers mean nothing to someone filling a form; what they must know is
        # that their change was not made.
        return Refusal(409, str(MSG_STALE))
    if isinstance(error, TransitionNotAllowed):
        return Refusal(409, str(error))
    if isinstance(error, TransitionForbidden):
        return Refusal(403, str(error))
    if isinstance(error, CaseNotFound):
        return Refusal(404, str(error))
    return Refusal(400, str(error))
