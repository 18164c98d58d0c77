"""Turning what a person typed or pressed into a stored value, and a stored value back into words.

Parsing is strict and kind: a value that breaks a rule raises `InvalidAnswer` with a
translated message saying what to type instead, and nothing is stored.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal

from bot.i18n import AmbiguousNumberError, Translator
from bot.plan.builtins import fields_of
from bot.plan.models import FieldSpec, Kind, Question, QuestionType, pick

Spec = Question | FieldSpec

DEFAULT_MAX_LENGTH = {QuestionType.text: 200, QuestionType.long_text: 4000}
YES_WORDS = {"yes", "y", "ja", "j", "oui", "si", "sí", "1", "true"}
NO_WORDS = {"no", "n", "nee", "nej", "non", "nein", "0", "false"}
LARGEST_NUMBER = Decimal(10) ** 12  # no question has a larger answer; keeps stored numbers exact as floats


class InvalidAnswer(Exception):  # noqa: N818 - it is an answer, not an error of the program
    """The input does not fit the question; `message` tells the person what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Characters that hide or reorder text without being seen: bidi embeddings, overrides, isolates and
# marks (the "Trojan Source" tricks), the zero-width space and no-break space (BOM), invisible
# operators, deprecated format controls, interlinear annotations and the deprecated language tag.
_HIDDEN = re.compile("[\u061c\u200b\u200e\u200f\u202a-\u202e\u2061-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0001]")
_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029\x85]")


def clean_text(text: str) -> str:
    """What people typed, without what can hide or spoof text, trimmed; line breaks become `\\n`.

    Removed: control characters (except line breaks and tabs), the invisible characters of
    `_HIDDEN`, lone surrogates, private-use characters and noncharacters. Kept: the zero-width
    joiner and non-joiner (👨‍👩‍👧, Persian and Indic spelling), variation selectors, emoji tag
    sequences (🏴󠁧󠁢󠁳󠁣󠁴󠁿) and characters newer than Python's Unicode tables (new emoji).
    """
    return _REMOVED.sub("", _LINE_BREAKS.sub("\n", text)).strip()


def _removed_characters() -> re.Pattern[str]:
    """One character class for all that `clean_text` removes (a regex: answers are cleaned on every event)."""
    ranges = [
        "\x00-\x08\x0b-\x1f\x7f-\x9f",  # control characters but tab and line feed
        _HIDDEN.pattern[1:-1],
        "\ud800-\udfff",  # lone surrogates
        "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd",  # private use
        "\ufdd0-\ufdef",  # noncharacters
        "".join(chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17)),
    ]
    return re.compile("[" + "".join(ranges) + "]")


_REMOVED = _removed_characters()


def parse(spec: Spec, text: str, t: Translator, kind: Kind | None) -> Any:
    """The stored value for a typed answer to a simple (non-compound) question."""
    text = clean_text(text)
    if not text:
        raise InvalidAnswer(t.gettext("Please type an answer, or use /skip if the question is optional."))
    parser = _PARSERS[spec.type]
    return parser(spec, text, t, kind)


def _rule_message(spec: Spec, t: Translator, fallback: str) -> str:
    return t.gettext(spec.rule.message) if spec.rule and spec.rule.message else fallback


def _parse_text(spec: Spec, text: str, t: Translator, _: Kind | None) -> str:
    rule = spec.rule
    longest = rule.max_length if rule and rule.max_length else DEFAULT_MAX_LENGTH[spec.type]
    if len(text) > longest:
        raise InvalidAnswer(
            _rule_message(
                spec,
                t,
                t.gettext("That is {length} characters; please keep it under {limit}.").format(
                    length=len(text), limit=longest
                ),
            )
        )
    if rule and rule.min_length and len(text) < rule.min_length:
        raise InvalidAnswer(
            _rule_message(spec, t, t.gettext("Please type at least {limit} characters.").format(limit=rule.min_length))
        )
    if rule and rule.pattern and not re.fullmatch(rule.pattern, text):
        raise InvalidAnswer(_rule_message(spec, t, t.gettext("That does not look right; please check the hint.")))
    return text


def _bounds(spec: Spec) -> tuple[Decimal | None, Decimal | None]:
    """The lowest and highest number the plan allows here (amounts are never negative)."""
    rule = spec.rule
    low = rule.min if rule and rule.min is not None else (0 if spec.type == QuestionType.amount else None)
    high = rule.max if rule and rule.max is not None else None
    return (None if low is None else Decimal(str(low))), (None if high is None else Decimal(str(high)))


