"""The conversation engine on a small plan that uses every question type."""

from __future__ import annotations

from pathlib import Path

from bot.engine.messages import Command, Press, Text, Upload, User
from bot.storage.database import Database
from tests.conftest import ALPHA, BETA, SETUP, Chat, Store, service_on
from tests.readers import docx_text


async def test_first_contact_creates_a_project_and_asks_the_first_question(mini_plan, chat_on) -> None:
    chat: Chat = chat_on(mini_plan)
    await chat.send(Command("start"))
    assert "Welcome" in chat.text
    assert "What is the name of your municipality?" in chat.last.text
    assert (await chat.position())["q"] == "municipality"


async def test_each_step_opens_with_its_purpose_and_results(mini_plan, chat_on) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP)
    assert "Step 1: Alpha step" in chat.text
    assert "Try every simple type." in chat.text
    assert "A result" in chat.text
    assert "Stage 1 · Step 1 (1 of 2) · Question 1 of" in chat.last.text


async def test_a_wrong_value_is_explained_and_nothing_is_stored(mini_plan, chat_on, store) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, Text("Together"), Command("skip"))
    await chat.send(Text("many"))
    assert "whole number" in chat.replies[0].text
    assert "How many inhabitants?" in chat.last.text
    await chat.send(Text("0"))
    assert "at least 1" in chat.replies[0].text
    answers = await store.answers.of(1)
    assert "population" not in answers
    await chat.send(Text("28000"), Text("2000000"))
    assert "At most one million euro." in chat.replies[0].text  # the rule's own message
    await chat.send(Text("12500"), Text("31-02-2027"))
    assert "day-month-year" in chat.replies[0].text
    await chat.send(Text("15-03-2019"))
    assert "on or after" in chat.replies[0].text
    answers = await store.answers.of(1)
    assert answers["population"].value == 28000
    assert answers["budget"].value == 12500
    assert "start" not in answers


async def test_every_simple_type_is_stored_as_its_value(mini_plan, chat_on, store) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA)
    values = {qid: answer.value for qid, answer in (await store.answers.of(1)).items()}
    assert values == {
        "municipality": "Lindenberg",
        "kind": "european",
        "motto": "Together",
        "story": None,
        "population": 28000,
        "budget": 12500,
        "start": "2027-03-15",
        "has_school": False,
        "fields": {"selected": ["culture", "sport"], "other": None},
        "readiness": 4,
    }
    assert "Review of step 1" in chat.last.text


async def test_skip_logic_asks_follow_ups_only_when_they_apply(mini_plan, chat_on, store) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), Text("Lindenberg"), Press("o:north_south"))
    await chat.send(Text("Together"), Command("skip"), Text("28000"), Text("12500"), Text("15-03-2027"))
    await chat.send(Press("o:yes"))
    assert "Which school?" in chat.last.text
    await chat.send(Text("Sint-Jan"), Press("o:youth"), Press("other"), Text("Music"), Press("done"))
    assert "What do you plan for youth?" in chat.last.text
    await chat.send(Text("An exchange"), Press("o:5"))
    assert "Which southern network?" in chat.last.text  # kinds: [north_south], with its variant wording
    values = {qid: answer.value for qid, answer in (await store.answers.of(1)).items()}
    assert values["fields"] == {"selected": ["youth"], "other": "Music"}


async def test_multiple_choice_ticks_and_done(mini_plan, chat_on) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA[:6])
    await chat.send(Press("o:youth"))
    assert "✓ Youth" in [button.label for button in chat.last.buttons]
    await chat.send(Press("o:youth"), Press("done"))
    assert "at least one option" in chat.replies[0].text
    await chat.send(Press("o:culture"), Press("done"))
    assert "Saved: Culture" in chat.replies[0].text


async def test_back_shows_the_previous_question_with_its_answer(mini_plan, chat_on, store) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, Text("Together"), Command("skip"), Text("28000"))
    await chat.send(Command("back"))
    assert "How many inhabitants?" in chat.last.text
    assert "Current answer: 28,000" in chat.last.text
    await chat.send(Text("29000"))
    assert "What is the yearly budget?" in chat.last.text  # on to the first open question
    assert (await store.answers.of(1))["population"].value == 29000
    await chat.send(Command("back"), Press("keep"))
    assert (await store.answers.of(1))["population"].value == 29000
    assert [a.value for a in await store.answers.history(1, "population")] == [28000, 29000]


async def test_back_at_the_first_question_of_a_step_says_so(mini_plan, chat_on) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, Command("back"))
    assert "first question of this step" in chat.replies[0].text
    assert "What is your motto?" in chat.last.text


