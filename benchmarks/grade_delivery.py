"""Grade delivery throughput: enqueue N scores, deliver them to a loopback development platform.

Prints scores/s of delivery (claim, token, POST, record) and how many access tokens were requested.
The platform, the tool's JWKS server and the worker(s) share this process. Scores go to 24 learners
across N/24 line items, so no score supersedes another and every one is posted.

    .venv/bin/python benchmarks/grade_delivery.py                       # SQLite, 3000 scores, 1 worker
    .venv/bin/python benchmarks/grade_delivery.py --database postgresql+psycopg://postgres@127.0.0.1:5432/grades_bench
    .venv/bin/python benchmarks/grade_delivery.py --scores 600 --latency 0.05 --concurrency 8   # a distant LMS
    .venv/bin/python benchmarks/grade_delivery.py --backlog 100000   # enqueue and deliver beside 100,000 pending

With ``--backlog N`` the tool's outbox first gets N pending rows (the learners' earlier scores waiting for a
retry after an LMS outage, as the back-off leaves them); the scores are then enqueued in batches of 100
that alternate with the same batches on a second database whose outbox is empty, so both run under the same
machine load, and delivered beside the backlog. It prints the enqueue time per score for the empty and the
full outbox and their ratio (target: within 20 %), and the delivery rate (target: >= 300/s).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import datetime as dt  # noqa: E402

from sqlalchemy import func, insert, select  # noqa: E402

from lti_tool import create_app  # noqa: E402
from lti_tool.devplatform.server import serve, start_platform  # noqa: E402
from lti_tool.db import utcnow  # noqa: E402
from lti_tool.extensions import db  # noqa: E402
from lti_tool.lti.models import Context, Deployment, LtiUser, Platform  # noqa: E402
from lti_tool.lti.registration import add_platform  # noqa: E402
from lti_tool.lti.session import ToolSession  # noqa: E402
from lti_tool.services import enqueue_score  # noqa: E402
from lti_tool.services.outbox import to_iso_ms  # noqa: E402
from lti_tool.services.models import DeliveryStatus, GradeOutbox  # noqa: E402
from lti_tool.services.worker import DeliveryWorker  # noqa: E402

AGS_SCOPES = ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
              "https://purl.imsglobal.org/spec/lti-ags/scope/score"]
LEARNERS = [str(n) for n in range(1003, 1027)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scores", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=1, help="worker threads, each with its own HTTP session")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=1, help="POSTs in flight per worker")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds the platform waits before answering each score (a distant LMS)")
    parser.add_argument("--database", default=None, help="SQLAlchemy URL; default a fresh SQLite file")
    parser.add_argument("--backlog", type=int, default=0, help="pending rows to add before the timed enqueue")
    parser.add_argument("--due", action="store_true",
                        help="the backlog is due now (the LMS is back): deliver --scores rows from the full queue")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="r2com-grades-"))
    app = create_app({"ENV": "testing", "SECRET_KEY": "bench", "KEYS_DIR": str(work / "keys"),
                      "DATABASE_URL": args.database or f"sqlite:///{work / 'bench.db'}", "DEV_PLATFORM": False,
                      "DELIVERY_THREAD": False, "LOG_LEVEL": "WARNING"}, env={})
    logging.getLogger().setLevel(logging.WARNING)
    tool = serve(app)
    platform, running = start_platform()
    cid, dep = platform.add_tool(initiate_login_uri=tool.url + "/lti/login", redirect_uris=[tool.url + "/lti/launch"],
                                 jwks_uri=tool.url + "/.well-known/jwks.json", line_items=False)
    columns = -(-args.scores // len(LEARNERS))
    items = [platform.create_line_item("course-101", cid, f"Quiz {i}", 10) for i in range(columns)]
    full = _prepare(app, platform, cid, dep)
    empty = None
    if args.backlog:
        # The same tool on a second database whose outbox stays (nearly) empty, enqueued in alternating batches
        # with the full one, so both see the same machine load.
        empty_app = create_app({"ENV": "testing", "SECRET_KEY": "bench", "KEYS_DIR": str(work / "keys"),
                                "DATABASE_URL": _sibling_database(args.database, work), "DEV_PLATFORM": False,
                                "DELIVERY_THREAD": False, "LOG_LEVEL": "WARNING"}, env={})
        empty = _prepare(empty_app, platform, cid, dep)
        backlog_item = platform.create_line_item("course-101", cid, "Backlog", 10)
        with app.app_context():
            _add_backlog(full[1], full[2], args.backlog,
                         platform.url(f"/api/ags/course-101/lineitems/{backlog_item.item_id}"), args.due)
    claim = {"scope": AGS_SCOPES, "lineitems": platform.url("/api/ags/course-101/lineitems")}

    def enqueue_batch(target: tuple, first: int, last: int) -> float:
        the_app, plat_id, ctx_id, user_ids = target
        with the_app.app_context():
            start = time.perf_counter()
            for n in range(first, last):
                item = items[n // len(LEARNERS)]
                session = ToolSession("t", "s", user_ids[n % len(LEARNERS)], ctx_id, plat_id, None, "learner",
                                      "LtiResourceLinkRequest", {"ags": dict(claim, lineitem=platform.url(
                                          f"/api/ags/course-101/lineitems/{item.item_id}"))})
                enqueue_score(session, source_kind="bench", source_id=str(n), score_given=n % 11, score_maximum=10)
            db.session.commit()
            return time.perf_counter() - start

    enqueue_seconds = empty_seconds = 0.0
    for number, first in enumerate(range(0, args.scores, 100)):
        last = min(args.scores, first + 100)
        if empty is None:
            enqueue_seconds += enqueue_batch(full, first, last)
            continue
        if number % 2:
            enqueue_seconds += enqueue_batch(full, first, last)
            empty_seconds += enqueue_batch(empty, first, last)
        else:
            empty_seconds += enqueue_batch(empty, first, last)
            enqueue_seconds += enqueue_batch(full, first, last)
    if empty is None:
        empty_seconds = enqueue_seconds
    if args.latency:
        platform.ags_fault = {"mode": "hang", "hang_seconds": args.latency}
    stop = threading.Event()
    workers = [DeliveryWorker(app, batch_size=args.batch_size, concurrency=args.concurrency) for _ in range(args.workers)]

    def deliver_some(worker: DeliveryWorker) -> None:  # --due: the first --scores rows of the full queue
        with app.app_context():
            while sent[0] < args.scores:
                handled = worker.run_once()
                with sent_lock:
                    sent[0] += handled
                if not handled:
                    break

    sent, sent_lock = [0], threading.Lock()
    threads = [threading.Thread(target=deliver_some, args=(w,)) if args.due else
               threading.Thread(target=w.run, args=(stop,), kwargs={"once": True}) for w in workers]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    with app.app_context():
        delivered = db.session.execute(select(func.count()).select_from(GradeOutbox)
                                       .where(GradeOutbox.status == DeliveryStatus.DELIVERED)).scalar_one()
        db.session.execute(select(Platform.id)).all()
    if args.due:
        print(f"the backlog was due: the worker(s) handled {sent[0]} rows from a queue of "
              f"{args.backlog + args.scores}")
    print(f"enqueue into an empty outbox: {args.scores} scores in {empty_seconds:.2f}s, "
          f"{empty_seconds / args.scores * 1000:.2f} ms per score")
    if args.backlog:
        print(f"enqueue beside {args.backlog} pending rows: {enqueue_seconds / args.scores * 1000:.2f} ms per score, "
              f"ratio {enqueue_seconds / empty_seconds:.2f} x the empty outbox (target <= 1.20)")
    print(f"delivered {delivered}/{args.scores} scores in {seconds:.2f}s with {args.workers} worker(s): "
          f"{delivered / seconds:.0f} scores/s (concurrency {args.concurrency})")
    print(f"platform received {len(platform.scores)} scores, {platform.score_posts} score POSTs, "
          f"{platform.token_requests} token request(s)")
    running.stop()
    tool.stop()
    if not args.due and (delivered != args.scores or len(platform.scores) != args.scores):
        sys.exit("not every score was delivered exactly once")


def _prepare(app, platform, cid: str, dep: str) -> tuple:
    """Register the platform in the tool's (fresh) database; return (app, platform id, context id, user ids)."""
    with app.app_context():
        db.drop_all()
        db.create_all()
        plat = add_platform(name="bench", issuer=platform.issuer, client_id=cid, auth_login_url=platform.url("/auth"),
                            auth_token_url=platform.url("/token"), key_set_url=platform.url("/.well-known/jwks.json"),
                            deployment_ids=[dep])
        ctx = Context(deployment_id=db.session.execute(select(Deployment.id)).scalar_one(), context_id="course-101")
        db.session.add(ctx)
        users = [LtiUser(platform_id=plat.id, sub=sub) for sub in LEARNERS]
        db.session.add_all(users)
        db.session.commit()
        return app, plat.id, ctx.id, [u.id for u in users]


