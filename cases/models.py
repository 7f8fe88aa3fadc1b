"""The case projection and the tables that sit beside the event log.

`Case` is a projection: every field is set by an event apply function (`cases.projections`),
in the same transaction that appends the event, and can be rebuilt from the log at any time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin

from cases.errors import ConcurrencyConflict
from cases.eventstore import Event
from cases.kinds import KindDeclaration, declaration_of
from cases.personal_data import DataSubject
from cases.rows import creation_statement, update_statement
from cases.sla import OfficialDay, SlaPolicy

if TYPE_CHECKING:
    from accounts.actors import Actor
    from cases.sealing import Reader
    from ledger.log import RowWrite

__all__ = [
    "Case",
    "DataSubject",
    "EnforcementMeasure",
    "Event",
    "Evidence",
    "IdempotencyRecord",
    "OfficialDay",
    "Priority",
    "SlaPolicy",
    "TrackingCredential",
]


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class CaseQuerySet(models.QuerySet["Case"]):
    def for_actor(self, actor: Actor) -> CaseQuerySet:
        """These cases, narrowed to what `actor` may see (the rule is in `cases.scope`)."""
        from cases.scope import scoped_cases

        return scoped_cases(self, actor)  # type: ignore[return-value]


class KindManager(models.Manager["Case"]):
    """Manager of a case-kind proxy: only that kind's cases."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def get_queryset(self) -> CaseQuerySet:
        return CaseQuerySet(self.model, using=self._db).filter(kind=self.kind)

    def for_actor(self, actor: Actor) -> CaseQuerySet:
        return self.get_queryset().for_actor(actor)


# Called with (event, case) after every event is recorded, inside its transaction: the
# notifications app registers the outbox here, so that cases never imports notifications.
_RECORDED_HOOKS: list[Callable[[Event, Case], None]] = []


def on_event_recorded(hook: Callable[[Event, Case], None]) -> None:
    if hook not in _RECORDED_HOOKS:
        _RECORDED_HOOKS.append(hook)


REFERENCE_CONSTRAINT = "case_reference_unique"
_ROWS_FOR_NEXT_EVENT = "_rows_for_next_event"


