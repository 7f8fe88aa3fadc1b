"""Staff e-mail through a real SMTP server (aiosmtpd): who gets which notice, in the language
each chose, as each chose it (inbox, e-mail, both, none, or a daily digest), and never a
tracking token in any mail."""

from __future__ import annotations

import datetime as dt
import io
from email.header import decode_header, make_header
from email.message import Message

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Role
from cases import commands
from cases.sla import CHINA_TIME
from notifications.digest import digests_send_due
from notifications.dispatch import dispatch_batch
from notifications.models import Digest, InboxItem, MailDelivery, Notice, OutboxMessage, StaffMailSettings
from notifications.preferences import staff_mail_settings_update
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


def text_of(mail: Message) -> str:
    for part in mail.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no plain text part")


def subject_of(mail: Message) -> str:
    return str(make_header(decode_header(mail["Subject"])))


def every_body(mail: Message) -> str:
    return "\n".join(
        part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        for part in mail.walk()
        if part.get_content_maintype() == "text"
    )


def choose(user, *, language: str = "", daily_digest: bool = False, **deliveries: str) -> None:
    staff_mail_settings_update(
        actor=Actor.for_user(user), deliveries=deliveries, daily_digest=daily_digest, language=language
    )


def with_address(user, address: str):
    user.email = address
    user.save(update_fields=["email"])
    return user


def assign(case, agent, person, version: int = 1) -> None:
    commands.case_assign(case_id=case.id, actor=agent, expected_version=version, assignee_id=person.pk)


def test_by_default_an_assignment_is_in_the_inbox_only(smtp_server, provider, agent, submit_complaint):
    colleague = with_address(make_staff(provider, "colleague"), "colleague@provider.example")
    case = submit_complaint().case
    assign(case, agent, colleague)

    dispatch_batch()

    assert InboxItem.objects.filter(user=colleague, notice=Notice.ASSIGNED).count() == 1
    assert not OutboxMessage.objects.filter(channel="email").exists()
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_each_chosen_delivery_is_respected(smtp_server, provider, agent, submit_complaint):
    people = {
        delivery: with_address(make_staff(provider, f"p-{delivery}"), f"{delivery}@provider.example")
        for delivery in ("none", "inbox", "email", "both")
    }
    for delivery, person in people.items():
        choose(person, assigned=delivery)
        assign(submit_complaint().case, agent, person)

    dispatch_batch()
    mails = smtp_server.wait_for(2)
    smtp_server.wait_for(3, timeout=0.5)  # nothing more arrives

    assert sorted(m["To"] for m in smtp_server.messages) == ["both@provider.example", "email@provider.example"]
    in_inbox = {p.username for p in people.values() if InboxItem.objects.filter(user=p).exists()}
    assert in_inbox == {"p-inbox", "p-both"}
    assert all(len(m.get_all("Message-ID")) == 1 for m in mails)


def test_staff_mail_goes_to_the_right_people_in_each_ones_language_without_a_token(
    smtp_server, provider, agent, submit_complaint, settings
):
    settings.PUBLIC_BASE_URL = "http://tracker.example.cn"
    chinese = with_address(make_staff(provider, "wang"), "wang@provider.example")  # the site's language
    english = with_address(make_staff(provider, "smith"), "smith@provider.example")
    bystander = with_address(make_staff(provider, "bystander"), "bystander@provider.example")
    choose(chinese, assigned="email")
    choose(english, assigned="both", language="en")
    choose(bystander, assigned="both", language="en")
    first, second = submit_complaint(contact_email="filer@example.com", consent=True), submit_complaint()
    assign(first.case, agent, chinese)
    assign(second.case, agent, english)

    dispatch_batch()
    mails = smtp_server.wait_for(3)  # the filer's acknowledgement and the two staff mails

    by_address = {m["To"]: m for m in mails}
    assert set(by_address) == {"filer@example.com", "wang@provider.example", "smith@provider.example"}
    english_mail, chinese_mail = by_address["smith@provider.example"], by_address["wang@provider.example"]
    assert english_mail["Subject"] == f"Assigned to you: {second.case.reference}"
    body = text_of(english_mail)
    assert f"Case {second.case.reference} (Complaint or report)" in body
    assert f"http://tracker.example.cn/staff/cases/{second.case.id}/" in body
    assert "http://tracker.example.cn/staff/inbox/settings/" in body
    assert subject_of(chinese_mail) == f"分配给您：{first.case.reference}"
    assert "Assigned to you" not in every_body(chinese_mail)
    for mail in mails:
        for token in (first.tracking_token, second.tracking_token):
            assert token not in every_body(mail) and token not in subject_of(mail)


