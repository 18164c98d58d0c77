"""Translations and locale formats, from the gettext catalogs in locales/.

The `.po` files are compiled in memory the first time a language is used, so a fresh
checkout or a `pip install .` needs no separate compile step and never runs stale `.mo`
files. English is the source language: its catalog may leave entries empty.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
import datetime
from datetime import date
from decimal import Decimal
from functools import cache
from io import BytesIO

from babel import Locale
from babel.dates import format_date, get_day_names, get_month_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, get_decimal_symbol, get_group_symbol

from bot.paths import LOCALES_DIR

SOURCE_LANGUAGE = "en"
INTERFACE_LANGUAGES = ("nl", "en", "sv", "fr", "de")


LANGUAGE_NAMES = {
    "nl": "Nederlands",
    "en": "English",
    "sv": "Svenska",
    "fr": "Français",
    "de": "Deutsch",
    "es": "Español",
    "pt": "Português",
}


def language_name(code: str) -> str:
    """A language in its own words, as people look for it in a list."""
    return LANGUAGE_NAMES.get(code, code)


def document_languages() -> tuple[str, ...]:
    """The languages drafts can be written in: the source language and every language with a catalog."""
    found = {path.parent.parent.name for path in LOCALES_DIR.glob("*/LC_MESSAGES/messages.po")}
    return (SOURCE_LANGUAGE, *sorted(found - {SOURCE_LANGUAGE}))


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext_noop name
    """Mark a string for extraction where it is defined; it is translated where it is shown."""
    return message


def supported(code: str | None) -> str:
    """The interface language for a language code such as Telegram's `nl-BE`, else English."""
    base = (code or "").replace("_", "-").split("-")[0].lower()
    return base if base in INTERFACE_LANGUAGES else SOURCE_LANGUAGE


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as gettext does
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


class Translator:
    """Everything language-dependent for one language: wording, dates, numbers, amounts."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self._translations = _catalog(language)

    def gettext(self, message: str) -> str:
        return self._translations.gettext(message) if message else message

    def translate(self, text: str | None) -> str:
        """Translate wording that comes from data (the plan), not from a literal in the code."""
        return self.gettext(text) if text else ""

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)

    def date(self, value: date) -> str:
        return format_date(value, format="long", locale=self.locale)

    def number(self, value: int | float | Decimal) -> str:
        return format_decimal(value, locale=self.locale)

    def amount(self, value: int | float | Decimal, currency: str = "EUR") -> str:
        return format_currency(value, currency, locale=self.locale)

    def parse_decimal(self, text: str) -> Decimal:
        """Read a number as people type it here: `1.500,50` in Dutch, `1,500.50` in English, `7 500 €`, `32 miljoen`.

        Returns what was written, infinities and NaN included (the caller decides what they mean);
        raises `AmbiguousNumberError` when the separators allow two readings and `ValueError` for anything
        else that is not a number.
        """
        return read_number(text, get_decimal_symbol(self.locale), get_group_symbol(self.locale))

    def parse_date(self, text: str) -> datetime.date:
        """Read a date typed in ISO form, in this locale's day-month-year habits, or as `t.date` writes it."""
        text = text.strip()
        iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if iso:
            year, month, day = (int(part) for part in iso.groups())
            return date(year, month, day)
        parts = re.fullmatch(r"(\d{1,2})[./\- ](\d{1,2})[./\- ](\d{2,4})", text)
        if not parts:
            return _date_in_words(text, _month_words(str(self.locale)), _weekday_words(str(self.locale)))
        first, second, year = (int(part) for part in parts.groups())
        year = year + 2000 if year < 100 else year
        month_first = self.locale.territory == "US" or str(self.locale) == "en_US"
        month, day = (first, second) if month_first else (second, first)
        return date(year, month, day)


class AmbiguousNumberError(ValueError):
    """A number whose separators allow two readings, such as `7.500` where `.` may be a decimal point."""


# Numbers

