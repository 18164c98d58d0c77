"""Ranking candidates: weighted totals per scorer, the average and spread, ties and missing scores."""

from __future__ import annotations

import re
from io import BytesIO

from PIL import Image

from bot.engine.messages import Command, Press, Text, User
from bot.plan.ranking import rank
from tests.conftest import ALPHA, BETA, SETUP, Chat

CRITERIA = ["crit_size", "crit_region"]
VALUES = {"crit_size": {"wish": "big", "weight": 3}, "crit_region": {"wish": "south", "weight": 1}}


def test_weighted_totals_averages_and_spread() -> None:
    entries = [
        {"name": "Alpha", "score_crit_size": 2, "score_crit_region": 5},  # (2*3 + 5*1) / 4 = 2.75
        {"name": "Beta", "score_crit_size": 4, "score_crit_region": 4},  # 4.0
    ]
    members = {"Alpha": [{"crit_size": 4, "crit_region": 4}]}  # a second scorer: 4.0
    ranked = rank(entries, VALUES, CRITERIA, members)
    assert [(r.entry["name"], r.total, r.spread, r.scorers, r.rank) for r in ranked] == [
        ("Beta", 4.0, 0.0, 1, 1),
        ("Alpha", 3.38, 1.25, 2, 2),
    ]


def test_ties_share_a_rank_and_missing_scores_are_left_out() -> None:
    entries = [
        {"name": "Gamma", "score_crit_size": None, "score_crit_region": 4},  # only one criterion scored: 4.0
        {"name": "Alpha", "score_crit_size": 4, "score_crit_region": 4},  # 4.0
        {"name": "Delta"},  # nobody scored it
        {"name": "Beta", "score_crit_size": 1, "score_crit_region": 1},
    ]
    ranked = rank(entries, VALUES, CRITERIA)
    assert [(r.entry["name"], r.total, r.rank, r.scored) for r in ranked] == [
        ("Alpha", 4.0, 1, 2),
        ("Gamma", 4.0, 1, 1),
        ("Beta", 1.0, 3, 2),
        ("Delta", None, 4, 0),
    ]
    assert rank(entries, {}, CRITERIA)[0].total is None  # no weights yet: nothing can be ranked


async def _at_gamma(mini_plan, chat_on) -> Chat:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), *BETA, Press("close"), Press("close_stage"))
    await chat.send(Text("About 30,000"), Press("o:5"), Text("Latin America"), Press("o:1"))
    await chat.send(
        Text("Alpha"),
        Press("o:2"),
        Press("o:5"),
        Press("more"),
        Text("Beta"),
        Press("o:4"),
        Press("o:4"),
        Press("done"),
    )
    return chat


async def test_members_score_and_the_ranking_shows_disagreement(mini_plan, chat_on, store) -> None:
    coordinator = await _at_gamma(mini_plan, chat_on)
    await coordinator.send(Command("invite"), Press("role:member"))
    token = re.search(r"/start (\S+)", coordinator.text).group(1)
    member = Chat(coordinator.service, User(7, "en", "Anna"))
    await member.send(Command("start", token), Command("score"))
    assert {b.value for b in member.last.buttons} == {"cand:0", "cand:1"}
    await member.send(Press("cand:0"))
    assert "Scoring Alpha · criterion 1 of 2" in member.last.text and "What we look for: About 30,000" in member.text
    await member.send(Press("score:5"), Press("score:5"), Text("Great schools"), Press("skip"))
    assert "Your scores for Alpha are saved." in member.text
    scores = await store.assessments.candidate_scores(1)
    assert scores["Alpha"][0]["crit_size"] == 5 and scores["Alpha"][0]["_pros"] == "Great schools"

    await coordinator.send(Command("ranking"))
    report = coordinator.replies[0]
    # Alpha: coordinator (2*5 + 5*1)/6 = 2.5, Anna 5.0 -> 3.75, spread 2.5; Beta: (4*5 + 4*1)/6 = 4.0
    assert report.text.splitlines()[2] == "1. Beta (): 4 (1 scorer)"
    assert "2. Alpha (): 3.75 on average (2 scorers, spread 2.5) ⚠ the committee disagrees" in report.text
    picture = Image.open(BytesIO(report.files[0].content)).convert("RGB")
    assert "   + Anna: Great schools" in report.text  # a member's pros, by name
    assert picture.width == 1080 and picture.height == 40 * 2 + 70 + 52 * 3
    assert picture.getpixel((1080 - 45, 40 + 70 + 5)) == (235, 235, 235)  # the header row's shade
    assert picture.getpixel((1080 - 45, 40 + 70 + 52 + 5)) == (255, 255, 255)  # a candidate's row


async def test_member_scores_reach_the_comparison_draft(mini_plan, chat_on, store) -> None:
    chat = await _at_gamma(mini_plan, chat_on)
    await chat.send(Command("score"), Press("cand:0"), Press("score:5"), Press("score:5"), Press("skip"), Press("skip"))
    await chat.send(Press("o:addressed"), Command("skip"), Press("close"), Press("close_stage"))
    from tests.readers import docx_text

    draft = docx_text(next(f for m in chat.mine for f in m.files if f.filename.endswith(".docx")).content)
    # Alpha: the entry's own scores 2.5 and the /score set 5.0 average to 3.75, just below Beta's 4.0
    assert draft.index("Beta: 4.0") < draft.index("Alpha: 3.75")


async def test_typing_where_a_score_is_expected_changes_nothing(mini_plan, chat_on, store) -> None:
    chat = await _at_gamma(mini_plan, chat_on)
    await chat.send(Command("score"), Press("cand:1"), Text("five"))
    assert "Please choose one of the buttons below." in chat.text
    assert "criterion 1 of 2" in chat.last.text
    await chat.send(Command("cancel"))
    assert await store.assessments.candidate_scores(1) == {}


async def test_a_score_button_of_an_earlier_criterion_changes_nothing(mini_plan, chat_on, store) -> None:
    chat = await _at_gamma(mini_plan, chat_on)
    await chat.send(Command("score"), Press("cand:0"))
    first_criterion = chat.last.prompt
    await chat.send(Press("score:1", first_criterion))
    assert "criterion 2 of 2" in chat.last.text
    await chat.send(Press("score:5", first_criterion))  # a late press on the first criterion's message
    assert "earlier message" in chat.text
    await chat.send(Press("score:2", chat.last.prompt), Press("skip"), Press("skip"))
    assert (await store.assessments.candidate_scores(1))["Alpha"][0]["crit_region"] == 2