def test_a_missed_time_limit_mails_the_handler_and_the_supervisors_by_default(
    smtp_server, provider, agent, agent_user, submit_complaint
):
    from cases.commands.clock import clock_tick

    boss = with_address(make_staff(provider, "boss", Role.SUPERVISOR), "boss@provider.example")
    with_address(agent_user, "agent@provider.example")
    for person in (boss, agent_user):
        choose(person, language="en")
    case = submit_complaint().case
    commands.case_claim(case_id=case.id, actor=agent, expected_version=1)

    clock_tick(now=timezone.now() + dt.timedelta(days=60))
    dispatch_batch()
    owed = OutboxMessage.objects.filter(channel="email").count()  # the handler was also warned before
    mails = [m for m in smtp_server.wait_for(owed) if m["Subject"].startswith("A deadline passed")]

    assert len(smtp_server.messages) == owed
    assert sorted(m["To"] for m in mails) == ["agent@provider.example", "boss@provider.example"]
    assert all(m["Subject"] == f"A deadline passed: {case.reference}" for m in mails)
    assert all("Time limit missed: " in text_of(m) for m in mails)
    assert InboxItem.objects.filter(user=boss, notice=Notice.DEADLINE_PASSED).count() == 1


def test_the_daily_digest_lists_the_unread_notices_in_one_mail_once_a_day(
    smtp_server, provider, agent, submit_complaint, settings
):
    settings.STAFF_DIGEST_HOUR = 8
    person = with_address(make_staff(provider, "digest"), "digest@provider.example")
    choose(person, assigned="email", filer_answered="inbox", daily_digest=True, language="en")
    cases = [submit_complaint().case for _ in range(3)]
    for case in cases:
        assign(case, agent, person)
    read = InboxItem.objects.filter(user=person, case=cases[0]).get()
    commands.case_claim(case_id=submit_complaint().case.id, actor=agent, expected_version=1)  # not theirs

    dispatch_batch()
    assert smtp_server.wait_for(1, timeout=0.5) == []  # no mail one by one
    assert InboxItem.objects.filter(user=person).count() == 3  # kept in the inbox for the digest
    InboxItem.objects.filter(pk=read.pk).update(read_at=timezone.now())

    day = dt.date(2026, 12, 1)
    yesterday = dt.datetime(2026, 11, 30, 10, 0, tzinfo=CHINA_TIME)
    InboxItem.objects.filter(user=person).update(created_at=yesterday)  # the notices came yesterday

    assert digests_send_due(now=dt.datetime(2026, 12, 1, 7, 59, tzinfo=CHINA_TIME)) == 0  # before the hour
    assert digests_send_due(now=dt.datetime(2026, 12, 1, 8, 30, tzinfo=CHINA_TIME)) == 1
    assert digests_send_due(now=dt.datetime(2026, 12, 1, 11, 0, tzinfo=CHINA_TIME)) == 0  # once a day
    call_command("send_digests", stdout=io.StringIO())  # today (by the real clock): nothing new to list

    [digest] = smtp_server.wait_for(2, timeout=1)
    assert digest["To"] == "digest@provider.example"
    assert digest["Subject"] == "Your notices of 2026-12-01: 2 unread"
    body = text_of(digest)
    assert body.count("- Assigned to you: ") == 2
    assert cases[1].reference in body and cases[2].reference in body
    assert cases[0].reference not in body  # read already
    assert Digest.objects.filter(user=person, day=day).count() == 1
    assert MailDelivery.objects.get(digest__user=person).state == MailDelivery.State.SENT


def test_the_clock_worker_sends_the_digests_when_they_are_due(smtp_server, provider, agent, submit_complaint, settings):
    settings.STAFF_DIGEST_HOUR = 0  # due at any hour the test runs
    person = with_address(make_staff(provider, "clockwork"), "clockwork@provider.example")
    choose(person, assigned="both", daily_digest=True, language="en")
    assign(submit_complaint().case, agent, person)

    call_command("run_clock", "--once", stdout=io.StringIO())
    call_command("run_clock", "--once", stdout=io.StringIO())

    [digest] = smtp_server.wait_for(2, timeout=1)
    assert digest["To"] == "clockwork@provider.example"
    assert "1 notice in your inbox is unread:" in text_of(digest)


def test_no_digest_is_sent_when_nothing_is_unread(smtp_server, provider):
    person = with_address(make_staff(provider, "quiet"), "quiet@provider.example")
    choose(person, daily_digest=True)

    assert digests_send_due(now=_after_hour()) == 0
    assert Digest.objects.get(user=person).sent_at is not None  # done for the day
    assert smtp_server.wait_for(1, timeout=0.5) == []


def _after_hour() -> dt.datetime:
    local = timezone.now().astimezone(CHINA_TIME)
    return local.replace(hour=23, minute=0)


def test_settings_are_refused_whole_when_one_choice_is_wrong(provider):
    person = make_staff(provider, "careful")
    from cases.errors import CommandInvalid

    with pytest.raises(CommandInvalid) as refused:
        staff_mail_settings_update(
            actor=Actor.for_user(person),
            deliveries={"assigned": "email", "addressed": "pigeon"},
            daily_digest=True,
            language="fr",
        )
    assert set(refused.value.errors) == {"deliveries.addressed", "language"}
    assert not StaffMailSettings.objects.filter(user=person).exists()