_MINUS = "-\u2212\u2012\u2013\ufe63\uff0d"  # hyphen, minus sign, figure dash, en dash, small and wide hyphen
_GAPS = " \t\u00a0\u2007\u2009\u202f'\u2019_"  # spaces, apostrophes and underscores between groups of digits
_EURO = re.compile(r"^(?:€|eur(?:os?)?(?![^\W\d_])\.?)\s*|\s*(?:€|(?<![^\W\d_])eur(?:os?)?\.?)$", re.IGNORECASE)
_WHOLE_EUROS = re.compile(r"[.,][-\u2013]{1,2}$")  # the Dutch 7.500,- for whole euros
_NOT_A_NUMBER = re.compile(r"s?nan\d*", re.IGNORECASE)
_INFINITE = re.compile(r"inf(?:inity)?|∞", re.IGNORECASE)
_EXPONENT = re.compile(r"(.*\d)e([+-]?\d+)", re.IGNORECASE)
_LARGEST_EXPONENT = 1000  # far beyond any bound a question has; keeps Decimal away from its own limits


def read_number(text: str, decimal_mark: str, group_mark: str) -> Decimal:
    """The number in `text`, with the locale's decimal and group marks deciding what `.` and `,` mean."""
    body = _ascii_digits(text.strip())
    sign, body = _take_sign(body)
    body = _EURO.sub("", body).strip()
    body, whole_euros = _WHOLE_EUROS.sub("", body), bool(_WHOLE_EUROS.search(body))
    if not sign:
        sign, body = _take_sign(body)
    body, scale = _take_multiplier(body)
    if not body:
        raise ValueError(text)
    if _NOT_A_NUMBER.fullmatch(body):
        return Decimal("NaN")
    if _INFINITE.fullmatch(body):
        return Decimal(f"{sign}Infinity")
    exponent = 0
    mantissa = _EXPONENT.fullmatch(body)
    if mantissa:
        body, exponent = mantissa.group(1), int(mantissa.group(2))
        if any(ch in _GAPS for ch in body):
            raise ValueError(text)
    whole, fraction = _split_marks(body, "" if whole_euros else decimal_mark, group_mark, whole_euros)
    exponent = max(-_LARGEST_EXPONENT, min(_LARGEST_EXPONENT, exponent + scale))
    return Decimal(f"{sign}{whole or 0}.{fraction or 0}e{exponent}")


