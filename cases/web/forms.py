"""Forms of the public pages.

They check the shape of what was sent (present, not absurdly long, one of the choices) and
hand it to a command, which checks the rules. A command's CommandInvalid comes back onto the
field it names, so every error is shown beside the field it is about.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.commands.appeals import MAX_STATEMENT
from cases.commands.complaints import MAX_DESCRIPTION
from cases.errors import CommandInvalid
from cases.evidence import MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES
from cases.workflows.complaint import Category
from cases.workflows.personal_information_request import MAX_REQUEST_TEXT, RequestType
from cases.workflows.validation import MAX_TEXT, MAX_URL_LENGTH, MAX_URLS

HONEYPOT = "website"

MSG_TOO_LONG = gettext_lazy("At most %(limit_value)d characters (you entered %(show_value)d).")
MSG_NO_MATCH = gettext_lazy(
    "No case matches this reference and tracking code. Check both and try again: the code is the "
    "part of your tracking link after the # sign."
)

# What the file picker offers; the real type of each file is still checked when it arrives.
EVIDENCE_ACCEPT = "image/png,image/jpeg,image/gif,image/webp,video/*,audio/*,application/pdf"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.Field):
    """Any number of uploaded files, as a list. Each file's size, type and the number of files
    are checked by the command, with messages that name the file."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return files


def _text(label: Any, *, max_length: int, rows: int = 5, required: bool = True, **attrs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows, **attrs}),
        error_messages={"max_length": MSG_TOO_LONG},
    )