async def test_skip_only_for_optional_questions(mini_plan, chat_on, store) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, Command("skip"))
    assert "cannot be skipped" in chat.replies[0].text
    assert "motto" not in await store.answers.of(1)
    await chat.send(Text("Together"), Command("skip"))
    assert "Skipped" in chat.replies[0].text
    assert (await store.answers.of(1))["story"].value is None


async def test_review_then_edit_an_answer_and_close_the_step(mini_plan, chat_on, store) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA)
    assert [b.value for b in chat.last.buttons] == ["close", "change"]
    await chat.send(Press("change"))
    assert "q:motto" in [b.value for b in chat.last.buttons]
    await chat.send(Press("q:motto"))
    assert "Current answer: Together" in chat.last.text
    await chat.send(Text("Stronger together"))
    assert "Review of step 1" in chat.last.text
    assert "Stronger together" in chat.last.text
    await chat.send(Press("close"))
    assert "Step 1 is closed." in chat.text
    assert "Step 2: Beta step" in chat.text
    assert (await store.answers.of(1))["motto"].value == "Stronger together"


async def test_edit_an_earlier_step_returns_to_the_current_question(mini_plan, chat_on, store) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), Command("edit"))
    assert {"step:setup", "step:alpha"} <= {b.value for b in chat.last.buttons}
    await chat.send(Press("step:setup"), Press("q:municipality"), Text("Lindenberg-Oost"))
    assert "Which local partners are there?" in chat.last.text
    assert (await store.projects.get(1)).name == "Lindenberg-Oost"
    await chat.send(Command("edit"), Press("step:alpha"), Command("cancel"))
    assert "Nothing was changed." in chat.text
    assert "Which local partners are there?" in chat.last.text


async def test_repeat_group_and_check_questions(mini_plan, chat_on, store) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"))
    await chat.send(Text("Jeugdhuis"), Press("o:club"), Command("skip"))
    assert "Entry 1 added. Add another?" in chat.last.text
    await chat.send(Press("more"), Text("Sint-Jan"), Press("o:school"), Text("info@sintjan.example"))
    await chat.send(Press("more"), Text("Koor"), Press("o:club"), Command("skip"))  # max_entries is 3
    assert "Where is the town hall?" in chat.last.text
    await chat.send(Text("Markt 1"), Text("Lindenberg"), Press("o:to_do"), Text("Next budget round"))
    values = {qid: answer.value for qid, answer in (await store.answers.of(1)).items()}
    assert values["partners"] == [
        {"organisation": "Jeugdhuis", "kind": "club", "contact": None},
        {"organisation": "Sint-Jan", "kind": "school", "contact": "info@sintjan.example"},
        {"organisation": "Koor", "kind": "club", "contact": None},
    ]
    assert values["address"] == {"street": "Markt 1", "city": "Lindenberg"}
    assert values["budget_check"] == {"status": "to_do", "note": "Next budget round"}


async def test_a_repeat_needs_its_minimum_entries(mini_plan, chat_on) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), Command("skip"))
    assert "cannot be skipped" in chat.replies[0].text


async def test_stale_and_forged_buttons_change_nothing(mini_plan, chat_on, store) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, Text("Together"))
    before = await store.answers.of(1)
    await chat.send(Press("o:european"))  # a button from the setup question
    assert "earlier message" in chat.replies[0].text
    await chat.send(Press("close"))
    assert "earlier message" in chat.replies[0].text
    assert await store.answers.of(1) == before
    assert "Tell the story." in chat.last.text


async def test_completing_a_stage_makes_its_drafts_with_the_answers(mini_plan, chat_on, store) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), *BETA, Press("close"))
    assert "All steps of stage 1 (First) are closed" in chat.last.text  # the coordinator decides
    assert await store.documents.latest(1) == []
    await chat.send(Press("close_stage"))
    assert "Stage 1 is closed" in chat.text
    files = [f for message in chat.mine for f in message.files]
    assert [f.filename for f in files] == ["profile_v1_en.docx", "profile_v1_en.pdf"]
    draft = docx_text(files[0].content)
    for expected in (
        "Lindenberg",
        "Together",
        "28,000",
        "€12,500.00",
        "March 15, 2027",
        "Culture",
        "Jeugdhuis",
        "Markt 1",
        "The budget must be reviewed.: Still to do Next year's budget round",
    ):
        assert expected in draft
    assert "[to be completed: Tell the story.]" in draft
    stored = await store.documents.latest(1)
    assert [(d.kind, d.format, d.version) for d in stored] == [("profile", "docx", 1), ("profile", "pdf", 1)]
    assert "Step 3: Gamma step" in chat.text


