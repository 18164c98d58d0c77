"""One draft, start to finish: template → Markdown → DOCX and PDF.

Both formats come from the same rendered Markdown, so a template is written once. Which
answers a draft was built from is kept with the stored draft (it tells what changed when a
new version is made); who gave them and when is printed only in the stage's annex of
sources, an internal file of its own, never in a draft that goes to the partner.

A bilingual draft (the cooperation protocol) is two complete texts in one file: the
project's language, then, on a new page, the partner's. Passages a draft prints in a
language they were not typed in come from the translation round, or are marked and listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.documents.blocks import PAGE_BREAK, escape_markdown, parse
from bot.documents.charts import health_chart
from bot.documents.render import DocumentRenderer, Passage, PassageKey, ProjectFacts, Render, Translation
from bot.i18n import Translator, translator
from bot.plan.answers import format_value
from bot.plan.health import KeyResult, evaluate
from bot.plan.models import Document, Kind, Plan, pick
from bot.plan.templates import answers_used, templates_read


@dataclass(frozen=True)
class Source:
    """Who gave an answer, and when (an ISO timestamp)."""

    name: str
    when: str


@dataclass(frozen=True)
class Draft:
    document: Document
    language: str  # "nl", or "nl-es" for a bilingual draft: both languages in the file name
    version: int
    title: str
    markdown: str
    docx: bytes
    pdf: bytes
    sources: dict[str, Any]  # question id -> the value this draft was built from
    untranslated: list[Passage] = field(default_factory=list)

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
    answer_language: str = "en"  # the language the answers were typed in (the project's usual language)
    translations: dict[str, dict[PassageKey, Translation]] = field(default_factory=dict)  # language -> passages


def build(request: DraftRequest, document: Document, language: str, version: int, also: str | None = None) -> Draft:
    """Render one draft in `language`; with `also`, the same draft follows, complete, in a second language.

    The writers are imported here, not at the top: python-docx and fpdf2 weigh about 55 MB, and
    only the process that makes drafts (the draft worker) needs them.
    """
    from bot.documents.docx_writer import write_docx
    from bot.documents.pdf_writer import write_pdf

    t = translator(language)
    title = t.translate(pick(document.title, request.kind))
    health = evaluate(request.plan, request.values, request.health, t, request.kind) if request.health else []
    images = {"ten-keys.png": health_chart(t.gettext("Ten keys to success: our check"), health)} if health else {}
    if document.annex:
        used = [qid for qid in _stage_reads(request.plan, document.stage) if qid in request.values]
        markdown, untranslated = _annex(request, document, t, version, used), []
    else:
        used = [qid for qid in _used(request.plan.templates / document.template) if qid in request.values]
        languages = [language, also] if also else [language]
        first = _markdown(request, document, t, version, health, languages)
        markdown, untranslated = first.markdown + _untranslated(t, first, request), first.untranslated
        if also:
            other = translator(also)
            extra = evaluate(request.plan, request.values, request.health, other, request.kind) if health else []
            second = _markdown(request, document, other, version, extra, languages)
            markdown += f"\n\n{PAGE_BREAK}\n\n" + second.markdown + _untranslated(other, second, request)
            untranslated += second.untranslated
            title += " / " + other.translate(pick(document.title, request.kind))
    blocks = parse(markdown)
    footer = f"{request.facts.name} · {title} · {t.gettext('Version')} {version}"
    return Draft(
        document=document,
        language=f"{language}-{also}" if also else language,
        version=version,
        title=title,
        markdown=markdown,
        docx=write_docx(blocks, title, request.letterhead, images),
        pdf=write_pdf(blocks, title, footer, images),
        sources={qid: request.values[qid] for qid in used},
        untranslated=untranslated,
    )


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The question ids whose answer differs between two versions' sources."""
    return sorted(qid for qid in set(before) | set(after) if before.get(qid) != after.get(qid))


def text_of(request: DraftRequest, document: Document, language: str, version: int = 1) -> str:
    """A draft's whole text in one language, as `build` writes it (annex, ten-keys check), without the files."""
    t = translator(language)
    if document.annex:
        used = [qid for qid in _stage_reads(request.plan, document.stage) if qid in request.values]
        return _annex(request, document, t, version, used)
    health = evaluate(request.plan, request.values, request.health, t, request.kind) if request.health else []
    return _markdown(request, document, t, version, health).markdown


