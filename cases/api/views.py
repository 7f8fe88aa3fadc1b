"""The public API: file a complaint or an appeal, follow it, answer a question.

No authentication: a filer is identified for one case by its reference and private tracking
token, always sent in the body so that tokens never reach access logs. Each view validates,
calls one command and serializes; cases.api.errors turns every error into its HTTP answer.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from cases import commands
from cases.api import schema
from cases.api.filing import filing_organisation, public_actor
from cases.api.idempotency import idempotency_key, idempotent
from cases.api.parsing import ApiJSONParser
from cases.api.serializers import (
    AppealInput,
    ComplaintInput,
    ComplaintUploadInput,
    FilingOutput,
    InformationInput,
    InformationUploadInput,
    TrackingOutput,
    TrackInput,
)
from cases.commands import Submission
from cases.commands.common import filer_answer_command
from cases.commands.tracking import tracking_link
from cases.errors import CaseNotFound, TransitionNotAllowed
from cases.models import Case
from cases.references import normalise_reference
from cases.selectors import case_for_tracking, open_question, public_notices, public_timeline, waiting_on_filer
from tracker.ratelimit import check_rate, client_address

CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone", "consent")


class PublicApi(APIView):
    """Open to anyone; rate-limited per client address in `address_rate_scopes`."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [ApiJSONParser]
    address_rate_scopes: tuple[str, ...] = ()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        address = client_address(request)
        for scope in self.address_rate_scopes:
            check_rate(scope, address)


def _validated(serializer_class: type[Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _tracked_case(reference: str, token: str) -> Case:
    """The case these credentials open. Wrong tokens for one reference are limited from every
    address together; only failures count, so a guesser cannot lock the token's holder out."""
    case = case_for_tracking(reference, token)
    if case is None:
        check_rate("track_reference", normalise_reference(reference))
        raise CaseNotFound()  # the same answer whether the reference or the token was wrong
    return case


def _filed(submission: Submission) -> Response:
    case, token = submission.case, submission.tracking_token
    output = FilingOutput(
        {
            "case": case,
            "tracking_token": token,
            "tracking_url": tracking_link(case.reference, token),
            "notices": public_notices(case),
        }
    )
    return Response(output.data, status=status.HTTP_201_CREATED)


def _tracking(case: Case) -> Response:
    waiting = waiting_on_filer(case)
    output = TrackingOutput(
        {
            "case": case,
            "waiting_for_you": waiting,
            "question": open_question(case) if waiting else None,
            "timeline": public_timeline(case),
            "notices": public_notices(case),
        }
    )
    return Response(output.data)


class ComplaintFileApi(PublicApi):
    parser_classes = [ApiJSONParser, MultiPartParser]
    address_rate_scopes = ("submit",)

    @extend_schema(
        operation_id="public_complaint_file",
        summary="File a complaint or report",
        description=(
            "JSON, or multipart/form-data to attach up to 5 evidence files (field `evidence`, each at most "
            "10 MB: pictures, video, audio or PDF). Without `provider` the filing goes to the only service "
            "provider, if there is exactly one. The tracking token in the answer is shown only this once."
        ),
        tags=["public"],
        request={"application/json": ComplaintInput, "multipart/form-data": ComplaintUploadInput},
        responses={201: FilingOutput, **schema.error_responses(400, 409, 422, 429)},
        parameters=schema.WRITE_PARAMETERS,
        examples=schema.COMPLAINT_EXAMPLES,
    )
    @idempotent("public.complaints")
    def post(self, request: Request) -> Response:
        data = _validated(ComplaintUploadInput, request)
        organisation = filing_organisation(slug=data.pop("provider"))
        return _filed(commands.complaint_submit(organisation=organisation, actor=public_actor(request), **data))


class AppealFileApi(PublicApi):
    address_rate_scopes = ("submit",)

    @extend_schema(
        operation_id="public_appeal_file",
        summary="Appeal a measure or a complaint decision",
        description=(
            "Against an enforcement measure: `measure_reference` from the notice received. Against the "
            "decision on your own complaint: `complaint_reference` and its `tracking_token`."
        ),
        tags=["public"],
        request=AppealInput,
        responses={201: FilingOutput, **schema.error_responses(400, 404, 409, 422, 429)},
        parameters=schema.WRITE_PARAMETERS,
        examples=schema.APPEAL_EXAMPLES,
    )
    @idempotent("public.appeals")
    def post(self, request: Request) -> Response:
        data = _validated(AppealInput, request)
        contact = {name: data[name] for name in CONTACT_FIELDS}
        if data["measure_reference"]:
            submission = commands.appeal_file_against_measure(
                measure_reference=data["measure_reference"],
                actor=public_actor(request),
                statement=data["statement"],
                **contact,
            )
            return _filed(submission)
        complaint = _tracked_case(data["complaint_reference"], data["tracking_token"])
        if not complaint.declaration.appealable_states:
            raise CaseNotFound()
        submission = commands.appeal_file_against_decision(
            case_id=complaint.id,
            actor=public_actor(request, tracking=complaint),
            statement=data["statement"],
            **contact,
        )
        return _filed(submission)


class TrackApi(PublicApi):
    address_rate_scopes = ("track",)

    @extend_schema(
        operation_id="public_track",
        summary="Follow a case",
        description=(
            "The reference and the private token go in the body, never in the address, so that they stay "
            "out of access logs. A wrong token and an unknown reference get the same 404."
        ),
        tags=["public"],
        request=TrackInput,
        responses={200: TrackingOutput, **schema.error_responses(400, 404, 429)},
        parameters=schema.READ_PARAMETERS,
        examples=schema.TRACK_EXAMPLES,
    )
    def post(self, request: Request) -> Response:
        idempotency_key(request)  # checked like on every public POST; a look-up is answered afresh
        data = _validated(TrackInput, request)
        return _tracking(_tracked_case(data["reference"], data["token"]))


class InformationAddApi(PublicApi):
    parser_classes = [ApiJSONParser, MultiPartParser]
    address_rate_scopes = ("track", "add_information")

    @extend_schema(
        operation_id="public_track_add_information",
        summary="Answer a question about your complaint",
        description=(
            "While the case waits for you (`waiting_for_you`), send your answer with the `version` from the "
            "last look-up as `expected_version`; multipart/form-data to attach up to 5 files. Answers with "
            "the case as it is afterwards. 409 with `current_version` if the case changed meanwhile."
        ),
        tags=["public"],
        request={"application/json": InformationInput, "multipart/form-data": InformationUploadInput},
        responses={200: TrackingOutput, **schema.error_responses(400, 404, 409, 422, 429)},
        parameters=schema.WRITE_PARAMETERS,
        examples=schema.INFORMATION_EXAMPLES,
    )
    @idempotent("public.track.information")
    def post(self, request: Request) -> Response:
        data = _validated(InformationUploadInput, request)
        case = _tracked_case(data["reference"], data["token"])
        receive = filer_answer_command(case.kind)
        if receive is None:  # this kind never asks its filer anything
            raise TransitionNotAllowed(action="receive_information", state=case.public_state_label)
        answered = receive(
            case_id=case.id,
            actor=public_actor(request, tracking=case),
            expected_version=data["expected_version"],
            text=data["text"],
            evidence=data["evidence"],
        )
        return _tracking(answered)
