"""What every staff endpoint shares: who may call it, how bodies are read, how errors answer.

Integrations authenticate with a token (`Authorization: Token …`, see `issue_api_token`); the
browser with its staff session, and then unsafe methods need the CSRF token. Token
authentication comes first, so that an unauthenticated request is told how to authenticate
(401 with WWW-Authenticate). Only active provider staff of an organisation get further (403
for anyone else), and `Case.objects.for_actor` then limits them to their organisation's cases.
"""

from __future__ import annotations

from typing import Any

from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.actors import Actor
from cases.api.parsing import ApiJSONParser
from cases.api.staff.preconditions import staff_exception_handler
from cases.errors import CaseNotFound
from cases.models import Case

MSG_STAFF_ONLY = _("Only active staff of a service provider may use this API.")


def may_use_staff_api(actor: Actor) -> bool:
    """A provider role and an organisation: every answer is about one organisation's cases."""
    return actor.is_provider_staff and actor.organisation_id is not None


def may_use_case_api(actor: Actor) -> bool:
    """Provider staff, or a regulator's officer (on the cases addressed to their regulator)."""
    return actor.may_use_workspace


class IsOrganisationStaff(BasePermission):
    message = MSG_STAFF_ONLY
    code = "not_staff"

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        return may_use_staff_api(Actor.for_user(user))


class IsPartyToCases(IsOrganisationStaff):
    """Provider staff or a regulator's officer: endpoints about single cases (reading one,
    taking a step, opening one), where `cases.scope` limits each to the cases it may see."""

    message = _("Only active staff of a service provider or officers of a regulator may use this API.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        return may_use_case_api(Actor.for_user(user))


class StaffApi(APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsOrganisationStaff]
    parser_classes = [ApiJSONParser]
    renderer_classes = [JSONRenderer]

    def get_exception_handler(self) -> Any:
        return staff_exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Another organisation's case does not exist for the caller: say so before anything
        # else is checked (a missing If-Match included), so no answer tells it apart.
        if "case_id" in kwargs and not Case.objects.for_actor(self.actor).filter(pk=kwargs["case_id"]).exists():
            raise CaseNotFound()

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        # Answers are one person's view of their organisation's cases: no shared cache may keep
        # them, and the client revalidates with the ETag instead of trusting its copy.
        response["Cache-Control"] = "private, no-cache"
        patch_vary_headers(response, ("Authorization", "Cookie"))
        return response

    @property
    def actor(self) -> Actor:
        return Actor.for_user(self.request.user, request_id=getattr(self.request, "request_id", ""))  # type: ignore[arg-type]