def _ascii_digits(text: str) -> str:
    """Arabic-Indic, Devanagari and full-width digits as 0-9, so that every keyboard's digits count."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text)


def _take_sign(text: str) -> tuple[str, str]:
    if text[:1] in _MINUS:
        return "-", text[1:].strip()
    if text[:1] == "+":
        return "+", text[1:].strip()
    return "", text


@cache
def _multipliers() -> dict[str, int]:
    """Words for thousand and million, long and short, in the interface languages, from Babel's data.

    `32 miljoen`, `32 miljoner`, `32 Millionen`, `1,5 mln.`, `2 k`: the words of every interface
    language are understood whatever the language, since none of them means anything else.
    """
    words: dict[str, int] = {}
    for language in INTERFACE_LANGUAGES:
        formats = Locale.parse(language).compact_decimal_formats
        for width in ("short", "long"):
            for by_plural in formats[width].values():
                for magnitude in ("1000", "1000000"):
                    pattern = by_plural.get(magnitude)
                    word = re.sub(r"[0#'\s\u00a0.]", "", pattern.pattern if pattern else "").casefold()
                    if word:
                        words[word] = len(magnitude) - 1
    return words


def _take_multiplier(body: str) -> tuple[str, int]:
    """Split `32 miljoen` into `32` and 6 (the power of ten the word stands for)."""
    match = re.fullmatch(r"(.*?\d)\s*([^\W\d_]+)\.?", body)
    if match:
        scale = _multipliers().get(match.group(2).casefold())
        if scale is not None:
            return match.group(1), scale
    return body, 0


def _split_marks(body: str, decimal_mark: str, group_mark: str, whole: bool = False) -> tuple[str, str]:
    """The whole and fractional digits of `body`, deciding which of `.` and `,` is the decimal mark.

    `whole`: the number is known to have no fraction (`7.500,-`), so every mark in it groups digits.
    """
    digits = sum(ch.isdigit() for ch in body)
    if not digits or not re.fullmatch(rf"[\d.,{_GAPS}]+", body) or body[0] in _GAPS or body[-1] in _GAPS:
        raise ValueError(body)
    marks = [ch for ch in body if ch in ".,"]
    gaps = any(ch in _GAPS for ch in body)
    point = None if whole else _decimal_point(body, marks, gaps, decimal_mark, group_mark)
    whole_part, _, fraction = body.rpartition(point) if point else (body, "", "")
    if not fraction.isdigit() and fraction:
        raise ValueError(body)
    return _whole_digits(whole_part), fraction


def _decimal_point(body: str, marks: list[str], gaps: bool, decimal_mark: str, group_mark: str) -> str | None:
    """Which character separates the fraction, or None when there is no fraction."""
    if not marks:
        return None
    kinds = set(marks)
    if len(kinds) == 2:  # 1.234,56 or 1,234.56: the last mark is the decimal one, and comes once
        point = marks[-1]
        if marks.count(point) > 1 or gaps:
            raise AmbiguousNumberError(body)
        return point
    mark = marks[0]
    if len(marks) > 1:  # 1.234.567: only groups
        if gaps:
            raise AmbiguousNumberError(body)
        return None
    if mark == decimal_mark or len(body) - body.index(mark) - 1 != 3 or body.startswith(("0", mark)):
        return mark  # 7,5 in Dutch; 7.5 or 7,50 anywhere: a group has three digits
    if mark == group_mark and not gaps:
        return None  # 7.500 in Dutch, 7,500 in English
    raise AmbiguousNumberError(body)  # 7.500 in Swedish or French: 7.5 or 7500?


def _whole_digits(whole: str) -> str:
    """The digits of the whole part; separators in it must group by three (1.234.567, 28 000)."""
    first, *groups = re.split(rf"[.,{_GAPS}]", whole)
    if groups and (not 1 <= len(first) <= 3 or first.startswith("0") or any(len(group) != 3 for group in groups)):
        raise ValueError(whole)
    return first + "".join(groups)


# Dates

_DATE_FILLERS = {"de", "del", "of", "the", "den", "le", "am", "der", "er", "st", "nd", "rd", "th", "e"}


@cache
def _month_words(language: str) -> dict[str, int]:
    """Month names and abbreviations as `t.date` and people write them: this locale's, then other languages'.

    The other interface languages' full names are understood too (a Dutch speaker typing `19 December
    2027` in the English interface), unless a word means another month in this language.
    """
    words: dict[str, int] = {}
    for other in (*INTERFACE_LANGUAGES, "es"):
        for month, name in get_month_names("wide", locale=other).items():
            words.setdefault(name.casefold(), month)
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            for month, name in get_month_names(width, context, locale=language).items():
                words[name.casefold().rstrip(".")] = month
    return words


@cache
def _weekday_words(language: str) -> frozenset[str]:
    names = get_day_names("wide", locale=language).values()
    return frozenset(name.casefold() for name in names)


def _date_in_words(text: str, months: dict[str, int], weekdays: frozenset[str]) -> date:
    """`19 december 2027`, `19. Dezember 2027`, `December 19, 2027`, `le 1er mai 2027`: a day, a month name, a year."""
    words = re.findall(r"\d+|[^\W\d_]+", unicodedata.normalize("NFC", text).casefold())
    month = [months[word] for word in words if word in months]
    numbers = [word for word in words if word.isdigit()]
    rest = [word for word in words if not word.isdigit() and word not in months and word not in weekdays]
    if len(month) != 1 or len(numbers) != 2 or any(word not in _DATE_FILLERS for word in rest):
        raise ValueError(text)
    days = [number for number in numbers if len(number) <= 2]
    years = [number for number in numbers if len(number) >= 3]
    if len(days) != 1 or len(years) != 1:
        raise ValueError(text)
    return date(int(years[0]), month[0], int(days[0]))


@cache
def translator(language: str) -> Translator:
    return Translator(language)
