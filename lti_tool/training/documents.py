"""Training documents as PDF: the whole guide, a chapter, a chapter's checklists, a module, a quiz result.

The HTML comes from ``training/pdf/*.html`` templates and is turned into tagged PDF (PDF/UA-1, language and
title set, real text) by :func:`lti_tool.pdf.render_pdf`. Content bodies are the sanitised HTML the loader made;
their ``ref:`` links are rewritten for paper: a link to a chapter inside the guide PDF becomes a link to that
chapter's page in the document (its page number is printed beside it), any other link keeps its words only, so
no session token or tool address ends up in a file that is passed around.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from flask import Response, current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..content import model as m
from ..pdf import PdfUnavailable, render_pdf
from .errors import TrainingError

STATIC = Path(__file__).parent / "static"
#: Relative URLs in the PDF templates resolve here; only files in the training static folder are read.
PDF_BASE_URL = "https://pdf.invalid/training/static/"

_REF_LINK = re.compile(r'<a href="#ref-[^"]*" data-ref="([^"]*)"[^>]*>(.*?)</a>', re.S)
_HEADING = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1>", re.S)
_TASK_LIST = re.compile(r'<ul class="contains-task-list">(.*?)</ul>', re.S)
_TASK_ITEM = re.compile(r"<li[^>]*>(.*?)</li>", re.S)
_CHECKBOX = re.compile(r'<input class="task-list-item-checkbox"[^>]*>')
_TAGS = re.compile(r"<[^>]+>")


class PdfNotAvailable(TrainingError):
    """The server cannot make PDF files (WeasyPrint or its system libraries are missing)."""

    status = 503
    code = "pdf_unavailable"
    title = _l("PDF files cannot be made right now")
    hint = _l("Use your browser's print function instead, or try again later.")


@dataclass(frozen=True)
class Checklist:
    """One checklist of a chapter: the heading it stands under and its items (plain text)."""

    heading: str
    items: tuple[str, ...]


def paper_html(body: str, chapters: Iterable[str] = ()) -> str:
    """Return content HTML fit for a PDF: ``ref:`` links to ``chapters`` point inside the document, others
    keep their words only; task-list checkboxes become printed boxes."""
    inside = set(chapters)

    def link(match: re.Match[str]) -> str:
        ref, words = match.group(1), match.group(2)
        item = ref.split("/", 1)[-1]
        if item in inside:
            return f'<a class="xref" href="#chapter-{html_lib.escape(item)}">{words}</a>'
        return f'<span class="ref">{words}</span>'

    body = _REF_LINK.sub(link, body)
    return _CHECKBOX.sub('<span class="tick-box">☐</span>', body)


def _plain(fragment: str) -> str:
    return " ".join(html_lib.unescape(_TAGS.sub("", fragment)).split())


def checklists(chapter: m.Chapter) -> list[Checklist]:
    """Return the chapter's checklists (its ``- [ ]`` lists) with the heading each stands under."""
    found: list[Checklist] = []
    headings = [(h.start(), _plain(h.group(2))) for h in _HEADING.finditer(chapter.html)]
    for lst in _TASK_LIST.finditer(chapter.html):
        above = [text for pos, text in headings if pos < lst.start()]
        items = tuple(_plain(_CHECKBOX.sub("", i.group(1))) for i in _TASK_ITEM.finditer(lst.group(1)))
        if items:
            found.append(Checklist(above[-1] if above else chapter.title, items))
    return found


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:80] or "document"


def pdf_response(template: str, *, filename: str, lang: str, title: str, **context: Any) -> Response:
    """Render a PDF template and answer it as a download (private to the person, never cached).

    Raises:
        PdfNotAvailable: WeasyPrint cannot run on this server (503).
    """
    page = render_template(template, lang=lang, title=title, made_on=dt.date.today(), **context)
    try:
        data = render_pdf(page, base_url=PDF_BASE_URL, lang=lang, static_dirs=[STATIC])
    except PdfUnavailable as exc:
        current_app.logger.error("training PDF unavailable: %s", exc)
        raise PdfNotAvailable(_("PDF files cannot be made on this server right now. Use your browser's print "
                                "function instead, or try again later.")) from exc
    resp = Response(data, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'attachment; filename="{_safe_name(filename)}.pdf"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def package_credit(package: m.Package) -> str:
    """Return the line naming the authors, the version and the licence of a package."""
    authors = ", ".join(a.name for a in package.authors)
    return _("%(authors)s. Version %(version)s. Licence: %(licence)s.", authors=authors, version=package.version,
             licence=package.license)