def _read_number(spec: Spec, text: str, t: Translator, format_message: str) -> Decimal:
    """A finite number within the question's bounds, or `InvalidAnswer` saying which rule it broke.

    A number that cannot be read gets `format_message`; one whose `.` and `,` allow two readings
    is asked again without separators; NaN and the infinities, like any number out of bounds, get
    the plan's own message or say the bound they break.
    """
    try:
        number = t.parse_decimal(text)
    except AmbiguousNumberError:
        raise InvalidAnswer(_ambiguous_message(spec, t)) from None
    except ValueError:
        raise InvalidAnswer(format_message) from None
    low, high = _bounds(spec)
    if number.is_nan():
        if low is not None and high is not None:
            format_message = t.gettext("Please give a number from {low} to {high}.").format(
                low=t.number(low), high=t.number(high)
            )
        raise InvalidAnswer(_rule_message(spec, t, format_message))
    lowest = -LARGEST_NUMBER if low is None else max(low, -LARGEST_NUMBER)
    highest = LARGEST_NUMBER if high is None else min(high, LARGEST_NUMBER)
    if number < lowest:
        message = t.gettext("Please give a number of at least {low}.").format(low=t.number(lowest))
        raise InvalidAnswer(_rule_message(spec, t, message) if low is not None and number < low else message)
    if number > highest:
        message = t.gettext("Please give a number of at most {high}.").format(high=t.number(highest))
        raise InvalidAnswer(_rule_message(spec, t, message) if high is not None and number > high else message)
    return number


def _ambiguous_message(spec: Spec, t: Translator) -> str:
    example = Decimal("7500.50") if spec.type == QuestionType.amount else Decimal(7500)
    pattern = "0.00" if spec.type == QuestionType.amount else "0"
    return t.gettext(
        "I cannot tell how to read that number; please type it without a thousands separator, for example {example}."
    ).format(example=format_decimal(example, format=pattern, locale=t.locale))


def _parse_integer(spec: Spec, text: str, t: Translator, _: Kind | None) -> int:
    whole_number = t.gettext("Please type a whole number, for example 12500.")
    number = _read_number(spec, text, t, whole_number)
    if number != number.to_integral_value():
        raise InvalidAnswer(whole_number)
    return int(number)


def _parse_amount(spec: Spec, text: str, t: Translator, _: Kind | None) -> int | float:
    in_euro = t.gettext("Please type an amount in euro, for example {example}.").format(
        example=t.number(Decimal("2500.50"))
    )
    number = _read_number(spec, text, t, in_euro)
    if number.as_tuple().exponent == -3 and 1 <= abs(number) < 1000:  # 7.500: cents have two digits, so 7500?
        raise InvalidAnswer(_ambiguous_message(spec, t))
    number = round(number, 2)
    return int(number) if number == number.to_integral_value() else float(number)


def _parse_date(spec: Spec, text: str, t: Translator, _: Kind | None) -> str:
    example = t.date(date(2027, 3, 15))
    try:
        value = t.parse_date(text)
    except ValueError:
        raise InvalidAnswer(
            t.gettext("Please type a date as day-month-year, for example 15-03-2027 ({example}).").format(
                example=example
            )
        ) from None
    rule = spec.rule
    if rule and rule.min_date and value < date.fromisoformat(rule.min_date):
        raise InvalidAnswer(
            _rule_message(
                spec,
                t,
                t.gettext("Please give a date on or after {day}.").format(
                    day=t.date(date.fromisoformat(rule.min_date))
                ),
            )
        )
    if rule and rule.max_date and value > date.fromisoformat(rule.max_date):
        raise InvalidAnswer(
            _rule_message(
                spec,
                t,
                t.gettext("Please give a date on or before {day}.").format(
                    day=t.date(date.fromisoformat(rule.max_date))
                ),
            )
        )
    return value.isoformat()


def _parse_yes_no(spec: Spec, text: str, t: Translator, _: Kind | None) -> bool:
    word = text.lower().strip(" .!")
    if word in YES_WORDS or word == t.gettext("Yes").lower():
        return True
    if word in NO_WORDS or word == t.gettext("No").lower():
        return False
    raise InvalidAnswer(t.gettext("Please answer yes or no."))