async def test_criteria_weights_rank_candidates(mini_plan, chat_on) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), *BETA, Press("close"), Press("close_stage"))
    await chat.send(Text("Around 30,000 people"), Press("o:5"), Text("Latin America"), Press("o:1"))
    await chat.send(Text("Alpha"), Press("o:2"), Press("o:5"), Press("more"))
    await chat.send(Text("Beta"), Press("o:4"), Press("o:1"), Press("done"))
    await chat.send(Press("o:addressed"), Command("skip"), Press("close"), Press("close_stage"))
    ranking = docx_text(next(f for m in chat.mine for f in m.files).content)
    # weights 5 (size) and 1 (region): Beta (4*5+1*1)/6 = 3.5 ranks above Alpha (2*5+5*1)/6 = 2.5
    assert ranking.index("Beta: 3.5") < ranking.index("Alpha: 2.5")
    assert "All three stages are closed" in chat.text


async def test_status_shows_every_stage_and_step(mini_plan, chat_on) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), Text("Jeugdhuis"), Command("status"))
    status = chat.replies[0].text
    assert "Progress of Lindenberg" in status
    assert "✅ Step 1: Alpha step — done" in status
    assert "◐ Step 2: Beta step — 0 of 3 answered" in status
    assert "○ Step 3: Gamma step — open" in status
    assert "Entry 1" in chat.last.text  # the question in progress, with its draft, is shown again


async def test_help_lists_the_commands(mini_plan, chat_on) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), Command("help"))
    for command in ("/status", "/back", "/skip", "/edit", "/documents"):
        assert command in chat.replies[0].text


async def test_a_new_engine_on_the_same_database_continues_where_it_stopped(mini_plan, tmp_path: Path) -> None:
    path = tmp_path / "resume.db"
    user = User(5, "en")
    first = await Database.open(path)
    chat = Chat(service_on(mini_plan, first), user)
    await chat.send(Command("start"), *SETUP, *ALPHA[:3], Text("Jeugd"))  # a half-typed amount is not an answer
    await first.close()

    second = await Database.open(path)
    try:
        chat = Chat(service_on(mini_plan, second), user)
        await chat.send(Command("start"))
        assert "Welcome back" in chat.text
        assert "What is the yearly budget?" in chat.last.text
        values = {qid: a.value for qid, a in (await Store(second).answers.of(1)).items()}
        assert values == {
            "municipality": "Lindenberg",
            "kind": "european",
            "motto": "Together",
            "story": None,
            "population": 28000,
        }
    finally:
        await second.close()


async def test_a_draft_of_a_compound_answer_survives_a_restart(mini_plan, tmp_path: Path) -> None:
    path = tmp_path / "draft.db"
    user = User(5, "en")
    first = await Database.open(path)
    await Chat(service_on(mini_plan, first), user).send(
        Command("start"), *SETUP, *ALPHA, Press("close"), Text("Jeugdhuis"), Press("o:club")
    )
    await first.close()
    second = await Database.open(path)
    try:
        chat = Chat(service_on(mini_plan, second), user)
        await chat.send(Text("info@jeugdhuis.example"), Press("done"))
        assert (await Store(second).answers.of(1))["partners"].value == [
            {"organisation": "Jeugdhuis", "kind": "club", "contact": "info@jeugdhuis.example"}
        ]
    finally:
        await second.close()


async def test_the_conversation_speaks_every_interface_language(mini_plan, chat_on) -> None:
    dutch = chat_on(mini_plan, "nl-BE", user_id=1)
    await dutch.send(Command("start"), *SETUP, Text("Together"), Command("skip"), Text("28.000"))
    saved = dutch.replies[0].text
    assert "28.000" in saved  # read and written in the Dutch number format
    assert "Saved" not in saved
    swedish = chat_on(mini_plan, "sv", user_id=2)
    await swedish.send(Command("start"))
    assert "Welcome" not in swedish.text
    assert "/help" in swedish.text
    french = chat_on(mini_plan, "fr-BE", user_id=3)
    await french.send(Command("start"), *SETUP, Text("Ensemble"), Command("skip"), Text("28 000"))
    assert "28\u202f000" in french.replies[0].text or "28 000" in french.replies[0].text
    assert "Saved" not in french.replies[0].text
    german = chat_on(mini_plan, "de-AT", user_id=4)
    await german.send(Command("start"), Command("help"))
    assert "/status" in german.replies[0].text and "I walk your municipality" not in german.replies[0].text


async def test_the_back_button_goes_to_the_previous_question(mini_plan, chat_on) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP)
    assert "back" not in [b.value for b in chat.last.buttons]  # the first question of the step
    await chat.send(Text("Together"))
    assert "back" in [b.value for b in chat.last.buttons]
    await chat.send(Press("back", chat.last.prompt))
    assert "What is your motto?" in chat.last.text


