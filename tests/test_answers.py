"""Every question type: what is accepted, what is refused with which message, and how it reads back."""

from __future__ import annotations

import pytest

from bot.i18n import translator
from bot.plan.answers import InvalidAnswer, clean_text, format_value, parse
from bot.plan.models import FieldSpec, Option, QuestionType, Rule

EN, NL, SV, FR, DE = (translator(language) for language in ("en", "nl", "sv", "fr", "de"))
LANGUAGES = {"en": EN, "nl": NL, "sv": SV, "fr": FR, "de": DE}


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
        (QuestionType.integer, {"rule": Rule(min=1, max=100)}, "101", "Please give a number of at most 100."),
        (QuestionType.integer, {"rule": Rule(min=1, max=100)}, "0", "Please give a number of at least 1."),
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


@pytest.mark.parametrize(
    ("language", "typed", "stored"),
    [
        ("nl", "7.500 euro", 7500),
        ("nl", "€ 7 500", 7500),
        ("nl", "EUR 7.500,00", 7500),
        ("nl", "7 500 €", 7500),
        ("nl", "€ 7.500,-", 7500),
        ("nl", "7,5", 7.5),
        ("nl", "7.5", 7.5),  # a dot followed by one digit cannot group thousands
        ("nl", "32 miljoen", 32_000_000),
        ("nl", "1,5 miljoen", 1_500_000),
        ("nl", "2,5 mln.", 2_500_000),
        ("nl", "3 duizend", 3000),
        ("nl", "€ 2 k", 2000),
        ("en", "7,500 euro", 7500),
        ("en", "€7,500.00", 7500),
        ("en", "32 million", 32_000_000),
        ("en", "1.5 million euro", 1_500_000),
        ("en", "2k", 2000),
        ("en", "5 thousand", 5000),
        ("sv", "7 500 €", 7500),
        ("sv", "32 miljoner", 32_000_000),
        ("sv", "1 miljon", 1_000_000),
        ("sv", "2 tusen", 2000),
        ("sv", "\u22127", None),  # Swedish writes the minus sign U+2212: refused as below 0, not misread
        ("fr", "7\u202f500,50 €", 7500.5),
        ("fr", "32 millions", 32_000_000),
        ("fr", "3 mille", 3000),
        ("de", "7.500 Euro", 7500),
        ("de", "32 Millionen", 32_000_000),
        ("de", "1 Million", 1_000_000),
        ("de", "4 Tausend", 4000),
        ("de", "2,5 Mio.", 2_500_000),
        ("nl", "\u0667\u0665\u0660\u0660", 7500),  # Arabic-Indic digits
    ],
)
def test_amounts_as_people_write_them(language: str, typed: str, stored: object) -> None:
    amount = spec(QuestionType.amount, rule=Rule(min=0, max=100_000_000))
    if stored is None:
        with pytest.raises(InvalidAnswer) as refusal:
            parse(amount, typed, LANGUAGES[language], None)
        t = LANGUAGES[language]
        assert refusal.value.message == t.gettext("Please give a number of at least {low}.").format(low=0)
    else:
        assert parse(amount, typed, LANGUAGES[language], None) == stored


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("nl", "1.234,5.6"),
        ("en", "1.234,5.6"),
        ("sv", "7.500"),  # Swedish groups with spaces: 7.5 or 7500?
        ("fr", "7.500 €"),
        ("en", "7.500"),  # an English decimal point, but euro amounts have two decimals
        ("nl", "7,500"),
        ("nl", "1 234.567"),
    ],
)
def test_ambiguous_amounts_are_refused_with_a_clear_message(language: str, typed: str) -> None:
    t = LANGUAGES[language]
    with pytest.raises(InvalidAnswer) as refusal:
        parse(spec(QuestionType.amount), typed, t, None)
    assert refusal.value.message == t.gettext(
        "I cannot tell how to read that number; please type it without a thousands separator, for example {example}."
    ).format(example="7500.50" if language == "en" else "7500,50")


def test_the_thousands_reading_follows_the_language() -> None:
    assert parse(spec(QuestionType.integer), "7.500", NL, None) == 7500
    assert parse(spec(QuestionType.integer), "7.500", DE, None) == 7500
    assert parse(spec(QuestionType.integer), "7,500", EN, None) == 7500
    assert parse(spec(QuestionType.integer), "1.234.567", NL, None) == 1234567
    assert parse(spec(QuestionType.integer), "1,234,567", EN, None) == 1234567
    assert parse(spec(QuestionType.amount), "7,5", NL, None) == 7.5
    with pytest.raises(InvalidAnswer, match="whole number"):
        parse(spec(QuestionType.integer), "7.500", EN, None)  # seven and a half in English


@pytest.mark.parametrize("typed", ["sNaN", "NaN", "-NaN", "nan", "+sNaN12", "Infinity", "-Infinity", "inf", "∞"])
@pytest.mark.parametrize("kind", [QuestionType.integer, QuestionType.amount])
def test_non_finite_numbers_get_the_rule_message(kind: QuestionType, typed: str) -> None:
    explicit = spec(kind, rule=Rule(min=1, max=90, message="Please give a number of days between 1 and 90."))
    with pytest.raises(InvalidAnswer) as refusal:
        parse(explicit, typed, EN, None)
    assert refusal.value.message == "Please give a number of days between 1 and 90."
    with pytest.raises(InvalidAnswer) as refusal:
        parse(spec(kind, rule=Rule(min=1, max=90)), typed, EN, None)
    expected = {"-Infinity": "at least 1", "Infinity": "at most 90", "inf": "at most 90", "∞": "at most 90"}
    assert expected.get(typed, "from 1 to 90") in refusal.value.message  # NaN: neither above nor below
    with pytest.raises(InvalidAnswer):
        parse(spec(kind), typed, EN, None)


