"""The catalogs: in step with the code and the plan, complete, and with the same placeholders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import INTERFACE_LANGUAGES, SOURCE_LANGUAGE, supported
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


@pytest.mark.parametrize("language", [lang for lang in INTERFACE_LANGUAGES if lang != SOURCE_LANGUAGE])
def test_every_string_is_translated_with_the_same_placeholders(language: str, template) -> None:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
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
        if translated is None or not all(strings) or translated.fuzzy:
            problems.append(f"untranslated: {source[0][:60]}")
            continue
        expected = {tuple(sorted(PLACEHOLDER.findall(s))) for s in source}
        for string in strings:
            if tuple(sorted(PLACEHOLDER.findall(string))) not in expected:
                problems.append(f"placeholders differ: {source[0][:60]} -> {string[:60]}")
    assert not problems, f"{len(problems)} problems, first: {problems[:5]}"


def test_a_language_code_falls_back_to_english() -> None:
    assert supported("nl-BE") == "nl"
    assert supported("sv_SE") == "sv"
    assert supported("pt-BR") == "en"
    assert supported(None) == "en"
