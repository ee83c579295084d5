"""The course overview and the guide's contents show their introductions as HTML, not as escaped tags."""

from __future__ import annotations


def test_course_overview_and_manual_intro_are_not_escaped_twice(world, client):
    token = world.session("ana")
    for url in ("/training/course", "/training/manual"):
        resp = client.get(url, query_string={"ltik": token})
        page = resp.get_data(as_text=True)
        assert resp.status_code == 200, page[:300]
        assert "&lt;p&gt;" not in page and "&amp;lt;" not in page, url
        start = page.index('<div class="content"')
        assert "<p>" in page[start:start + 400], url  # the introduction is real paragraphs
