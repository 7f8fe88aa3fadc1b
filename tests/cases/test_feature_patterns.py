"""What an entry of the feature library may match, checked when it is proposed: regular
expressions that cannot stall intake, keywords, digests and accounts within their limits."""

from __future__ import annotations

import pytest
from django.utils import translation

from cases.errors import CommandInvalid
from cases.feature_patterns import (
    MAX_KEYWORDS,
    MAX_PATTERN,
    MSG_ACCOUNT_INVALID,
    MSG_KEYWORDS_TOO_MANY,
    MSG_PATTERN_FUZZY,
    MSG_PATTERN_MATCHES_EMPTY,
    MSG_PATTERN_NESTED,
    MSG_PATTERN_TOO_LONG,
    MSG_SHA256_INVALID,
    MSG_SYNTAX_NOT_TEXT,
    MSG_SYNTAX_REQUIRED,
    entry_value_clean,
    pattern_danger,
)

NESTED = "A repeated group may not contain a repeat itself"


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def _refusal(**arguments) -> dict[str, list[str]]:
    with pytest.raises(CommandInvalid) as refused:
        entry_value_clean(**arguments)
    return refused.value.errors


@pytest.mark.parametrize(
    "pattern",
    [
        r"(a+)+$",
        r"(x+x+)+y",
        r"(a*)*",
        r"(\d+)*b",
        r"((ab)+c)+",
        r"(?:a|b+)+",
        r"(a+){2,}",
        r"(a{1,5}){3}",
        r"(?P<word>\w+\s?)+$",
        r"(a?)+",
        r"(a+?)+",
        r"(?i:(ha)+)+",
    ],
)
def test_a_repeated_group_that_repeats_inside_is_refused(pattern):
    assert pattern_danger(pattern).startswith(NESTED)


@pytest.mark.parametrize(
    "pattern",
    [
        r"deep\s*fake",
        r"(ab)+c",
        r"(a+)?b",
        r"(?:https?://)?example\.com",
        r"[(a+)+]+",
        r"\(a+\)+",
        r"\p{Han}{2,}诈骗",
        r"(?i)(冒充|假冒)客服",
        r"a{2}(bc){3}",
        r"(?<=\d)元(?=\s)",
        r"(?#a comment (a+)+)x",
        r"x{,}",
    ],
)
def test_patterns_without_nested_repeats_pass_the_static_check(pattern):
    assert pattern_danger(pattern) is None


def test_hostile_regular_expressions_are_refused_with_a_clear_message():
    for pattern in (r"(a+)+$", r"(x+x+)+y"):
        assert _refusal(sort="text", syntax="regex", value=pattern) == {"value": [str(MSG_PATTERN_NESTED)]}


def test_an_expression_that_does_not_compile_is_refused_with_the_compiler_s_reason():
    errors = _refusal(sort="text", syntax="regex", value="(unclosed")

    assert errors["value"][0].startswith("This is not a valid regular expression: missing )")


def test_fuzzy_matching_is_refused():
    assert _refusal(sort="text", syntax="regex", value="(?:fraud){e<=2}") == {"value": [str(MSG_PATTERN_FUZZY)]}


@pytest.mark.parametrize("pattern", [r"a*", r"x?", r"^", r"(?:)", r"\b"])
def test_an_expression_that_matches_empty_text_is_refused(pattern):
    assert _refusal(sort="text", syntax="regex", value=pattern) == {"value": [str(MSG_PATTERN_MATCHES_EMPTY)]}


def test_expressions_and_keyword_lists_have_length_limits():
    too_long = _refusal(sort="text", syntax="regex", value="a" * (MAX_PATTERN + 1))
    too_many = _refusal(sort="text", syntax="keywords", value="\n".join(f"word{i}" for i in range(MAX_KEYWORDS + 1)))

    assert too_long == {"value": [str(MSG_PATTERN_TOO_LONG % {"max": MAX_PATTERN})]}
    assert too_many == {"value": [str(MSG_KEYWORDS_TOO_MANY % {"max": MAX_KEYWORDS})]}
    assert "is not" in _refusal(sort="text", syntax="keywords", value="a")["value"][0]


def test_keywords_are_normalised_one_per_line_without_repeats():
    cleaned = entry_value_clean(sort="text", syntax="keywords", value="  冒充客服 \n\nＦＡＫＥ support\nfake SUPPORT\n")

    assert cleaned.value == "冒充客服\nFAKE support"
    assert cleaned.keywords == ["冒充客服", "FAKE support"]


def test_a_text_pattern_needs_its_syntax_and_nothing_else_has_one():
    assert _refusal(sort="text", syntax="", value="x") == {"syntax": [str(MSG_SYNTAX_REQUIRED)]}
    assert _refusal(sort="account", syntax="regex", value="x") == {"syntax": [str(MSG_SYNTAX_NOT_TEXT)]}


def test_a_file_digest_is_64_hexadecimal_characters_kept_in_lower_case():
    digest = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"

    assert entry_value_clean(sort="file", syntax="", value=f" {digest} ").value == digest.lower()
    assert _refusal(sort="file", syntax="", value=digest[:-1]) == {"value": [str(MSG_SHA256_INVALID)]}
    assert _refusal(sort="file", syntax="", value="z" * 64) == {"value": [str(MSG_SHA256_INVALID)]}


def test_an_account_is_one_printable_line():
    assert entry_value_clean(sort="account", syntax="", value=" fake-support ").value == "fake-support"
    message = str(MSG_ACCOUNT_INVALID % {"min": 2, "max": 200})
    assert _refusal(sort="account", syntax="", value="a\nb") == {"value": [message]}
    assert _refusal(sort="account", syntax="", value="x" * 201) == {"value": [message]}
