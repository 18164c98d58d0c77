"""The drafts of each stage, rendered from the templates with the municipality's answers."""

from __future__ import annotations

import itertools
import subprocess
import sys
from datetime import date
from pathlib import Path

from bot.demo import demo_answers, multi_parts
from bot.documents.render import DocumentRenderer, ProjectFacts
from bot.i18n import translator
from bot.plan.models import Kind, Plan, QuestionType

FACTS = ProjectFacts(name="Lindenberg", country="Belgium", kind="north_south")


def stored_demo(plan: Plan) -> dict:
    questions = plan.questions()
    values = {}
    for qid, value in demo_answers("en").items():
        question = questions[qid]
        if question.type == QuestionType.multi and value is not None:
            selected, other = multi_parts(question, value)
            value = {"selected": selected, "other": other}
        values[qid] = value
    return values


def test_demo_writes_every_draft_of_every_stage(plan: Plan, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    written = {Path(line).name for line in result.stdout.split()}
    assert written == {f"{d.id}_v1_en.md" for d in plan.documents}
    for document in plan.documents:
        text = (tmp_path / f"{document.id}_v1_en.md").read_text(encoding="utf-8")
        assert text.startswith(f"# {document.title}"), document.id
        assert "Lindenberg" in text, document.id
        assert "[to be completed" not in text, document.id  # the demo answers everything that applies


def test_every_draft_carries_the_answers_it_is_built_from(plan: Plan) -> None:
    renderer = DocumentRenderer(plan, stored_demo(plan), translator("en"), Kind.north_south)
    demo = demo_answers("en")
    expectations = {
        "municipal_profile": [demo["region_identity"][:40], "28,"],
        "policy_statement": [demo["objectives"][:40], demo["motivation"][:40]],
        "local_partners": [demo["local_partners"][0]["organisation"]],
        "partner_checklist": ["- [ ]"],
        "candidate_comparison": ["San Rafael del Norte", "4.4"],
        "cooperation_protocol": [demo["steering_group"][:40], "San Rafael del Norte"],
        "action_plan": [demo["activities"][0]["activity"][:40]],
        "training_plan": [demo["training_needs"][0]["need"][:30]],
    }
    for document in plan.documents:
        text = renderer.render(document, FACTS, 1, date(2027, 3, 15)).content
        for expected in expectations.get(document.id, []):
            assert expected in text, (document.id, expected)


def test_a_missing_answer_shows_a_visible_placeholder_never_an_empty_heading(plan: Plan) -> None:
    renderer = DocumentRenderer(plan, {"municipality": "Lindenberg"}, translator("en"), Kind.european)
    for document in plan.documents:
        text = renderer.render(document, FACTS, 1, date(2027, 3, 15)).content
        assert "[to be completed" in text, document.id
        lines = [line for line in text.splitlines() if line.strip()]
        for heading, following in itertools.pairwise(lines):
            if heading.startswith("#"):
                assert not following.startswith("#") or following.count("#") > heading.split()[0].count("#"), (
                    document.id,
                    heading,
                )


def test_hostile_answers_stay_literal(plan: Plan) -> None:
    hostile = "<b>{{ 7 * 7 }}</b> {% for x in y %} & " + "x" * 3000
    values = stored_demo(plan) | {"objectives": hostile}
    renderer = DocumentRenderer(plan, values, translator("en"), Kind.north_south)
    document = next(d for d in plan.documents if d.id == "policy_statement")
    text = renderer.render(document, FACTS, 1, date(2027, 3, 15)).content
    assert hostile in text
    assert "49" not in text.replace(hostile, "")


def test_drafts_are_written_in_the_document_language(plan: Plan) -> None:
    document = next(d for d in plan.documents if d.id == "cooperation_protocol")
    english = (
        DocumentRenderer(plan, stored_demo(plan), translator("en"), Kind.north_south)
        .render(document, FACTS, 1, date(2027, 3, 15))
        .content
    )
    dutch = (
        DocumentRenderer(plan, stored_demo(plan), translator("nl"), Kind.north_south)
        .render(document, FACTS, 1, date(2027, 3, 15))
        .content
    )
    assert "15 maart 2027" in dutch and "March 15, 2027" in english
    assert dutch.splitlines()[0] != english.splitlines()[0]
