"""Login state stays bounded: expired states are deleted within seconds, whatever the flood (issue #10, item 7)."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.lti.hotpath import HotStore
from lti_tool.lti.models import LoginState
from support import connect


def _count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(LoginState)).scalar_one()


def test_a_flood_of_abandoned_logins_never_outgrows_the_live_window(tmp_path, platform):
    from support import drop_app, serve_tool

    tool = serve_tool(tmp_path, LOGIN_STATE_TTL=1)
    try:
        cid, _deps = connect(tool, platform)
        hot: HotStore = tool.app.extensions["r2com"]["hotpath"]
        clock = [1000.0]
        hot._clock = lambda: clock[0]
        client = tool.app.test_client()
        params = {"iss": platform.issuer, "login_hint": "1", "client_id": cid,
                  "target_link_uri": tool.url + "/lti/launch"}
        peak = 0
        for second in range(4):
            for _ in range(150):  # 150 abandoned logins a second, each with a 1-second state
                assert client.get("/lti/login", query_string=params).status_code == 302
            peak = max(peak, _count(tool.app))
            time.sleep(1.05)
            clock[0] += hot.SWEEP_SECONDS  # the sweep interval has passed
        # At most the logins of one TTL plus one sweep interval are ever kept, not all 600.
        assert peak <= 300, peak
        assert client.get("/lti/login", query_string=params).status_code == 302
        assert _count(tool.app) == 1  # everything expired is gone; only the newest login remains
    finally:
        tool.stop()
        drop_app(tool.app)


def test_large_backlogs_are_deleted_in_batches(app, monkeypatch):
    hot: HotStore = app.extensions["r2com"]["hotpath"]
    monkeypatch.setattr(HotStore, "SWEEP_BATCH", 10)
    hot.__init__(hot._engine)  # rebuild the statements with the small batch
    from lti_tool.db import utcnow
    import datetime as dt

    from lti_tool.lti.models import Platform

    with app.app_context():
        db.session.add(Platform(id=1, name="p", issuer="i", client_id="c", auth_login_url="u", auth_token_url="u",
                                key_set_url="u"))
        db.session.commit()
    past = utcnow() - dt.timedelta(seconds=5)
    for n in range(25):
        hot.put_state(f"s{n}", "n", "b", 1, {}, past, past)
    now = utcnow()
    hot._next_sweep = 0.0
    hot.put_state("live-1", "n", "b", 1, {}, now + dt.timedelta(seconds=60), now)  # deletes 10, asks for more
    hot.put_state("live-2", "n", "b", 1, {}, now + dt.timedelta(seconds=60), now)  # 10 more
    hot.put_state("live-3", "n", "b", 1, {}, now + dt.timedelta(seconds=60), now)  # the last 5+
    assert _count(app) == 3
