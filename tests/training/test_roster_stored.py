"""The course list is stored per course: a fresh process shows it without reading NRPS again, a stale one is
read again in the background, and a list longer than the tool reads is marked as cut for the trainer."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select, update

from lti_tool.extensions import db
from lti_tool.training import roster as roster_mod
from lti_tool.training.models import RosterSnapshot


def _nrps_calls(platform) -> list:
    return [e for e in platform.request_log if e.path.startswith("/api/nrps/")]


def _trainer(connected, browser):
    tool, platform, cid, dep = connected
    home = browser.launch(platform.base_url, cid, dep, user="instructor")
    return tool, platform, home.url.split("ltik=")[1].split("&")[0]


def test_a_fresh_process_shows_the_stored_list_without_reading_it_again(connected, browser):
    tool, platform, token = _trainer(connected, browser)
    url = f"{tool.url}/training/dashboard"
    first = browser.get(url, params={"ltik": token})
    assert "26 members from the course list (read in 3 pages)" in first.text
    assert len(_nrps_calls(platform)) == 3
    tool.app.extensions["r2com"]["roster_cache"].forget_all()  # as another worker process would be
    again = browser.get(url, params={"ltik": token})
    assert "26 members from the course list (read in 3 pages)" in again.text
    assert len(_nrps_calls(platform)) == 3  # from the database, not the platform
    assert "being read again" not in again.text
    with tool.app.app_context():
        stored = db.session.execute(select(RosterSnapshot)).scalar_one()
        assert stored.pages == 3 and stored.complete and "@" not in stored.members  # no email kept
    # The trainer's "read again" reads every page at once.
    browser.get(url, params={"ltik": token, "refresh": "1"})
    assert len(_nrps_calls(platform)) == 6


def test_a_stale_list_is_shown_and_read_again_in_the_background(connected, browser):
    tool, platform, token = _trainer(connected, browser)
    url = f"{tool.url}/training/dashboard"
    browser.get(url, params={"ltik": token})
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)
    with tool.app.app_context():
        db.session.execute(update(RosterSnapshot).values(fetched_at=long_ago))
        db.session.commit()
    tool.app.extensions["r2com"]["roster_cache"].forget_all()
    stale = browser.get(url, params={"ltik": token})
    assert stale.status_code == 200
    assert "26 members from the course list" in stale.text and "being read again" in stale.text
    for _ in range(100):  # the background read stores a newer list
        with tool.app.app_context():
            fetched = db.session.execute(select(RosterSnapshot.fetched_at)).scalar_one()
        if fetched > long_ago + dt.timedelta(hours=1):
            break
        time.sleep(0.05)
    assert fetched > long_ago + dt.timedelta(hours=1)
    assert len(_nrps_calls(platform)) == 6
    fresh = browser.get(url, params={"ltik": token})
    assert "being read again" not in fresh.text


def test_a_list_longer_than_the_tool_reads_is_marked_cut(connected, browser, monkeypatch):
    monkeypatch.setattr(roster_mod, "MAX_PAGES", 2)
    tool, platform, token = _trainer(connected, browser)
    board = browser.get(f"{tool.url}/training/dashboard", params={"ltik": token})
    assert "20 members from the course list (read in 2 pages)" in board.text
    assert "so it was cut" in board.text
