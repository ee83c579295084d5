"""Login state in Redis (several workers/machines) and platform key rotation."""

from __future__ import annotations

import os

import pytest
import redis

from lti_tool.devplatform.driver import Browser, find_autosubmit_form
from lti_tool.devplatform.keys import SigningKey
from support import connect, drop_app, serve_tool

REDIS_URL = os.environ.get("LTI_TOOL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_tool(tmp_path):
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # CI has Redis; a missing service must fail the run, never skip it
    served = serve_tool(tmp_path, REDIS_URL=REDIS_URL)
    yield served
    served.stop()
    drop_app(served.app)


def test_launch_with_state_in_redis(redis_tool, platform):
    cid, deps = connect(redis_tool, platform)
    with Browser() as b:
        first = b.get(platform.base_url + "/launch", params={"client_id": cid, "deployment_id": deps[0],
                                                             "course": "course-101", "user": "learner"})
        _m, action, pairs = find_autosubmit_form(first.text)
        fields = dict(pairs)
        ok = b.post(action, data=fields)
        assert ok.status_code == 200 and "ltik=" in ok.url
        replay = b.post(action, data=fields)
        assert replay.status_code == 401 and "<code>replayed</code>" in replay.text
    # Nothing about the login was written to the database's state table.
    from sqlalchemy import func, select

    from lti_tool.extensions import db
    from lti_tool.lti.models import LaunchSession, LoginState

    with redis_tool.app.app_context():
        assert db.session.execute(select(func.count()).select_from(LoginState)).scalar() == 0
        assert db.session.execute(select(func.count()).select_from(LaunchSession)).scalar() == 1


def test_platform_key_rotation_is_picked_up(connected, browser, monkeypatch):
    tool, platform, cid, dep = connected
    assert browser.launch(platform.base_url, cid, dep).status_code == 200
    platform.key = SigningKey.load_or_generate(None)  # the platform rotates its key
    monkeypatch.setattr("lti_tool.lti.platform_keys.MIN_REFETCH_SECONDS", 0.0)
    with Browser() as other:
        resp = other.launch(platform.base_url, cid, dep)
    assert resp.status_code == 200, resp.text[-400:]


def test_unknown_kid_does_not_refetch_every_time(connected, browser):
    tool, platform, cid, dep = connected
    assert browser.launch(platform.base_url, cid, dep).status_code == 200
    fetches_before = sum(1 for e in platform.request_log if e.path.endswith("jwks.json"))
    for _ in range(5):
        platform.next_id_token_hook = lambda c, h: (c, dict(h, kid="forged-" + c["nonce"][:6]))
        with Browser() as b:
            assert b.launch(platform.base_url, cid, dep).status_code == 401
    fetches_after = sum(1 for e in platform.request_log if e.path.endswith("jwks.json"))
    assert fetches_after - fetches_before <= 1
