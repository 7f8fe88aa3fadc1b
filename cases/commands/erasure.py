"""Erasing a data subject: destroying their key so that their personal data cannot be read
anywhere, while every event stays and every hash chain still verifies.

The interface personal-information requests call; erasure itself arrives with the vault of
personal data.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.actors import Actor


def erase_subject(actor: Actor, subject_id: uuid.UUID, *, reason: str) -> None:
    """Erase the personal data of `subject_id`, recording why; refused under a legal hold."""
    raise NotImplementedError("erasure of personal data is not available yet")
