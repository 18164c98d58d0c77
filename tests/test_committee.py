"""Several people, one municipality: invitations, roles, assigned steps, projects, stale buttons."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.engine.messages import Command, Press, Text, User
from bot.plan.models import Plan
from bot.storage.database import Database
from tests.conftest import ALPHA, BETA, SETUP, Chat, Clock, Store, service_on


@pytest.fixture
async def committee(mini_plan: Plan, tmp_path: Path):
    clock = Clock()
    db = await Database.open(tmp_path / "committee.db", clock=clock)
    service = service_on(mini_plan, db)
    coordinator = Chat(service, User(1, "en", "Sofie"))
    await coordinator.send(Command("start"), *SETUP)
    yield service, Store(db), clock, coordinator
    await db.close()


async def invite(chat: Chat, role: str = "member") -> str:
    await chat.send(Command("invite"), Press(f"role:{role}"))
    match = re.search(r"/start (\S+)", chat.text)
    assert match, chat.text
    return match.group(1)


async def test_a_member_joins_by_invitation_and_answers_an_assigned_step(committee) -> None:
    engine, store, _, coordinator = committee
    token = await invite(coordinator)
    assert len(token) >= 24  # at least 128 random bits, url-safe
    member = Chat(engine, User(2, "en", "Anna"))
    await member.send(Command("start", token))
    assert "Welcome to the twinning committee of Lindenberg! You joined as member." in member.text
    assert "Nothing is waiting for you right now." in member.text
    assert await store.members.role(1, 2) == "member"

    await coordinator.send(Command("assign"), Press("step:alpha"), Press("user:2"))
    assert "Step 1 is assigned to Anna." in coordinator.text
    notice = [m for m in coordinator.replies if m.to_user == 2]
    assert notice and "Sofie asked you to answer step 1: Alpha step" in notice[0].text
    assert "Which local partners are there?" in coordinator.last.text  # the coordinator moves on to step 2

    await member.send(Command("start"))
    assert "What is your motto?" in member.last.text
    await member.send(Text("Together"))
    assert (await store.answers.of(1))["motto"].author == 2


async def test_invitations_that_expired_were_withdrawn_used_up_or_never_existed(committee) -> None:
    engine, store, clock, coordinator = committee
    used = await invite(coordinator)
    await Chat(engine, User(2, "en", "Anna")).send(Command("start", used))
    stranger = Chat(engine, User(3, "en", "Piet"))
    await stranger.send(Command("start", used))
    assert "already been used" in stranger.text

    withdrawn = await invite(coordinator)
    await coordinator.send(Command("invites"))
    revoke = next(b.value for b in coordinator.last.buttons if b.value.startswith("revoke:"))
    await coordinator.send(Press(revoke))
    assert "no longer works" in coordinator.text
    await stranger.send(Command("start", withdrawn))
    assert "withdrawn" in stranger.text

    late = await invite(coordinator)
    clock.now += timedelta(days=8)
    await stranger.send(Command("start", late))
    assert "expired" in stranger.text

    await stranger.send(Command("start", "not-a-real-token-at-all-00000"))
    assert "not valid" in stranger.text
    assert await store.members.role(1, 3) is None
    assert await store.projects.of_user(3) == []  # a bad link does not create a project either


async def test_only_the_coordinator_invites_assigns_and_changes_roles(committee) -> None:
    engine, store, _, coordinator = committee
    member = Chat(engine, User(2, "en", "Anna"))
    await member.send(Command("start", await invite(coordinator)))
    for command in ("invite", "invites", "assign"):
        await member.send(Command(command))
        assert "Only the coordinator can do that." in member.text
    await member.send(Command("members"))
    assert [b.value for b in member.last.buttons] == ["leave"]  # no buttons to change other members
    await member.send(Press("member:1"))  # forged: a coordinator's button value
    assert "earlier message" in member.text
    assert await store.members.role(1, 1) == "coordinator"


async def test_roles_change_members_are_removed_and_can_leave(committee) -> None:
    engine, store, _, coordinator = committee
    anna = Chat(engine, User(2, "en", "Anna"))
    await anna.send(Command("start", await invite(coordinator)))
    piet = Chat(engine, User(3, "en", "Piet"))
    await piet.send(Command("start", await invite(coordinator)))

    await coordinator.send(Command("members"), Press("member:2"), Press("role:coordinator"))
    assert "Anna is now coordinator." in coordinator.text
    await coordinator.send(Command("members"), Press("member:3"), Press("remove"))
    assert "Piet is no longer on the committee." in coordinator.text
    assert await store.members.role(1, 3) is None
    await piet.send(Command("status"))
    assert "Lindenberg" not in piet.text  # no access to the project once removed

    await coordinator.send(Command("leave"))
    assert "You left the committee of Lindenberg" in coordinator.text  # Anna is coordinator too now
    assert await store.members.role(1, 1) is None
    await anna.send(Command("leave"))
    assert "only coordinator" in anna.text


async def test_the_later_answer_wins_and_both_people_are_told(committee) -> None:
    engine, store, _, coordinator = committee
    member = Chat(engine, User(2, "en", "Anna"))
    await member.send(Command("start", await invite(coordinator)))
    await coordinator.send(Command("assign"), Press("step:alpha"), Press("user:2"))
    await member.send(Command("start"), Text("Together"))
    await coordinator.send(Command("assign"), Press("step:alpha"), Press("user:1"))
    await coordinator.send(Command("edit"), Press("step:alpha"), Press("q:motto"), Text("Stronger together"))
    assert "Anna had answered this before (Together)" in coordinator.text
    to_anna = [m.text for m in coordinator.replies if m.to_user == 2]
    assert to_anna and "Sofie changed your answer to “What is your motto?” to: Stronger together" in to_anna[0]
    assert [a.value for a in await store.answers.history(1, "motto")] == ["Together", "Stronger together"]


async def test_a_button_from_an_earlier_question_changes_nothing(committee) -> None:
    _, store, _, coordinator = committee
    await coordinator.send(Text("Together"), Command("skip"), Text("28000"), Text("12500"), Text("15-03-2027"))
    prompt = coordinator.last.prompt
    await coordinator.send(Press("o:yes", prompt))
    assert "Which school?" in coordinator.last.text
    await coordinator.send(Press("o:no", prompt))  # the same question's other button, pressed late
    assert "earlier message" in coordinator.text
    assert (await store.answers.of(1))["has_school"].value is True
    await coordinator.send(Press("o:yes", prompt))  # a double press
    assert [a.value for a in await store.answers.history(1, "has_school")] == [True]


async def test_switching_between_projects_keeps_each_position(committee) -> None:
    _, store, _, coordinator = committee
    await coordinator.send(Text("Together"))
    await coordinator.send(Command("projects"), Press("project:new"))
    assert "What is the name of your municipality?" in coordinator.last.text
    await coordinator.send(*SETUP[:1])
    await coordinator.send(Command("projects"), Press("project:1"))
    assert "You are now working on Lindenberg." in coordinator.text
    assert "Tell the story." in coordinator.last.text
    assert {p.id for p, _ in await store.projects.of_user(1)} == {1, 2}


async def test_closing_a_stage_sends_the_drafts_to_every_member_and_the_group(committee) -> None:
    engine, store, _, coordinator = committee
    member = Chat(engine, User(2, "en", "Anna"))
    await member.send(Command("start", await invite(coordinator)))
    await store.groups.link(-100, 1, 1)
    await coordinator.send(*ALPHA, Press("close"))
    assert any(m.to_groups and "step 1 (Alpha step) was closed by Sofie" in m.text for m in coordinator.replies)
    await coordinator.send(*BETA, Press("close"), Press("close_stage"))
    to_anna, to_group = coordinator.mailbox.to("user", 2), coordinator.mailbox.to("group", -100)
    assert to_anna and [f.filename for f in to_anna[0].files] == ["profile_v1_en.docx", "profile_v1_en.pdf"]
    assert to_group and to_group[0].files and "stage 1 was closed by Sofie" in to_group[0].text
    assert len(to_anna) == len(to_group) == len(coordinator.mailbox.to("user", 1)) == 1  # each once


async def test_a_second_project_starts_from_the_first_ones_profile(committee) -> None:
    _, store, _, coordinator = committee
    await coordinator.send(Text("Together"), Command("skip"), Text("28000"))
    await coordinator.send(Command("projects"), Press("project:copy"), Press("from:1"))
    assert "What kind of partnership are you building?" in coordinator.last.text  # the rest was carried over
    copied = {qid: a.value for qid, a in (await store.answers.of(2)).items()}
    assert copied == {"municipality": "Lindenberg", "population": 28000}
    assert (await store.projects.get(2)).name == "Lindenberg"
    assert (await store.answers.of(1))["motto"].value == "Together"  # the first project is untouched
