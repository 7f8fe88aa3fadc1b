"""What the filer reads in their mail, delivered to a real SMTP server: the question asked and
how to answer it, the decision with its reasons, measures and the right to appeal, in the
language they filed in, as plain text and HTML, and never the private tracking token."""

from __future__ import annotations

from email.message import Message

from django.utils import translation

from cases import commands
from cases.measures import measure_reference
from notifications.dispatch import dispatch_batch


def parts(mail: Message) -> dict[str, str]:
    """The text of each part of a mail, by content type."""
    found = {}
    for part in mail.walk():
        if part.get_content_maintype() == "text":
            found[part.get_content_type()] = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return found


def file(submit_complaint, language: str):
    with translation.override(language):
        return submit_complaint(contact_email="person@example.com", consent=True)


def test_a_question_is_mailed_with_how_to_answer_and_no_token(smtp_server, submit_complaint, agent, settings):
    settings.PUBLIC_BASE_URL = "http://tracker.example.cn"
    submission = file(submit_complaint, "en")
    case = submission.case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
    commands.complaint_request_information(
        case_id=case.id, actor=agent, expected_version=3, question="When did the call come, and from which number?"
    )

    dispatch_batch()
    mails = smtp_server.wait_for(3)

    question = mails[-1]
    text, html = parts(question)["text/plain"], parts(question)["text/html"]
    assert "We asked you for more information" in question["Subject"]
    for body in (text, html):
        assert "When did the call come, and from which number?" in body
        assert "Answer on your case's page" in body
        assert f"http://tracker.example.cn/track/{case.reference}/" in body
    for mail in mails:
        for body in parts(mail).values():
            assert submission.tracking_token not in body


def test_a_decision_is_mailed_with_its_reasons_measures_and_the_right_to_appeal_in_chinese(
    smtp_server, submit_complaint, agent
):
    case = file(submit_complaint, "zh-hans").case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
    commands.complaint_resolve(
        case_id=case.id,
        actor=agent,
        expected_version=3,
        outcome="violation",
        measures=["content_removed", {"measure": "warning", "account": "creator-2046"}],
        summary="视频已下架，发布者已被警告。",
    )

    dispatch_batch()
    decision = smtp_server.wait_for(3)[-1]

    text = parts(decision)["text/plain"]
    assert "视频已下架，发布者已被警告。" in text
    assert "creator-2046" in text  # the measures, each with its reference
    assert measure_reference(case.reference, 2) in text
    assert "申诉" in text  # the right to appeal, in the language of the filing
    assert "For your safety" not in text  # every sentence in that language
    assert "html" in parts(decision)["text/html"]
