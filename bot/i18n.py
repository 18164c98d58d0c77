"""Translations and locale formats, from the gettext catalogs in locales/.

The `.po` files are compiled in memory the first time a language is used, so a fresh
checkout or a `pip install .` needs no separate compile step and never runs stale `.mo`
files. English is the source language: its catalog may leave entries empty.
"""

from __future__ import annotations

import gettext
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from io import BytesIO

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberFormatError, format_currency, format_decimal, parse_decimal

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
        """Read a number as people type it here: `1.500,50` in Dutch, `1,500.50` in English."""
        cleaned = re.sub(r"[€$£\s\u00a0\u202f]|(?i:eur|sek|kr)", "", text)
        if not cleaned:
            raise ValueError(text)
        try:
            return parse_decimal(cleaned, locale=self.locale)
        except NumberFormatError:
            try:
                return Decimal(cleaned)
            except InvalidOperation:
                raise ValueError(text) from None

    def parse_date(self, text: str) -> date:
        """Read a date typed in ISO form or in this locale's day-month-year habits."""
        text = text.strip()
        iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if iso:
            year, month, day = (int(part) for part in iso.groups())
            return date(year, month, day)
        parts = re.fullmatch(r"(\d{1,2})[./\- ](\d{1,2})[./\- ](\d{2,4})", text)
        if not parts:
            raise ValueError(text)
        first, second, year = (int(part) for part in parts.groups())
        year = year + 2000 if year < 100 else year
        month_first = self.locale.territory == "US" or str(self.locale) == "en_US"
        month, day = (first, second) if month_first else (second, first)
        return date(year, month, day)


@cache
def translator(language: str) -> Translator:
    return Translator(language)
