"""Issue a staff API token for a member of provider staff, replacing any token they had."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.actors import Actor
from cases.api.staff.base import may_use_staff_api


class Command(BaseCommand):
    help = (
        "Print a new staff API token for USERNAME (for 'Authorization: Token …'). An earlier token of theirs "
        "stops working. Only active provider staff (agents, supervisors) of an organisation get one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called {username!r}.")
        if not user.is_active or not may_use_staff_api(Actor.for_user(user)):
            raise CommandError(
                f"{username!r} is not active provider staff of an organisation (an agent or a supervisor); "
                "only they may use the staff API."
            )
        with transaction.atomic():
            # One token per person: issuing a new one is also how a leaked one is revoked.
            Token.objects.filter(user=user).delete()
            token = Token.objects.create(user=user)
        self.stdout.write(token.key)
