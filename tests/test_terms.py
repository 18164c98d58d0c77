"""Country-aware wording: {executive}, {council}… in plan texts become the municipality's own terms."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.engine.prompts import say
from bot.i18n import translator
from bot.plan.loader import PlanError, load_plan
from bot.plan.models import Kind, Plan

DIALOGS = Path(__file__).parents[1] / "dialogs"
TASK = "step1"  # its first task names the executive, the council and the advisory council


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Belgium", "BE"),
        ("België", "BE"),
        ("  belgie ", "BE"),
        ("Vlaanderen", "BE"),
        ("the Netherlands", "NL"),
        ("Nederland", "NL"),
        ("NL", "NL"),
        ("Sverige", "SE"),
        ("Suède", "SE"),
        ("Deutschland", "DE"),
        ("Narnia", None),
        ("", None),
        (None, None),
    ],
)
def test_the_country_is_recognised_as_people_type_it(plan: Plan, typed: str | None, code: str | None) -> None:
    assert plan.terms.country_code(typed) == code


@pytest.mark.parametrize(
    ("language", "country", "expected", "absent"),
    [
        ("en", "Belgium", "college of mayor and aldermen, municipal council (gemeenteraad)", "{executive}"),
        ("en", "Netherlands", "college of mayor and aldermen (B&W)", "{council}"),
        ("en", None, "executive (mayor and aldermen)", "{"),
        ("nl", "België", "college van burgemeester en schepenen", "wethouders"),
        ("nl", "Nederland", "college van burgemeester en wethouders", "schepenen"),
        ("nl", "Belgium", "GROS", "{development_council}"),
        ("sv", "Sverige", "kommunstyrelse", "{"),
        ("sv", "Sverige", "kommunfullmäktige", "{"),
        ("fr", "Belgique", "collège communal", "{"),
    ],
)
def test_say_puts_in_the_terms_of_the_municipality_s_country(
    plan: Plan, language: str, country: str | None, expected: str, absent: str
) -> None:
    task = plan.steps[TASK].tasks[0]
    text = say(translator(language), task, Kind.north_south, country, plan.terms)
    assert expected in text and absent not in text


def test_say_keeps_working_as_before_without_a_country(plan: Plan) -> None:
    title = plan.steps[TASK].title
    assert say(translator("en"), title, Kind.european) == "Concept of the twinning"
    assert say(translator("nl"), None, None) == ""
    task = plan.steps[TASK].tasks[0]
    neutral = say(translator("en"), task, Kind.north_south)  # dialogs/terms.yaml's neutral words
    assert "executive (mayor and aldermen)" in neutral and "{" not in neutral


def test_every_term_has_a_default_and_names_known_countries(plan: Plan) -> None:
    assert {"executive", "council", "alderman", "social_services", "association"} <= set(plan.terms.terms)
    assert {"BE", "NL", "SE"} <= set(plan.terms.countries)
    for name, wording in plan.terms.terms.items():
        assert "default" in wording, name
        assert {"BE", "NL", "SE"} <= set(wording), name


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    root = tmp_path / "dialogs"
    shutil.copytree(DIALOGS, root)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_term_where_the_bot_cannot_fill_it_in_stops_the_plan(broken: Path) -> None:
    _edit(
        broken / "steps" / "step1.yaml",
        "text: Where were these objectives discussed or decided?",
        "text: Where were these objectives discussed, for example in the {executive}?",
    )
    with pytest.raises(PlanError) as error:
        load_plan(broken)
    assert "(id decided_by) > text" in error.value.place
    assert "{executive} is only filled in" in error.value.problem


def test_an_unknown_term_stops_the_plan(broken: Path) -> None:
    _edit(broken / "steps" / "step2.yaml", "({social_services})", "({welfare_office})")
    with pytest.raises(PlanError, match=r"\{welfare_office\} is not a term of terms.yaml"):
        load_plan(broken)


def test_a_term_without_a_default_stops_the_plan(broken: Path) -> None:
    _edit(broken / "terms.yaml", "    default: municipal council\n", "")
    with pytest.raises(PlanError, match="needs a `default`"):
        load_plan(broken)
