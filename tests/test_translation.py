"""The translation round (/translate) and the partner's contact: who may translate, what is stored, what goes
out of date, what the drafts print, and what the partner can and cannot see."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from bot.engine.messages import Command, Press, Text, User
from bot.plan.models import Plan
from bot.storage.database import Database, schema_version
from bot.storage.schema import MIGRATIONS
from tests.conftest import Chat, Store, service_on
from tests.readers import docx_text
from tests.test_documents import stored_demo

SPANISH = "Ambos municipios quieren un vínculo duradero, basado en la igualdad y el aprendizaje mutuo."


@pytest.fixture
async def project(plan: Plan, tmp_path: Path):
    """A project with every answer of the demo (English), stages 1 and 2 closed, the partner working in Spanish."""
    db = await Database.open(tmp_path / "translation.db")
    service = service_on(plan, db)
    store = Store(db)
    coordinator = Chat(service, User(1, "en", "Sofie"))
    await coordinator.send(Command("start"))
    for qid, value in stored_demo(plan).items():
        await store.answers.save(1, qid, value, 1)
    await store.projects.update(1, name="Lindenberg", kind="north_south")
    for step in [plan.setup, *plan.ordered_steps()]:
        await store.progress.close_step(1, step.id, 1)
    for stage in (1, 2):
        await store.progress.close_stage(1, stage, 1)
    yield service, store, coordinator
    await db.close()


async def passage_on_screen(chat: Chat) -> tuple[str, str]:
    position = await chat.position()
    assert position.get("menu") == "translate_passage", position
    question, _, part = position["arg"].split(":", 2)[2].partition(":")
    return question, part


async def translate_until(chat: Chat, question: str, text: str) -> None:
    """Go through the open passages, skipping, until the one of `question`; translate it."""
    for _ in range(100):
        if (await passage_on_screen(chat))[0] == question:
            await chat.send(Text(text))
            return
        await chat.send(Press("skip"))
    raise AssertionError(f"the round never showed {question}")


async def protocol_text(chat: Chat) -> str:
    await chat.send(Command("documents"), Press("remake:2"))
    files = [f for m in chat.replies for f in m.files if f.filename.startswith("cooperation_protocol_")]
    assert files and files[0].filename.endswith("_en-es.docx"), [f.filename for f in files]
    return docx_text(files[0].content)


async def test_a_translation_is_stored_per_answer_language_and_version_and_used_by_the_drafts(project) -> None:
    _, store, coordinator = project
    await coordinator.send(Command("translate"))
    assert "Translation round into Spanish." in coordinator.last.text
    assert "still to translate" in coordinator.last.text
    await coordinator.send(Press("start:open"))
    first = coordinator.last.text
    assert "Original (English):" in first and "Type the translation in Spanish." in first
    await translate_until(coordinator, "protocol_objectives", SPANISH)
    stored = (await store.translations.of(1, "es"))[("protocol_objectives", "")]
    assert stored.text == SPANISH and stored.source.startswith("Both municipalities want")
    assert stored.answer_version == 1 and stored.translated_by == 1

    text = await protocol_text(coordinator)
    english, spanish = text.split("Borrador de protocolo de cooperación", 1)
    assert SPANISH in spanish and SPANISH not in english  # our text stays as typed
    assert "Both municipalities want" in english and "Both municipalities want" not in spanish
    # every passage not translated yet is marked where it stands and listed at the end of its text
    marks = re.findall(r"\[[^\]]*(\d+)\]", spanish)
    assert marks and spanish.count("/translate") == 1
    assert "Both municipalities want" not in spanish.split(SPANISH)[0][-200:]


async def test_a_changed_answer_puts_its_translation_out_of_date_and_the_round_asks_again(project) -> None:
    _, store, coordinator = project
    await coordinator.send(Command("translate"), Press("start:open"))
    await translate_until(coordinator, "protocol_objectives", SPANISH)
    await store.answers.save(1, "protocol_objectives", "Both municipalities now want something else entirely.", 1)
    assert (await store.translations.answer_version(1, "protocol_objectives")) == 2

    text = await protocol_text(coordinator)
    assert SPANISH not in text  # an out-of-date translation is not used
    assert "Both municipalities now want something else entirely" in text.split("Borrador", 1)[1]

    await coordinator.send(Command("translate"))
    assert "1 out of date" in coordinator.last.text
    await coordinator.send(Press("start:open"))
    for _ in range(100):
        if (await passage_on_screen(coordinator))[0] == "protocol_objectives":
            break
        await coordinator.send(Press("skip"))
    assert "The original changed since this was translated" in coordinator.last.text
    assert SPANISH in coordinator.last.text  # the old translation is shown, to correct
    assert "The translation still fits" in [b.label for b in coordinator.last.buttons]


async def test_only_the_coordinator_and_the_people_they_name_translate(project) -> None:
    service, store, coordinator = project
    await coordinator.send(Command("invite"), Press("role:member"))
    anna = Chat(service, User(2, "en", "Anna"))
    await anna.send(Command("start", re.search(r"/start (\S+)", coordinator.text).group(1)))
    await anna.send(Command("translate"))
    assert "Only the coordinator, and the people the coordinator names, can translate" in anna.text
    await coordinator.send(Command("translate"), Press("translators"), Press("toggle:2"), Press("done"))
    assert await store.translations.translators(1) == {2}
    await anna.send(Command("translate"))
    assert "Translation round into Spanish." in anna.last.text


async def invite_partner(service, coordinator: Chat) -> Chat:
    await coordinator.send(Command("invite"))
    assert "Invite the partner's contact" in [b.label for b in coordinator.last.buttons]
    await coordinator.send(Press("role:partner"))
    partner = Chat(service, User(3, "es", "Marlon"))
    await partner.send(Command("start", re.search(r"/start (\S+)", coordinator.text).group(1)))
    return partner


async def test_the_partner_contact_sees_only_the_drafts_for_the_partner_and_the_round(project) -> None:
    service, store, coordinator = project
    await coordinator.send(Command("documents"), Press("remake:1"), Command("documents"), Press("remake:2"))
    partner = await invite_partner(service, coordinator)
    assert await store.members.role(1, 3) == "partner"
    assert (await store.users.get(3)).language == "es"  # works in their own language
    await partner.send(Command("language"), Press("lang:en"))  # (English here, to read the replies in the test)
    assert "You take part in the link between Lindenberg and San Rafael del Norte" in partner.text

    await partner.send(Command("documents"))
    names = {f.filename for m in partner.mine for f in m.files}
    assert names == {  # the profile is made again in the partner's language, now that it is known
        "municipal_profile_v1_es.docx",
        "municipal_profile_v1_es.pdf",
        "partner_checklist_v1_es.docx",
        "partner_checklist_v1_es.pdf",
        "cooperation_protocol_v1_en-es.docx",
        "cooperation_protocol_v1_en-es.pdf",
    }
    for command in ("status", "edit", "score", "ranking", "check", "export", "members", "invite", "assign",
                    "reminders", "template", "help"):  # fmt: skip
        await partner.send(Command(command))
        assert "As the partner's contact you can use /documents, /translate and /language." in partner.text, command
        assert not any(m.files for m in partner.mine), command
        for secret in ("Kisanga", "Second choice", "Weighted score", "essential"):  # other candidates, the memo
            assert secret not in partner.text, (command, secret)
    assert (await partner.position()).get("at") == "idle"  # no question of the plan is ever theirs


async def test_the_partner_gets_only_the_partner_drafts_when_a_stage_closes(plan: Plan, tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "stage.db")
    try:
        service = service_on(plan, db)
        store = Store(db)
        coordinator = Chat(service, User(1, "en", "Sofie"))
        await coordinator.send(Command("start"))
        for qid, value in stored_demo(plan).items():
            await store.answers.save(1, qid, value, 1)
        partner = await invite_partner(service, coordinator)
        for step in [plan.setup, *plan.ordered_steps()]:
            if step.stage <= 2:
                await store.progress.close_step(1, step.id, 1)
        await store.progress.close_stage(1, 1, 1)
        await store.positions.save(1, 1, {"at": "start"})
        await coordinator.send(Command("start"))  # the stage review of stage 2
        assert (await coordinator.position()) == {"at": "stage_review", "stage": 2}
        await coordinator.send(Press("close_stage"))
        to_partner = {f.filename for m in coordinator.mailbox.to("user", 3) for f in m.files}
        to_coordinator = {f.filename for m in coordinator.mailbox.to("user", 1) for f in m.files}
        assert to_partner == {
            "partner_checklist_v1_es.docx",
            "partner_checklist_v1_es.pdf",
            "cooperation_protocol_v1_en-es.docx",
            "cooperation_protocol_v1_en-es.pdf",
        }
        assert {"internal_memo_v1_en.docx", "sources_stage2_v1_en.docx"} <= to_coordinator
        del partner
    finally:
        await db.close()


async def test_the_partner_confirms_or_corrects_the_translation_in_their_language(project) -> None:
    service, store, coordinator = project
    await coordinator.send(Command("translate"), Press("start:open"))
    await translate_until(coordinator, "protocol_objectives", SPANISH)
    partner = await invite_partner(service, coordinator)
    await partner.send(Command("language"), Press("lang:en"))
    await partner.send(Command("translate"))
    assert "Confirm or correct every passage" in [b.label for b in partner.last.buttons]
    assert "Who may translate" not in [b.label for b in partner.last.buttons]  # the coordinator's
    await partner.send(Press("start:all"))
    for _ in range(100):
        if (await passage_on_screen(partner))[0] == "protocol_objectives":
            break
        await partner.send(Press("skip"))
    assert SPANISH in partner.last.text and "Confirm this translation" in [b.label for b in partner.last.buttons]
    await partner.send(Press("confirm"))
    assert (await store.translations.of(1, "es"))[("protocol_objectives", "")].confirmed_by == 3
    # a correction typed by the partner replaces the text and counts as confirmed
    await coordinator.send(Command("translate"), Press("start:all"))
    await partner.send(Command("translate"), Press("start:all"))
    await translate_until(partner, "protocol_financing", "Cada municipio reserva un presupuesto anual.")
    corrected = (await store.translations.of(1, "es"))[("protocol_financing", "")]
    assert corrected.translated_by == 3 and corrected.confirmed_by == 3


async def test_there_is_nothing_to_translate_when_the_partner_works_in_our_language(project) -> None:
    _, store, coordinator = project
    await store.answers.save(1, "partner_language", "en", 1)
    await coordinator.send(Command("translate"))
    assert "there is nothing to translate" in coordinator.text
    await store.answers.save(1, "partner_language", "pt", 1)
    await coordinator.send(Command("translate"))
    assert "I cannot write drafts in the partner's working language" in coordinator.text


async def test_forgetting_the_partner_contact_keeps_their_translations(project) -> None:
    service, store, coordinator = project
    partner = await invite_partner(service, coordinator)
    await partner.send(Command("translate"), Press("start:open"))
    await translate_until(partner, "protocol_objectives", SPANISH)
    await partner.send(Command("mydata"))
    mine = [f for m in partner.replies for f in m.files]
    assert mine and SPANISH in mine[0].content.decode()  # /mydata lists the translations they made
    await partner.send(Command("forgetme"), Press("confirm"))
    kept = (await store.translations.of(1, "es"))[("protocol_objectives", "")]
    assert kept.text == SPANISH and kept.translated_by == 0 and kept.confirmed_by == 0


async def test_an_older_database_gets_the_partner_role_and_the_translations(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        for number, script in enumerate(MIGRATIONS[:2], start=1):
            old.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        old.execute("INSERT INTO projects (id, name, created_at) VALUES (1, 'Lindenberg', '2027-01-01')")
        old.execute("INSERT INTO users (id, language, created_at) VALUES (1, 'nl', '2027-01-01')")
        old.execute("INSERT INTO members (project_id, user_id, role, joined_at) VALUES (1, 1, 'coordinator', 'x')")
        with pytest.raises(sqlite3.IntegrityError):
            old.execute("INSERT INTO members (project_id, user_id, role, joined_at) VALUES (1, 1, 'partner', 'x')")
    db = await Database.open(path)
    try:
        store = Store(db)
        assert await store.members.role(1, 1) == "coordinator"  # kept
        await store.users.ensure(2, "es", "Marlon")
        await store.members.add(1, 2, "partner")
        assert await store.members.role(1, 2) == "partner"
        await store.translations.save(1, "offer", "", "es", "What we offer", "Lo que ofrecemos", 2)
        assert (await store.translations.of(1, "es"))[("offer", "")].confirmed_by == 2  # the partner's own text
    finally:
        await db.close()
    assert schema_version(path) == len(MIGRATIONS)
