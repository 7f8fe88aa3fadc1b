"""The transactional outbox: deliveries owed for committed events.

Rows are written in the same transaction as the event they derive from, so a delivery is
never owed for an event that rolled back, and never forgotten for one that committed.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    LIVE = "live", _("Live update (WebSocket)")
    EMAIL = "email", _("E-mail")


class OutboxMessage(models.Model):
    event_position = models.BigIntegerField(_("event position"))
    stream_id = models.UUIDField(_("stream"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    available_at = models.DateTimeField(_("next attempt at"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        constraints = [
            models.UniqueConstraint(fields=["event_position", "channel"], name="outbox_one_per_event_channel"),
        ]
        indexes = [
            models.Index(
                fields=["available_at", "id"],
                name="outbox_pending_idx",
                condition=models.Q(delivered_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} for event #{self.event_position}"


class Notice(models.TextChoices):
    """Why something is in a member of staff's inbox."""

    ASSIGNED = "assigned", _("Assigned to you")
    FILER_ANSWERED = "filer_answered", _("The filer answered")
    DEADLINE_NEAR = "deadline_near", _("A deadline is near")
    DEADLINE_PASSED = "deadline_passed", _("A deadline passed")
    ADDRESSED = "addressed", _("Addressed to your organisation")


class InboxItem(models.Model):
    """One notice for one person, about one event of a case. Written with the event, once per
    (person, event, notice): a retried or replayed delivery cannot put it there twice."""

    user = models.ForeignKey(
        "accounts.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="inbox_items"
    )
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+")
    event_position = models.BigIntegerField(_("event position"))
    notice = models.CharField(_("notice"), max_length=30, choices=Notice.choices)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbox item")
        verbose_name_plural = _("inbox items")
        constraints = [
            models.UniqueConstraint(fields=["user", "event_position", "notice"], name="inbox_once_per_notice"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="inbox_user_recent_idx"),
            models.Index(fields=["user"], name="inbox_user_unread_idx", condition=models.Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.notice} for user {self.user_id} (event #{self.event_position})"
