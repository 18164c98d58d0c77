"""No source-language (English) wording in a draft in another language.

Three checks, for every draft:

1. Every word of a draft's own wording goes through the translator. The drafts are rendered with a marking
   translator (every translated string comes back between ⟦ ⟧) and answers that contain no words; what is
   left outside the marks may only be what Babel writes in the locale (month names, "en" between list items).
2. Every string the drafts ask the translator for can be extracted into the catalogs: a string built at run
   time (`t.gettext(header)` for a list of headers) never reaches a translator, which is how "Question |
   Answer | By | On" stayed English in Dutch drafts.
3. With the real catalogs, no sentence of the English draft is left unchanged in any other language (the
   catalogs must be up to date with the code: `pybabel extract` / `update`, then translated).
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from babel.dates import get_day_names, get_month_names
from babel.messages.pofile import read_po

from bot.documents.drafts import DraftRequest, Source, build, text_of
from bot.documents.render import ProjectFacts
from bot.i18n import Translator, document_languages, translator
from bot.paths import LOCALES_DIR
from bot.plan.builtins import fields_of
from bot.plan.models import Kind, Plan, QuestionType
from tests.readers import docx_text
from tests.test_documents import stored_demo

ROOT = Path(__file__).parents[1]
WORDLESS = "Ω"  # every typed answer becomes this: the drafts' own wording is what is left
TODAY = date(2027, 3, 15)


class Marking(Translator):
    """Translates nothing, but marks everything it is asked for, and remembers what that was."""

    def __init__(self, locale: str = "nl") -> None:
        super().__init__(locale)  # Babel's parts (dates, lists, language names) in a language not English
        self.asked: set[str] = set()

    def gettext(self, message: str) -> str:
        if not message:
            return message
        self.asked.add(message)
        return f"⟦{message}⟧"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        self.asked.add(singular)
        return f"⟦{singular if n == 1 else plural}⟧"

    def date(self, value: date) -> str:
        return f"⟦{super().date(value)}⟧"


def wordless(plan: Plan, values: dict[str, Any]) -> dict[str, Any]:
    """The demo's answers with every typed text replaced by a sign that is no word of any language."""
    questions = plan.questions()

    def clean(spec: Any, value: Any) -> Any:
        if value is None:
            return None
        if spec.type in (QuestionType.text, QuestionType.long_text):
            return WORDLESS
        if spec.type == QuestionType.multi and isinstance(value, dict):
            return {"selected": value.get("selected", []), "other": WORDLESS if value.get("other") else None}
        fields = {f.id: f for f in fields_of(spec)} if hasattr(spec, "fields") else {}
        if isinstance(value, list) and fields:
            return [{k: clean(fields[k], v) if k in fields else v for k, v in e.items()} for e in value]
        if isinstance(value, dict) and fields:
            return {k: clean(fields[k], v) if k in fields else v for k, v in value.items()}
        return value

    return {qid: clean(questions[qid], value) for qid, value in values.items()}


def request(plan: Plan, values: dict[str, Any], **extra: Any) -> DraftRequest:
    sources = {qid: Source(WORDLESS, "2027-03-01T10:00:00+00:00") for qid in values}
    facts = ProjectFacts(WORDLESS, WORDLESS, "north_south")
    return DraftRequest(plan, values, Kind.north_south, facts, sources, TODAY, **extra)


def babel_words(locale: str) -> set[str]:
    """What Babel writes in drafts of `locale`: month and day names, the "and" of lists, language and country names."""
    t = translator(locale)
    words = {w.lower() for w in get_month_names("wide", locale=t.locale).values()}
    words |= {w.lower() for w in get_day_names("wide", locale=t.locale).values()}
    words |= {w.lower() for name in t.locale.languages.values() for w in re.findall(r"\w+", name)}
    words |= {w.lower() for name in t.locale.territories.values() for w in re.findall(r"\w+", name)}
    return words | {"en", "of"}


@pytest.fixture(scope="module")
def marked(plan: Plan) -> tuple[dict[str, str], set[str]]:
    """Every draft rendered through the marking translator (the countries' forms of decision included)."""
    import bot.documents.drafts as drafts

    marking = Marking()
    texts: dict[str, str] = {}
    original = drafts.translator
    drafts.translator = lambda language: marking  # type: ignore[assignment]
    try:
        health = {f"key{n}": 3 for n in range(1, 11)}
        for country in ("BE", "NL", "SE", "KE"):
            values = wordless(plan, stored_demo(plan)) | {"country": country}
            for document in plan.documents:
                draft = build(
                    request(plan, values, health=health), document, "nl", 1, also="es" if document.bilingual else None
                )
                texts[f"{document.id} ({country})"] = docx_text(draft.docx)
    finally:
        drafts.translator = original  # type: ignore[assignment]
    return texts, marking.asked


def test_every_word_of_a_draft_goes_through_the_translator(marked) -> None:
    texts, _ = marked
    allowed = babel_words("nl") | babel_words("es")
    for name, text in texts.items():
        outside = text
        while "⟦" in outside:  # marks nest: a translated sentence with a translated word in it
            inner = re.sub(r"⟦[^⟦⟧]*⟧", " ", outside)
            if inner == outside:
                break
            outside = inner
        outside = outside.replace(WORDLESS, " ")
        words = {w for w in re.findall(r"[^\W\d_]{2,}", outside) if w.lower() not in allowed}
        assert not words, f"{name}: words that no translator saw: {sorted(words)[:10]}"


@cache
def extracted() -> set[str]:
    """Every msgid the extraction of babel.cfg finds in the code, the templates and the plan files."""
    out = ROOT / ".pytest-fresh.pot"
    try:
        subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "N_",
             "--no-location", "-o", str(out), "."],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        with out.open("rb") as handle:
            return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    finally:
        out.unlink(missing_ok=True)


def test_every_string_the_drafts_ask_for_can_reach_a_translator(marked) -> None:
    _, asked = marked
    missing = sorted(message for message in asked if message not in extracted())
    assert not missing, f"strings built at run time, which no catalog can hold: {missing[:5]}"


def catalogs_are_up_to_date() -> bool:
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    return extracted() <= template


@pytest.mark.parametrize("language", [code for code in document_languages() if code != "en"])
def test_no_english_sentence_is_left_in_a_draft_in_another_language(plan: Plan, language: str) -> None:
    assert catalogs_are_up_to_date(), "the catalogs miss the drafts' wording: see the README, pybabel extract"
    values = wordless(plan, stored_demo(plan))
    health = {f"key{n}": 3 for n in range(1, 11)}
    for country in ("BE", "NL", "SE", "KE"):
        for document in plan.documents:
            drafted = request(plan, values | {"country": country}, health=health)
            english, other = text_of(drafted, document, "en"), text_of(drafted, document, language)
            same = [
                line for line in set(english.splitlines()) & set(other.splitlines())
                if len(re.findall(r"[A-Za-z]{3,}", re.sub(r"&\w+;", " ", line.replace(WORDLESS, "")))) >= 3
            ]  # fmt: skip
            assert not same, f"{document.id} ({country}, {language}): still English: {same[:3]}"
