"""A French and a Portuguese learner take the course and the guide in their language (issue #11), over real HTTP:
the platform sends the learner's locale, the placed module, its pages, its quiz and a chapter come in that
language, and the quiz score reaches the platform's gradebook as it does for English."""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.services.models import DeliveryStatus, GradeOutbox
from lti_tool.services.worker import DeliveryWorker

from .conftest import correct_form, ltik_of
from .test_e2e_deeplink import deep_link

MODULE = "m01-foundations"
CHAPTER = "release-day"


def _text(value: str) -> str:
    return str(escape(value))  # as Jinja writes it (an apostrophe is &#39;)


@pytest.mark.parametrize("locale", ["fr-FR", "pt-PT"])
def test_a_learner_takes_a_module_its_quiz_and_a_chapter_in_their_language(connected, browser, locale):
    lang = locale.split("-")[0]
    tool, platform, cid, dep = connected
    library = tool.app.extensions["r2com"]["content"]
    with tool.app.app_context():
        course = library.package("r2com-course", lang)
        manual = library.package("r2com-manual", lang)
        english = library.package("r2com-course")
    assert course.lang == lang and manual.lang == lang, "the course and the guide ship in French and Portuguese"
    module = next(mod for mod in course.body.modules if mod.id == MODULE)
    source_module = next(mod for mod in english.body.modules if mod.id == MODULE)
    chapter = next(ch for ch in manual.body.chapters if ch.id == CHAPTER)
    assert module.title != source_module.title  # really translated, not a copy

    deep_link(browser, tool, platform, cid, dep, items=[f"module:{MODULE}", f"chapter:{CHAPTER}"])
    links = {lnk.custom.get("r2com_id"): lnk for lnk in platform.deep_linked_items()}
    with type(browser)() as learner:
        start = learner.launch(platform.base_url, cid, dep, user="learner", link=links[MODULE].link_id,
                               locale=locale)
        assert start.status_code == 200 and f"/training/modules/{MODULE}" in start.url
        assert f'<html lang="{lang}" dir="ltr">' in start.text
        assert _text(module.title) in start.text and _text(source_module.title) not in start.text
        token = ltik_of(start)
        for page in module.pages:
            seen = learner.get(f"{tool.url}/training/modules/{MODULE}/pages/{page.id}",
                               params={"ltik": token, "note": "seen"})
            assert seen.status_code == 200 and _text(page.title) in seen.text, page.id
            assert 'lang="en" dir=' not in seen.text, page.id  # no English content block left on the page
        attempt = learner.post(f"{tool.url}/training/modules/{MODULE}/quiz/start", data={"ltik": token})
        assert attempt.status_code == 200 and "/training/attempts/" in attempt.url
        assert f'<html lang="{lang}"' in attempt.text
        shown = [q for q in module.quiz.questions if _text(q.prompt) in attempt.text]
        assert shown, "the quiz questions are in the learner's language"
        result = learner.post(attempt.url.split("?")[0],
                              data=dict(correct_form(module.quiz), ltik=token, action="submit"))
        assert result.status_code == 200 and "/result" in result.url and "100" in result.text

        read = learner.launch(platform.base_url, cid, dep, user="learner", link=links[CHAPTER].link_id,
                              locale=locale)
        assert read.status_code == 200 and f"/training/manual/chapters/{CHAPTER}" in read.url
        assert _text(chapter.title) in read.text and 'lang="en" dir=' not in read.text

    with tool.app.app_context():
        worker = DeliveryWorker(tool.app, connect_timeout=1, read_timeout=5)
        worker.run_once()
        worker.http.close()
        db.session.expire_all()
        rows = db.session.execute(select(GradeOutbox)).scalars().all()
        assert rows and {row.status for row in rows} == {DeliveryStatus.DELIVERED}
    quiz_item = next(i for i, item in platform.line_items.items() if item.resource_id == f"module:{MODULE}")
    (score,) = [s.received for s in platform.scores if s.item_id == quiz_item]
    assert score["scoreGiven"] == 100 and score["scoreMaximum"] == 100
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
