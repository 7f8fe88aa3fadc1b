"""The Chinese translation is complete, and the compiled catalogue matches its source."""

import gettext
import re
from pathlib import Path

from tests.processes import ROOT

CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"


def _entries(po: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of every entry except the header; plural forms use msgstr[0];
    a context is joined to its msgid with EOT, as compiled catalogues key them."""
    entries = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        if "msgid" not in block:
            continue
        fuzzy = "#, fuzzy" in block or ", fuzzy" in block
        parts = re.findall(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[0\])?|msgstr\[\d\]) ((?:".*"\n?)+)', block, re.M)
        fields: dict[str, str] = {}
        for name, value in parts:
            quoted = "".join(re.findall(r'"(.*)"', value))
            fields[name] = quoted.encode().decode("unicode_escape").encode("latin-1").decode()
        msgid = fields.get("msgid", "")
        if msgid and "msgctxt" in fields:
            msgid = f"{fields['msgctxt']}\x04{msgid}"
        if msgid:
            entries.append((msgid, fields.get("msgstr", fields.get("msgstr[0]", "")), fuzzy))
    return entries


def test_every_message_has_a_chinese_translation_and_none_is_fuzzy():
    entries = _entries(CATALOGUE / "django.po")
    assert len(entries) > 300
    assert [msgid for msgid, msgstr, _ in entries if not msgstr] == []
    assert [msgid for msgid, _, fuzzy in entries if fuzzy] == []


def test_the_compiled_catalogue_is_up_to_date():
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        translations = gettext.GNUTranslations(compiled)
    stale = [msgid for msgid, msgstr, _ in _entries(CATALOGUE / "django.po") if translations.gettext(msgid) != msgstr]
    assert stale == []