class Case(FSMModelMixin, models.Model):
    id = models.UUIDField(primary_key=True, editable=False)
    # Every case's row is written again with each of its events, and each index with it: no
    # index of its own where another begins with the same column.
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # the queue's indexes start with it
    )
    # The other organisation party to the case: the regulator an order was issued by or a
    # report is addressed to. Its officers see the case; nobody else outside the organisation.
    counterpart_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("counterpart organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="addressed_cases",
        db_index=False,  # case_counterpart_idx starts with it
    )
    kind = models.CharField(_("kind"), max_length=40)
    # Unique by a constraint rather than `unique=True`, which on PostgreSQL adds a second index
    # for LIKE 'prefix%' that no search here makes.
    reference = models.CharField(_("reference"), max_length=20)
    state = FSMField(_("state"), max_length=40, protected=True)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=40, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    description = models.TextField(_("description"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    outcome = models.CharField(_("outcome"), max_length=40, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        db_index=False,  # case_assignee_due_idx starts with it
    )
    subject_id = models.UUIDField(_("data subject"), null=True, blank=True)
    related_case = models.ForeignKey(
        "self",
        verbose_name=_("related case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # case_related_idx, of the few cases that have one
    )
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    # The deadline that matters now: first response until there is one, then resolution;
    # empty while the clock is paused or the case is finished. Queues sort on it.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    paused_at = models.DateTimeField(_("clock paused at"), null=True, blank=True)
    # Working time (seconds) the clock stood still while the case waited on its filer, over
    # all its pauses; the deadline moved on by exactly that.
    paused_seconds = models.PositiveIntegerField(_("paused working time (seconds)"), default=0)
    # The version of the time-limit policy the case was filed under (0: the kind's declared
    # defaults; empty for cases filed before versions were recorded).
    sla_policy_version = models.PositiveIntegerField(_("time limit policy version"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    last_event_hash = models.CharField(_("last event hash"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), null=True)
    updated_at = models.DateTimeField(_("updated at"), null=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["due_at", "created_at"]
        indexes = [
            # Queues: by deadline, then by age. Cases with no running deadline sort by age
            # alone, which "due_at IS NULL" cannot take from the first two: partial indexes.
            # The assignee rides along (not a key), so that a state's queue narrowed to one
            # person's cases is told apart in the index, without reading the rows it skips.
            models.Index(
                fields=["organisation", "kind", "state", "due_at", "created_at", "id"],
                name="case_queue_idx3",
                include=["assignee"],
            ),
            models.Index(fields=["organisation", "due_at", "created_at", "id"], name="case_org_due_idx2"),
            models.Index(
                fields=["organisation", "kind", "state", "created_at", "id"],
                name="case_queue_undated_idx",
                condition=models.Q(due_at__isnull=True),
            ),
            models.Index(
                fields=["organisation", "created_at", "id"],
                name="case_org_undated_idx",
                condition=models.Q(due_at__isnull=True),
            ),
            # A kind's queue whatever the state: without these the kind is a filter on rows
            # read through the whole organisation's index (most of them finished, undated).
            models.Index(fields=["organisation", "kind", "due_at", "created_at", "id"], name="case_kind_due_idx"),
            models.Index(
                fields=["organisation", "kind", "created_at", "id"],
                name="case_kind_undated_idx",
                condition=models.Q(due_at__isnull=True),
            ),
            # "Assigned to me" (and "unassigned": assignee IS NULL), in the queue's order; they
            # also serve the assignee's foreign key, which needs no index of its own. Kind and
            # state ride along so that the count of someone's open cases reads this index alone.
            models.Index(
                fields=["assignee", "due_at", "created_at", "id"],
                name="case_assignee_due_idx2",
                include=["organisation", "kind", "state"],
            ),
            models.Index(
                fields=["assignee", "created_at", "id"],
                name="case_assignee_undated_idx",
                condition=models.Q(due_at__isnull=True),
            ),
            # One person's cases of one kind and state with no running deadline (waiting on the
            # filer, or finished), in the queue's order. Without it "mine" on such a state read
            # the whole organisation's cases of that state and dropped the others' row by row:
            # 9,000 rows for a page of 50 at a million cases.
            models.Index(
                fields=["assignee", "kind", "state", "created_at", "id"],
                name="case_mine_state_undated_idx",
                condition=models.Q(due_at__isnull=True),
            ),
            # Nobody's cases of one kind and state, in the queue's order: few among many (most
            # cases are taken), which the indexes above would find only by reading every case
            # of that state.
            models.Index(
                fields=["organisation", "kind", "state", "due_at", "created_at", "id"],
                name="case_unassigned_idx",
                condition=models.Q(assignee__isnull=True),
            ),
            models.Index(
                fields=["organisation", "kind", "state", "created_at", "id"],
                name="case_unassigned_undated_idx",
                condition=models.Q(assignee__isnull=True, due_at__isnull=True),
            ),
            models.Index(
                fields=["related_case"], name="case_related_idx", condition=models.Q(related_case__isnull=False)
            ),
            # A data subject's cases: erasure records on each, retention asks whether all are closed.
            models.Index(
                fields=["subject_id", "closed_at"],
                name="case_subject_idx",
                condition=models.Q(subject_id__isnull=False),
            ),
            # What a regulator sees: the cases addressed to it, by kind and deadline.
            models.Index(
                fields=["counterpart_organisation", "kind", "due_at", "created_at"],
                name="case_counterpart_idx",
                condition=models.Q(counterpart_organisation__isnull=False),
            ),
        ]
        constraints = [models.UniqueConstraint(fields=["reference"], name=REFERENCE_CONSTRAINT)]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def description_text(self) -> str:
        """The case's free text as people read it (its filer's own text is kept sealed)."""
        return str(self.personal_reader().text(self.description) or "")

    @property
    def description_erased(self) -> bool:
        return not self.personal_reader().is_readable(self.description)

    def personal_reader(self) -> Reader:
        """A reader of the sealed text of this case, loading each data subject once."""
        from cases.sealing import Reader

        reader: Reader | None = self.__dict__.get("_personal_reader")
        if reader is None:
            reader = self.__dict__["_personal_reader"] = Reader()
        return reader

    @property
    def declaration(self) -> KindDeclaration:
        return declaration_of(self.kind)

    @property
    def state_label(self) -> str:
        """The state as staff read it."""
        return declaration_of(self.kind).staff_state(self.state)

    @property
    def public_state_label(self) -> str:
        """The state as the filer reads it."""
        return declaration_of(self.kind).public_state(self.state)

    def check_version(self, expected_version: int) -> None:
        if self.version != expected_version:
            raise ConcurrencyConflict(
                stream_id=self.id, expected_version=expected_version, current_version=self.version
            )

    def write_with_next_event(self, row_write: RowWrite) -> None:
        """Write `row_write` in the statement of this case's next event: a row a command made
        for the case before recording it (its filer's data subject, its tracking credential)."""
        self.__dict__.setdefault(_ROWS_FOR_NEXT_EVENT, []).append(row_write)

    def record(self, event_type: str, data: dict[str, Any], *, actor: Actor) -> Event:
        """Append an event to this case's stream, apply it here, save, and queue notifications.

        The single path by which a case changes. Must run inside the command's transaction.
        """
        from cases.sealing import let_go_of_subject

        try:
            return self._record(event_type, data, actor=actor)
        finally:
            let_go_of_subject(self)

    def _record(self, event_type: str, data: dict[str, Any], *, actor: Actor) -> Event:
        from cases import eventstore
        from cases.events import schema_version
        from cases.measures import measures_sync
        from cases.projections import apply_event
        from cases.sealing import seal_personal_text

        if not self.id:
            self.id = uuid.uuid4()
        # A person's own free text never reaches the log in clear: it is sealed under their key.
        data = seal_personal_text(self, event_type, data)
        creating = self._state.adding
        event = eventstore.new_event(
            stream_id=self.id,
            expected_version=self.version,
            type=event_type,
            schema_version=schema_version(event_type),
            data=data,
            metadata=actor.metadata(),
            # A new case starts a new stream; an existing case row, written with every event,
            # knows its stream's head. The unique (stream, version) constraint still refuses a
            # concurrent append.
            head=(0, eventstore.GENESIS_HASH) if creating else (self.version, self.last_event_hash),
        )
        for row_write in self.__dict__.pop(_ROWS_FOR_NEXT_EVENT, ()):
            eventstore.write_with(event, row_write)
        apply_event(self, event)
        # The case row and what the hooks owe (the outbox, the inbox) are written with the
        # event, in one statement on PostgreSQL (`eventstore.write`).
        changed = [f.attname for f in self._meta.concrete_fields] if creating else self._changed_fields()
        if creating:
            eventstore.write_with(event, creation_statement(self))
        elif changed:
            eventstore.write_with(event, update_statement(self, changed))
        saved_details = getattr(self, "_saved_values", {}).get("details") or {}
        if "details" in changed and saved_details.get("measures") != self.details.get("measures"):
            measures_sync(self)
        for hook in _RECORDED_HOOKS:
            hook(event, self)
        eventstore.write(event)
        self._remember_saved_values()
        return event

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Case:
        case = super().from_db(db, field_names, values)
        case._remember_saved_values()
        return case

    def _remember_saved_values(self) -> None:
        self._saved_values = {f.attname: self.__dict__.get(f.attname) for f in self._meta.concrete_fields}

    def _changed_fields(self) -> list[str]:
        """Only the columns an event changed are written: less to send, less WAL."""
        saved = getattr(self, "_saved_values", {})
        return [
            f.attname
            for f in self._meta.concrete_fields
            if not f.primary_key and (f.attname not in saved or saved[f.attname] != self.__dict__.get(f.attname))
        ]


class TrackingCredential(models.Model):
    """The hash of a case's private tracking token. Kept out of the event log: it is a
    credential, not part of the case's history, and can be replaced without rewriting it."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="tracking")
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    # A new private link sent to the filer who lost theirs: it replaces the old one the first
    # time it is used, and lapses unused after `TRACKING_RECOVERY_HOURS`.
    replacement_hash = models.CharField(max_length=64, blank=True)
    replacement_issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tracking credential")
        verbose_name_plural = _("tracking credentials")

    def __str__(self) -> str:
        return f"tracking credential of {self.case_id}"


class Evidence(models.Model):
    """Where an uploaded evidence file is kept. The event log records its SHA-256, size and
    type; the file's name may say who the filer is, so it stays here, beside the log."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    storage_path = models.CharField(max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    original_name = models.CharField(_("file name"), max_length=200)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.original_name


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an Idempotency-Key, replayed to its retries."""

    scope = models.CharField(max_length=100)
    key = models.CharField(max_length=200)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class EnforcementMeasure(models.Model):
    """A measure of article 10 taken on a case, findable by the account it is against.

    Derived from the case that took it (`cases.measures.measures_sync`, in the same
    transaction as the event), so it can be rebuilt from the log like the case row."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="enforcement_measures")
    number = models.PositiveSmallIntegerField(_("number"))
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(_("reference"), max_length=30, unique=True)
    account = models.CharField(_("account"), max_length=200, blank=True)
    measure = models.CharField(_("measure"), max_length=40)
    taken_at = models.DateTimeField(_("taken at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.CharField(_("reversed by appeal"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("enforcement measure")
        verbose_name_plural = _("enforcement measures")
        ordering = ["-taken_at", "number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="measure_number_unique")]
        indexes = [models.Index(fields=["organisation", "account", "taken_at"], name="measure_account_idx")]

    def __str__(self) -> str:
        return self.reference
