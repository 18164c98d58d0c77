"""The catalogs: in step with the code and the plan, complete, and with the same placeholders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.i18n import INTERFACE_LANGUAGES, SOURCE_LANGUAGE, document_languages, supported, translator
from bot.paths import LOCALES_DIR

ROOT = Path(__file__).parents[1]
PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}|%\([a-z_]+\)[sd]")


def ids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


@pytest.fixture(scope="module")
def template():
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        return read_po(handle)


def test_the_template_holds_every_string_of_the_code_templates_and_plan(tmp_path: Path, template) -> None:
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with fresh.open("rb") as handle:
        extracted = ids(read_po(handle))
    assert len(extracted) > 1000  # the plan's wording is in it, not only the code's
    missing = extracted - ids(template)
    assert not missing, f"run the extract command in the README; new strings: {sorted(missing)[:5]}"
    assert not ids(template) - extracted, "the template holds strings nothing uses any more"


def problems_in(template: Catalog, catalog: Catalog) -> list[str]:
    """Every msgid of the template without a non-fuzzy translation, or with other placeholders."""
    problems = []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        source = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = (
            ()
            if translated is None
            else (translated.string if isinstance(translated.string, tuple) else (translated.string,))
        )
        if translated is None or not strings or not all(strings) or translated.fuzzy:
            problems.append(f"untranslated: {source[0][:60]}")
            continue
        expected = {tuple(sorted(PLACEHOLDER.findall(s))) for s in source}
        for string in strings:
            if tuple(sorted(PLACEHOLDER.findall(string))) not in expected:
                problems.append(f"placeholders differ: {source[0][:60]} -> {string[:60]}")
    return problems


CATALOGS = sorted(path.parent.parent.name for path in LOCALES_DIR.glob("*/LC_MESSAGES/messages.po"))


def test_every_supported_language_has_a_catalog() -> None:
    assert set(CATALOGS) >= {"nl", "sv", "fr", "de", "es"}
    assert set(INTERFACE_LANGUAGES) - {SOURCE_LANGUAGE} <= set(CATALOGS)
    assert set(document_languages()) == {SOURCE_LANGUAGE, *CATALOGS}


@pytest.mark.parametrize("language", CATALOGS)
def test_every_string_is_translated_with_the_same_placeholders(language: str, template) -> None:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    problems = problems_in(template, catalog)
    assert not problems, f"{len(problems)} problems, first: {problems[:5]}"


def test_the_check_catches_missing_fuzzy_and_wrong_placeholders() -> None:
    template = Catalog()
    for msgid in ("Saved: {answer}", "Hello", "Step {number}", "Other"):
        template.add(msgid)
    catalog = Catalog(locale="nl")
    catalog.add("Saved: {answer}", "Opgeslagen: {antwoord}")  # a renamed placeholder
    catalog.add("Hello", "Hallo", flags=["fuzzy"])  # fuzzy counts as missing
    catalog.add("Step {number}", "Stap {number}")  # fine
    problems = problems_in(template, catalog)  # and "Other" is missing
    assert problems == [
        "placeholders differ: Saved: {answer} -> Opgeslagen: {antwoord}",
        "untranslated: Hello",
        "untranslated: Other",
    ]


def test_a_language_code_falls_back_to_english() -> None:
    assert supported("nl-BE") == "nl"
    assert supported("sv_SE") == "sv"
    assert supported("pt-BR") == "en"
    assert supported("fr-BE") == "fr"
    assert supported("de-AT") == "de"
    assert supported("es") == "en"  # Spanish is for the drafts; the interface falls back to English
    assert supported(None) == "en"


def test_dutch_follows_the_step_plan_s_own_terms_and_cemr_s_key_titles(plan) -> None:
    """Seed 004 (the step plan) and seed 000 (CEMR's ten keys in Dutch) name these things: use their words."""
    nl = translator("nl")
    titles = {d.id: nl.translate(d.title) for d in plan.documents}
    assert titles["partner_checklist"] == "Checklist voor bijkomende informatie"
    assert titles["action_plan"] == "Operationeel actieplan"
    assert titles["summary_report"] == "Brochure (of rapport)"
    assert titles["partner_profile"] == "Profiel van de mogelijke partner"
    obstacle = plan.questions()["obstacle_partner_contact"].text
    assert "Zuid-Noord-coördinator" in nl.translate(obstacle.north_south)
    assert nl.translate(plan.steps["step3"].documents[0]).startswith("Brochure (of rapport)")
    cemr = [
        "Vind de juiste partner(s)",
        "Betrek de burgers en de hele gemeenschap",
        "Voeg een Europese dimensie toe",
        "Bepaal gemeenschappelijke doelstellingen",
        "Creëer een goede ondersteunende structuur",
        "Werk met scholen en jongeren",
        "Behandel de huidige belangrijke onderwerpen",
        "Plan een duurzame relatie",
        "Kijk naar de toekomst en leg de basis voor nieuwe uitwisselingen",
        "Stel een budget op en zorg voor financiële middelen",
    ]
    keys = sorted(plan.keys.values(), key=lambda k: k.number)
    assert [nl.translate(k.title if isinstance(k.title, str) else k.title.european) for k in keys] == cemr
    with (LOCALES_DIR / "nl" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        strings = [
            s
            for m in read_po(handle, locale="nl")
            if m.id
            for s in (m.string if isinstance(m.string, tuple) else (m.string,))
        ]
    assert not [s for s in strings if "middenveld" in s.lower()], "the step plan says civiele maatschappij"
    assert not [s for s in strings if s.startswith("Item ") or " item " in s], "use the entry's own noun, not item"
    assert "Geef maar een paar criteria" not in " ".join(strings)