async def test_documents_lists_the_latest_and_on_request_every_version(mini_plan, chat_on, store) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), *BETA, Press("close"), Press("close_stage"))
    await store.documents.save(1, 1, "profile", "en", "pdf", b"a second version")
    await chat.send(Command("documents"))
    assert [f.filename for f in chat.replies[0].files] == ["profile_v1_en.docx", "profile_v2_en.pdf"]
    await chat.send(Command("documents", "all"))
    assert [f.filename for f in chat.replies[0].files] == [
        "profile_v1_en.docx",
        "profile_v1_en.pdf",
        "profile_v2_en.pdf",
    ]


async def _closed_first_stage(mini_plan, chat_on):
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), *BETA, Press("close"), Press("close_stage"))
    return chat


async def test_new_versions_say_what_changed(mini_plan, chat_on, store) -> None:
    chat = await _closed_first_stage(mini_plan, chat_on)
    await chat.send(Command("edit"), Press("step:alpha"), Press("q:motto"), Text("Stronger together"))
    await chat.send(Command("documents"), Press("remake:1"))
    note = next(m for m in chat.mine if m.files)
    assert [f.filename for f in note.files] == ["profile_v2_en.docx", "profile_v2_en.pdf"]
    assert "Municipal profile, version 2: changed since version 1: What is your motto?" in note.text
    assert "Stronger together" in docx_text(note.files[0].content)
    await chat.send(Command("documents"), Press("remake:1"))
    assert "version 3: no answer changed since version 2" in chat.text


async def test_a_draft_in_another_language(mini_plan, chat_on) -> None:
    chat = await _closed_first_stage(mini_plan, chat_on)
    await chat.send(Command("documents"), Press("language"), Press("doc:profile"), Press("lang:nl"))
    files = [f for m in chat.mine for f in m.files]
    assert [f.filename for f in files] == ["profile_v1_nl.docx", "profile_v1_nl.pdf"]
    assert "15 maart 2027" in docx_text(files[0].content)


async def test_a_letterhead_is_checked_and_used(mini_plan, chat_on, store) -> None:
    from io import BytesIO

    from docx import Document as WordDocument

    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, Upload("letter.docx", b"PK\x03\x04 not really"))
    assert "send /template first" in chat.text
    await chat.send(Command("template"), Upload("letter.pdf", b"%PDF-1.4 a pdf"))
    assert "not a Word document (.docx)" in chat.text
    assert await store.projects.letterhead(1) is None
    letterhead = WordDocument()
    letterhead.sections[0].header.paragraphs[0].text = "Gemeente Lindenberg"
    buffer = BytesIO()
    letterhead.save(buffer)
    await chat.send(Upload("letter.docx", buffer.getvalue()))
    assert "made on your letterhead" in chat.text
    await chat.send(*ALPHA, Press("close"), *BETA, Press("close"), Press("close_stage"))
    word = next(f for m in chat.mine for f in m.files if f.filename.endswith(".docx"))
    assert WordDocument(BytesIO(word.content)).sections[0].header.paragraphs[0].text == "Gemeente Lindenberg"


async def test_the_usual_language_of_the_drafts_can_be_changed(mini_plan, chat_on, store) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, Command("documents"), Press("default_language"), Press("lang:sv"))
    assert (await store.projects.get(1)).document_language == "sv"
    await chat.send(*ALPHA, Press("close"), *BETA, Press("close"), Press("close_stage"))
    files = [f.filename for m in chat.mine for f in m.files]
    assert files == ["profile_v1_sv.docx", "profile_v1_sv.pdf"]


def _share(png: bytes, colour: tuple[int, int, int]) -> float:
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(png)).convert("RGB")
    counts = dict((rgb, n) for n, rgb in image.getcolors(image.width * image.height))
    return counts.get(colour, 0) / (image.width * image.height)


async def test_status_comes_with_a_picture_of_the_plan(mini_plan, chat_on) -> None:
    from io import BytesIO

    from PIL import Image

    from bot.documents.charts import BUSY, DONE

    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, Command("status"))
    before = chat.replies[0].files[0]
    assert before.filename == "plan.png"
    image = Image.open(BytesIO(before.content))
    assert image.format == "PNG" and image.width == 1080 and 400 < image.height < 1500
    assert _share(before.content, DONE) < 0.005 < 0.02 < _share(before.content, BUSY)  # only the legend is green
    await chat.send(*ALPHA, Press("close"), Command("status"))
    after = chat.replies[0].files[0].content
    assert _share(after, DONE) > 0.02  # step 1 is done now: its bar turned green
