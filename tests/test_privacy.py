"""Data protection: a person's data (/mydata, /forgetme) and a project's (/export, /deleteproject)."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import zipfile
from io import BytesIO
from pathlib import Path

import pytest

from bot.engine.messages import Command, Press, Text, User
from bot.paths import DIALOGS_DIR
from bot.plan.loader import load_plan
from bot.plan.models import Plan
from tests.conftest import ALPHA, BETA, MINI, SETUP, Chat, Store, service_on


async def _two_people(mini_plan, store: Store) -> tuple[Chat, Chat]:
    service = service_on(mini_plan, store.db)
    sofie, anna = Chat(service, User(1, "en", "Sofie")), Chat(service, User(2, "en", "Anna"))
    await sofie.send(Command("start"), *SETUP, Command("invite"), Press("role:member"))
    await anna.send(Command("start", re.search(r"/start (\S+)", sofie.text).group(1)))
    await sofie.send(Command("assign"), Press("step:alpha"), Press("user:2"))
    await anna.send(Command("start"), Text("Samen sterk"))
    return sofie, anna


async def test_mydata_holds_everything_about_the_person(mini_plan, store) -> None:
    _, anna = await _two_people(mini_plan, store)
    await anna.send(Command("mydata"))
    data = json.loads(anna.replies[0].files[0].content)
    assert data["user"][0]["display_name"] == "Anna"
    assert [m["role"] for m in data["memberships"]] == ["member"]
    assert [(a["question_id"], a["value"]) for a in data["answers"]] == [("motto", '"Samen sterk"')]
    assert data["assignments"][0]["step_id"] == "alpha"
    assert "Lindenberg" not in json.dumps(data["answers"])  # not the coordinator's answers


async def test_forgetme_deletes_the_person_but_keeps_their_answers(mini_plan, store, tmp_path: Path) -> None:
    sofie, anna = await _two_people(mini_plan, store)
    await anna.send(Command("forgetme"), Press("confirm"))
    assert "I have forgotten you" in anna.text
    with sqlite3.connect(tmp_path / "twinning.db") as db:
        assert db.execute("SELECT COUNT(*) FROM users WHERE id = 2").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM members WHERE user_id = 2").fetchone() == (0,)
        assert db.execute("SELECT author FROM answers WHERE question_id = 'motto'").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM answer_history WHERE author = 2").fetchone() == (0,)
        names = " ".join(
            str(row)
            for table in ("users", "members", "answers", "answer_history", "sessions")
            for row in db.execute(f"SELECT * FROM {table}")
        )
    assert "Anna" not in names
    await sofie.send(Command("status"))
    assert "answered by a former member" in sofie.replies[0].text


async def test_the_only_coordinator_hands_over_before_being_forgotten(mini_plan, store) -> None:
    sofie, _ = await _two_people(mini_plan, store)
    await sofie.send(Command("forgetme"), Press("confirm"))
    assert "only coordinator" in sofie.text
    await sofie.send(Command("forgetme"), Press("no"))
    assert "Nothing was changed." in sofie.text
    assert await store.members.role(1, 1) == "coordinator"


async def test_export_and_delete_the_project(mini_plan, store, tmp_path: Path) -> None:
    sofie, anna = await _two_people(mini_plan, store)
    await sofie.send(Command("assign"), Press("step:alpha"), Press("user:1"), *BETA, Press("close"))
    alpha_rest = (Command("skip"), Text("28000"), Text("12500"), Text("15-03-2027"), Press("o:no"), Text("2"))
    await sofie.send(*alpha_rest, Press("o:3"), Press("close"), Press("close_stage"))
    await anna.send(Command("export"))
    assert "Only the coordinator can do that." in anna.text
    await sofie.send(Command("export"))
    bundle = zipfile.ZipFile(BytesIO(sofie.replies[0].files[0].content))
    assert {"project.json", "drafts/profile_v1_en.docx", "drafts/profile_v1_en.pdf"} <= set(bundle.namelist())
    project = json.loads(bundle.read("project.json"))
    assert project["project"][0]["name"] == "Lindenberg"
    assert {a["question_id"] for a in project["answers"]} >= {"motto", "partners"}

    await anna.send(Command("deleteproject"))
    assert "Only the coordinator can do that." in anna.text
    await sofie.send(Command("deleteproject"), Press("confirm"))
    assert "The project Lindenberg is deleted." in sofie.text
    assert any(m.to_user == 2 and "deleted by its coordinator" in m.text for m in sofie.replies)
    with sqlite3.connect(tmp_path / "twinning.db") as db:
        for table in ("projects", "answers", "answer_history", "documents", "members", "reminders"):
            assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,), table
    await anna.send(Command("start"))
    assert "What is the name of your municipality?" in anna.last.text  # she starts afresh


async def test_draft_file_names_are_safe_for_any_municipality_name(mini_plan, chat_on) -> None:
    chat = chat_on(mini_plan)
    await chat.send(
        Command("start"),
        Text("../../etc/passwd; rm -rf / <Ça>"),
        Press("o:european"),
        *ALPHA,
        Press("close"),
        *BETA,
        Press("close"),
        Press("close_stage"),
    )
    names = [f.filename for m in chat.mine for f in m.files]
    assert names and all(re.fullmatch(r"[a-z_]+_v\d+_[a-z]{2}\.(docx|pdf)", name) for name in names)


@pytest.fixture
def mini_with_annex(tmp_path: Path) -> Plan:
    """The small plan with an annex of sources for stage 1: the one draft that says who answered what."""
    root = tmp_path / "plan"
    shutil.copytree(MINI, root)
    shutil.copy(DIALOGS_DIR / "documents" / "annex.md.j2", root / "documents" / "annex.md.j2")
    with (root / "documents.yaml").open("a", encoding="utf-8") as documents:
        documents.write(
            "  - {id: sources_1, stage: 1, title: Annex of sources of the stage 1 drafts, template: annex.md.j2,"
            " annex: true}\n"
        )
    return load_plan(root)


async def test_forgetting_someone_takes_their_name_out_of_every_stored_draft(mini_with_annex, store) -> None:
    sofie, anna = await _two_people(mini_with_annex, store)  # Anna answered the motto: the annex names her
    await sofie.send(Command("assign"), Press("step:alpha"), Press("user:1"), *BETA, Press("close"))
    alpha_rest = (Command("skip"), Text("28000"), Text("12500"), Text("15-03-2027"), Press("o:no"), Text("2"))
    await sofie.send(*alpha_rest, Press("o:3"), Press("close"), Press("close_stage"))
    drafts = await store.documents.all(1)
    naming = [(d.kind, d.format) for d in drafts if "Anna" in _text(d)]
    assert naming == [("sources_1", "docx"), ("sources_1", "pdf")]  # the drafts themselves name nobody
    await anna.send(Command("mydata"))
    listed = json.loads(anna.replies[0].files[0].content)["drafts_naming_you"]
    assert sorted((d["kind"], d["format"]) for d in listed) == naming

    await anna.send(Command("forgetme"), Press("confirm"))
    rebuilt = await store.documents.all(1)
    assert [(d.kind, d.format, d.version) for d in rebuilt] == [(d.kind, d.format, d.version) for d in drafts]
    for draft in rebuilt:
        text = _text(draft)
        assert "Anna" not in text and "Samen sterk" in text, draft.format
        if draft.kind == "sources_1":
            assert "a former member" in text


def _text(draft) -> str:
    from tests.readers import docx_text, pdf_text

    return docx_text(draft.content) if draft.format == "docx" else pdf_text(draft.content).replace("\n", " ")
