"""One draft, start to finish: template → Markdown (+ annex of its sources) → DOCX and PDF.

Both formats come from the same rendered Markdown, so a template is written once. The
annex lists the answers the draft was built from, with who gave them and when; the same
list, kept with the stored draft, tells what changed when a new version is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.documents.blocks import escape_markdown, parse
from bot.documents.charts import health_chart
from bot.documents.inspect import answers_used
from bot.documents.render import DocumentRenderer, ProjectFacts
from bot.i18n import Translator, translator
from bot.plan.answers import format_value
from bot.plan.health import KeyResult, evaluate
from bot.plan.models import Document, Kind, Plan, pick


@dataclass(frozen=True)
class Source:
    """Who gave an answer, and when (an ISO timestamp)."""

    name: str
    when: str


@dataclass(frozen=True)
class Draft:
    document: Document
    language: str
    version: int
    title: str
    markdown: str
    docx: bytes
    pdf: bytes
    sources: dict[str, Any]  # question id -> the value this draft was built from

    def filename(self, extension: str) -> str:
        return f"{self.document.id}_v{self.version}_{self.language}.{extension}"


@dataclass(frozen=True)
class DraftRequest:
    """Everything about the project a draft needs, whatever its language."""

    plan: Plan
    values: dict[str, Any]
    kind: Kind | None
    facts: ProjectFacts
    sources: dict[str, Source]
    today: date
    letterhead: bytes | None = None
    health: dict[str, int] = field(default_factory=dict)  # the latest ten-keys check's own scores, if any
    member_scores: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # candidate -> members' scores


def build(request: DraftRequest, document: Document, language: str, version: int, also: str | None = None) -> Draft:
    """Render one draft in `language`; with `also`, the same draft follows in a second language.

    The writers are imported here, not at the top: python-docx and fpdf2 weigh about 55 MB, and
    only the process that makes drafts (the draft worker) needs them.
    """
    from bot.documents.docx_writer import write_docx
    from bot.documents.pdf_writer import write_pdf

    t = translator(language)
    title = t.translate(pick(document.title, request.kind))
    health = evaluate(request.plan, request.values, request.health, t, request.kind) if request.health else []
    images = {"ten-keys.png": health_chart(t.gettext("Ten keys to success: our check"), health)} if health else {}
    markdown = _markdown(request, document, t, version, health)
    if also:
        other = translator(also)
        extra = evaluate(request.plan, request.values, request.health, other, request.kind) if health else []
        markdown += "\n\n---\n\n" + _markdown(request, document, other, version, extra)
    used = [qid for qid in _used(request.plan.templates / document.template) if qid in request.values]
    markdown += _annex(request, used, t)
    blocks = parse(markdown)
    footer = f"{request.facts.name} · {title} · {t.gettext('Version')} {version}"
    return Draft(
        document=document,
        language=language,
        version=version,
        title=title,
        markdown=markdown,
        docx=write_docx(blocks, title, request.letterhead, images),
        pdf=write_pdf(blocks, title, footer, images),
        sources={qid: request.values[qid] for qid in used},
    )


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The question ids whose answer differs between two versions' sources."""
    return sorted(qid for qid in set(before) | set(after) if before.get(qid) != after.get(qid))


def _markdown(request: DraftRequest, document: Document, t: Translator, version: int, health: list[KeyResult]) -> str:
    renderer = DocumentRenderer(request.plan, request.values, t, request.kind, request.member_scores)
    return renderer.render(document, request.facts, version, request.today, health)


@lru_cache(maxsize=64)
def _used(template: Path) -> list[str]:
    return list(answers_used(template.read_text(encoding="utf-8")))


def _annex(request: DraftRequest, used: list[str], t: Translator) -> str:
    """The answers behind the draft: question, answer, who, when."""
    questions = request.plan.questions()
    lines = [
        "",
        "",
        "## " + escape_markdown(t.gettext("Annex: the answers this draft is built from")),
        "",
        "| {} | {} | {} | {} |".format(*(escape_markdown(t.gettext(h)) for h in ("Question", "Answer", "By", "On"))),
        "| --- | --- | --- | --- |",
    ]
    for qid in used:
        question, value = questions[qid], request.values[qid]
        source = request.sources.get(qid, Source("", ""))
        answer = format_value(question, value, t, request.kind) or t.gettext("(skipped)")
        when = t.date(date.fromisoformat(source.when[:10])) if source.when else ""
        cells = (t.translate(pick(question.text, request.kind)), answer, source.name, when)
        lines.append("| " + " | ".join(escape_markdown(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"
