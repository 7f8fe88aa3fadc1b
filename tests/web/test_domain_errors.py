"""One mapping from domain errors to what a web page answers."""

from __future__ import annotations

import uuid

import pytest
from django import forms

from cases.errors import (
    MSG_FORBIDDEN,
    MSG_NOT_FOUND,
    CaseNotFound,
    CommandInvalid,
    ConcurrencyConflict,
    DomainError,
    TransitionForbidden,
    TransitionNotAllowed,
)
from cases.web.domain_errors import refusal_for


class AnswerForm(forms.Form):
    text = forms.CharField()
    version = forms.IntegerField(widget=forms.HiddenInput)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (CommandInvalid.single("text", "required"), 400),
        (ConcurrencyConflict(stream_id=uuid.uuid4(), expected_version=1, current_version=2), 409),
        (TransitionNotAllowed(action="resolve", state="submitted"), 409),
        (TransitionForbidden(), 403),
        (CaseNotFound(), 404),
        (DomainError("some other refusal"), 400),
    ],
    ids=["invalid", "conflict", "not-allowed", "forbidden", "not-found", "other"],
)
def test_each_domain_error_has_its_status(error, status):
    assert refusal_for(error).status == status


def test_the_sentence_is_the_errors_own_unless_the_page_words_it_otherwise():
    assert refusal_for(CaseNotFound()).message == str(MSG_NOT_FOUND)
    assert refusal_for(TransitionForbidden(), wording={CaseNotFound: "gone"}).message == str(MSG_FORBIDDEN)
    assert refusal_for(CaseNotFound(), wording={CaseNotFound: "gone"}).message == "gone"


def test_field_errors_go_beside_their_fields_and_the_rest_above_the_form():
    form = AnswerForm({"text": "x", "version": 1})
    assert form.is_valid()

    refusal_for(CommandInvalid({"text": ["too vague"], "version": ["stale"], "nowhere": ["lost"]})).show_on(form)

    assert form.errors["text"] == ["too vague"]
    assert form.non_field_errors() == ["stale", "lost"]


def test_a_refusal_without_field_errors_is_said_above_the_form():
    form = AnswerForm({"text": "x", "version": 1})
    assert form.is_valid()

    refusal = refusal_for(ConcurrencyConflict(stream_id=uuid.uuid4(), expected_version=1, current_version=2))
    refusal.show_on(form)

    assert refusal.field_errors == {}
    assert form.non_field_errors() == [refusal.message]
