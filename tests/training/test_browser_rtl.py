"""The learner and trainer journeys in Arabic (right to left) and in French (long words), at 320 px.

The same pages as ``test_browser_320.py``, opened by a browser whose language is Arabic or French: every page
is in that language (``<html lang dir>``), no page is wider than the screen, and the screenshots of the course,
a quiz attempt, the guide and a chapter are kept in the test's temporary folder for a person to look at.
"""

from __future__ import annotations

from typing import Any

import pytest

from lti_tool import i18n

from .test_browser_320 import CHROMIUM, OVERFLOW, browser, journeys  # noqa: F401 - the fixtures are used below

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")]
SCREENSHOTS = ("course", "attempt", "manual", "chapter", "dashboard")


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_journeys_in_arabic_and_french_fit_a_320px_screen(journeys: Any, browser: Any, lang: str,  # noqa: F811
                                                          tmp_path: Any) -> None:
    if lang not in i18n.supported():
        pytest.skip(f"{lang} is not offered")
    base, pages = journeys
    context = browser.new_context(viewport={"width": 320, "height": 640}, device_scale_factor=1, locale=lang)
    page = context.new_page()
    problems, wrong_lang = {}, {}
    for name, path in pages.items():
        response = page.goto(base + path)
        assert response is not None and response.status < 500, (name, response and response.status)
        html = page.locator("html")
        shown = (html.get_attribute("lang"), html.get_attribute("dir"))
        if shown != (lang, i18n.direction(lang)):
            wrong_lang[name] = shown
        found = page.evaluate(OVERFLOW)
        if found["scroll"] > found["client"] or found["wide"]:
            problems[name] = found
        if name in SCREENSHOTS:
            page.screenshot(path=str(tmp_path / f"{lang}-{name}.png"), full_page=True)
    context.close()
    assert not wrong_lang, wrong_lang
    assert not problems, "\n".join(f"{name}: {found}" for name, found in problems.items())