def render(request: DraftRequest, document: Document, language: str, version: int = 1) -> Render:
    """A draft's Markdown in one language, without writing the files (the translation round reads its passages)."""
    return _markdown(request, document, translator(language), version, [])


def _markdown(
    request: DraftRequest,
    document: Document,
    t: Translator,
    version: int,
    health: list[KeyResult],
    languages: list[str] | None = None,
) -> Render:
    renderer = DocumentRenderer(
        request.plan,
        request.values,
        t,
        request.kind,
        request.member_scores,
        translating=t.language != request.answer_language,
        translations=request.translations.get(t.language, {}),
    )
    return renderer.render(document, request.facts, version, request.today, health, languages=languages or ())


def _untranslated(t: Translator, result: Render, request: DraftRequest) -> str:
    """The list, at the end of a text, of the passages it still prints in the language they were typed in."""
    missing = result.untranslated
    if not missing:
        return ""
    intro = t.ngettext(
        "One passage of this text is still in {language}, the language it was written in. The committee "
        "translates it in the translation round (/translate) and then makes a new version of this draft.",
        "{count} passages of this text are still in {language}, the language they were written in. The committee "
        "translates them in the translation round (/translate) and then makes a new version of this draft.",
        len(missing),
    ).format(count=len(missing), language=t.locale.languages.get(request.answer_language, request.answer_language))
    lines = ["", "", "## " + escape_markdown(t.gettext("Passages not yet translated")), "", escape_markdown(intro), ""]
    lines += [f"- **{p.number}\\.** {escape_markdown(p.label)}" for p in missing]
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=64)
def _used(template: Path) -> list[str]:
    """The answers a template reads, its imported macros included."""
    found: dict[str, int] = {}
    for name in templates_read(template.parent, template.name):
        found |= answers_used((template.parent / name).read_text(encoding="utf-8"))
    return list(found)


def _stage_reads(plan: Plan, stage: int) -> list[str]:
    """Every answer the drafts of a stage read, in the order of the plan."""
    read = {qid for d in plan.documents_of(stage) if not d.annex for qid in _used(plan.templates / d.template)}
    return [qid for qid in plan.questions() if qid in read]


def _annex(request: DraftRequest, document: Document, t: Translator, version: int, used: list[str]) -> str:
    """The stage's annex of sources: per step, each answer its drafts use, who gave it, when, and where it is used."""
    plan, kind = request.plan, request.kind
    drafts = [d for d in plan.documents_of(document.stage) if not d.annex]
    readers = {d.id: set(_used(plan.templates / d.template)) for d in drafts}
    steps = []
    for step in plan.ordered_steps():
        rows = []
        for question in step.questions:
            if question.id not in used:
                continue
            value, source = request.values[question.id], request.sources.get(question.id, Source("", ""))
            rows.append(
                {
                    "question": escape_markdown(t.translate(pick(question.text, kind))),
                    "answer": escape_markdown(format_value(question, value, t, kind) or t.gettext("(skipped)")),
                    "by": escape_markdown(source.name),
                    "on": t.date(date.fromisoformat(source.when[:10])) if source.when else "",
                    "used_in": [
                        escape_markdown(t.translate(pick(d.title, kind)))
                        for d in drafts
                        if question.id in readers[d.id]
                    ],
                }
            )
        if rows:
            title = t.gettext("Step {number}: {title}").format(
                number=step.number, title=t.translate(pick(step.title, kind))
            )
            if step.stage == 0:
                title = t.translate(pick(step.title, kind))
            steps.append({"title": escape_markdown(title), "rows": rows})
    renderer = DocumentRenderer(plan, request.values, t, kind)
    extra = {
        "annex": steps,
        "stage": document.stage,
        "drafts": [escape_markdown(t.translate(pick(d.title, kind))) for d in drafts],
    }
    return renderer.render(document, request.facts, version, request.today, extra=extra).markdown
