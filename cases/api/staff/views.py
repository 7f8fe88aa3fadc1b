"""The staff API: the queue, one case, its history, its workflow steps and the measures taken
against an account.

Each view validates, calls one command or selector and serializes; `cases.api.staff.base`
says who may call, `cases.api.staff.preconditions` handles versions, and the API's one
exception handler turns domain errors into their HTTP answers.
"""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from accounts.actors import Actor
from cases import commands
from cases.actions import Action, action_named, opening_action
from cases.api.idempotency import respond_idempotently
from cases.api.staff import preconditions, schema
from cases.api.staff.base import IsPartyToCases, StaffApi
from cases.api.staff.inputs import (
    ArgumentsInput,
    AssignmentInput,
    LinkInput,
    MeasuresQuery,
    NoInput,
    NoteInput,
    OpeningInput,
    QueueQuery,
    quoted,
)
from cases.api.staff.outputs import CaseOutput, HistoryOutput, MeasureListOutput, QueuePageOutput, case_address
from cases.commands.openings import MSG_NOT_OPENED_BY_STAFF
from cases.commands.staff import MSG_UNKNOWN_ACTION
from cases.errors import CaseNotFound
from cases.exports import case_export
from cases.kinds import declaration_of, declared
from cases.models import Case
from cases.staff_queries import (
    account_measures,
    case_detail,
    case_history,
    personal_data_masked,
    queue_page,
    staff_case,
)


