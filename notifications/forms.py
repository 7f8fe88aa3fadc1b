"""The form of a member of staff's notification settings."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cases.web.staff_forms import StaffForm
from notifications.models import Delivery, Notice
from notifications.preferences import MSG_DELIVERY_INVALID, MSG_LANGUAGE_INVALID, MailPreferences

DELIVERY_PREFIX = "delivery_"


class MailSettingsForm(StaffForm):
    daily_digest = forms.BooleanField(
        label=_("Send me one e-mail a day instead"),
        required=False,
        help_text=_(
            "A daily digest, sent in the morning (Beijing time), lists your unread notices of the last day that you "
            "receive by e-mail. Those notices are then kept in your inbox too, and no longer mailed one by one."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of my e-mail"),
        required=False,
        error_messages={"invalid_choice": MSG_LANGUAGE_INVALID},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site = dict(settings.LANGUAGES).get(settings.LANGUAGE_CODE, settings.LANGUAGE_CODE)
        site_choice = ("", _("The site's language (%(name)s)") % {"name": site})
        cast(forms.ChoiceField, self.fields["language"]).choices = [site_choice, *settings.LANGUAGES]
        notices = {
            f"{DELIVERY_PREFIX}{notice}": forms.ChoiceField(
                label=label,
                choices=Delivery.choices,
                error_messages={"invalid_choice": MSG_DELIVERY_INVALID, "required": MSG_DELIVERY_INVALID},
            )
            for notice, label in Notice.choices
        }
        # The notices first, in the order of Notice; then the digest and the language.
        self.fields = {**notices, **self.fields}

    @classmethod
    def initial_for(cls, preferences: MailPreferences) -> dict[str, Any]:
        return {
            **{f"{DELIVERY_PREFIX}{notice}": preferences.delivery(notice) for notice in Notice.values},
            "daily_digest": preferences.daily_digest,
            "language": preferences.language,
        }

    def deliveries(self) -> dict[str, str]:
        return {notice: self.cleaned_data[f"{DELIVERY_PREFIX}{notice}"] for notice in Notice.values}

    def delivery_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(DELIVERY_PREFIX)]
