"""Every question type: what is accepted, what is refused with which message, and how it reads back."""

from __future__ import annotations

import pytest

from bot.i18n import translator
from bot.plan.answers import InvalidAnswer, format_value, parse
from bot.plan.models import FieldSpec, Option, QuestionType, Rule

EN, NL, SV = translator("en"), translator("nl"), translator("sv")


def spec(kind: QuestionType, **settings) -> FieldSpec:
    if kind in (QuestionType.choice, QuestionType.multi) and "options" not in settings:
        settings["options"] = [Option(id="school", label="School"), Option(id="club", label="Club")]
    return FieldSpec(id="q", type=kind, text="Question?", **settings)


@pytest.mark.parametrize(
    ("kind", "settings", "typed", "stored"),
    [
        (QuestionType.text, {}, "  Lindenberg  ", "Lindenberg"),
        (QuestionType.text, {}, "Ghent\x00\x07", "Ghent"),
        (QuestionType.long_text, {}, "Line one\nLine two", "Line one\nLine two"),
        (QuestionType.integer, {}, "28,000", 28000),
        (QuestionType.amount, {}, "€ 12,500.50", 12500.5),
        (QuestionType.amount, {}, "2500", 2500),
        (QuestionType.date, {}, "15-03-2027", "2027-03-15"),
        (QuestionType.date, {}, "2027-03-15", "2027-03-15"),
        (QuestionType.date, {}, "15/3/27", "2027-03-15"),
        (QuestionType.yes_no, {}, "Yes", True),
        (QuestionType.yes_no, {}, "n", False),
        (QuestionType.scale, {}, "4", 4),
        (QuestionType.choice, {}, "2", "club"),
        (QuestionType.choice, {}, "school", "school"),
        (QuestionType.multi, {}, "1, 2", {"selected": ["school", "club"], "other": None}),
        (QuestionType.multi, {"other": True}, "2,3", {"selected": ["club"], "other": ""}),
    ],
)
def test_valid_input(kind: QuestionType, settings: dict, typed: str, stored: object) -> None:
    assert parse(spec(kind, **settings), typed, EN, None) == stored


@pytest.mark.parametrize(
    ("kind", "settings", "typed", "message"),
    [
        (QuestionType.text, {}, "x" * 201, "That is 201 characters; please keep it under 200."),
        (QuestionType.long_text, {}, "x" * 4001, "please keep it under 4000"),
        (QuestionType.text, {"rule": Rule(min_length=2)}, "A", "at least 2 characters"),
        (
            QuestionType.text,
            {"rule": Rule(pattern=r"\d{4}", message="Type a year like 1979.")},
            "79",
            "Type a year like 1979.",
        ),
        (QuestionType.integer, {}, "twelve", "whole number"),
        (QuestionType.integer, {}, "12.5", "whole number"),
        (QuestionType.integer, {"rule": Rule(min=1, max=100)}, "101", "from 1 to 100"),
        (QuestionType.amount, {}, "-5", "at least 0"),
        (QuestionType.amount, {}, "lots", "amount in euro"),
        (QuestionType.date, {}, "31-02-2027", "day-month-year"),
        (QuestionType.date, {}, "tomorrow", "day-month-year"),
        (QuestionType.date, {"rule": Rule(max_date="2030-12-31")}, "01-01-2031", "on or before"),
        (QuestionType.yes_no, {}, "perhaps", "yes or no"),
        (QuestionType.scale, {}, "6", "from 1 to 5"),
        (QuestionType.choice, {}, "3", "one of the options"),
        (QuestionType.multi, {}, "1,9", "separated by commas"),
        (QuestionType.text, {}, "   ", "Please type an answer"),
    ],
)
def test_invalid_input_is_refused_with_a_message(kind: QuestionType, settings: dict, typed: str, message: str) -> None:
    with pytest.raises(InvalidAnswer) as refusal:
        parse(spec(kind, **settings), typed, EN, None)
    assert message in refusal.value.message


def test_numbers_and_dates_follow_the_language() -> None:
    assert parse(spec(QuestionType.amount), "1.500,50", NL, None) == 1500.5
    assert parse(spec(QuestionType.integer), "28 000", SV, None) == 28000
    assert parse(spec(QuestionType.date), "15.03.2027", NL, None) == "2027-03-15"
    assert format_value(spec(QuestionType.amount), 1500.5, NL, None) == "€\xa01.500,50"
    assert format_value(spec(QuestionType.date), "2027-03-15", NL, None) == "15 maart 2027"
    assert format_value(spec(QuestionType.date), "2027-03-15", SV, None) == "15 mars 2027"
    assert format_value(spec(QuestionType.integer), 28000, EN, None) == "28,000"


def test_values_read_back_as_words() -> None:
    assert format_value(spec(QuestionType.choice), "club", EN, None) == "Club"
    multi = spec(QuestionType.multi, other=True)
    assert format_value(multi, {"selected": ["school"], "other": "Choir"}, EN, None) == "School, Choir"
    assert format_value(spec(QuestionType.yes_no), False, EN, None) == "No"
    assert format_value(spec(QuestionType.scale), 3, EN, None) == "3/5"
    assert format_value(spec(QuestionType.text), None, EN, None) == ""
