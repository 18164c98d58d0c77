"""The demo's answers in every language: the same questions, the same shape, and really translated.

`twinning-bot demo --lang XX` plays a municipality of that language answering in it (dialogs/demo/XX/).
Each language must answer exactly what the English demo answers, with values of the same shape: option
ids, scales, yes/no and dates as in English, so the demo walks the same path and writes the same drafts.
Free text must be written in the language itself, not left in English. Pure YAML and plan loading: fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.demo import demo_answers, multi_parts
from bot.i18n import translator
from bot.plan.answers import parse
from bot.plan.builtins import fields_of
from bot.plan.models import FieldSpec, Kind, Plan, Question, QuestionType

DEMO = Path(__file__).parents[1] / "dialogs" / "demo"
LANGUAGES = ["nl", "sv", "fr", "de", "es"]

# Values the story of a language changes on purpose (everything else that is not free text is as in English).
STORY = {
    # A Swedish municipality runs schools and care for older people itself: far more staff.
    ("sv", "staff_count"): 2300,
    # The Swedish municipality links up through ICLD, which works in East Africa, not in Nicaragua:
    # its partner in Uganda works in English.
    ("sv", "partner_language"): "en",
}

# English words that show an untranslated sentence, and that are not words of the other languages.
ENGLISH = {"the", "and", "with", "which", "their", "from", "this", "that", "would", "should", "where", "there"}
# Small words inside proper names ("San Rafael del Norte", "Amigos de Nicaragua Lindenberg").
PARTICLES = {"de", "del", "la", "las", "los", "el", "van", "von", "der", "den", "y", "e", "di", "du", "des", "le"}
ADDRESS = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")

Where = tuple[str | int, ...]


def answers(language: str) -> dict[str, Any]:
    folder = DEMO / language
    assert folder.is_dir(), f"dialogs/demo/{language}/ is missing"
    return demo_answers(language, DEMO.parent)


def files(language: str) -> set[str]:
    return {path.name for path in (DEMO / language).glob("*.yaml")}


def proper_name(text: str) -> bool:
    """A name, an address, a phone number or a figure: the same in every language."""
    words = re.findall(r"[^\W\d_]+", ADDRESS.sub(" ", text))
    return all(word[0].isupper() or word.lower() in PARTICLES for word in words)


def english_words(text: str) -> set[str]:
    return ENGLISH & set(re.findall(r"[a-z]+", ADDRESS.sub(" ", text.lower())))


def leaves(spec: Question | FieldSpec, english: Any, value: Any, where: Where) -> Iterator[tuple[Where, str, Any, Any]]:
    """Walk an answer and its English counterpart side by side: (where, kind of leaf, English, this language)."""
    fields = fields_of(spec) if isinstance(spec, Question) else []
    if spec.type == QuestionType.repeat:
        assert isinstance(value, list) and len(value) == len(english), f"{where}: {len(english)} entries in English"
        for number, (entry_en, entry) in enumerate(zip(english, value, strict=True)):
            assert set(entry) == set(entry_en), f"{(*where, number)}: fields {sorted(entry_en)} in English"
            for field in fields:
                if field.id in entry_en:
                    yield from leaves(field, entry_en[field.id], entry[field.id], (*where, number, field.id))
    elif fields:  # group, check, criterion
        assert isinstance(value, dict) and set(value) == set(english), f"{where}: fields {sorted(english)} in English"
        for field in fields:
            if field.id in english:
                yield from leaves(field, english[field.id], value[field.id], (*where, field.id))
    elif spec.type == QuestionType.multi:
        selected_en, other_en = multi_parts(spec, english)
        selected, other = multi_parts(spec, value)
        yield where, "options", selected_en, selected
        assert (other is None) == (other_en is None), f"{where}: 'other' text only where English has one"
        if other_en is not None:
            yield (*where, "other"), "text", other_en, other
    elif spec.type in (QuestionType.text, QuestionType.long_text):
        yield where, "text", english, value
    elif spec.type in (QuestionType.integer, QuestionType.amount):
        yield where, "number", english, value
    else:  # choice, yes_no, scale, date
        yield where, spec.type.value, english, value


def walk(plan: Plan, language: str) -> Iterator[tuple[Where, str, Any, Any, Question | FieldSpec]]:
    english, translated = answers("en"), answers(language)
    questions = plan.questions()
    for qid, value_en in english.items():
        question = questions[qid]
        for where, kind, leaf_en, leaf in leaves(question, value_en, translated[qid], (qid,)):
            yield where, kind, leaf_en, leaf, spec_at(question, where)


def spec_at(question: Question, where: Where) -> Question | FieldSpec:
    names = [part for part in where[1:] if isinstance(part, str) and part != "other"]
    if not names:
        return question
    return next(field for field in fields_of(question) if field.id == names[-1])


def test_english_demo_answers_only_questions_of_the_plan(plan: Plan) -> None:
    assert set(answers("en")) <= set(plan.questions())


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_files_and_questions_as_english(language: str) -> None:
    assert files(language) == files("en")
    for name in files("en"):
        english = yaml.safe_load((DEMO / "en" / name).read_text(encoding="utf-8")) or {}
        translated = yaml.safe_load((DEMO / language / name).read_text(encoding="utf-8")) or {}
        assert list(translated) == list(english), f"{language}/{name}: keys and their order as in en/{name}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_shape_and_options_as_english(plan: Plan, language: str) -> None:
    """Option ids, scales, yes/no, dates and numbers as in English, unless the story says otherwise."""
    for where, kind, english, value, spec in walk(plan, language):
        place = f"{language}: {'.'.join(map(str, where))}"
        if kind == "text":
            assert isinstance(value, str) and value.strip(), place
            continue
        expected = STORY.get((language, where[0]), english) if len(where) == 1 else english
        if kind == "options":
            assert sorted(value) == sorted(expected), place
        elif kind == "number":
            assert type(value) is type(english) and value == expected, place
        else:
            assert value == expected, place
            if kind == "choice":
                assert value in {option.id for option in spec.options}, place
            if kind == "date":
                date.fromisoformat(value)


@pytest.mark.parametrize("language", LANGUAGES)
def test_free_text_is_written_in_the_language(plan: Plan, language: str) -> None:
    """No free-text answer is left in English: identical only for names, addresses and numbers."""
    left = []
    for where, kind, english, value, _ in walk(plan, language):
        if kind != "text":
            continue
        place = f"{'.'.join(map(str, where))}: {value!r}"
        if (value == english and not proper_name(value)) or english_words(value):
            left.append(place)
    assert not left, f"{language}: English left in " + "; ".join(left)


@pytest.mark.parametrize("language", LANGUAGES)
def test_free_text_passes_the_questions_rules(plan: Plan, language: str) -> None:
    """The demo types every answer: each must pass its question's length and pattern, or the demo stops."""
    t = translator(language)
    kind = Kind(answers(language)["kind"])
    for where, leaf_kind, _, value, spec in walk(plan, language):
        if leaf_kind == "text" and where[-1] != "other":
            parse(spec, value, t, kind)
