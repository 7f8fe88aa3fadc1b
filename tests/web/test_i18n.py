"""Every page and message in Simplified Chinese first, and English on request."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

PO_FILE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def po_entries(text: str) -> list[dict[str, str]]:
    """Each entry of a .po file as {keyword: text, "flags": ...}, enough to check completeness."""
    entries = []
    for block in text.split("\n\n"):
        entry: dict[str, str] = {"flags": ""}
        keyword = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif match := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line):
                keyword = match.group(1)
                entry[keyword] = match.group(2)
            elif line.startswith('"') and keyword:
                entry[keyword] += line[1:-1]
        if "msgid" in entry:
            entries.append(entry)
    return entries


def test_pages_are_in_simplified_chinese_by_default(client, provider):
    page = client.get("/").content.decode()

    assert '<html lang="zh-hans">' in page
    assert "投诉举报与申诉" in page
    assert "平台规则" in page


def test_a_browser_asking_for_english_gets_english(client, provider):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()

    assert '<html lang="en">' in page
    assert "Platform rules" in page


def test_the_language_switch_keeps_the_current_page(client, provider):
    page = client.get("/flow/").content.decode()
    switch = re.search(r'<form class="language-switch".*?</form>', page, re.S).group(0)
    assert 'action="/i18n/setlang/"' in switch
    assert 'name="next" value="/flow/"' in switch
    assert 'name="csrfmiddlewaretoken"' in switch

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/flow/"})

    assert response.status_code == 302
    assert response["Location"] == "/flow/"
    assert "Process and time limits" in client.get("/flow/").content.decode()


def test_every_message_of_the_project_has_a_chinese_translation_and_none_is_fuzzy():
    entries = po_entries(PO_FILE.read_text(encoding="utf-8"))[1:]  # the first is the header

    assert len(entries) > 300
    untranslated = [e["msgid"] for e in entries if not (e.get("msgstr") or e.get("msgstr[0]"))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_is_used():
    with translation.override("zh-hans"):
        assert translation.gettext("Complain or report") == "投诉举报"
        assert translation.gettext("Waiting for your information") == "等待您补充信息"
        assert translation.gettext("This field is required.") == "此项为必填项。"