def _parse_scale(spec: Spec, text: str, t: Translator, _: Kind | None) -> int:
    if text.strip() not in {"1", "2", "3", "4", "5"}:
        raise InvalidAnswer(t.gettext("Please choose a number from 1 to 5."))
    return int(text)


def _option_for(spec: Spec, word: str, t: Translator, kind: Kind | None) -> str | None:
    """The option meant by a number, an option id or (part of) its label."""
    word = word.strip().lower()
    if word.isdigit() and 1 <= int(word) <= len(spec.options):
        return spec.options[int(word) - 1].id
    for option in spec.options:
        if word in (option.id, t.translate(pick(option.label, kind)).lower()):
            return option.id
    return None


def _parse_choice(spec: Spec, text: str, t: Translator, kind: Kind | None) -> str:
    option = _option_for(spec, text, t, kind)
    if option is None:
        raise InvalidAnswer(
            t.gettext("Please choose one of the options (a number from 1 to {count}).").format(count=len(spec.options))
        )
    return option


def _parse_multi(spec: Spec, text: str, t: Translator, kind: Kind | None) -> dict[str, Any]:
    """Numbers or labels separated by commas; with `other`, the number after the last option means "Other"."""
    selected: list[str] = []
    wants_other = False
    for word in re.split(r"[,;]", text):
        if not word.strip():
            continue
        if spec.other and word.strip() == str(len(spec.options) + 1):
            wants_other = True
            continue
        option = _option_for(spec, word, t, kind)
        if option is None:
            count = len(spec.options) + (1 if spec.other else 0)
            raise InvalidAnswer(
                t.gettext(
                    "Please type the numbers of your choices separated by commas, for example 1,3 (1 to {count})."
                ).format(count=count)
            )
        if option not in selected:
            selected.append(option)
    return {"selected": selected, "other": "" if wants_other else None}


_PARSERS = {
    QuestionType.text: _parse_text,
    QuestionType.long_text: _parse_text,
    QuestionType.integer: _parse_integer,
    QuestionType.amount: _parse_amount,
    QuestionType.date: _parse_date,
    QuestionType.yes_no: _parse_yes_no,
    QuestionType.scale: _parse_scale,
    QuestionType.choice: _parse_choice,
    QuestionType.multi: _parse_multi,
}


# Formatting


def option_label(spec: Spec, option_id: str, t: Translator, kind: Kind | None) -> str:
    for option in spec.options:
        if option.id == option_id:
            return t.translate(pick(option.label, kind))
    return option_id


def format_value(spec: Spec, value: Any, t: Translator, kind: Kind | None) -> str:
    """A stored value in words, in the translator's language; empty for a skipped question."""
    if value is None:
        return ""
    kind_of = spec.type
    if kind_of in (QuestionType.text, QuestionType.long_text):
        return str(value)
    if kind_of == QuestionType.choice:
        return option_label(spec, value, t, kind)
    if kind_of == QuestionType.multi:
        return ", ".join(multi_labels(spec, value, t, kind))
    if kind_of == QuestionType.integer:
        return t.number(value)
    if kind_of == QuestionType.amount:
        return t.amount(value)
    if kind_of == QuestionType.date:
        return t.date(date.fromisoformat(value))
    if kind_of == QuestionType.yes_no:
        return t.gettext("Yes") if value else t.gettext("No")
    if kind_of == QuestionType.scale:
        return f"{value}/5"
    if isinstance(spec, Question) and kind_of == QuestionType.repeat:
        return "\n".join(f"{n}. {format_entry(spec, entry, t, kind)}" for n, entry in enumerate(value, start=1))
    if isinstance(spec, Question):
        return format_entry(spec, value, t, kind)
    return str(value)


def multi_labels(spec: Spec, value: dict[str, Any], t: Translator, kind: Kind | None) -> list[str]:
    labels = [option_label(spec, option, t, kind) for option in value.get("selected", [])]
    if value.get("other"):
        labels.append(str(value["other"]))
    return labels


def format_entry(question: Question, entry: dict[str, Any], t: Translator, kind: Kind | None) -> str:
    """One entry of a group, repeat, check or criterion: its answered fields in a line."""
    shown = (format_value(field, entry.get(field.id), t, kind) for field in fields_of(question))
    return " · ".join(part for part in shown if part)
