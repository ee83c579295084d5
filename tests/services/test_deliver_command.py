"""``flask --app wsgi lti deliver``: --once, clean stop on SIGTERM, SIGKILL mid-delivery loses nothing;
and the development delivery thread."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.services import enqueue_score
from lti_tool.services.models import DeliveryStatus, GradeOutbox
from lti_tool.services.worker import start_delivery_thread

from .conftest import LEARNERS, GradeEnv

ROOT = Path(__file__).resolve().parents[2]


def _enqueue(env: GradeEnv, subs: list[str]) -> list[GradeOutbox]:
    rows = [enqueue_score(env.session(sub), source_kind="q", source_id=sub, score_given=3, score_maximum=4)
            for sub in subs]
    db.session.commit()
    return rows


def _spawn(env: GradeEnv, *args: str) -> subprocess.Popen[str]:
    settings = env.app.config["R2COM"]
    child_env = dict(os.environ, LTI_TOOL_ENV="testing", LTI_TOOL_DATABASE_URL=env.app.config["SQLALCHEMY_DATABASE_URI"],
                     LTI_TOOL_KEYS_DIR=settings["KEYS_DIR"], LTI_TOOL_SECRET_KEY="test-secret-key-not-for-production",
                     LTI_TOOL_DEV_PLATFORM="false", LTI_TOOL_DELIVERY_THREAD="false", LTI_TOOL_LOG_LEVEL="WARNING",
                     LTI_TOOL_BASE_URL=env.tool.url)
    child_env.pop("LTI_TOOL_REDIS_URL", None)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "lti", "deliver", "--idle-seconds", "0.1",
                             *args], cwd=ROOT, env=child_env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _wait(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_once_delivers_what_is_due(env: GradeEnv) -> None:
    _enqueue(env, LEARNERS[:3])
    result = env.app.test_cli_runner().invoke(args=["lti", "deliver", "--once", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "handling 3 score(s)" in result.output
    db.session.expire_all()
    assert env.count(DeliveryStatus.DELIVERED) == 3


def test_worker_killed_mid_delivery_loses_nothing(env: GradeEnv) -> None:
    rows = _enqueue(env, LEARNERS[:10])
    env.platform.ags_fault = {"mode": "hang", "hang_seconds": 1.0}  # every POST takes a second
    child = _spawn(env, "--lease-seconds", "5", "--read-timeout", "2")
    try:
        _wait(lambda: env.platform.score_posts >= 6 or child.poll() is not None)
    finally:
        child.send_signal(signal.SIGKILL)
        _, err = child.communicate(timeout=10)
    assert env.platform.score_posts >= 6, err
    assert child.returncode == -signal.SIGKILL
    env.platform.ags_fault = None
    time.sleep(1.2)  # the POST in flight when the worker died still completes on the platform
    db.session.expire_all()
    leased = db.session.execute(select(GradeOutbox).where(GradeOutbox.status == DeliveryStatus.PENDING)).scalars().all()
    assert leased and all(r.lease_owner for r in leased)
    worker = env.worker()
    assert worker.run_once() == 0  # still leased to the dead worker
    assert _wait(lambda: worker.run_once() > 0, timeout=10)
    env.drain(worker)
    for row in rows:
        db.session.refresh(row)
        assert row.status == DeliveryStatus.DELIVERED, row.reason
        assert len(env.scores_of(row.payload["userId"])) == 1


def test_sigterm_stops_cleanly_and_hands_rows_back(env: GradeEnv) -> None:
    rows = _enqueue(env, LEARNERS[:8])
    env.platform.ags_fault = {"mode": "hang", "hang_seconds": 0.5}
    child = _spawn(env, "--lease-seconds", "60", "--read-timeout", "2", "--concurrency", "1")
    _wait(lambda: env.platform.score_posts >= 1 or child.poll() is not None)
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=20)
    assert child.returncode == 0, err
    assert "stopped" in out
    env.platform.ags_fault = None
    db.session.expire_all()
    pending = db.session.execute(select(GradeOutbox).where(GradeOutbox.status == DeliveryStatus.PENDING)).scalars().all()
    assert pending and all(r.lease_owner is None for r in pending)  # handed back, not held for 60 s
    env.drain()
    for row in rows:
        db.session.refresh(row)
        assert row.status == DeliveryStatus.DELIVERED
        assert len(env.scores_of(row.payload["userId"])) == 1


def test_development_thread_delivers(env: GradeEnv) -> None:
    thread, stop = start_delivery_thread(env.app, backoff_base=0.05)
    try:
        (row,) = _enqueue(env, LEARNERS[:1])

        def delivered() -> bool:
            db.session.expire_all()
            return db.session.get(GradeOutbox, row.id).status == DeliveryStatus.DELIVERED

        assert _wait(delivered, timeout=15)
    finally:
        stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive()


def test_thread_starts_in_testing_only_when_asked(tmp_path) -> None:
    from support import drop_app, make_app

    quiet = make_app(tmp_path / "a", DELIVERY_THREAD=True)
    assert "delivery_thread" not in quiet.extensions["r2com"]
    drop_app(quiet)
    asked = make_app(tmp_path / "b", DELIVERY_THREAD=True, DELIVERY_THREAD_IN_TESTING=True)
    thread, stop = asked.extensions["r2com"]["delivery_thread"]
    try:
        assert thread.is_alive() and thread.daemon
    finally:
        stop.set()
        thread.join(timeout=15)
        drop_app(asked)
