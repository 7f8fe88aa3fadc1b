"""What a feature-library entry may match, checked when it is proposed.

An entry is a text pattern (keywords, or a regular expression), the SHA-256 of a file, or an
account identifier. Regular expressions run on every complaint filed, so one that could take
exponential time is refused here: it must compile, must not nest a repeat inside a repeat
(the shape of (a+)+ and (x+x+)+y, which backtracks exponentially), must not use fuzzy matching,
and must not match empty text (it would flag every complaint). What still slips through is
stopped at intake by a timeout on every search (`cases.feature_matching`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import regex
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.errors import CommandInvalid
from cases.measures import MAX_ACCOUNT

MAX_PATTERN = 300
MAX_KEYWORDS = 50
MAX_KEYWORD = 100
MIN_KEYWORD = 2
MIN_ACCOUNT = 2
# The longest value a form or request may send: keywords one per line, each at most MAX_KEYWORD.
MAX_VALUE = MAX_KEYWORDS * (MAX_KEYWORD + 1)
# How long a proposed expression may take to show that it does not match empty text.
PROPOSAL_TIMEOUT = 0.05


class EntrySort(models.TextChoices):
    TEXT = "text", _("Text pattern")
    FILE = "file", _("File (SHA-256)")
    ACCOUNT = "account", _("Account identifier")


class TextSyntax(models.TextChoices):
    KEYWORDS = "keywords", _("Keywords (any of them)")
    REGEX = "regex", _("Regular expression")


MSG_SYNTAX_REQUIRED = _("Choose whether the text pattern is keywords or a regular expression.")
MSG_SYNTAX_NOT_TEXT = _("Only a text pattern has a syntax; leave it empty for files and accounts.")
MSG_VALUE_REQUIRED = _("Enter what the entry matches.")
MSG_KEYWORDS_TOO_MANY = _("At most %(max)s keywords, one per line.")
MSG_KEYWORD_LENGTH = _("Each keyword is %(min)s to %(max)s characters long: “%(keyword)s” is not.")
MSG_KEYWORD_LINE = _("Each keyword is one line of printable characters.")
MSG_PATTERN_TOO_LONG = _("A regular expression is at most %(max)s characters long.")
MSG_PATTERN_CONTROL = _("A regular expression may not contain control characters; write them as escapes.")
MSG_PATTERN_INVALID = _("This is not a valid regular expression: %(error)s.")
MSG_PATTERN_NESTED = _(
    "A repeated group may not contain a repeat itself, as in (a+)+ or (x+x+)+y: such an expression can take "
    "hours on a short text. Rewrite it without the nested repeat, for example a+ instead of (a+)+."
)
MSG_PATTERN_FUZZY = _("Fuzzy matching ({e<=1} and the like) is not allowed: it is too slow to run on every complaint.")
MSG_PATTERN_MATCHES_EMPTY = _("This expression matches empty text, so it would match every complaint.")
MSG_PATTERN_TOO_SLOW = _("This expression takes too long even on empty text.")
MSG_SHA256_INVALID = _("A SHA-256 is 64 hexadecimal characters (0-9, a-f).")
MSG_ACCOUNT_INVALID = _("An account identifier is one line of %(min)s to %(max)s printable characters.")


def normalised(text: str) -> str:
    """Text as entries and intake are compared: full-width forms and compatibility characters
    folded (NFKC), so that ＡＢＣ and ABC, or ｆａｋｅ and fake, are one."""
    return unicodedata.normalize("NFKC", text)


def folded(text: str) -> str:
    """Normalised and case-folded: keywords and accounts match whatever the case."""
    return normalised(text).casefold()


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch)[0] == "C" for ch in text)


@dataclass(frozen=True)
class EntryValue:
    """What an entry matches, as it is stored: the syntax (text patterns only) and the value
    (keywords one per line; a lower-case hex digest; the account as given)."""

    syntax: str
    value: str

    @property
    def keywords(self) -> list[str]:
        return self.value.split("\n") if self.syntax == TextSyntax.KEYWORDS else []


def entry_value_clean(*, sort: str, syntax: str, value: str | Sequence[str]) -> EntryValue:
    """The entry's value, checked and normalised, or CommandInvalid naming the field at fault.
    `sort` must already be one of `EntrySort`."""
    if sort != EntrySort.TEXT:
        if syntax:
            raise CommandInvalid.single("syntax", MSG_SYNTAX_NOT_TEXT)
        text = value if isinstance(value, str) else "\n".join(value)
        if sort == EntrySort.FILE:
            return EntryValue("", _sha256_clean(text))
        return EntryValue("", account_clean(text))
    if syntax == TextSyntax.KEYWORDS:
        return EntryValue(syntax, "\n".join(_keywords_clean(value)))
    if syntax == TextSyntax.REGEX:
        return EntryValue(syntax, pattern_clean(value if isinstance(value, str) else "\n".join(value)))
    raise CommandInvalid.single("syntax", MSG_SYNTAX_REQUIRED)


def _keywords_clean(value: str | Sequence[str]) -> list[str]:
    lines = value.splitlines() if isinstance(value, str) else list(value)
    keywords: dict[str, str] = {}
    for line in lines:
        keyword = normalised(str(line)).strip()
        if not keyword:
            continue
        if _has_control(keyword):
            raise CommandInvalid.single("value", MSG_KEYWORD_LINE)
        if not MIN_KEYWORD <= len(keyword) <= MAX_KEYWORD:
            shown = keyword[:40] + ("…" if len(keyword) > 40 else "")
            message = MSG_KEYWORD_LENGTH % {"min": MIN_KEYWORD, "max": MAX_KEYWORD, "keyword": shown}
            raise CommandInvalid.single("value", message)
        keywords.setdefault(keyword.casefold(), keyword)
    if not keywords:
        raise CommandInvalid.single("value", MSG_VALUE_REQUIRED)
    if len(keywords) > MAX_KEYWORDS:
        raise CommandInvalid.single("value", MSG_KEYWORDS_TOO_MANY % {"max": MAX_KEYWORDS})
    return list(keywords.values())


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _sha256_clean(value: str) -> str:
    digest = value.strip().lower()
    if not digest:
        raise CommandInvalid.single("value", MSG_VALUE_REQUIRED)
    if not _SHA256.match(digest):
        raise CommandInvalid.single("value", MSG_SHA256_INVALID)
    return digest


def account_clean(value: str) -> str:
    account = normalised(value).strip()
    if not account:
        raise CommandInvalid.single("value", MSG_VALUE_REQUIRED)
    if not MIN_ACCOUNT <= len(account) <= MAX_ACCOUNT or _has_control(account):
        raise CommandInvalid.single("value", MSG_ACCOUNT_INVALID % {"min": MIN_ACCOUNT, "max": MAX_ACCOUNT})
    return account


# --- Regular expressions ----------------------------------------------------------------------


def pattern_clean(value: str) -> str:
    """A regular expression that compiles, has no nested repeat, no fuzzy matching, and does
    not match empty text."""
    pattern = value.strip()
    if not pattern:
        raise CommandInvalid.single("value", MSG_VALUE_REQUIRED)
    if len(pattern) > MAX_PATTERN:
        raise CommandInvalid.single("value", MSG_PATTERN_TOO_LONG % {"max": MAX_PATTERN})
    if _has_control(pattern):
        raise CommandInvalid.single("value", MSG_PATTERN_CONTROL)
    try:
        compiled = compiled_pattern(pattern)
    except regex.error as exc:
        raise CommandInvalid.single("value", MSG_PATTERN_INVALID % {"error": exc}) from exc
    danger = pattern_danger(pattern)
    if danger is not None:
        raise CommandInvalid.single("value", danger)
    try:
        matches_empty = any(
            found.start() == found.end()
            for probe in _EMPTY_PROBES
            for found in compiled.finditer(probe, timeout=PROPOSAL_TIMEOUT)
        )
    except TimeoutError as exc:
        raise CommandInvalid.single("value", MSG_PATTERN_TOO_SLOW) from exc
    if matches_empty:
        raise CommandInvalid.single("value", MSG_PATTERN_MATCHES_EMPTY)
    return pattern


# Short texts on which an expression shows whether it can match nothing at all (a*, ^, \b):
# such a match would flag every complaint, and records no text to show staff.
_EMPTY_PROBES = ("", "a", "A1 中文 .\n")


@lru_cache(maxsize=4096)
def compiled_pattern(pattern: str) -> regex.Pattern[str]:
    """The compiled expression. Cached by its text, which is all it depends on, so the cache
    is never stale whatever happens to the entries that hold it."""
    return regex.compile(pattern)


# A counted repeat: {n}, {n,}, {,m}, {n,m}. Anything else in braces is either a literal (as in
# Python's re) or, in the `regex` module, a fuzzy-matching constraint such as {e<=1}.
_COUNTED = re.compile(r"\{(\d*)(,?)(\d*)\}")
_FUZZY = re.compile(r"\{[^}]*[eisd]\s*(<=?|=)")


@dataclass
class _Group:
    # A repeat (anything that may match its operand a variable number of times) occurs inside.
    repeats: bool = False


def pattern_danger(pattern: str) -> str | None:
    """Why the expression is refused before it ever runs, or None.

    A light scan of the expression's structure, good for the syntax of Python's re and of the
    `regex` module: escapes, character classes and group headers are skipped, and every
    quantifier is weighed against the group it applies to. A group that contains a repeat may
    not be repeated itself ((a+)+, (a*b?)*, ((ab)+c){2,}); a bounded optional (a+)? is fine."""
    stack = [_Group()]
    # Whether the atom just read is a group whose inside repeats (None: no atom to quantify).
    atom_repeats: bool | None = None
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            i = _after_escape(pattern, i)
            atom_repeats = False
        elif ch == "[":
            i = _after_class(pattern, i)
            atom_repeats = False
        elif ch == "(":
            i = _after_group_header(pattern, i)
            stack.append(_Group())
            atom_repeats = None
        elif ch == ")":
            inner = stack.pop() if len(stack) > 1 else _Group()
            stack[-1].repeats |= inner.repeats
            atom_repeats = inner.repeats
            i += 1
        elif ch in "*+?{":
            if ch == "{":
                counted = _COUNTED.match(pattern, i)
                if counted is None or not (counted.group(1) or counted.group(3)):
                    if _FUZZY.match(pattern, i):
                        return str(MSG_PATTERN_FUZZY)
                    atom_repeats = False  # a literal brace
                    i += 1
                    continue
                low = int(counted.group(1) or 0)
                high = None if counted.group(2) and not counted.group(3) else int(counted.group(3) or low)
                end = counted.end()
            else:
                low, high = (1, None) if ch == "+" else (0, None) if ch == "*" else (0, 1)
                end = i + 1
            repeats_more_than_once = high is None or high > 1
            if atom_repeats and repeats_more_than_once:
                return str(MSG_PATTERN_NESTED)
            if high is None or high > low:
                stack[-1].repeats = True
            # A lazy (?) or possessive (+) mark belongs to the quantifier, not a new one.
            if end < n and pattern[end] in "?+":
                end += 1
            i = end
            atom_repeats = None
        else:
            atom_repeats = False if ch not in "|^$" else None
            i += 1
    return None


def _after_escape(pattern: str, i: int) -> int:
    """Past an escape, including \\p{…}, \\N{…}, \\x{…} and the like."""
    end = i + 2
    if end < len(pattern) and pattern[end] == "{" and pattern[i + 1] in "pPNxgu":
        close = pattern.find("}", end)
        return close + 1 if close != -1 else len(pattern)
    return end


def _after_class(pattern: str, i: int) -> int:
    """Past a character class: a leading ] or ^] is a member; classes may nest in `regex`."""
    j = i + 1
    if j < len(pattern) and pattern[j] == "^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    depth = 1
    while j < len(pattern):
        ch = pattern[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return len(pattern)


def _after_group_header(pattern: str, i: int) -> int:
    """Past "(" and whatever says what kind of group it is ("?:", "?P<name>", "?<=", "?i:"),
    so that the "?" there is not read as a quantifier. A comment (?#…) is skipped whole, and
    a group of flags alone, "(?i)", is left at its ")"."""
    j = i + 1
    if j >= len(pattern) or pattern[j] != "?":
        return j
    if pattern.startswith("?#", j):
        close = pattern.find(")", j)
        return close if close != -1 else len(pattern)
    j += 1
    if pattern.startswith(("P<", "<"), j) and not pattern.startswith(("<=", "<!"), j):
        close = pattern.find(">", j)
        return close + 1 if close != -1 else len(pattern)
    if pattern.startswith(("P=", "P>", "&", "R", "("), j):
        return j
    while j < len(pattern) and (pattern[j].isalpha() or pattern[j] in "-^"):
        j += 1
    if j < len(pattern) and pattern[j] in ":=!>|":
        return j + 1
    if pattern.startswith(("<=", "<!"), j):
        return j + 2
    return j
