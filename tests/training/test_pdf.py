"""Training PDFs: the guide, a chapter, a checklist, a module and one's own result, read back with pypdf."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from lti_tool.content import model as m
from lti_tool.training.documents import checklists, paper_html

from .conftest import correct_form, wrong_form


def _pdf(resp) -> pypdf.PdfReader:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:400]
    assert resp.mimetype == "application/pdf" and resp.data.startswith(b"%PDF")
    assert "attachment" in resp.headers["Content-Disposition"] and resp.headers["Cache-Control"] == "private, no-store"
    return pypdf.PdfReader(io.BytesIO(resp.data))


def _text(reader: pypdf.PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def _tagged(reader: pypdf.PdfReader, lang: str = "en") -> None:
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root, "the PDF is not tagged"
    assert root.get("/Lang") == lang
    assert bool((root.get("/MarkInfo") or {}).get("/Marked"))


def _uris(reader: pypdf.PdfReader) -> list[str]:
    found = []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A") or {}
            if "/URI" in action:
                found.append(str(action["/URI"]))
    return found


def test_whole_guide_has_contents_with_page_numbers_every_chapter_and_the_glossary(world, client):
    token = world.session("ana")
    manual = client.get("/training/manual", query_string={"ltik": token}).get_data(as_text=True)
    assert "/training/manual.pdf?ltik=" in manual
    reader = _pdf(client.get("/training/manual.pdf", query_string={"ltik": token}))
    _tagged(reader)
    assert 30 <= len(reader.pages) <= 150
    assert reader.metadata.title == "Guide to after-care and exit work"
    contents = reader.pages[1].extract_text()
    assert "Contents" in contents
    numbers = [int(n) for n in re.findall(r"Chapter \d+: [^\n]*?(\d+)\s*$", contents, re.M)]
    assert len(numbers) >= 10 and numbers == sorted(numbers) and numbers[0] > 2, contents
    text = _text(reader)
    for title in ("Release day and the first days", "Looking after yourself", "Glossary", "Sources this guide"):
        assert title in text, title
    # The chapter a page number points to starts on that page.
    release = next(int(n) for n in re.findall(r"Chapter 4: [^\n]*?(\d+)\s*$", contents, re.M))
    assert "Chapter 4: Release day" in reader.pages[release - 1].extract_text()
    # No tool address or session token in a file that is passed around.
    assert not any("ltik" in uri or "tool.test" in uri for uri in _uris(reader))
    again = client.get("/training/manual.pdf", query_string={"ltik": token})
    assert again.data == reader.stream.getvalue()  # made once per version and day


def test_chapter_and_its_one_page_checklist(world, client):
    token = world.session("ana")
    page = client.get("/training/manual/chapters/release-day", query_string={"ltik": token, "note": "seen"})
    html = page.get_data(as_text=True)
    assert "/training/manual/chapters/release-day.pdf?" in html
    assert "/training/manual/chapters/release-day/checklist.pdf?" in html
    chapter = _pdf(client.get("/training/manual/chapters/release-day.pdf", query_string={"ltik": token}))
    _tagged(chapter)
    assert 2 <= len(chapter.pages) <= 10
    text = _text(chapter)
    assert "Chapter 4: Release day and the first days" in text and "The release day checklist" in text
    checklist = _pdf(client.get("/training/manual/chapters/release-day/checklist.pdf", query_string={"ltik": token}))
    _tagged(checklist)
    assert len(checklist.pages) == 1
    text = _text(checklist)
    assert "Checklist: Release day and the first days" in text
    assert "Transport from the prison to the first address is arranged" in text and "☐" in text
    for chapter_id in ("about-this-guide", "annexes", "looking-after-yourself"):
        one = _pdf(client.get(f"/training/manual/chapters/{chapter_id}/checklist.pdf", query_string={"ltik": token}))
        assert len(one.pages) == 1, chapter_id
    missing = client.get("/training/manual/chapters/no-such/checklist.pdf", query_string={"ltik": token})
    assert missing.status_code == 404


def test_checklists_are_read_from_the_task_lists_under_their_heading():
    html = ('<h2>Before</h2><p>x</p><ul class="contains-task-list"><li class="task-list-item"><label>'
            '<input class="task-list-item-checkbox" type="checkbox"> Keys &amp; phone</label></li></ul>'
            '<h3>Later</h3><ul><li>not a task</li></ul>')
    chap = m.Chapter(id="c", title="C", content_note=None, file="c.md", html=html, words=3, lang="en",
                     direction="ltr")
    lists = checklists(chap)
    assert [(c.heading, c.items) for c in lists] == [("Before", ("Keys & phone",))]
    assert checklists(m.Chapter(id="d", title="D", content_note=None, file="d.md", html="<p>none</p>", words=1,
                                lang="en", direction="ltr")) == []
    ref = '<a href="#ref-r2com-manual-x" data-ref="r2com-manual/x" rel="noopener">see x</a>'
    assert paper_html(ref, ["x"]) == '<a class="xref" href="#chapter-x">see x</a>'
    assert paper_html(ref) == '<span class="ref">see x</span>'


def test_module_pdf_has_its_pages_and_activity(world, client):
    token = world.session("ana")
    html = client.get("/training/modules/m01-foundations", query_string={"ltik": token}).get_data(as_text=True)
    assert "/training/modules/m01-foundations.pdf?" in html
    reader = _pdf(client.get("/training/modules/m01-foundations.pdf", query_string={"ltik": token}))
    _tagged(reader)
    assert 4 <= len(reader.pages) <= 40
    mod = world.app.extensions["r2com"]["content"].module("m01-foundations")
    text = _text(reader)
    assert "Module 1: Foundations" in text
    for page in (*mod.pages, mod.activity):
        assert page.title.split(":")[0] in text, page.title
    assert client.get("/training/modules/no-such.pdf", query_string={"ltik": token}).status_code == 404


@pytest.mark.parametrize("passing", [True, False])
def test_own_result_pdf_names_each_question_and_only_the_learner_gets_it(world, client, passing):
    token = world.session("ana")
    quiz = world.app.extensions["r2com"]["content"].module("m01-foundations").quiz
    start = client.post("/training/modules/m01-foundations/quiz/start", data={"ltik": token})
    url = start.headers["Location"].split("?")[0]
    early = client.get(url + "/result.pdf", query_string={"ltik": token})
    assert early.status_code == 404  # not submitted yet
    form = correct_form(quiz) if passing else wrong_form(quiz)
    client.post(url, data=dict(form, ltik=token, action="submit"))
    page = client.get(url + "/result", query_string={"ltik": token}).get_data(as_text=True)
    assert url + "/result.pdf?" in page
    reader = _pdf(client.get(url + "/result.pdf", query_string={"ltik": token}))
    _tagged(reader)
    text = _text(reader)
    assert f"Your result: {quiz.title}" in text
    assert ("Passed." if passing else "Not passed yet.") in text
    assert "Question 1:" in text and f"Question {quiz.questions_per_attempt}:" in text
    # Someone else, even a trainer of the course, does not download another person's result as a PDF.
    assert client.get(url + "/result.pdf", query_string={"ltik": world.session("ben")}).status_code == 404
    trainer = world.session("tess", role="instructor")
    assert client.get(url + "/result.pdf", query_string={"ltik": trainer}).status_code == 404


def test_pdf_downloads_need_a_session(world, client):
    for url in ("/training/manual.pdf", "/training/modules/m01-foundations.pdf",
                "/training/manual/chapters/release-day.pdf"):
        assert client.get(url).status_code in (401, 403), url
