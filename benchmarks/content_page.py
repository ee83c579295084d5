"""A cached module page versus a hello-world Flask route, both under gunicorn with the same settings.

Prints requests/s of each and the ratio (target: the page reaches at least 40 % of hello world). The page
request carries a valid session token; the page body is cached, the per-user shell is rendered each time.

    .venv/bin/python benchmarks/content_page.py
    .venv/bin/python benchmarks/content_page.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from _bench import free_port, gunicorn, requests_per_second, seed_session, stop, tool_env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=4, help="load-generating processes")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for both apps")
    parser.add_argument("--database", default=None, help="SQLAlchemy URL; default a fresh SQLite file")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="r2com-page-bench-"))
    try:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = tool_env(work, base, args.database)
        import os

        os.environ.update({k: v for k, v in env.items() if k.startswith("LTI_TOOL_")})
        from lti_tool import create_app
        from lti_tool.extensions import db

        app = create_app()
        if args.database:
            with app.app_context():
                db.drop_all()
        seeded = seed_session(app)
        with app.app_context():
            module = app.extensions["r2com"]["content"].module("m01-foundations")
            db.engine.dispose()
        page = module.pages[1].id
        url = f"{base}/training/modules/m01-foundations/pages/{page}?ltik={seeded['token']}"

        hello_port = free_port()
        hello = gunicorn("hello_wsgi:app", hello_port, env, args.workers)
        try:
            requests_per_second(f"http://127.0.0.1:{hello_port}/", seconds=1.0, clients=args.clients)
            hello_rps, hello_err = requests_per_second(f"http://127.0.0.1:{hello_port}/", seconds=args.seconds,
                                                       clients=args.clients)
        finally:
            stop(hello)
        tool = gunicorn("wsgi:app", port, env, args.workers)
        try:
            requests_per_second(url, seconds=1.0, clients=args.clients)  # warm both workers and their caches
            page_rps, page_err = requests_per_second(url, seconds=args.seconds, clients=args.clients)
        finally:
            stop(tool)
        db_kind = "PostgreSQL" if args.database and args.database.startswith("postgres") else "SQLite"
        print(f"gunicorn -w {args.workers} (sync), {args.clients} client processes, {args.seconds:.0f} s each, "
              f"one connection per request; database {db_kind}")
        print(f"hello world:            {hello_rps:8.1f} requests/s ({hello_err} errors)")
        print(f"module page (cached):   {page_rps:8.1f} requests/s ({page_err} errors)")
        print(f"ratio: {page_rps / hello_rps * 100:.1f} % of hello world (target >= 40 %)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
