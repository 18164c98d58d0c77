"""The ten-keys check: own scores set against what the answers show, as text, chart and in the drafts."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from docx import Document as WordDocument
from PIL import Image
from pypdf import PdfReader

from bot.documents.charts import STRONG, WEAK, health_chart
from bot.documents.drafts import DraftRequest, build
from bot.documents.render import ProjectFacts
from bot.engine.messages import Command, Press, Text
from bot.i18n import translator
from bot.plan.health import evaluate, weakest
from bot.plan.models import Kind, Plan
from tests.conftest import ALPHA, SETUP
from tests.test_documents import stored_demo

EN = translator("en")


def test_gaps_in_the_answers_lower_the_keys_they_concern(plan: Plan) -> None:
    own = {f"key{n}": 4 for n in range(1, 11)}
    full = stored_demo(plan)
    assert all(
        r.gaps == [] and r.score == 4
        for r in evaluate(plan, full, own, EN, Kind.north_south)
        if r.key in ("key4", "key6", "key10")
    )
    no_youth = [e for e in full["local_partners"] if e.get("kind") not in ("school", "youth")]
    gaps = full | {"local_partners": no_youth, "evaluation_dates": None, "annual_budget": None}
    results = {r.key: r for r in evaluate(plan, gaps, own, EN, Kind.north_south)}
    assert results["key6"].gaps == ["No school or youth organisation is in the inventory of local partners."]
    assert results["key4"].score == 3 and results["key10"].score == 3
    assert results["key7"].score == 4 and results["key7"].gaps == []


def test_the_three_weakest_keys_come_with_next_actions(plan: Plan) -> None:
    own = {f"key{n}": 5 for n in range(1, 11)} | {"key3": 2, "key9": 2, "key5": 3}
    results = evaluate(plan, stored_demo(plan), own, EN, Kind.european)
    assert [r.number for r in weakest(results)] == [3, 9, 5]
    assert "Europe Day" in weakest(results)[0].action  # the European wording of key 3's action
    north_south = evaluate(plan, stored_demo(plan), own, EN, Kind.north_south)
    assert "fair-trade" in weakest(north_south)[0].action


def _colour_share(png: bytes, colour: tuple[int, int, int]) -> float:
    image = Image.open(BytesIO(png)).convert("RGB")
    return dict((rgb, n) for n, rgb in image.getcolors(image.width * image.height)).get(colour, 0) / (
        image.width * image.height
    )


async def test_the_check_in_the_conversation(mini_plan, chat_on, store) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, Text("Together"), Command("check"))
    assert "Ten-keys check · key 1 of 2" in chat.last.text
    assert "Look alike." in chat.last.text  # the key's tip
    await chat.send(Press("score:4"))
    assert "key 2 of 2" in chat.last.text
    await chat.send(Press("score:5"))
    report = chat.replies[0]
    assert "Key 1, Find the right partner: 3/5" in report.text  # own 4, minus the gap: the story is not told
    assert "The story is not told yet." in report.text
    assert "Key 10, Set a budget: 4/5" in report.text  # own 5, minus: no school among the partners
    chart = report.files[0]
    image = Image.open(BytesIO(chart.content))
    assert chart.filename == "ten-keys.png" and image.width == 1080 and image.height < 600
    assert _colour_share(chart.content, WEAK) > 0.01  # with two keys, both are among the three weakest
    assert "Tell the story." in chat.last.text  # back to the questionnaire
    assert await store.assessments.latest_health_check(1) == {"key1": 4, "key10": 5}


def test_the_chart_and_scores_go_into_the_stage_summary(plan: Plan) -> None:
    values = stored_demo(plan)
    own = {f"key{n}": 4 for n in range(1, 11)} | {"key2": 1}
    chart = health_chart("Ten keys", evaluate(plan, values, own, EN, Kind.north_south))
    assert _colour_share(chart, WEAK) > 0.005 and _colour_share(chart, STRONG) > 0.02
    request = DraftRequest(
        plan,
        values,
        Kind.north_south,
        ProjectFacts("Lindenberg", "Belgium", "north_south"),
        {},
        date(2027, 3, 15),
        None,
        own,
    )
    summary = next(d for d in plan.documents if d.id == "summary_report")
    draft = build(request, summary, "en", 1)
    word = WordDocument(BytesIO(draft.docx))
    assert len(word.inline_shapes) == 1
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Ten keys to success: our check" in text
    assert "Involve citizens and the whole community" in "\n".join(
        c.text for t in word.tables for r in t.rows for c in r.cells
    )
    assert any(page.images for page in PdfReader(BytesIO(draft.pdf)).pages)
    without = build(
        DraftRequest(
            plan, values, Kind.north_south, ProjectFacts("Lindenberg", "Belgium", "north_south"), {}, date(2027, 3, 15)
        ),
        summary,
        "en",
        1,
    )
    assert "Ten keys to success" not in "\n".join(p.text for p in WordDocument(BytesIO(without.docx)).paragraphs)


async def test_the_stage_review_offers_the_check(mini_plan, chat_on) -> None:
    chat = chat_on(mini_plan)
    from tests.conftest import BETA

    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), *BETA, Press("close"))
    assert "health" in [b.value for b in chat.last.buttons]
    await chat.send(Press("health"), Press("score:2"), Press("score:2"))
    assert "All steps of stage 1 (First) are closed" in chat.last.text  # back at the stage review
