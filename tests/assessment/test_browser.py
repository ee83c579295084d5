"""The whole casework flow in a real browser, by keyboard alone, on a phone-sized screen.

Create a client, record what they were told and their consent, assess two occasions (with a closed
and reopened tab in between: nothing typed is lost), see the change, and print the support plan.
Uses Playwright with Debian's Chromium (``apt-get install chromium``); no browser is downloaded.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from support import drop_app, serve_tool

from .conftest import build_world

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")]
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
NOTE = "No address yet; sleeps at a friend's flat until Friday, told us himself."
FORMULATION = "Wants a room of his own and welding work; papers are the first block."


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    tool = serve_tool(tmp_path)
    world = build_world(tool.app)
    yield tool, world.tokens["practitioner"]
    tool.stop()
    drop_app(tool.app)


@pytest.fixture
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


FOCUSED = """([selector, text]) => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  if (selector && !el.matches(selector)) return false;
  if (text && !(el.textContent || '').trim().startsWith(text)) return false;
  return true;
}"""


def tab_to(page: Any, selector: str | None = None, *, text: str | None = None, limit: int = 600) -> None:
    """Press Tab until the focused element matches ``selector`` (and starts with ``text``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED, [selector, text]):
            return
    raise AssertionError(f"could not reach {selector or ''} {text or ''} with the keyboard on "
                         f"{page.url}: {page.locator('main').inner_text()[:500]}")


def activate_link(page: Any, text: str) -> None:
    """Tab to a link by its text and follow it with Enter."""
    tab_to(page, "a", text=text)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def submit_with(page: Any, selector: str | None = None, *, text: str | None = None) -> None:
    """Tab to a button and press Enter, waiting for the next page."""
    tab_to(page, selector or "button", text=text)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def choose(page: Any, checked_id: str, presses: int, key: str = "ArrowUp") -> None:
    """Tab into a radio group (focus lands on its checked option) and move the choice with arrow keys."""
    tab_to(page, f"#{checked_id}")
    for _ in range(presses):
        page.keyboard.press(key)


def watch(page: Any, problems: list[str]) -> None:
    """Collect script errors, CSP violations and failed requests (the browser's own favicon probe aside)."""
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and "Failed to load resource" not in msg.text else None)
    page.on("response", lambda resp: problems.append(f"{resp.status} {resp.url}")
            if resp.status >= 400 and not resp.url.endswith("/favicon.ico") else None)


def test_casework_flow_by_keyboard(served: tuple[Any, str], browser: Any) -> None:
    tool, token = served
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    problems: list[str] = []
    watch(page, problems)
    page.goto(f"{tool.url}/assessment/?ltik={token}")  # where the LMS launch lands

    # a new client, under a pseudonym
    activate_link(page, "New client")
    tab_to(page, "#pseudonym")
    page.keyboard.type("Kite-4")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # what the person was told, and their consent to keeping a record
    assert page.locator("h1").inner_text().startswith("What Kite-4 was told")
    tab_to(page, "#notice_language")
    page.keyboard.type("English")
    tab_to(page, "#confidentiality_explained")
    page.keyboard.press("Space")
    tab_to(page, "#record_consent")
    page.keyboard.press("Space")
    submit_with(page, text="Save")
    assert "Information and consents recorded." in page.content()

    # first occasion: week 1
    activate_link(page, "New assessment")
    choose(page, "type-pre-release", 1, "ArrowDown")
    submit_with(page, text="Start")
    occasion_url = page.url
    choose(page, "housing-discussed-not_yet", 1)  # -> discussed
    choose(page, "housing-need-not_known", 1)  # -> 3, urgent
    choose(page, "housing-strength-not_known", 3)  # -> 1, some strength
    tab_to(page, "#housing-evidence_note")
    page.keyboard.type(NOTE)
    tab_to(page, "#housing-priority")
    page.keyboard.press("Space")
    tab_to(page, "#formulation")
    page.keyboard.type(FORMULATION)
    # A locator wait runs in Playwright's own isolated world: a string predicate would need eval, which the
    # tool's Content-Security-Policy rightly forbids (Playwright 1.65 evaluates it in the page).
    sync_api.expect(page.locator("#autosave-status")).to_have_text(re.compile(r"^All changes saved"), timeout=10_000)

    # the tab is closed and the form opened again: everything typed is still there
    page.close()
    page = context.new_page()
    watch(page, problems)
    page.goto(occasion_url)
    assert page.locator("#housing-evidence_note").input_value() == NOTE
    assert page.locator("#formulation").input_value() == FORMULATION
    assert page.locator("#housing-need-3").is_checked() and page.locator("#housing-priority").is_checked()
    submit_with(page, text="Save assessment")
    assert "Assessment saved." in page.content()
    assert "Urgent, needs action this week" in page.locator("table.profile").inner_text()

    # second occasion: month 1, less support needed in housing
    activate_link(page, "Record")
    activate_link(page, "New assessment")
    choose(page, "type-pre-release", 2, "ArrowDown")
    submit_with(page, text="Start")
    choose(page, "housing-discussed-not_yet", 1)
    choose(page, "housing-need-not_known", 3)  # -> 1
    submit_with(page, text="Save assessment")

    # change over time
    activate_link(page, "Change over time")
    row = page.locator("table.change tr", has_text="Housing and a safe place to live").inner_text()
    assert "Urgent, needs action this week" in row and "less support needed" in row
    assert re.search(r"Month 1", page.locator("table.change thead").inner_text())

    # the support plan, printed
    activate_link(page, "Support plan")
    tab_to(page, "#recipient")
    page.keyboard.type("Kite-4")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "It is not a risk assessment" in page.content()
    assert "Prepared for Kite-4" in page.content()
    page.emulate_media(media="print")
    assert not page.locator(".no-print").is_visible()
    assert page.pdf(format="A4")[:4] == b"%PDF"
    assert not problems, problems
    context.close()


def test_works_inside_an_lms_iframe(served: tuple[Any, str], browser: Any) -> None:
    from flask import Flask

    from lti_tool.devplatform.server import serve

    tool, token = served
    lms = Flask("lms")
    lms.add_url_rule("/course", "course", lambda: f'<h1>Course</h1><iframe title="Tool" width="800" height="600" '
                                                  f'src="{tool.url}/assessment/?ltik={token}"></iframe>')
    running = serve(lms)  # another origin (another port) frames the tool, as an LMS does
    # Only registered platforms (and these origins) may frame the tool; this stand-in LMS is not registered.
    tool.app.config["R2COM"]["FRAME_ANCESTORS"] = [running.url]
    page = browser.new_page()
    try:
        page.goto(f"{running.url}/course")
        frame = page.frame_locator("iframe")
        assert frame.locator("h1").inner_text() == "Caseload"
        frame.locator("a", has_text="New client").focus()
        page.keyboard.press("Enter")
        sync_api.expect(frame.locator("h1")).to_have_text("New client")
    finally:
        page.close()
        running.stop()
