"""Who is acting: the identity every command receives and every event records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from accounts.models import PROVIDER_ROLES, Role

if TYPE_CHECKING:
    from accounts.models import User


PUBLIC = "public"
SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """An authenticated member of staff, a member of the public, or the system itself.

    A public actor may hold tracking access to some cases (after presenting a tracking token);
    that is all it can see.
    """

    role: str
    user_id: int | None = None
    organisation_id: int | None = None
    request_id: str = ""
    correlation_id: str = ""
    tracked_case_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    @classmethod
    def for_user(cls, user: User, *, request_id: str = "", correlation_id: str = "") -> Actor:
        role = Role.ADMINISTRATOR if user.is_superuser and not user.role else user.role
        return cls(
            role=role,
            user_id=user.pk,
            organisation_id=user.organisation_id,
            request_id=request_id,
            correlation_id=correlation_id or request_id,
        )

    @classmethod
    def public(cls, *, request_id: str = "", tracked_case_ids: frozenset[uuid.UUID] = frozenset()) -> Actor:
        return cls(role=PUBLIC, request_id=request_id, correlation_id=request_id, tracked_case_ids=tracked_case_ids)

    @classmethod
    def system(cls, *, request_id: str = "") -> Actor:
        return cls(role=SYSTEM, request_id=request_id or uuid.uuid4().hex)

    @property
    def is_public(self) -> bool:
        return self.role == PUBLIC

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM

    @property
    def is_provider_staff(self) -> bool:
        return self.role in PROVIDER_ROLES

    @property
    def may_use_staff_workspace(self) -> bool:
        """A provider role and an organisation: the workspace shows one organisation's cases.
        The same rule admits staff to the workspace pages, the staff API and live queues."""
        return self.is_provider_staff and self.organisation_id is not None

    @property
    def is_regulator_officer(self) -> bool:
        """An officer of a regulator: sees what is addressed to their organisation (orders it
        issued, reports sent to it), never a provider's other cases."""
        return self.role == Role.REGULATOR_OFFICER and self.organisation_id is not None

    @property
    def may_use_workspace(self) -> bool:
        """Provider staff or a regulator's officer: the pages and API about single cases admit
        both, and `cases.scope` decides which cases each sees."""
        return self.may_use_staff_workspace or self.is_regulator_officer

    @property
    def side(self) -> str:
        """ "provider" or "regulator": which party of a two-party case this person acts for
        ("" for the public, the system and anyone without an organisation)."""
        if self.may_use_staff_workspace:
            return "provider"
        return "regulator" if self.is_regulator_officer else ""

    def works_for(self, organisation_id: int) -> bool:
        return self.is_provider_staff and self.organisation_id == organisation_id

    def addressed(self, counterpart_organisation_id: int | None) -> bool:
        """Whether a case addressed to `counterpart_organisation_id` is addressed to this
        officer's regulator."""
        return self.is_regulator_officer and counterpart_organisation_id == self.organisation_id

    def is_party_to(self, case: Any) -> bool:
        """Staff of the case's organisation, or an officer of the regulator it is addressed to."""
        return self.works_for(case.organisation_id) or self.addressed(case.counterpart_organisation_id)

    def tracks(self, case_id: uuid.UUID) -> bool:
        return case_id in self.tracked_case_ids

    def metadata(self) -> dict[str, Any]:
        """What an event records about its author: ids and role only, never names."""
        return {
            "actor": {"role": self.role, "user_id": self.user_id},
            "organisation_id": self.organisation_id,
            "request_id": self.request_id,
            "correlation_id": self.correlation_id or self.request_id,
        }
