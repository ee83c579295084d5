"""The trainer dashboard for a 10,000-learner course, cold (roster read again over NRPS) and warm.

The roster comes over real HTTP, 50 members a page (Canvas's maximum), so a cold dashboard gets an
access token from the development platform, follows 201 ``Link: rel="next"`` pages, runs the progress
queries and renders. By default the pages come from a stub NRPS page server (pre-built pages, mixed-case
page tokens, bearer token required), because the development platform itself spends ~14 ms building
each page of a 10,000-member course; ``--nrps platform`` uses the platform's own endpoint instead.
The tool's database holds progress, quiz attempts and chapters read for the learners. Target: under 2 s cold.

    .venv/bin/python benchmarks/dashboard.py
    .venv/bin/python benchmarks/dashboard.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import requests

from _bench import free_port, seed_session, tool_env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL; default a fresh SQLite file")
    parser.add_argument("--nrps", choices=("stub", "platform"), default="stub", help="where the roster pages come from")
    args = parser.parse_args()

    from lti_tool.devplatform.constants import Role
    from lti_tool.devplatform.models import User
    from lti_tool.devplatform.server import serve, start_platform

    work = Path(tempfile.mkdtemp(prefix="r2com-dash-bench-"))
    platform, running = start_platform(nrps_page_size=50)
    try:
        course = platform.courses["course-101"]
        for n in range(args.learners):
            uid = str(100_000 + n)
            platform.users[uid] = User(uid, f"Learner{n}", f"Family{n}", f"l{n}@example.org")
            course.members.append((uid, Role.LEARNER.value))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        os.environ.update({k: v for k, v in tool_env(work, base, args.database).items() if k.startswith("LTI_TOOL_")})
        from lti_tool import create_app
        from lti_tool.extensions import db

        app = create_app()
        with app.app_context():
            db.drop_all()
        tool = serve(app, port=port)
        cid, dep = platform.add_tool(initiate_login_uri=base + "/lti/login", redirect_uris=[base + "/lti/launch"],
                                     jwks_uri=base + "/.well-known/jwks.json", target_link_uri=base + "/lti/launch")
        stub = None
        memberships = platform.url("/api/nrps/course-101/memberships")
        if args.nrps == "stub":
            stub = serve(_stub_nrps(platform, "course-101"))
            memberships = stub.url + "/course-101/memberships"
        seeded = seed_session(app, role="instructor", memberships_url=memberships,
                              platform={"issuer": platform.issuer, "client_id": cid,
                                        "auth_login_url": platform.url("/auth"), "auth_token_url": platform.url("/token"),
                                        "key_set_url": platform.url("/.well-known/jwks.json")})
        t0 = time.perf_counter()
        _seed_progress(app, seeded, [u for u, _r in course.members])
        print(f"seeded {args.learners} learners' progress in {time.perf_counter() - t0:.1f} s")
        url = f"{base}/training/dashboard"
        http = requests.Session()
        cold, warm = [], []
        for _ in range(args.runs):
            app.extensions["r2com"]["grade_tokens"].store = type(app.extensions["r2com"]["grade_tokens"].store)()
            t0 = time.perf_counter()
            resp = http.get(url, params={"ltik": seeded["token"], "refresh": "1"}, timeout=60)
            cold.append(time.perf_counter() - t0)
            assert resp.status_code == 200, resp.text[:500]
            assert f"{args.learners + 26} members from the course list (read in" in resp.text, resp.text[:2000]
            t0 = time.perf_counter()
            resp = http.get(url, params={"ltik": seeded["token"]}, timeout=60)
            warm.append(time.perf_counter() - t0)
            assert resp.status_code == 200
        t0 = time.perf_counter()
        csv = http.get(base + "/training/dashboard.csv", params={"ltik": seeded["token"]}, timeout=60)
        csv_time = time.perf_counter() - t0
        pages = -(-(args.learners + 26) // 50)
        db_kind = "PostgreSQL" if args.database and args.database.startswith("postgres") else "SQLite"
        print(f"database {db_kind}; roster {args.learners + 26} members over {pages} NRPS pages of 50")
        print(f"dashboard cold (token + every NRPS page + queries + render): "
              f"median {statistics.median(cold):.2f} s, best {min(cold):.2f} s (target < 2 s)")
        print(f"dashboard warm (roster cached): median {statistics.median(warm):.2f} s")
        print(f"CSV export of every row: {csv_time:.2f} s, {len(csv.content) / 1e6:.1f} MB")
        print(f"roster pages from: {'a stub NRPS page server' if stub else 'the development platform'} over HTTP")
        tool.stop()
        if stub:
            stub.stop()
    finally:
        running.stop()
        shutil.rmtree(work, ignore_errors=True)


def _stub_nrps(platform, course_id: str, size: int = 50):
    """Return a WSGI app serving the course roster as pre-built NRPS pages linked by ``rel="next"``."""
    import json

    members = platform.members(course_id)
    pages = []
    for start in range(0, len(members), size):
        body = {"id": "roster", "context": {"id": course_id}, "members": [
            {"status": "Active", "user_id": u.user_id, "roles": [role], "name": u.name}
            for u, role in members[start:start + size]]}
        pages.append(json.dumps(body).encode())

    def app(environ, start_response):
        if not environ.get("HTTP_AUTHORIZATION", "").startswith("Bearer "):
            start_response("401 Unauthorized", [("Content-Type", "application/json")])
            return [b'{"error": "unauthorized"}']
        query = environ.get("QUERY_STRING", "")
        index = int(query.split("NxtPg.")[1]) if "page=NxtPg." in query else 0
        headers = [("Content-Type", "application/vnd.ims.lti-nrps.v2.membershipcontainer+json")]
        if index + 1 < len(pages):
            host = environ["HTTP_HOST"]
            headers.append(("Link", f'<http://{host}/{course_id}/memberships?page=NxtPg.{index + 1}>; rel="next"'))
        start_response("200 OK", headers)
        return [pages[index]]

    return app


def _seed_progress(app, seeded, subs: list[str]) -> None:
    """Insert users, memberships, module progress, quiz attempts and chapters read in bulk."""
    from sqlalchemy import insert, select

    from lti_tool.db import utcnow
    from lti_tool.extensions import db
    from lti_tool.lti.models import LtiUser, Membership
    from lti_tool.training.models import ChapterProgress, ModuleProgress, Placement, QuizAttempt

    rng = random.Random(7)
    now = utcnow()
    with app.app_context():
        library = app.extensions["r2com"]["content"]
        course = library.course()
        ctx = seeded["context_id"]
        db.session.execute(insert(Placement), [
            {"context_id": ctx, "item_kind": "module", "item_id": m.id, "title": m.title, "source": "deep_link",
             "report": "none", "presentation": "iframe"} for m in course.modules] + [
            {"context_id": ctx, "item_kind": "manual", "item_id": "", "title": "Guide", "source": "deep_link",
             "report": "score", "presentation": "iframe"}])
        learners = [s for s in subs if int(s) >= 100_000]
        active = learners[: int(len(learners) * 0.8)]  # a fifth never launched
        db.session.execute(insert(LtiUser), [{"platform_id": seeded["platform_id"], "sub": s} for s in active])
        ids = dict(db.session.execute(select(LtiUser.sub, LtiUser.id).where(
            LtiUser.platform_id == seeded["platform_id"])).all())
        db.session.execute(insert(Membership), [{"context_id": ctx, "user_id": ids[s], "role": "learner"}
                                                for s in active])
        progress, attempts, chapters = [], [], []
        for s in active:
            uid = ids[s]
            for module in course.modules[: rng.randint(0, 8)]:
                pages = [p.id for p in module.pages] + [module.activity.id]
                progress.append({"context_id": ctx, "user_id": uid, "module_id": module.id,
                                 "package_id": "r2com-course", "package_version": "1.0.0", "pages_seen": pages,
                                 "last_page_id": pages[-1], "pages_total": len(pages), "pages_done": len(pages),
                                 "read_at": now, "started_at": now, "updated_at": now})
                for number in range(1, rng.randint(1, 3) + 1):
                    attempts.append({"context_id": ctx, "user_id": uid, "module_id": module.id,
                                     "quiz_id": module.quiz.id, "package_id": "r2com-course",
                                     "package_version": "1.0.0", "lang": "en", "number": number, "layout": {},
                                     "answers": {}, "started_at": now, "submitted_at": now,
                                     "percent": rng.choice([60.0, 80.0, 100.0]), "points": 8, "max_points": 10,
                                     "passed": True, "kept": number == 1})
            for chapter in library.manual().chapters[: rng.randint(0, 13)]:
                chapters.append({"context_id": ctx, "user_id": uid, "chapter_id": chapter.id,
                                 "package_id": "r2com-manual", "package_version": "1.0.0", "opened_at": now,
                                 "completed_at": now})
        for model, rows in ((ModuleProgress, progress), (QuizAttempt, attempts), (ChapterProgress, chapters)):
            for start in range(0, len(rows), 5000):
                db.session.execute(insert(model), rows[start:start + 5000])
        db.session.commit()
        print(f"rows: {len(progress)} module progress, {len(attempts)} attempts, {len(chapters)} chapters read")


if __name__ == "__main__":
    main()
