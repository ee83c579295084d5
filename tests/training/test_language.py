"""The learner picks the content language; right-to-left content is laid out right to left inside the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import drop_app, make_app

from .conftest import build_world

TREE = Path(__file__).resolve().parents[1] / "content" / "fixtures" / "tree"


@pytest.fixture
def demo(tmp_path):
    app = make_app(tmp_path, CONTENT_DIR=str(TREE))
    yield build_world(app)
    drop_app(app)


def test_arabic_page_is_rtl_and_links_keep_the_language(demo):
    client = demo.app.test_client()
    token = demo.session("ana")
    page = client.get("/training/modules/m01-basics/pages/m01-start", query_string={"ltik": token, "lang": "ar"})
    html = page.get_data(as_text=True)
    # The page follows the interface language (English here); the Arabic content carries its own lang and dir.
    assert page.status_code == 200 and '<html lang="en" dir="ltr">' in html
    assert 'lang="ar" dir="rtl"' in html.split("<article", 1)[1][:80]
    assert "lang=ar" in html.split('rel="next"')[1][:400] or "lang=ar" in html  # next link keeps the choice
    english = client.get("/training/modules/m01-basics/pages/m01-start", query_string={"ltik": token})
    assert '<html lang="en" dir="ltr">' in english.get_data(as_text=True)
    switch = english.get_data(as_text=True)
    assert 'hreflang="ar"' in switch  # the language switcher offers the translation


def test_content_note_before_a_page_in_the_demo_course(demo):
    client = demo.app.test_client()
    token = demo.session("ana")
    note = client.get("/training/modules/m01-basics/pages/m01-more", query_string={"ltik": token})
    assert "This page mentions prison." in note.get_data(as_text=True)
    shown = client.get("/training/modules/m01-basics/pages/m01-more", query_string={"ltik": token, "note": "seen"})
    assert shown.status_code == 200 and "Next page" not in shown.get_data(as_text=True).split("<nav class=\"pager\"")[0]


def test_shipped_course_reads_in_french(world):
    """The French adaptation of the shipped course (i18n/fr) is what a learner who picks French reads."""
    client = world.app.test_client()
    token = world.session("ana")
    page = client.get("/training/modules/m01-foundations/pages/m01-words-matter",
                      query_string={"ltik": token, "lang": "fr"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'lang="fr"' in html.split("<article", 1)[1][:80]
    assert "Pourquoi les mots que nous employons comptent" in html
    started = client.post("/training/modules/m08-safeguarding-data-selfcare/quiz/start",
                          query_string={"ltik": token, "lang": "fr"})
    attempt = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "Vérifiez vos acquis : protection, protection des données et prendre soin de soi" in attempt