class PublicForm(forms.Form):
    """A public form: domain errors land on their fields, and it knows its honeypot."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django's own `maxlength` attribute would silently cut a long paste short; the
        # length is checked on the server and reported instead.
        for field in self.fields.values():
            field.widget.attrs.pop("maxlength", None)

    def add_command_errors(self, error: CommandInvalid) -> None:
        for name, messages in error.errors.items():
            field = name if name in self.fields and name != HONEYPOT else None
            for message in messages:
                self.add_error(field, message)

    def honeypot_filled(self) -> bool:
        return bool(str(self.data.get(HONEYPOT, "")).strip())

    def error_summary(self) -> list[dict[str, str]]:
        """Every error, in the order of the form, with the id of the control to jump to."""
        summary = [{"target": "", "label": "", "message": str(m)} for m in self.non_field_errors()]
        for bound in self:
            if bound.is_hidden:
                summary += [{"target": "", "label": "", "message": str(m)} for m in bound.errors]
                continue
            target = f"{bound.auto_id}_0" if bound.use_fieldset else bound.auto_id
            summary += [{"target": target, "label": str(bound.label), "message": str(m)} for m in bound.errors]
        return summary


class HoneypotMixin(forms.Form):
    # Hidden from people and their assistive technology; bots fill every field they find.
    website = forms.CharField(
        label=gettext_lazy("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


class ContactMixin(forms.Form):
    contact_name = forms.CharField(
        label=gettext_lazy("Name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"max_length": MSG_TOO_LONG},
    )
    contact_email = forms.CharField(
        label=gettext_lazy("E-mail address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={"max_length": MSG_TOO_LONG},
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Phone number"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"max_length": MSG_TOO_LONG},
    )
    consent = forms.BooleanField(
        label=gettext_lazy("I agree that my contact details are used to handle this case and to tell me how it goes."),
        required=False,
        help_text=gettext_lazy("Needed only if you give contact details."),
    )

    def contact_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "contact_name": data["contact_name"],
            "contact_email": data["contact_email"],
            "contact_phone": data["contact_phone"],
            "consent": data["consent"],
        }


class ComplaintForm(PublicForm, ContactMixin, HoneypotMixin):
    category = forms.ChoiceField(
        label=gettext_lazy("Type of problem"), choices=Category.choices, widget=forms.RadioSelect
    )
    content_urls = _text(
        gettext_lazy("Web addresses of the content"),
        max_length=MAX_URLS * (MAX_URL_LENGTH + 2),
        rows=3,
        required=False,
        autocapitalize="off",
        spellcheck="false",
        inputmode="url",
    )
    description = _text(gettext_lazy("Description"), max_length=MAX_DESCRIPTION, rows=6)
    evidence = MultipleFileField(
        label=gettext_lazy("Evidence files (optional)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )

    field_order = [
        "category",
        "content_urls",
        "description",
        "evidence",
        "contact_name",
        "contact_email",
        "contact_phone",
        "consent",
        HONEYPOT,
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Help texts carry the live limits, so they are written in the language of the request.
        self.fields["content_urls"].help_text = _(
            "One address per line, at most %(max)d, each starting with http:// or https://. "
            "Copy them from the address bar or the share button."
        ) % {"max": MAX_URLS}
        self.fields["description"].help_text = _(
            "What does the content show, who is affected, and why does it break the rules? At most %(max)d characters."
        ) % {"max": MAX_DESCRIPTION}
        self.fields["evidence"].help_text = evidence_help_text()

    def command_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "category": data["category"],
            "description": data["description"],
            "content_urls": data["content_urls"].splitlines(),
            "evidence": data["evidence"],
            **self.contact_arguments(),
        }


class MeasureAppealForm(PublicForm, ContactMixin, HoneypotMixin):
    measure_reference = forms.CharField(
        label=gettext_lazy("Reference of the measure"),
        max_length=40,
        help_text=gettext_lazy("It is on the notice you received, for example M-7K4M-9QHX-1."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"}),
        error_messages={"max_length": MSG_TOO_LONG},
    )
    statement = _text(gettext_lazy("Your reasons"), max_length=MAX_STATEMENT, rows=6)

    field_order = ["measure_reference", "statement", "contact_name", "contact_email", "contact_phone", "consent"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["statement"].help_text = statement_help_text(_("Why should the measure be reversed?"))


class DecisionAppealForm(PublicForm, ContactMixin, HoneypotMixin):
    statement = _text(gettext_lazy("Your reasons"), max_length=MAX_STATEMENT, rows=6)

    field_order = ["statement", "contact_name", "contact_email", "contact_phone", "consent"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["statement"].help_text = statement_help_text(_("Why do you disagree with the decision?"))
        self.fields["consent"].help_text = _(
            "Needed only if you give new contact details. Without them, we use those you gave with your complaint."
        )


class PersonalInformationRequestForm(PublicForm, HoneypotMixin):
    request_type = forms.ChoiceField(
        label=gettext_lazy("What do you ask?"), choices=RequestType.choices, widget=forms.RadioSelect
    )
    request_text = _text(gettext_lazy("Details (optional)"), max_length=MAX_REQUEST_TEXT, rows=5, required=False)

    field_order = ["request_type", "request_text"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["request_text"].help_text = _(
            "For a correction: what is wrong, and what it should be. Otherwise anything that helps us."
        )


class InformationForm(PublicForm):
    text = _text(gettext_lazy("Your answer"), max_length=MAX_TEXT, rows=5)
    evidence = MultipleFileField(
        label=gettext_lazy("More evidence files (optional)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = evidence_help_text()


class TrackingForm(PublicForm):
    """Both fields are optional on purpose: a missing code is answered exactly like a wrong
    one, so the answer never tells whether a reference exists."""

    reference = forms.CharField(
        label=gettext_lazy("Reference"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("For example C-7K4M-9QHX."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"}),
    )
    token = forms.CharField(
        label=gettext_lazy("Tracking code"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("The part of your private tracking link after the # sign."),
        widget=forms.TextInput(attrs={"autocapitalize": "off", "spellcheck": "false", "autocomplete": "off"}),
    )

    @classmethod
    def failed(cls, reference: str) -> TrackingForm:
        """The form after a lookup that found nothing: the reference kept, the code not."""
        form = cls({"reference": reference, "token": ""})
        form.is_valid()
        form.add_error(None, MSG_NO_MATCH)
        return form

    def lookup(self) -> tuple[str, str]:
        """(reference, token) as sent; anything malformed becomes a lookup that finds nothing."""
        if not self.is_valid():
            return "", ""
        return self.cleaned_data["reference"], self.cleaned_data["token"]


class RecoverLinkForm(PublicForm):
    """A reference and the e-mail address given when filing, to be sent a new private link."""

    reference = forms.CharField(
        label=gettext_lazy("Reference"),
        max_length=40,
        help_text=gettext_lazy("For example C-7K4M-9QHX."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("E-mail address you gave when filing"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


def evidence_help_text() -> str:
    return _(
        "Up to %(count)d files, each at most %(size)d MB: pictures (PNG, JPEG, GIF, WebP), videos, "
        "sound recordings or PDF documents."
    ) % {"count": MAX_EVIDENCE_FILES, "size": MAX_EVIDENCE_BYTES // (1024 * 1024)}


def statement_help_text(question: str) -> str:
    return _("%(question)s Tell us what was wrong and anything we did not know. At most %(max)d characters.") % {
        "question": question,
        "max": MAX_STATEMENT,
    }
