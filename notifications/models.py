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
    # Whom an e-mail is for, as the delivery ledger names them ("subject:<id>", "measure:<n>",
    # "user:<id>"); empty for a live hint. One row per event, channel and recipient.
    recipient = models.CharField(_("recipient"), max_length=80, blank=True, default="")
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
            models.UniqueConstraint(
                fields=["event_position", "channel", "recipient"], name="outbox_one_per_event_channel_recipient"
            ),
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


class Delivery(models.TextChoices):
    """How a member of staff wants one kind of notice."""

    INBOX = "inbox", _("Inbox only")
    EMAIL = "email", _("E-mail only")
    BOTH = "both", _("Inbox and e-mail")
    NONE = "none", _("Not at all")


class StaffMailSettings(models.Model):
    """A member of staff's choices of how they are told: per kind of notice, by inbox, e-mail,
    both or not at all; one daily digest instead of one e-mail each; the language of their
    mail. A person without a row has the defaults (notifications.preferences)."""

    user = models.OneToOneField(
        "accounts.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="mail_settings"
    )
    # Notice → Delivery, for the notices whose delivery differs from the default.
    deliveries = models.JSONField(_("deliveries"), default=dict, blank=True)
    daily_digest = models.BooleanField(_("daily digest"), default=False)
    # Empty: the site's language (settings.LANGUAGE_CODE).
    language = models.CharField(_("language"), max_length=10, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("staff notification settings")
        verbose_name_plural = _("staff notification settings")

    def __str__(self) -> str:
        return f"notification settings of user {self.user_id}"


class Digest(models.Model):
    """One daily digest for one person and one day (Beijing time): the unread notices it
    lists. The row is unique per (user, day), so two clock workers, or one restarted, make
    one digest; `sent_at` says it went out, `claimed_until` who is sending it."""

    user = models.ForeignKey("accounts.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    items = models.JSONField(_("inbox items"), default=list)
    created_at = models.DateTimeField(_("created at"))
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_per_user_day")]
        indexes = [
            models.Index(fields=["created_at"], name="digest_unsent_idx", condition=models.Q(sent_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"digest of user {self.user_id} for {self.day}"


class MailDelivery(models.Model):
    """The delivery ledger: one row per e-mail owed, keyed by what it is about (an event's
    position, or a digest) and whom it is for. Its Message-ID is derived from that key, so
    every attempt at the same delivery carries the same one. Written "sending" before the
    SMTP transaction and "sent" after it: a row that says "sent" is never sent again, and one
    left "sending" by a process that died is sent again, recognisably the same message."""

    class State(models.TextChoices):
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    event_position = models.BigIntegerField(_("event position"), null=True, blank=True)
    digest = models.ForeignKey(
        Digest, verbose_name=_("digest"), on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    recipient = models.CharField(_("recipient"), max_length=80)
    message_id = models.CharField(_("Message-ID"), max_length=200, unique=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    first_attempt_at = models.DateTimeField(_("first attempt at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mail delivery")
        verbose_name_plural = _("mail deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["event_position", "recipient"],
                name="mail_once_per_event_recipient",
                condition=models.Q(event_position__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["digest", "recipient"],
                name="mail_once_per_digest_recipient",
                condition=models.Q(digest__isnull=False),
            ),
            models.CheckConstraint(
                condition=models.Q(event_position__isnull=False, digest__isnull=True)
                | models.Q(event_position__isnull=True, digest__isnull=False),
                name="mail_about_an_event_or_a_digest",
            ),
        ]

    def __str__(self) -> str:
        about = f"event #{self.event_position}" if self.event_position is not None else f"digest {self.digest_id}"
        return f"mail to {self.recipient} for {about} ({self.state})"
