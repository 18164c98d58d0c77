"""The drafts: one template each, written as DOCX and PDF, read back with real readers."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import time
import tracemalloc
import zipfile
from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader

from bot.demo import demo_answers, multi_parts
from bot.documents.docx_writer import LetterheadError, check_letterhead, write_docx
from bot.documents.drafts import DraftRequest, Source, build, changes
from bot.documents.render import ProjectFacts
from bot.i18n import translator
from bot.plan.models import Kind, Plan, QuestionType
from tests.readers import docx_styles, docx_text, pdf_text

FACTS = ProjectFacts(name="Lindenberg", country="Belgium", kind="north_south")
TODAY = date(2027, 3, 15)


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


def request(plan: Plan, values: dict, letterhead: bytes | None = None) -> DraftRequest:
    sources = {qid: Source("Sofie Van Damme", "2027-03-01T10:00:00+00:00") for qid in values}
    return DraftRequest(plan, values, Kind.north_south, FACTS, sources, TODAY, letterhead)


def document(plan: Plan, document_id: str):
    return next(d for d in plan.documents if d.id == document_id)


def test_demo_writes_every_draft_in_both_formats(plan: Plan, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    lines = result.stdout.splitlines()
    written = {Path(line).name for line in lines if line.endswith((".docx", ".pdf"))}
    assert any(line.startswith("stage 1: ") and "questions asked" in line for line in lines)  # the effort, per stage

    # partner-facing drafts are in the partner's language (Spanish for San Rafael del Norte) once it is
    # known, that is from stage 2; the municipal profile of stage 1 is still in the project's language; the
    # protocol is in both, and its file name says so
    def language(d) -> str:
        if d.bilingual:
            return "en-es"
        return "es" if d.partner_facing and d.stage > 1 else "en"

    assert written == {f"{d.id}_v1_{language(d)}.{ext}" for d in plan.documents for ext in ("docx", "pdf")}
    for draft in plan.documents:
        content = (tmp_path / f"{draft.id}_v1_{language(draft)}.docx").read_bytes()
        word = docx_text(content)
        pdf = pdf_text((tmp_path / f"{draft.id}_v1_{language(draft)}.pdf").read_bytes())
        title = translator(language(draft)[:2]).translate(draft.title)
        # a council decision is headed by its subject; its title is the document's, and every page's footer
        assert WordDocument(BytesIO(content)).core_properties.title.startswith(title) and "Lindenberg" in word
        assert "[to be completed" not in word and "[pendiente de completar" not in word, draft.id  # all answered
        assert title in pdf.replace("\n", " "), draft.id
    protocol = docx_text((tmp_path / "cooperation_protocol_v1_en-es.docx").read_bytes())
    assert protocol.count("San Rafael del Norte") > 10 and "Borrador" in protocol  # both texts, complete


def test_word_drafts_use_real_styles_and_carry_the_answers(plan: Plan) -> None:
    values = stored_demo(plan)
    demo = demo_answers("en")
    draft = build(request(plan, values), document(plan, "municipal_profile"), "en", 1)
    styles = docx_styles(draft.docx)
    assert styles[0] == ("Title", "Municipal profile")
    assert {"Heading 1", "Heading 2"} & {style for style, _ in styles}
    text = docx_text(draft.docx)
    assert demo["region_identity"][:60] in text
    assert "Lindenberg (Belgium)" in text and "March 15, 2027 · Version 1" in text
    partners = build(request(plan, values), document(plan, "local_partners"), "en", 1)
    assert WordDocument(BytesIO(partners.docx)).tables, "the inventory is a Word table"
    assert demo["local_partners"][0]["organisation"] in docx_text(partners.docx)
    checklist = build(request(plan, values), document(plan, "partner_checklist"), "en", 1)
    boxes = [text for _, text in docx_styles(checklist.docx) if text.startswith("☐ ")]
    assert len(boxes) >= 3, "the checklist's items each start with an empty box"
    assert all(len(text) > len("☐ ") for text in boxes), "every box is followed by the item it ticks"
    assert "[ ]" not in docx_text(checklist.docx), "no Markdown checkbox is left as text"


def test_the_annex_of_sources_is_a_separate_internal_file_per_stage(plan: Plan) -> None:
    values = stored_demo(plan)
    draft = build(request(plan, values), document(plan, "policy_statement"), "en", 1)
    text = docx_text(draft.docx)
    assert "March 1, 2027" not in text and "Answered by" not in text  # no annex in the draft itself
    assert set(draft.sources) >= {"objectives", "motivation"}  # what it was built from is kept with it
    annex = build(request(plan, values), document(plan, "sources_stage1"), "en", 1)
    listed = docx_text(annex.docx)
    assert "Answered by Sofie Van Damme on March 1, 2027" in listed
    assert "not sent to the partner" in listed
    assert values["objectives"][:80] in listed and "Policy statement" in listed  # the answer and where it is used
    stage_reads = {
        qid for d in plan.documents_of(1) if not d.annex for qid in build(request(plan, values), d, "en", 1).sources
    }
    assert set(annex.sources) == stage_reads  # every answer of the stage's drafts, no other


def test_pdf_has_unicode_fonts_embedded_page_numbers_and_a_footer(plan: Plan) -> None:
    values = stored_demo(plan) | {"objectives": "Zoë, Åsa, Björn, François, Muñoz, Łódź, Győr: € 1.500 “samen”"}
    draft = build(request(plan, values), document(plan, "policy_statement"), "en", 3)
    text = pdf_text(draft.pdf)
    assert "Zoë, Åsa, Björn, François, Muñoz, Łódź, Győr: € 1.500 “samen”" in text.replace("\n", " ")
    pages = len(PdfReader(BytesIO(draft.pdf)).pages)
    assert f"Lindenberg · Policy statement · Version 3 · 1/{pages}" in text
    fonts = {
        str(font["/BaseFont"])
        for page in PdfReader(BytesIO(draft.pdf)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("DejaVu" in name for name in fonts)
    embedded = [
        font.get_object()["/FontDescriptor"]
        for page in PdfReader(BytesIO(draft.pdf)).pages
        for font in page["/Resources"]["/Font"].values()
        if "/FontDescriptor" in font.get_object()
    ]
    descendants = [
        font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        for page in PdfReader(BytesIO(draft.pdf)).pages
        for font in page["/Resources"]["/Font"].values()
        if "/DescendantFonts" in font.get_object()
    ]
    assert all("/FontFile2" in d for d in embedded + descendants) and (embedded or descendants)


def pdf_fonts(content: bytes) -> set[str]:
    return {
        str(font["/BaseFont"])
        for page in PdfReader(BytesIO(content)).pages
        for font in page["/Resources"]["/Font"].values()
    }


def test_emoji_print_in_the_pdf_and_nothing_vanishes_silently(plan: Plan) -> None:
    family, globe = "👨\u200d👩\u200d👧", "🌍"
    objectives = f"Our {family} link {globe} with ❤️ and 北京 in it"
    values = stored_demo(plan) | {"objectives": objectives, "motivation": f"**{globe}** bold"}
    draft = build(request(plan, values), document(plan, "policy_statement"), "en", 1)
    text = pdf_text(draft.pdf).replace("\n", " ")
    assert globe in text and "Our 👨" in text and "👩" in text and "👧 link" in text  # each face has its glyph
    assert "❤" in text
    assert "with ❤️ and □□ in it" in text, "a character no font has prints as a visible box"
    assert any("NotoEmoji" in name for name in pdf_fonts(draft.pdf))
    assert objectives in docx_text(draft.docx), "the Word draft keeps the text as typed"


def test_a_draft_without_emoji_embeds_only_dejavu(plan: Plan) -> None:
    draft = build(request(plan, stored_demo(plan)), document(plan, "municipal_profile"), "en", 1)
    assert all("DejaVu" in name for name in pdf_fonts(draft.pdf))


def test_making_a_pdf_logs_no_font_subsetting_chatter(plan: Plan, caplog: pytest.LogCaptureFixture) -> None:
    values = stored_demo(plan) | {"objectives": "With emoji 🌍 too"}
    with caplog.at_level(logging.INFO):
        build(request(plan, values), document(plan, "policy_statement"), "en", 1)
    chatter = [record.getMessage() for record in caplog.records if record.name.startswith("fontTools")]
    assert not chatter, f"{len(chatter)} fontTools lines, e.g. {chatter[:2]}"
    assert not [record for record in caplog.records if "missing the following glyphs" in record.getMessage()]


def test_a_missing_answer_shows_a_visible_placeholder(plan: Plan) -> None:
    draft = build(request(plan, {"municipality": "Lindenberg"}), document(plan, "municipal_profile"), "en", 1)
    text = docx_text(draft.docx)
    assert "[to be completed:" in text
    assert "[to be completed:" in pdf_text(draft.pdf)


@pytest.mark.parametrize(
    "hostile",
    [
        "<b>bold?</b> & <script>alert(1)</script>",
        "{{ 7 * 7 }} {% for x in y %} {# comment #}",
        "**not bold** _not italic_ # not a heading | not | a | table",
        "bell\x07 null\x00 escape\x1b end",
        "x" * 10_000,
    ],
)
def test_hostile_answers_stay_literal_in_both_formats(plan: Plan, hostile: str) -> None:
    values = stored_demo(plan) | {"objectives": hostile}
    draft = build(request(plan, values), document(plan, "policy_statement"), "en", 1)
    expected = re.sub(r"[\x00-\x1f]", "", hostile)
    word = docx_text(draft.docx)
    assert expected in word
    assert "49" not in word.replace(expected, "")
    assert expected[:200] in pdf_text(draft.pdf).replace("\n", "")


def test_the_partner_checklist_is_written_in_the_partner_language(plan: Plan) -> None:
    from bot.engine.drafting import language_of

    values = stored_demo(plan) | {"partner_language": "nl"}
    checklist = document(plan, "partner_checklist")
    assert language_of(checklist, values, "en") == "nl"
    assert language_of(document(plan, "policy_statement"), values, "en") == "en"
    values_fr = stored_demo(plan) | {"partner_language": "pt"}
    assert language_of(checklist, values_fr, "sv") == "sv"  # no Portuguese catalog: the project's language
    dutch = docx_text(build(request(plan, values), checklist, "nl", 1).docx)
    english = docx_text(build(request(plan, values), checklist, "en", 1).docx)
    assert "15 maart 2027" in dutch and "March 15, 2027" in english
    assert dutch.splitlines()[0] != english.splitlines()[0]


def test_the_protocol_is_one_file_in_both_languages(plan: Plan) -> None:
    from bot.engine.drafting import _also, language_of

    values = stored_demo(plan) | {"partner_language": "es"}
    protocol = document(plan, "cooperation_protocol")
    assert language_of(protocol, values, "nl") == "nl" and _also(protocol, values, "nl") == "es"
    assert _also(protocol, values | {"partner_language": "nl"}, "nl") is None  # one language when both speak it
    draft = build(request(plan, values), protocol, "en", 1, also="nl")
    assert draft.filename("docx") == "cooperation_protocol_v1_en-nl.docx"
    both = docx_text(draft.docx)
    assert "Draft cooperation protocol" in both and "Ontwerp van samenwerkingsprotocol" in both
    first, second = both.split("Ontwerp van samenwerkingsprotocol", 1)
    for article in range(1, 11):  # the charter's articles, in both texts
        assert f"Article {article}." in first
    assert second.count("San Rafael del Norte") >= first.count("San Rafael del Norte") - 2  # complete, both
    assert len(WordDocument(BytesIO(draft.docx)).tables) == 2  # a signature block in each language
    styles = docx_styles(draft.docx)
    assert [text for style, text in styles if style == "Title"] == [
        "Draft cooperation protocol",
        "Ontwerp van samenwerkingsprotocol",
    ]  # the second text starts on a new page with its own title


def test_a_letterhead_brings_its_header_and_styles(plan: Plan) -> None:
    letterhead = WordDocument()
    letterhead.sections[0].header.paragraphs[0].text = "Gemeente Lindenberg · Markt 1 · 9999 Lindenberg"
    letterhead.add_paragraph("This body text is replaced by the draft.")
    buffer = BytesIO()
    letterhead.save(buffer)
    draft = build(request(plan, stored_demo(plan), buffer.getvalue()), document(plan, "summary_report"), "en", 1)
    result = WordDocument(BytesIO(draft.docx))
    assert result.sections[0].header.paragraphs[0].text == "Gemeente Lindenberg · Markt 1 · 9999 Lindenberg"
    assert "This body text is replaced" not in docx_text(draft.docx)
    assert result.paragraphs[0].style.name == "Title"


def test_what_changed_between_two_versions(plan: Plan) -> None:
    values = stored_demo(plan)
    first = build(request(plan, values), document(plan, "policy_statement"), "en", 1)
    second = build(
        request(plan, values | {"motivation": "A new motivation"}), document(plan, "policy_statement"), "en", 2
    )
    assert changes(first.sources, second.sources) == ["motivation"]
    assert changes(first.sources, first.sources) == []


def test_members_scores_and_notes_reach_the_comparison(plan: Plan) -> None:
    values = stored_demo(plan)
    first = values["candidates"][0]["name"]
    notes = {
        first: [
            {"crit_region": 1, "crit_policy": 1, "_name": "Anna", "_pros": "<b>Big & green</b>", "_cons": "Far away"}
        ]
    }
    comparison = document(plan, "candidate_comparison")
    base = request(plan, values)
    with_members = DraftRequest(plan, values, Kind.north_south, FACTS, base.sources, TODAY, member_scores=notes)
    text = docx_text(build(with_members, comparison, "en", 1).docx)
    assert "What committee members noted" in text
    assert "Anna: Pros: <b>Big & green</b>; Cons: Far away" in text
    assert text != docx_text(build(base, comparison, "en", 1).docx)


async def test_the_demo_writes_drafts_in_a_language_of_the_drafts_only(plan: Plan, tmp_path: Path) -> None:
    from bot.demo import run_demo

    written, _ = await run_demo(plan, tmp_path, "es")
    assert written and {path.name.rsplit("_", 1)[1] for path in written} == {"es.docx", "es.pdf"}
    title = translator("es").translate("Municipal profile")
    assert title != "Municipal profile"
    assert title in docx_text((tmp_path / "municipal_profile_v1_es.docx").read_bytes())


def letterhead_bytes() -> bytes:
    letterhead = WordDocument()
    letterhead.sections[0].header.paragraphs[0].text = "Gemeente Lindenberg"
    buffer = BytesIO()
    letterhead.save(buffer)
    return buffer.getvalue()


@cache
def zip_bomb(size: int = 200 * 1024 * 1024) -> bytes:
    """A .docx-shaped package whose document part unpacks to `size` bytes of zeros (about 200 kB packed)."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        with zipfile.ZipFile(BytesIO(letterhead_bytes())) as real:
            for part in real.infolist():
                if part.filename != "word/document.xml":
                    package.writestr(part.filename, real.read(part))
        with package.open("word/document.xml", "w") as stream:
            chunk = bytes(1024 * 1024)
            for _ in range(size // len(chunk)):
                stream.write(chunk)
    return buffer.getvalue()


def lying_about_its_size(content: bytes, name: str, declared: int) -> bytes:
    """The package with the uncompressed size of part `name` rewritten to `declared` in both of its headers."""
    data = bytearray(content)
    with zipfile.ZipFile(BytesIO(content)) as package:
        local = package.getinfo(name).header_offset
    end = data.rindex(b"PK\x05\x06")  # the end of central directory record says where the directory starts
    at = int.from_bytes(data[end + 16 : end + 20], "little")
    while data[at : at + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = (
            int.from_bytes(data[at + offset : at + offset + 2], "little") for offset in (28, 30, 32)
        )
        if data[at + 46 : at + 46 + name_length] == name.encode():
            data[at + 24 : at + 28] = declared.to_bytes(4, "little")
        at += 46 + name_length + extra_length + comment_length
    data[local + 22 : local + 26] = declared.to_bytes(4, "little")
    return bytes(data)


def refused_quickly_and_small(content: bytes) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(LetterheadError):
            check_letterhead(content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 5
    assert peak < 50 * 1024 * 1024, f"{peak / 1e6:.0f} MB held while checking"


def test_a_real_letterhead_passes_the_checks() -> None:
    check_letterhead(letterhead_bytes())


def test_a_zip_bomb_letterhead_is_refused_quickly_and_in_little_memory() -> None:
    bomb = zip_bomb()
    assert len(bomb) < 1024 * 1024 and zipfile.is_zipfile(BytesIO(bomb))
    refused_quickly_and_small(bomb)


def test_a_letterhead_whose_parts_lie_about_their_size_is_refused() -> None:
    liar = lying_about_its_size(zip_bomb(30 * 1024 * 1024), "word/document.xml", 2000)
    with zipfile.ZipFile(BytesIO(liar)) as package:
        assert package.getinfo("word/document.xml").file_size == 2000
    refused_quickly_and_small(liar)


def test_a_letterhead_of_ten_thousand_parts_is_refused() -> None:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        with zipfile.ZipFile(BytesIO(letterhead_bytes())) as real:
            for part in real.infolist():
                package.writestr(part.filename, real.read(part))
        for number in range(10_000):
            package.writestr(f"customXml/tiny{number}.xml", b"<a/>")
    refused_quickly_and_small(buffer.getvalue())


def test_a_stored_zip_bomb_letterhead_gives_a_plain_draft_not_a_crash(plan: Plan) -> None:
    from bot.documents.blocks import Block, Span

    draft = write_docx([Block("heading", [Span("Title")], level=1)], "Title", letterhead=zip_bomb())
    assert docx_text(draft).startswith("Title")
