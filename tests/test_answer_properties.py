"""Property-based tests of typed answers: numbers written every way, dates as the bot writes them, any text.

A number question either stores a finite value within its bounds or refuses with a message; no
spelling of a number (NaN, sNaN, infinities, exponents, signs, separators, words) may raise
anything else. Whatever `t.number`, `t.amount` and `t.date` print reads back as the same value in
every interface language.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import INTERFACE_LANGUAGES, translator
from bot.plan.answers import LARGEST_NUMBER, InvalidAnswer, clean_text, parse
from bot.plan.models import FieldSpec, QuestionType, Rule

TRANSLATORS = [translator(language) for language in INTERFACE_LANGUAGES]
RULES = [
    None,
    Rule(min=0),
    Rule(max=100),
    Rule(min=1, max=90),
    Rule(min=-50, max=50),
    Rule(min=0, max=10_000_000, message="Please type an amount between 0 and 10,000,000 euro."),
    Rule(min=2024, max=2045),
    Rule(min=0, max=100_000_000_000),
]
SPECS = [
    FieldSpec(id="q", type=kind, text="How many?", rule=rule)
    for kind in (QuestionType.integer, QuestionType.amount)
    for rule in RULES
]

numbers = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=2).map(str),
    st.floats().map(repr),
    st.floats().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda x: f"{x:e}"),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda x: f"{x:,.2f}"),
    st.integers().map(str),
    st.integers(-(10**15), 10**15).map(lambda n: f"{n:_}"),
    st.sampled_from(["sNaN", "-sNaN", "NaN", "-NaN", "nan123", "Infinity", "-Infinity", "inf", "-inf", "+inf"]),
    st.sampled_from(["1e999", "-1e999", "1E+999999999999999999999", "1e-999999999999999999999", "0e999999"]),
)
words = st.sampled_from(["", " ", "€", "€ ", "EUR ", " euro", " €", " miljoen", " k", " Mio.", " tusen", ",-"])
signs = st.sampled_from(["", "-", "+", "\u2212", "- "])
blanks = st.sampled_from(["", " ", "  ", "\t", "\u00a0", "\u202f"])
noise = st.text(alphabet="0123456789.,  _'e-+€kKmM", max_size=20)


@st.composite
def typed_numbers(draw: st.DrawFn) -> str:
    """A number as Python, a spreadsheet or a person might write it, with signs, units and blanks around."""
    core = draw(st.one_of(numbers, noise))
    if draw(st.booleans()):
        core = draw(signs) + core.lstrip("+-")
    return draw(blanks) + draw(words) + core + draw(words) + draw(blanks)


def within(spec: FieldSpec, value: int | float) -> bool:
    rule = spec.rule
    low = rule.min if rule and rule.min is not None else (0 if spec.type == QuestionType.amount else None)
    high = rule.max if rule else None
    return (low is None or value >= low) and (high is None or value <= high) and abs(value) <= LARGEST_NUMBER


@settings(max_examples=1500, deadline=None)
@given(typed=typed_numbers(), spec=st.sampled_from(SPECS), t=st.sampled_from(TRANSLATORS))
def test_a_number_is_stored_finite_and_within_bounds_or_refused(typed: str, spec: FieldSpec, t) -> None:
    try:
        value = parse(spec, typed, t, None)
    except InvalidAnswer as refusal:
        assert refusal.message and "{" not in refusal.message
        return
    if spec.type == QuestionType.integer:
        assert type(value) is int
    else:
        assert type(value) in (int, float) and math.isfinite(value)
    assert within(spec, value), (typed, value)


@given(value=st.integers(-(10**12), 10**12), t=st.sampled_from(TRANSLATORS))
def test_a_whole_number_as_the_bot_writes_it_reads_back(value: int, t) -> None:
    spec = FieldSpec(id="q", type=QuestionType.integer, text="How many?", rule=Rule(min=-(10**12)))
    assert parse(spec, t.number(value), t, None) == value


@given(
    value=st.decimals(min_value=0, max_value=10**11, places=2, allow_nan=False, allow_infinity=False),
    t=st.sampled_from(TRANSLATORS),
)
def test_an_amount_as_the_bot_writes_it_reads_back(value: Decimal, t) -> None:
    spec = FieldSpec(id="q", type=QuestionType.amount, text="How much?")
    assert parse(spec, t.amount(value), t, None) == float(value)
    assert parse(spec, t.number(value), t, None) == float(value)


@settings(max_examples=300)
@given(day=st.dates(min_value=date(1000, 1, 1)), t=st.sampled_from(TRANSLATORS))
def test_a_date_as_the_bot_writes_it_reads_back(day: date, t) -> None:
    spec = FieldSpec(id="q", type=QuestionType.date, text="When?")
    assert parse(spec, t.date(day), t, None) == day.isoformat()
    for typed in (f"{day:%d-%m-%Y}", f"{day:%d/%m/%Y}", day.isoformat()):
        assert parse(spec, typed, t, None) == day.isoformat()


@pytest.mark.parametrize("language", INTERFACE_LANGUAGES)
def test_every_day_of_a_year_as_the_bot_writes_it_reads_back(language: str) -> None:
    t = translator(language)
    spec = FieldSpec(id="q", type=QuestionType.date, text="When?")
    for ordinal in range(date(2028, 1, 1).toordinal(), date(2029, 1, 1).toordinal()):
        day = date.fromordinal(ordinal)
        assert parse(spec, t.date(day), t, None) == day.isoformat()


HIDING = "".join(map(chr, [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]))
HIDING += "\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"


@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from(HIDING + "\u200d\u200c\ufe0f"))))
def test_clean_text_removes_only_what_hides_text(typed: str) -> None:
    cleaned = clean_text(typed)
    assert not set(cleaned) & set(HIDING)
    assert clean_text(cleaned) == cleaned
    for kept in ("\u200d", "\u200c", "\ufe0f"):
        assert cleaned.count(kept) == typed.strip().count(kept) or not cleaned
