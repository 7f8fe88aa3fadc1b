from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Cases know nothing of notifications: every recorded event is handed to the outbox
        # through this hook, inside the event's own transaction.
        from cases.models import on_event_recorded
        from notifications.inbox import inbox_record
        from notifications.outbox import outbox_enqueue

        on_event_recorded(outbox_enqueue)
        on_event_recorded(inbox_record)

        # The clock worker sends the staff's daily digests when they are due.
        from cases.commands.clock import on_clock_tick
        from notifications.digest import digests_send_due

        on_clock_tick(digests_send_due)

        # Signing out ends the live sockets opened with that session (see consumers).
        from django.contrib.auth.signals import user_logged_out

        from notifications.sessions import close_session_sockets

        user_logged_out.connect(close_session_sockets, dispatch_uid="notifications.close_session_sockets")