class UnknownAction(APIException):
    """A step name this kind of case does not have (or that staff never take directly)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "unknown_action"


def _validated(serializer_class: type[Serializer], data: Any) -> Serializer:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer


def _scoped_case(actor: Actor, case_id: uuid.UUID) -> Case:
    case = staff_case(actor=actor, case_id=case_id)
    if case is None:
        raise CaseNotFound()
    return case


def _case_answer(request: Request, actor: Actor, case_id: uuid.UUID) -> Response:
    """The case as it is now, tagged with its version."""
    case = _scoped_case(actor, case_id)
    detail = case_detail(actor=actor, case=case)
    masked = personal_data_masked(actor=actor, case=case)
    output = CaseOutput(case, context={"request": request, "detail": detail, "masked": masked})
    return preconditions.tagged(Response(output.data), case.version)


_ACTION_EXAMPLES = [
    OpenApiExample("Resolve", value={"outcome": "no_violation", "summary": "No synthetic content found."}),
    OpenApiExample(
        "Resolve with measures",
        value={
            "outcome": "violation",
            "measures": [{"measure": "warning", "account": "user-1"}, {"measure": "content_removed"}],
            "summary": "The video carried no label; it was removed and its publisher warned.",
        },
    ),
    OpenApiExample("Reject", value={"reason": "invalid", "explanation": "The address shows no video."}),
]


class CaseQueueApi(StaffApi):
    @extend_schema(
        operation_id="staff_case_list",
        summary="The queue",
        description=(
            "Your organisation's cases, due first (no deadline last), 50 a page. Follow `next` and `previous` "
            "to page; they keep the filters."
        ),
        tags=schema.TAGS,
        parameters=[QueueQuery, *schema.READ_PARAMETERS],
        responses={200: QueuePageOutput, **schema.error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        query = _validated(QueueQuery, request.query_params)
        page = queue_page(actor=self.actor, filters=query.filters(), cursor=query.validated_data["cursor"])
        return Response(QueuePageOutput(page, context={"request": request}).data)


class CaseApi(StaffApi):
    permission_classes = [IsPartyToCases]

    @extend_schema(
        operation_id="staff_case_get",
        summary="One case",
        description=(
            "The case with its facts, related and linked cases, measures, and the steps you may take now. "
            "Its version is the ETag: keep it for If-Match when you change the case."
        ),
        tags=schema.TAGS,
        parameters=schema.CASE_READ_PARAMETERS,
        responses={
            200: CaseOutput,
            304: OpenApiResponse(description="Unchanged since the ETag in If-None-Match."),
            **schema.error_responses(404),
        },
    )
    def get(self, request: Request, case_id: uuid.UUID) -> Response:
        case = _scoped_case(self.actor, case_id)
        if preconditions.not_modified(request, case.version):
            return preconditions.not_modified_response(case.version)
        return _case_answer(request, self.actor, case.id)


class CaseEventsApi(StaffApi):
    permission_classes = [IsPartyToCases]

    @extend_schema(
        operation_id="staff_case_events",
        summary="A case's history",
        description="Every event of the case in order, each checked against the hash chain.",
        tags=schema.TAGS,
        parameters=schema.READ_PARAMETERS,
        responses={200: HistoryOutput, **schema.error_responses(404)},
    )
    def get(self, request: Request, case_id: uuid.UUID) -> Response:
        case = _scoped_case(self.actor, case_id)
        history = case_history(actor=self.actor, case=case)
        masked = personal_data_masked(actor=self.actor, case=case)
        context = {"request": request, "people": history.people, "masked": masked}
        return Response(HistoryOutput(history, context=context).data)


class CaseExportApi(StaffApi):
    @extend_schema(
        operation_id="staff_case_export",
        summary="A case's verifiable export",
        description=(
            "Every event of the case with all the fields its hash covers, the encoding, each event's leaf index in "
            "the global log with its inclusion proof, a signed checkpoint covering the last event, and a signed "
            "statement of the case's head. `tools/verify_export.py` checks it offline."
        ),
        tags=schema.TAGS,
        parameters=schema.READ_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT, **schema.error_responses(404)},
    )
    def get(self, request: Request, case_id: uuid.UUID) -> Response:
        return Response(case_export(_scoped_case(self.actor, case_id)))


class CaseTransitionApi(StaffApi):
    permission_classes = [IsPartyToCases]

    @extend_schema(
        operation_id="staff_case_transition",
        summary="Take a step of the case's workflow",
        description=(
            "`action` is the name of one of the case's `actions`; the body holds its arguments, as the action "
            "describes them. Answers with the case as it is afterwards."
        ),
        tags=schema.TAGS,
        request=OpenApiTypes.OBJECT,
        parameters=schema.CASE_WRITE_PARAMETERS,
        responses={200: CaseOutput, **schema.error_responses(400, 404, 409, 412, 428)},
        examples=_ACTION_EXAMPLES,
    )
    def post(self, request: Request, case_id: uuid.UUID, action: str) -> Response:
        version = preconditions.expected_version(request)
        offered = self._action(_scoped_case(self.actor, case_id), action)
        arguments = _validated(ArgumentsInput.for_action(offered), request.data).validated_data
        commands.case_act(
            case_id=case_id, actor=self.actor, expected_version=version, action=offered.name, arguments=arguments
        )
        return _case_answer(request, self.actor, case_id)

    def _action(self, case: Case, name: str) -> Action:
        # Which arguments to read depends on the step; whether it may be taken now is for the command.
        offered = action_named(case, name)
        if offered is None:
            raise UnknownAction(str(MSG_UNKNOWN_ACTION % {"action": quoted(name)}))
        return offered


class UnknownOpening(APIException):
    """A kind that staff do not open, or not from this kind of case."""

    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"


def _opening_of(kind: str, actor: Actor) -> Action:
    """What opening a case of `kind` asks; a kind the caller's side does not open (an order,
    for provider staff) does not exist for them."""
    declaration = declaration_of(kind) if declared(kind) else None
    if declaration is None or declaration.opening is None or declaration.opening.opened_by != actor.side:
        raise UnknownOpening(str(MSG_NOT_OPENED_BY_STAFF))
    return opening_action(declaration, actor)


def _opened(request: Request, actor: Actor, case: Case) -> Response:
    response = _case_answer(request, actor, case.id)
    response.status_code = status.HTTP_201_CREATED
    response["Location"] = case_address({"request": request}, case.id)
    return response


_OPENING_EXAMPLES = [
    OpenApiExample(
        "Open a rumor refutation",
        value={"claim": "A video shows the dam breaking today.", "also_from": ["C-7K4M-9QHX"]},
        request_only=True,
    ),
    OpenApiExample(
        "Open an incident",
        value={
            "grade": "major",
            "service": "Face-swap video generation",
            "description": "Generated videos were served without their AI-generated label for two hours.",
            "first_response": "Generation suspended; labelling service restarted.",
        },
        request_only=True,
    ),
]


class CaseOpeningApi(StaffApi):
    @extend_schema(
        operation_id="staff_case_open",
        summary="Open a case of another kind from this one",
        description=(
            "`kind` is one of the case's `openings`; the body holds the arguments it lists, and `also_from`, "
            "the references of further cases it answers. Both the new case and each case it is opened from "
            "record the link. Answers 201 with the new case (its address in Location)."
        ),
        tags=schema.TAGS,
        request=OpenApiTypes.OBJECT,
        parameters=schema.CASE_WRITE_PARAMETERS,
        responses={201: CaseOutput, **schema.error_responses(400, 404, 412, 428)},
        examples=_OPENING_EXAMPLES,
    )
    def post(self, request: Request, case_id: uuid.UUID, kind: str) -> Response:
        version = preconditions.expected_version(request)
        action = _opening_of(kind, self.actor)
        data = dict(_validated(OpeningInput.for_action(action), request.data).validated_data)
        also_from = data.pop("also_from")
        opened = commands.case_open(
            kind=kind, actor=self.actor, case_id=case_id, expected_version=version, arguments=data, also_from=also_from
        )
        return _opened(request, self.actor, opened)


class OpeningApi(StaffApi):
    permission_classes = [IsPartyToCases]

    @extend_schema(
        operation_id="staff_open",
        summary="Open a case of a kind staff open themselves",
        description=(
            "For kinds opened on their own: an incident, or a rumor refutation of a claim found without a "
            "complaint. The body is as for opening from a case. Answers 201 with the new case in your "
            "organisation. Send an Idempotency-Key to retry without opening it twice."
        ),
        tags=schema.TAGS,
        request=OpenApiTypes.OBJECT,
        parameters=schema.OPEN_PARAMETERS,
        responses={201: CaseOutput, **schema.error_responses(400, 404, 422)},
        examples=_OPENING_EXAMPLES,
    )
    def post(self, request: Request, kind: str) -> Response:
        action = _opening_of(kind, self.actor)
        # Keys are the caller's own: two people may pick the same one.
        scope = f"staff.open.{kind}.{self.actor.user_id}"
        return respond_idempotently(request, scope=scope, handle=lambda: self._open(request, kind, action))

    def _open(self, request: Request, kind: str, action: Action) -> Response:
        data = dict(_validated(OpeningInput.for_action(action), request.data).validated_data)
        also_from = data.pop("also_from")
        opened = commands.case_open(kind=kind, actor=self.actor, arguments=data, also_from=also_from)
        return _opened(request, self.actor, opened)


class CaseNoteApi(StaffApi):
    @extend_schema(
        operation_id="staff_case_note_add",
        summary="Add an internal note",
        tags=schema.TAGS,
        request=NoteInput,
        parameters=schema.CASE_WRITE_PARAMETERS,
        responses={200: CaseOutput, **schema.error_responses(400, 404, 412, 428)},
    )
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        version = preconditions.expected_version(request)
        data = _validated(NoteInput, request.data).validated_data
        commands.case_note_add(case_id=case_id, actor=self.actor, expected_version=version, note=data["note"])
        return _case_answer(request, self.actor, case_id)


class CaseLinkApi(StaffApi):
    @extend_schema(
        operation_id="staff_case_link",
        summary="Link the case to another",
        description="Both cases record the link (a duplicate's original records that it has one).",
        tags=schema.TAGS,
        request=LinkInput,
        parameters=schema.CASE_WRITE_PARAMETERS,
        responses={200: CaseOutput, **schema.error_responses(400, 404, 412, 428)},
    )
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        version = preconditions.expected_version(request)
        data = _validated(LinkInput, request.data).validated_data
        commands.case_link(case_id=case_id, actor=self.actor, expected_version=version, **data)
        return _case_answer(request, self.actor, case_id)


class CaseAssignmentApi(StaffApi):
    @extend_schema(
        operation_id="staff_case_assign",
        summary="Assign the case, or give it back to the queue",
        tags=schema.TAGS,
        request=AssignmentInput,
        parameters=schema.CASE_WRITE_PARAMETERS,
        responses={200: CaseOutput, **schema.error_responses(400, 404, 409, 412, 428)},
    )
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        version = preconditions.expected_version(request)
        data = _validated(AssignmentInput, request.data).validated_data
        commands.case_assign(case_id=case_id, actor=self.actor, expected_version=version, assignee_id=data["assignee"])
        return _case_answer(request, self.actor, case_id)


class CaseClaimApi(StaffApi):
    @extend_schema(
        operation_id="staff_case_claim",
        summary="Take an unassigned case for yourself",
        description="403 when someone else has it, or when you may not handle it (an appeal against your decision).",
        tags=schema.TAGS,
        request=NoInput,
        parameters=schema.CASE_WRITE_PARAMETERS,
        responses={200: CaseOutput, **schema.error_responses(400, 404, 409, 412, 428)},
    )
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        version = preconditions.expected_version(request)
        _validated(NoInput, request.data)
        commands.case_claim(case_id=case_id, actor=self.actor, expected_version=version)
        return _case_answer(request, self.actor, case_id)


class NextCaseApi(StaffApi):
    @extend_schema(
        operation_id="staff_next_case",
        summary="Take the most urgent unclaimed case",
        description=(
            "Assigns to you the open, unassigned case of your organisation that is due first and that you may "
            "handle, and answers with it. 204 when there is none."
        ),
        tags=schema.TAGS,
        request=NoInput,
        parameters=[*schema.READ_PARAMETERS, schema.ETAG],
        responses={
            200: CaseOutput,
            204: OpenApiResponse(description="No case is waiting."),
            **schema.error_responses(400),
        },
    )
    def post(self, request: Request) -> Response:
        _validated(NoInput, request.data)
        case = commands.case_take_next(actor=self.actor)
        if case is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return _case_answer(request, self.actor, case.id)


class AccountMeasuresApi(StaffApi):
    @extend_schema(
        operation_id="staff_account_measures",
        summary="Measures taken against an account",
        description=(
            "Every enforcement measure your organisation took against the account, newest first, whatever its "
            "state. The account goes in the query, since identifiers may hold any character."
        ),
        tags=schema.TAGS,
        parameters=[MeasuresQuery, *schema.READ_PARAMETERS],
        responses={200: MeasureListOutput, **schema.error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        account = _validated(MeasuresQuery, request.query_params).validated_data["account"]
        measures = account_measures(actor=self.actor, account=account)
        output = MeasureListOutput({"account": account, "results": measures}, context={"request": request})
        return Response(output.data)