@pytest.mark.parametrize("typed", ["1e999", "-1e999", "1e100000000000000000000", "9" * 400, "1e-99999999999999"])
def test_huge_and_tiny_numbers_are_refused_without_an_exception(typed: str) -> None:
    for kind in (QuestionType.integer, QuestionType.amount):
        try:
            value = parse(spec(kind), typed, EN, None)
        except InvalidAnswer:
            continue
        assert value == 0 and kind == QuestionType.amount  # a tiny amount rounds to 0 cents


def test_each_message_names_the_rule_that_was_broken() -> None:
    budget = spec(QuestionType.amount, rule=Rule(min=0, max=10_000_000))
    with pytest.raises(InvalidAnswer, match=r"^Please give a number of at least 0\.$"):
        parse(budget, "-5", EN, None)
    with pytest.raises(InvalidAnswer, match=r"^Please give a number of at most 10,000,000\.$"):
        parse(budget, "20 million", EN, None)
    with pytest.raises(InvalidAnswer, match=r"amount in euro"):
        parse(budget, "lots", EN, None)
    explained = spec(
        QuestionType.amount, rule=Rule(min=0, max=10_000_000, message="Please type an amount between 0 and 10 M.")
    )
    # a number that cannot be read breaks no range: it is told what to type, not the range
    with pytest.raises(InvalidAnswer, match=r"amount in euro"):
        parse(explained, "seven thousand", EN, None)
    with pytest.raises(InvalidAnswer, match=r"^Please type an amount between 0 and 10 M\.$"):
        parse(explained, "20 million", EN, None)
    assert parse(explained, "7.500 euro", NL, None) == 7500  # the input issue 12 met
    years = spec(QuestionType.integer, rule=Rule(min=2, max=10))
    with pytest.raises(InvalidAnswer, match=r"^Please give a number of at least 2\.$"):
        parse(years, "1", EN, None)
    with pytest.raises(InvalidAnswer, match=r"whole number"):
        parse(years, "2.5", EN, None)


@pytest.mark.parametrize(
    ("language", "typed", "stored"),
    [
        ("nl", "19 december 2027", "2027-12-19"),
        ("nl", "19 dec 2027", "2027-12-19"),
        ("nl", "5 mrt. 2027", "2027-03-05"),
        ("nl", "zondag 19 december 2027", "2027-12-19"),
        ("en", "December 19, 2027", "2027-12-19"),
        ("en", "19 December 2027", "2027-12-19"),
        ("en", "Dec 19th, 2027", "2027-12-19"),
        ("en", "19 december 2027", "2027-12-19"),
        ("sv", "19 december 2027", "2027-12-19"),
        ("sv", "den 1 maj 2027", "2027-05-01"),
        ("fr", "19 décembre 2027", "2027-12-19"),
        ("fr", "le 1er mai 2027", "2027-05-01"),
        ("fr", "19 de\u0301cembre 2027", "2027-12-19"),  # decomposed: e and a combining acute accent
        ("de", "19. Dezember 2027", "2027-12-19"),
        ("de", "5. März 2027", "2027-03-05"),
        ("de", "15.03.2027", "2027-03-15"),
        ("nl", "15-03-2027", "2027-03-15"),
        ("fr", "15/03/2027", "2027-03-15"),
        ("sv", "2027-03-15", "2027-03-15"),
    ],
)
def test_dates_as_the_bot_writes_them(language: str, typed: str, stored: str) -> None:
    assert parse(spec(QuestionType.date), typed, LANGUAGES[language], None) == stored


@pytest.mark.parametrize("typed", ["31 februari 2027", "19 december", "december 2027", "19 20 december 2027"])
def test_dates_in_words_that_are_not_dates_are_refused(typed: str) -> None:
    with pytest.raises(InvalidAnswer, match=r"dag-maand-jaar|day-month-year"):
        parse(spec(QuestionType.date), typed, NL, None)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # a family: one emoji joined by ZWJ
        ("می\u200cخواهم", "می\u200cخواهم"),  # noqa: RUF001 - Persian "I want", with the non-joiner it needs
        ("क्\u200dष", "क्\u200dष"),  # a Hindi conjunct shown half-formed with ZWJ
        ("हिन्दी", "हिन्दी"),
        ("🇧🇪 🇳🇮", "🇧🇪 🇳🇮"),  # flags: regional indicator pairs
        ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", None),  # Scotland: a tag sequence
        ("❤\ufe0f ☺\ufe0e", None),  # variation selectors: emoji and text presentation
        ("naïve\u0301", None),
    ],
)
def test_clean_text_keeps_joiners_selectors_and_emoji(typed: str, kept: str | None) -> None:
    assert clean_text(typed) == (typed if kept is None else kept)


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("admin\u202egnp.exe", "admingnp.exe"),  # a right-to-left override hiding the real name
        ("\u2066Lindenberg\u2069 \u2067x\u2069", "Lindenberg x"),  # isolates
        ("\u202aa\u202bb\u202cc\u202dd", "abcd"),  # embeddings and pop
        ("Gh\u200eent\u200f\u061c", "Ghent"),  # bidi marks
        ("\ufeffLinden\u200bberg", "Lindenberg"),  # BOM and zero-width space
        ("bell\x07 null\x00 esc\x1b del\x7f c1\x85\x9b", "bell null esc del c1\n"),
        ("line\r\nbreak\rand\ttab", "line\nbreak\nand\ttab"),
        ("lone \ud800 surrogate \ufffe", "lone  surrogate "),
    ],
)
def test_clean_text_removes_what_hides_or_spoofs_text(typed: str, cleaned: str) -> None:
    assert clean_text(typed) == cleaned.strip()
