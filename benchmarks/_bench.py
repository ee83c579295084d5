"""Shared benchmark helpers: free ports, gunicorn, a multi-process HTTP load generator, a seeded tool database."""

from __future__ import annotations

import datetime as dt
import http.client
import multiprocessing
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tool_env(work: Path, base: str, database: str | None) -> dict[str, str]:
    """Environment for the tool under gunicorn."""
    return dict(os.environ, LTI_TOOL_ENV="development", LTI_TOOL_DEV_PLATFORM="false",
                LTI_TOOL_DELIVERY_THREAD="false", LTI_TOOL_BASE_URL=base, LTI_TOOL_KEYS_DIR=str(work / "keys"),
                LTI_TOOL_LOG_LEVEL="WARNING", LTI_TOOL_SECRET_KEY="bench-secret-key-0123456789",
                LTI_TOOL_DATABASE_URL=database or f"sqlite:///{work / 'bench.db'}")


def gunicorn(app: str, port: int, env: dict[str, str], workers: int) -> subprocess.Popen:
    """Start gunicorn (sync workers) and wait until it answers."""
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", "--pythonpath", "benchmarks", app], cwd=ROOT, env=env)
    for _ in range(200):
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except requests.RequestException:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"gunicorn {app} did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)


def _hammer(url: str, seconds: float, headers: dict[str, str], out: Any) -> None:
    parts = urlsplit(url)
    path = parts.path + ("?" + parts.query if parts.query else "")
    done = errors = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status == 200:
                done += 1
            else:
                errors += 1
        finally:
            conn.close()
    out.put((done, errors))


def requests_per_second(url: str, *, seconds: float = 8.0, clients: int = 4,
                        headers: dict[str, str] | None = None) -> tuple[float, int]:
    """Return (200 responses per second, errors) with ``clients`` processes, one connection per request."""
    queue: Any = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_hammer, args=(url, seconds, headers or {}, queue)) for _ in range(clients)]
    start = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - start
    return sum(r[0] for r in results) / elapsed, sum(r[1] for r in results)


def seed_session(app: Any, *, role: str = "learner", custom: dict[str, str] | None = None,
                 memberships_url: str | None = None, platform: dict[str, str] | None = None,
                 context_id: str = "course-101", sub: str | None = None) -> dict[str, Any]:
    """Insert a platform and deployment (unless the issuer is there already), a context, user and launch
    session; return ids and the session token."""
    from lti_tool.db import utcnow
    from lti_tool.extensions import db
    from lti_tool.lti.models import Context, Deployment, LaunchSession, LtiUser, Membership, Platform
    from lti_tool.lti.session import issue_token

    values = platform or {"issuer": "https://lms.bench", "client_id": "bench", "auth_login_url": "https://x/auth",
                          "auth_token_url": "https://x/token", "key_set_url": "https://x/jwks"}
    from sqlalchemy import select

    with app.app_context():
        db.create_all()
        plat = db.session.execute(select(Platform).where(Platform.issuer == values["issuer"])).scalar()
        if plat is None:
            plat = Platform(name="bench", **values)
            db.session.add(plat)
            db.session.flush()
            dep = Deployment(platform_id=plat.id, deployment_id="1")
            db.session.add(dep)
            db.session.flush()
        else:
            dep = db.session.execute(select(Deployment).where(Deployment.platform_id == plat.id)).scalar_one()
        ctx = Context(deployment_id=dep.id, context_id=context_id, title="Bench course",
                      memberships_url=memberships_url)
        db.session.add(ctx)
        db.session.flush()
        user = LtiUser(platform_id=plat.id, sub=sub or ("trainer" if role != "learner" else "bench-learner"))
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(context_id=ctx.id, user_id=user.id, role=role))
        sid = secrets.token_urlsafe(32)
        db.session.add(LaunchSession(id=sid, user_id=user.id, context_id=ctx.id, role=role,
                                     message_type="LtiResourceLinkRequest",
                                     data={"custom": custom or {}, "deployment_id": "1"},
                                     expires_at=utcnow() + dt.timedelta(hours=8)))
        db.session.commit()
        return {"token": issue_token(sid), "platform_id": plat.id, "context_id": ctx.id, "user_id": user.id,
                "deployment_id": dep.id}
