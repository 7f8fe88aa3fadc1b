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
