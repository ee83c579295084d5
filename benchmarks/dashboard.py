"""The trainer dashboard at several course sizes in one run: first view, warm view, course list read, CSV.

For each size (default 1,000, 10,000 and 50,000 learners, each its own course) the roster comes over real
HTTP, 50 members a page (Canvas's maximum). By default the pages come from a stub NRPS page server
(pre-built pages, mixed-case page tokens, bearer token required), because the development platform itself
spends ~14 ms building each page of a 10,000-member course; ``--nrps platform`` uses the platform's own
endpoint instead. The tool's database holds progress, quiz attempts and chapters read for the learners
(four in five learners launched).

Measured per size, median of ``--runs``:

- **course list read** (``refresh=1``): a trainer asks for the list again, so every NRPS page is read
  (this is linear in the course size by nature: one HTTP request per 50 members);
- **first view**: a trainer's first dashboard view in a fresh process, with the course list the tool stored
  at an earlier visit (no per-process cache: the stored list is loaded, the learners' progress summaries
  counted by one GROUP BY over their distinct states, one page of learners rendered);
- **warm view**: the next view in the same process.

Targets: the first view of 10,000 members within 3 x and of 50,000 within 6 x the 1,000-member view, and
under 1 s for 10,000. The ratios are printed against the smallest size of the same run.

    .venv/bin/python benchmarks/dashboard.py
    .venv/bin/python benchmarks/dashboard.py --database postgresql+psycopg://postgres@127.0.0.1:5432/perf_bench
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
    parser.add_argument("--sizes", default="1000,10000,50000", help="learners per course, comma separated")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL; default a fresh SQLite file")
    parser.add_argument("--nrps", choices=("stub", "platform"), default="stub", help="where the roster pages come from")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the largest first view")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    from lti_tool.devplatform.constants import Role
    from lti_tool.devplatform.models import User
    from lti_tool.devplatform.server import serve, start_platform

    work = Path(tempfile.mkdtemp(prefix="r2com-dash-bench-"))
    platform, running = start_platform(nrps_page_size=50)
    stub = tool = None
    try:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        os.environ.update({k: v for k, v in tool_env(work, base, args.database).items() if k.startswith("LTI_TOOL_")})
        from lti_tool import create_app
        from lti_tool.extensions import db

        app = create_app()
        with app.app_context():
            db.drop_all()
            db.create_all()
        tool = serve(app, port=port)
        cid, dep = platform.add_tool(initiate_login_uri=base + "/lti/login", redirect_uris=[base + "/lti/launch"],
                                     jwks_uri=base + "/.well-known/jwks.json", target_link_uri=base + "/lti/launch")
        plat = {"issuer": platform.issuer, "client_id": cid, "auth_login_url": platform.url("/auth"),
                "auth_token_url": platform.url("/token"), "key_set_url": platform.url("/.well-known/jwks.json")}
        courses = {}
        offset = 100_000
        for size in sizes:
            members = []
            for n in range(size):
                uid = str(offset + n)
                platform.users[uid] = User(uid, f"Learner{n}", f"Family{n}", f"l{n}@example.org")
                members.append((uid, Role.LEARNER.value))
            offset += size
            courses[size] = members
        stub = serve(_stub_nrps(platform, courses))
        http = requests.Session()
        results = {}
        for size in sizes:
            seeded = seed_session(app, role="instructor", memberships_url=f"{stub.url}/{size}/memberships",
                                  platform=plat, context_id=f"course-{size}", sub=f"trainer-{size}")
            t0 = time.perf_counter()
            _seed_progress(app, seeded, [u for u, _r in courses[size]])
            print(f"{size}: seeded progress in {time.perf_counter() - t0:.1f} s")
            url = f"{base}/training/dashboard"
            expect = f"{size + 1} members from the course list (read in"
            read, first, warm = [], [], []
            for _ in range(args.runs):
                _forget(app)
                t0 = time.perf_counter()
                resp = http.get(url, params={"ltik": seeded["token"], "refresh": "1"}, timeout=120)
                read.append(time.perf_counter() - t0)
                assert resp.status_code == 200, resp.text[:500]
                assert expect in resp.text, resp.text[:2000]
                _forget(app)  # a fresh process: nothing cached but what the database keeps
                t0 = time.perf_counter()
                resp = http.get(url, params={"ltik": seeded["token"]}, timeout=120)
                first.append(time.perf_counter() - t0)
                assert resp.status_code == 200 and expect in resp.text
                t0 = time.perf_counter()
                resp = http.get(url, params={"ltik": seeded["token"]}, timeout=120)
                warm.append(time.perf_counter() - t0)
                assert resp.status_code == 200
            t0 = time.perf_counter()
            csv = http.get(base + "/training/dashboard.csv", params={"ltik": seeded["token"]}, timeout=120)
            csv_time = time.perf_counter() - t0
            assert csv.status_code == 200 and csv.text.count("\n") >= size * 4 // 5
            if args.profile and size == sizes[-1]:
                import cProfile
                import pstats

                _forget(app)
                client = app.test_client()
                prof = cProfile.Profile()
                prof.runcall(client.get, "/training/dashboard", query_string={"ltik": seeded["token"]})
                pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
                pstats.Stats(prof).sort_stats("tottime").print_stats(15)
            results[size] = (statistics.median(read), statistics.median(first), statistics.median(warm), csv_time,
                             len(csv.content))
        db_kind = "PostgreSQL" if args.database and args.database.startswith("postgres") else "SQLite"
        print(f"\ndatabase {db_kind}; roster pages of 50 from "
              f"{'a stub NRPS page server' if args.nrps == 'stub' else 'the development platform'} over HTTP; "
              f"median of {args.runs} runs")
        print(f"{'members':>8} {'list read':>10} {'first view':>11} {'ratio':>6} {'warm view':>10} {'CSV':>8}")
        smallest = results[sizes[0]][1]
        for size in sizes:
            read_s, first_s, warm_s, csv_s, csv_bytes = results[size]
            print(f"{size:>8} {read_s:>9.3f}s {first_s:>10.3f}s {first_s / smallest:>5.1f}x {warm_s:>9.3f}s "
                  f"{csv_s:>7.2f}s ({csv_bytes / 1e6:.1f} MB)")
        print("targets: first view 10,000 <= 3 x and 50,000 <= 6 x the 1,000 view; 10,000 under 1 s")
    finally:
        if tool:
            tool.stop()
        if stub:
            stub.stop()
        running.stop()
        shutil.rmtree(work, ignore_errors=True)


def _forget(app) -> None:
    """Drop what the process keeps between requests (roster and line-item caches, access tokens)."""
    ext = app.extensions["r2com"]
    ext["grade_tokens"].store = type(ext["grade_tokens"].store)()
    for name in ("roster_cache", "platform_items"):
        cache = ext.get(name)
        if cache is not None and hasattr(cache, "forget_all"):
            cache.forget_all()


def _stub_nrps(platform, courses: dict[int, list[tuple[str, str]]], size: int = 50):
    """Return a WSGI app serving each course roster (``/<size>/memberships``) as pre-built NRPS pages linked
    by ``rel="next"``; the trainer of each course is listed first."""
    import json

    pages: dict[str, list[bytes]] = {}
    for key, members in courses.items():
        listed = [(f"trainer-{key}", "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor")] + members
        pages[str(key)] = []
        for start in range(0, len(listed), size):
            body = {"id": "roster", "context": {"id": f"course-{key}"}, "members": [
                {"status": "Active", "user_id": u, "roles": [role], "name": platform.users[u].name
                 if u in platform.users else "Trainer"} for u, role in listed[start:start + size]]}
            pages[str(key)].append(json.dumps(body).encode())

    def app(environ, start_response):
        if not environ.get("HTTP_AUTHORIZATION", "").startswith("Bearer "):
            start_response("401 Unauthorized", [("Content-Type", "application/json")])
            return [b'{"error": "unauthorized"}']
        course = environ["PATH_INFO"].strip("/").split("/")[0]
        query = environ.get("QUERY_STRING", "")
        index = int(query.split("NxtPg.")[1]) if "page=NxtPg." in query else 0
        headers = [("Content-Type", "application/vnd.ims.lti-nrps.v2.membershipcontainer+json")]
        if index + 1 < len(pages[course]):
            host = environ["HTTP_HOST"]
            headers.append(("Link", f'<http://{host}/{course}/memberships?page=NxtPg.{index + 1}>; rel="next"'))
        start_response("200 OK", headers)
        return [pages[course][index]]

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
        active = subs[: int(len(subs) * 0.8)]  # a fifth never launched
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
        # Bulk inserts pass by the ORM's flush, so the learners' summaries are built as the migration does.
        from lti_tool.training.summary import backfill

        backfill(db.session.connection(), ctx)
        db.session.commit()
        print(f"rows: {len(progress)} module progress, {len(attempts)} attempts, {len(chapters)} chapters read")


if __name__ == "__main__":
    main()
