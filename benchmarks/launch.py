"""Full LTI launches (OIDC login + launch) against the tool under gunicorn with two workers.

Prints launches/s, p50/p95 latency of a full launch, and the tool's CPU time per launch: the CPU
(user + system) of gunicorn's master and workers, read from /proc, divided by the launches. The
development platform runs in this process; its CPU does not count.

The load generator (the platform, which signs every id_token with RSA, and the browsers) is pinned
to other CPUs than gunicorn, as a load generator must be: on shared cores its work evicts the tool's
caches and inflates the tool's CPU time by a third (``--no-pin`` shows it). In production the LMS does
not run on the tool's cores either. On a machine with two CPUs that is one CPU each.

CPU time on a shared virtual machine drifts from minute to minute, so the load runs in several
rounds (``--rounds``) and the headline is the median round; every round is printed too. ``--floor``
runs the same load against ``floor_wsgi.py``, which answers login and launch with bare redirects:
what gunicorn, the kernel and the load cost without the tool.

    .venv/bin/python benchmarks/launch.py                      # SQLite
    .venv/bin/python benchmarks/launch.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python benchmarks/launch.py --floor              # gunicorn alone, same load
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lti_tool.devplatform.driver import find_autosubmit_form  # noqa: E402
from lti_tool.devplatform.server import start_platform  # noqa: E402

CLK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_tree_cpu(pid: int, split: bool = False):
    """CPU seconds (user+system) of pid and its children, from /proc; (user, system) when split."""
    total = 0.0
    user = system = 0.0
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        user += int(fields[11]) / CLK
        system += int(fields[12]) / CLK
        total += (int(fields[11]) + int(fields[12])) / CLK
    return (user, system) if split else total


def one_launch(session: requests.Session, platform_url: str, client_id: str, deployment_id: str, user: str) -> None:
    first = session.get(platform_url + "/launch", params={"client_id": client_id, "deployment_id": deployment_id,
                                                          "course": "course-101", "user": user}, timeout=10)
    _method, action, pairs = find_autosubmit_form(first.text)
    resp = session.post(action, data=dict(pairs), allow_redirects=False, timeout=10)
    if resp.status_code != 303:
        raise RuntimeError(f"launch failed: HTTP {resp.status_code} {resp.text[-300:]}")


def seed_platforms(database_url: str, count: int) -> None:
    """Register ``count`` other platforms, each with one deployment, as a hosted tool serving many NGOs would."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    meta = sa.MetaData()
    platforms = sa.Table("lti_platform", meta, autoload_with=engine)
    deployments = sa.Table("lti_deployment", meta, autoload_with=engine)
    with engine.begin() as conn:
        for start in range(0, count, 1000):
            rows = [{"name": f"NGO {i}", "issuer": f"https://lms{i}.example.org", "client_id": f"client-{i}",
                     "auth_login_url": f"https://lms{i}.example.org/auth", "product": "moodle",
                     "auth_token_url": f"https://lms{i}.example.org/token", "source": "manual",
                     "key_set_url": f"https://lms{i}.example.org/jwks", "active": True, "deployment_policy": "approve"}
                    for i in range(start, min(count, start + 1000))]
            conn.execute(platforms.insert(), rows)
        ids = [row.id for row in conn.execute(sa.select(platforms.c.id))]
        for start in range(0, len(ids), 1000):
            conn.execute(deployments.insert(), [{"platform_id": pid, "deployment_id": "1", "active": True,
                                                 "pending": False, "source": "manual"}
                                                for pid in ids[start:start + 1000]])
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=2000, help="launches per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL; default a fresh SQLite file")
    parser.add_argument("--redis", default=None, help="LTI_TOOL_REDIS_URL for the login state")
    parser.add_argument("--extra-platforms", type=int, default=0,
                        help="register this many other platforms first (e.g. 20000): launch cost must not grow")
    parser.add_argument("--floor", action="store_true",
                        help="same load against benchmarks/floor_wsgi.py (bare redirects, nothing checked): "
                             "what gunicorn, the kernel and the load cost without the tool")
    parser.add_argument("--no-pin", action="store_true",
                        help="let gunicorn and the load generator share all CPUs")
    parser.add_argument("--per-endpoint", action="store_true",
                        help="serve benchmarks/cpu_wsgi.py and print the app's CPU per endpoint (excludes gunicorn)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="r2com-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, LTI_TOOL_ENV="development", LTI_TOOL_DEV_PLATFORM="false", LTI_TOOL_DELIVERY_THREAD="false",
               LTI_TOOL_BASE_URL=base, LTI_TOOL_KEYS_DIR=str(work / "keys"), LTI_TOOL_LOG_LEVEL="WARNING",
               LTI_TOOL_DATABASE_URL=args.database or f"sqlite:///{work / 'bench.db'}")
    if args.redis:
        env["LTI_TOOL_REDIS_URL"] = args.redis
    flask = str(ROOT / ".venv/bin/flask")
    subprocess.run([flask, "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if args.extra_platforms:
        seed_platforms(env["LTI_TOOL_DATABASE_URL"], args.extra_platforms)
    cpus = sorted(os.sched_getaffinity(0))
    tool_cpus, load_cpus = set(cpus), set(cpus)
    if not args.no_pin and len(cpus) >= 2:
        tool_cpus, load_cpus = set(cpus[: len(cpus) // 2]), set(cpus[len(cpus) // 2:])
        os.sched_setaffinity(0, load_cpus)  # before the platform's threads start; they inherit it
    platform, running = start_platform()
    cid, dep = platform.add_tool(initiate_login_uri=base + "/lti/login", redirect_uris=[base + "/lti/launch"],
                                 jwks_uri=base + "/.well-known/jwks.json", target_link_uri=base + "/lti/launch")
    subprocess.run([flask, "--app", "wsgi", "lti", "platform", "add", "--name", "bench", "--issuer", platform.issuer,
                    "--client-id", cid, "--deployment-id", dep, "--auth-login-url", platform.url("/auth"),
                    "--auth-token-url", platform.url("/token"), "--key-set-url",
                    platform.url("/.well-known/jwks.json")], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    app = "floor_wsgi:app" if args.floor else "cpu_wsgi:app" if args.per_endpoint else "wsgi:app"
    env.update(R2COM_FLOOR_AUTH_URL=platform.url("/auth"), R2COM_FLOOR_CLIENT_ID=cid)
    gunicorn = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                                 "--log-level", "warning", "--pythonpath", "benchmarks", app], cwd=ROOT, env=env,
                                preexec_fn=lambda: os.sched_setaffinity(0, tool_cpus))
    try:
        for _ in range(100):
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        users = [u.user_id for u, _role in platform.members("course-101")]
        warm = requests.Session()
        for i in range(40):  # warm both workers: key caches, registration cache, code paths
            one_launch(warm, platform.base_url, cid, dep, users[i % len(users)])

        def run_round() -> dict[str, float]:
            latencies: list[float] = []
            lock = threading.Lock()
            counter = iter(range(args.launches))

            def worker() -> None:
                session = requests.Session()
                while True:
                    with lock:
                        i = next(counter, None)
                    if i is None:
                        return
                    t0 = time.perf_counter()
                    one_launch(session, platform.base_url, cid, dep, users[i % len(users)])
                    with lock:
                        latencies.append(time.perf_counter() - t0)

            user0, system0 = process_tree_cpu(gunicorn.pid, split=True)
            t0 = time.perf_counter()
            threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - t0
            user1, system1 = process_tree_cpu(gunicorn.pid, split=True)
            latencies.sort()
            n = args.launches
            return {"rate": n / elapsed, "p50": statistics.median(latencies) * 1000,
                    "p95": latencies[int(len(latencies) * 0.95)] * 1000,
                    "cpu": (user1 - user0 + system1 - system0) / n * 1000,
                    "user": (user1 - user0) / n * 1000, "system": (system1 - system0) / n * 1000}

        if os.environ.get("R2COM_BENCH_PIDFILE"):  # lets a profiler attach to the workers
            Path(os.environ["R2COM_BENCH_PIDFILE"]).write_text(
                Path(f"/proc/{gunicorn.pid}/task/{gunicorn.pid}/children").read_text())
        db_kind = "PostgreSQL" if args.database and args.database.startswith("postgres") else "SQLite"
        print(f"{'FLOOR (bare redirects, no tool) ' if args.floor else ''}"
              f"database: {db_kind}{' + Redis state' if args.redis else ''}; gunicorn -w 2 on CPUs "
              f"{sorted(tool_cpus)}, load on CPUs {sorted(load_cpus)}; "
              f"{args.rounds} rounds of {args.launches} launches, concurrency {args.concurrency}")
        rounds = []
        for number in range(1, args.rounds + 1):
            r = run_round()
            rounds.append(r)
            print(f"  round {number}: {r['rate']:.1f} launches/s, p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, "
                  f"tool CPU {r['cpu']:.3f} ms per launch (user {r['user']:.3f}, system {r['system']:.3f})",
                  flush=True)
        median = sorted(rounds, key=lambda r: r["cpu"])[len(rounds) // 2]
        print(f"launches/s: {median['rate']:.1f}")
        print(f"full launch latency p50: {median['p50']:.1f} ms, p95: {median['p95']:.1f} ms "
              "(includes the platform's auth step)")
        print(f"tool CPU per launch (login + launch), median round: {median['cpu']:.3f} ms "
              f"(user {median['user']:.3f} ms, system {median['system']:.3f} ms; "
              f"rounds {min(r['cpu'] for r in rounds):.3f} to {max(r['cpu'] for r in rounds):.3f} ms)")
        if args.per_endpoint:
            seen: dict[int, dict] = {}
            for _ in range(40):
                data = requests.get(base + "/__cpu", timeout=5).json()
                seen[data["pid"]] = data["paths"]
                if len(seen) == 2:
                    break
            merged: dict[str, list[float]] = {}
            for paths in seen.values():
                for path, (secs, count) in paths.items():
                    m = merged.setdefault(path, [0.0, 0])
                    m[0] += secs
                    m[1] += count
            for path, (secs, count) in sorted(merged.items()):
                print(f"  app CPU in {path}: {secs / count * 1000:.3f} ms per request ({count} requests)")
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=10)
        running.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
