"""A cached module page versus a hello-world Flask route, both under gunicorn with the same settings.

Prints requests/s of each and the ratio (targets: the page reaches at least 55 % of hello world on SQLite and
40 % on PostgreSQL). The page request carries a valid session token and the learner has seen the page before
(the common case: reading on); the page body is cached, the per-user shell is rendered each time. Both
servers run side by side and are measured in alternating rounds (default 3); the median round is the result.

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
    parser.add_argument("--rounds", type=int, default=3)
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
        tool = gunicorn("wsgi:app", port, env, args.workers)
        hello_url = f"http://127.0.0.1:{hello_port}/"
        rounds = []
        try:
            requests_per_second(hello_url, seconds=1.0, clients=args.clients)
            requests_per_second(url, seconds=1.0, clients=args.clients)  # warm both workers and their caches
            for n in range(args.rounds):
                hello_rps, hello_err = requests_per_second(hello_url, seconds=args.seconds, clients=args.clients)
                page_rps, page_err = requests_per_second(url, seconds=args.seconds, clients=args.clients)
                rounds.append((page_rps / hello_rps, hello_rps, page_rps, hello_err + page_err))
                print(f"round {n + 1}: hello world {hello_rps:7.1f}/s, module page {page_rps:7.1f}/s, "
                      f"ratio {page_rps / hello_rps * 100:.1f} % ({hello_err + page_err} errors)")
        finally:
            stop(tool)
            stop(hello)
        db_kind = "PostgreSQL" if args.database and args.database.startswith("postgres") else "SQLite"
        target = 40 if db_kind == "PostgreSQL" else 55
        ratio, hello_rps, page_rps, errors = sorted(rounds)[len(rounds) // 2]
        print(f"gunicorn -w {args.workers} (sync), {args.clients} client processes, {args.seconds:.0f} s a round, "
              f"one connection per request; database {db_kind}")
        print(f"median round: hello world {hello_rps:.1f} requests/s, module page {page_rps:.1f} requests/s")
        print(f"ratio: {ratio * 100:.1f} % of hello world (target >= {target} %); "
              f"rounds {', '.join(f'{r[0] * 100:.1f}' for r in rounds)} %")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