def _sibling_database(url: str | None, work: Path) -> str:
    """A second database beside ``url`` (SQLite: a file in ``work``; PostgreSQL: ``<name>_empty``, created)."""
    if not url or url.startswith("sqlite"):
        return f"sqlite:///{work / 'empty.db'}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = f"{parsed.database}_empty"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def _add_backlog(platform_id: int, context_id: int, count: int, lineitem_url: str, due: bool) -> None:
    """Insert ``count`` pending rows of the learners for one line item, due for a retry in an hour after
    an LMS outage (or, ``due``, now: the LMS is back)."""
    subs = dict(db.session.execute(select(LtiUser.id, LtiUser.sub)).all())  # the timed learners' earlier scores
    ids = list(subs)
    now = utcnow()
    later = now - dt.timedelta(hours=1) if due else now + dt.timedelta(hours=1)
    rows = []
    for n in range(count):
        stamp = now + dt.timedelta(milliseconds=n)
        rows.append({"platform_id": platform_id, "context_id": context_id, "user_id": ids[n % len(ids)],
                     "source_kind": "bench", "source_id": f"backlog-{n}", "line_item_key": f"url:backlog-{n // len(ids)}",
                     "lineitem_url": lineitem_url, "scopes": " ".join(AGS_SCOPES),
                     "payload": {"userId": subs[ids[n % len(ids)]], "scoreGiven": 1, "scoreMaximum": 10,
                                 "activityProgress": "Completed", "gradingProgress": "FullyGraded",
                                 "timestamp": to_iso_ms(stamp)},
                     "payload_hash": "0" * 64, "timestamp": stamp, "status": DeliveryStatus.PENDING, "attempts": 3,
                     "next_attempt_at": later, "created_at": now, "updated_at": now})
        if len(rows) == 5000:
            db.session.execute(insert(GradeOutbox), rows)
            rows = []
    if rows:
        db.session.execute(insert(GradeOutbox), rows)
    db.session.commit()


if __name__ == "__main__":
    main()
