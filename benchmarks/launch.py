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
    .venv/bin/python benchmarks/launch.py --first-page         # what a learner waits for, against the floor
    .venv/bin/python benchmarks/launch.py --platform-counts 1,1000,20000   # launch cost vs registered platforms

``--first-page`` runs the tool and the floor side by side and measures, in alternating rounds, what a
learner waits for: login + launch + every redirect up to the first page that answers 200, for a link
placed on a module (the module page) and for a link not set up yet (the "not set up" page), and the
handshake alone (login + launch, stopping at the launch's redirect). The floor does the same walk against
bare redirects and a bare page. Every launch uses a fresh browser (no cookies, new connections), and the
tool logs at its production level (INFO; the log goes to /dev/null). It prints each scenario's tool CPU
per launch and its ratio to the floor's from the same rounds. Targets: a placed module <= 2.0 x the floor
on SQLite and <= 2.4 x on PostgreSQL, an unset link <= 1.8 x.
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
from typing import Any

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


def one_launch(session: requests.Session, platform_url: str, client_id: str, deployment_id: str, user: str,
               link: str | None = None, expect: str | None = None) -> None:
    """Login + launch; with ``expect``, also follow the launch's redirects to the first page (200) and check
    that its address contains ``expect``."""
    params = {"client_id": client_id, "deployment_id": deployment_id, "course": "course-101", "user": user}
    if link:
        params["link"] = link
    first = session.get(platform_url + "/launch", params=params, timeout=10)
    _method, action, pairs = find_autosubmit_form(first.text)
    resp = session.post(action, data=dict(pairs), allow_redirects=False, timeout=10)
    if resp.status_code != 303:
        raise RuntimeError(f"launch failed: HTTP {resp.status_code} {resp.text[-300:]}")
    if expect is None:
        return
    hops = 0
    while resp.status_code in (302, 303):
        hops += 1
        resp = session.get(requests.compat.urljoin(resp.url, resp.headers["Location"]), allow_redirects=False,
                           timeout=10)
    if resp.status_code != 200 or expect not in resp.url:
        raise RuntimeError(f"first page: HTTP {resp.status_code} at {resp.url} (expected {expect})")
    one_launch.hops = hops  # type: ignore[attr-defined]


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
    parser.add_argument("--platform-counts", default=None,
                        help="e.g. 1,1000,20000: one tool per count of registered platforms (each its own "
                             "database), measured in alternating rounds; prints each count's ratio to the first")
    parser.add_argument("--floor", action="store_true",
                        help="same load against benchmarks/floor_wsgi.py (bare redirects, nothing checked): "
                             "what gunicorn, the kernel and the load cost without the tool")
    parser.add_argument("--no-pin", action="store_true",
                        help="let gunicorn and the load generator share all CPUs")
    parser.add_argument("--first-page", action="store_true",
                        help="tool and floor side by side: handshake, and launch + first page for a placed module "
                             "and an unset link, with fresh browsers; prints ratios to the floor")
    parser.add_argument("--per-endpoint", action="store_true",
                        help="serve benchmarks/cpu_wsgi.py and print the app's CPU per endpoint (excludes gunicorn)")
    args = parser.parse_args()

    if args.platform_counts:
        return platform_counts(args, [int(n) for n in args.platform_counts.split(",")])
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
    if args.first_page:
        return first_page(args, env, base, port, platform, running, cid, dep, tool_cpus, load_cpus)
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


def _start(app: str, port: int, env: dict[str, str], cpus: set[int], log: Any = None) -> subprocess.Popen:
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", "--pythonpath", "benchmarks", app], cwd=ROOT, env=env,
                            stdout=log, stderr=log, preexec_fn=lambda: os.sched_setaffinity(0, cpus))
    for _ in range(100):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{app} did not start")


def first_page(args: Any, env: dict[str, str], base: str, port: int, platform: Any, running: Any, cid: str,
               dep: str, tool_cpus: set[int], load_cpus: set[int]) -> None:
    """The --first-page comparison (see the module docstring)."""
    from lti_tool.devplatform.models import ResourceLink

    launches = args.launches if args.launches != 2000 else 400
    module = platform.add_resource_link(ResourceLink(
        "bench-module", "course-101", "Module 1", client_id=cid,
        custom={"r2com_item": "module", "r2com_id": "m01-foundations"}))
    learners = [u.user_id for u, role in platform.members("course-101") if role.endswith("#Learner")]
    tool_env = dict(env, LTI_TOOL_LOG_LEVEL="INFO")  # the production default
    floor_port = free_port()
    floor_env = dict(env, LTI_TOOL_BASE_URL=f"http://127.0.0.1:{floor_port}")
    floor_cid, floor_dep = platform.add_tool(
        initiate_login_uri=f"http://127.0.0.1:{floor_port}/lti/login",
        redirect_uris=[f"http://127.0.0.1:{floor_port}/lti/launch"],
        jwks_uri=base + "/.well-known/jwks.json", target_link_uri=f"http://127.0.0.1:{floor_port}/lti/launch")
    floor_env.update(R2COM_FLOOR_CLIENT_ID=floor_cid, R2COM_FLOOR_AUTH_URL=platform.url("/auth"))
    devnull = open(os.devnull, "w")
    tool = _start("wsgi:app", port, tool_env, tool_cpus, devnull)
    floor = _start("floor_wsgi:app", floor_port, floor_env, tool_cpus, devnull)
    scenarios = [  # name, server, client id, deployment, link, expected first page (None: handshake only)
        ("floor: handshake", floor, floor_cid, floor_dep, None, None),
        ("floor: launch + first page", floor, floor_cid, floor_dep, None, "/lti/home"),
        ("tool: handshake", tool, cid, dep, "bench-module", None),
        ("tool: placed module + first page", tool, cid, dep, "bench-module", "/training/modules/m01-foundations"),
        ("tool: unset link + first page", tool, cid, dep, None, "/"),
    ]
    try:
        for name, _server, client, deployment, link, expect in scenarios:  # warm both workers
            for i in range(30):
                one_launch(requests.Session(), platform.base_url, client, deployment, learners[i % len(learners)],
                           link, expect)
        hops = {}
        results: dict[str, list[dict[str, float]]] = {name: [] for name, *_ in scenarios}
        db_kind = "PostgreSQL" if args.database and args.database.startswith("postgres") else "SQLite"
        print(f"database: {db_kind}; gunicorn -w 2 (tool and floor) on CPUs {sorted(tool_cpus)}, load on CPUs "
              f"{sorted(load_cpus)}; {args.rounds} rounds of {launches} launches per scenario, concurrency "
              f"{args.concurrency}, a fresh browser per launch; tool log level INFO")
        for number in range(1, args.rounds + 1):
            for name, server, client, deployment, link, expect in scenarios:
                r = _round(args.concurrency, launches, server.pid, lambda i: one_launch(
                    requests.Session(), platform.base_url, client, deployment, learners[i % len(learners)], link,
                    expect))
                hops[name] = getattr(one_launch, "hops", 0) if expect else 0
                results[name].append(r)
            print(f"  round {number}: " + ", ".join(f"{name.split(': ')[1] if name.startswith('tool') else name} "
                                                    f"{results[name][-1]['cpu']:.3f}" for name, *_ in scenarios)
                  + " ms CPU per launch", flush=True)
        med = {name: statistics.median(r["cpu"] for r in rs) for name, rs in results.items()}
        print("median CPU per launch (server processes only); ratio to the floor's same walk, the median of the "
              "rounds' ratios (each round measures both):")
        for name, *_rest in scenarios:
            floor_name = "floor: handshake" if "handshake" in name else "floor: launch + first page"
            ratios = [r["cpu"] / f["cpu"] for r, f in zip(results[name], results[floor_name])]
            rate = statistics.median(r["rate"] for r in results[name])
            p95 = statistics.median(r["p95"] for r in results[name])
            print(f"  {name:36s} {med[name]:6.3f} ms  {statistics.median(ratios):4.2f} x "
                  f"(rounds {min(ratios):.2f}-{max(ratios):.2f})  "
                  f"{rate:.0f} launches/s, p95 {p95:.0f} ms, {hops[name]} redirect(s) after the launch")
        print("targets: placed module <= 2.0 x (SQLite) / 2.4 x (PostgreSQL); unset link <= 1.8 x")
    finally:
        for proc in (tool, floor):
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
        devnull.close()
        running.stop()


def platform_counts(args: Any, counts: list[int]) -> None:
    """The --platform-counts comparison: launch CPU with 1, 1,000, 20,000... registered platforms.

    Each count gets its own database (the benchmark's platform plus ``count - 1`` others, one deployment each)
    and its own gunicorn (two workers), all on the same CPUs; the rounds alternate between them, so drift of a
    shared machine hits every count alike. A ratio is the median of the rounds' ratios to the first count.
    """
    work = Path(tempfile.mkdtemp(prefix="r2com-bench-"))
    flask = str(ROOT / ".venv/bin/flask")
    cpus = sorted(os.sched_getaffinity(0))
    tool_cpus, load_cpus = set(cpus), set(cpus)
    if not args.no_pin and len(cpus) >= 2:
        tool_cpus, load_cpus = set(cpus[: len(cpus) // 2]), set(cpus[len(cpus) // 2:])
        os.sched_setaffinity(0, load_cpus)
    platform, running = start_platform()
    devnull = open(os.devnull, "w")
    servers: list[tuple[int, subprocess.Popen, str, str]] = []
    try:
        for index, count in enumerate(counts):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            url = (f"{args.database.rstrip('/')}_{index}" if args.database else f"sqlite:///{work / f'bench{index}.db'}")
            if args.database and args.database.startswith("postgres"):
                _recreate_pg(url)
            env = dict(os.environ, LTI_TOOL_ENV="development", LTI_TOOL_DEV_PLATFORM="false",
                       LTI_TOOL_DELIVERY_THREAD="false", LTI_TOOL_BASE_URL=base,
                       LTI_TOOL_KEYS_DIR=str(work / f"keys{index}"), LTI_TOOL_LOG_LEVEL="WARNING",
                       LTI_TOOL_DATABASE_URL=url)
            subprocess.run([flask, "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if count > 1:
                seed_platforms(url, count - 1)
            cid, dep = platform.add_tool(initiate_login_uri=base + "/lti/login", redirect_uris=[base + "/lti/launch"],
                                         jwks_uri=base + "/.well-known/jwks.json",
                                         target_link_uri=base + "/lti/launch")
            subprocess.run([flask, "--app", "wsgi", "lti", "platform", "add", "--name", "bench", "--issuer",
                            platform.issuer, "--client-id", cid, "--deployment-id", dep, "--auth-login-url",
                            platform.url("/auth"), "--auth-token-url", platform.url("/token"), "--key-set-url",
                            platform.url("/.well-known/jwks.json")], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL)
            servers.append((count, _start("wsgi:app", port, env, tool_cpus, devnull), cid, dep))
        users = [u.user_id for u, _role in platform.members("course-101")]
        launches = args.launches if args.launches != 2000 else 500
        for _count, _server, cid, dep in servers:  # warm both workers of each
            for i in range(40):
                one_launch(requests.Session(), platform.base_url, cid, dep, users[i % len(users)])
        db_kind = "PostgreSQL" if args.database and args.database.startswith("postgres") else "SQLite"
        print(f"database: {db_kind}; one gunicorn -w 2 per count on CPUs {sorted(tool_cpus)}, load on CPUs "
              f"{sorted(load_cpus)}; {args.rounds} rounds of {launches} launches per count, concurrency "
              f"{args.concurrency}; login + launch (the handshake), a fresh browser per launch")
        results: dict[int, list[dict[str, float]]] = {count: [] for count, *_ in servers}
        for number in range(1, args.rounds + 1):
            for count, server, cid, dep in servers:
                results[count].append(_round(args.concurrency, launches, server.pid, lambda i: one_launch(
                    requests.Session(), platform.base_url, cid, dep, users[i % len(users)])))
            print(f"  round {number}: " + ", ".join(f"{count:,} platforms {results[count][-1]['cpu']:.3f}"
                                                    for count, *_ in servers) + " ms CPU per launch", flush=True)
        first = servers[0][0]
        print(f"median tool CPU per launch (server processes only); ratio to {first:,} platform(s), the median of "
              "the rounds' ratios:")
        for count, *_rest in servers:
            ratios = [r["cpu"] / f["cpu"] for r, f in zip(results[count], results[first])]
            print(f"  {count:>7,} platforms {statistics.median(r['cpu'] for r in results[count]):6.3f} ms  "
                  f"{statistics.median(ratios):4.2f} x (rounds {min(ratios):.2f}-{max(ratios):.2f})  "
                  f"p95 {statistics.median(r['p95'] for r in results[count]):.0f} ms")
        print("target: 20,000 platforms within 10 % of one platform (<= 1.10 x)")
    finally:
        for _count, server, *_rest in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
        devnull.close()
        running.stop()
        shutil.rmtree(work, ignore_errors=True)


def _recreate_pg(url: str) -> None:
    """Drop and create the PostgreSQL database of ``url`` (one per platform count)."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parsed.database}"')


def _round(concurrency: int, launches: int, pid: int, launch: Any) -> dict[str, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(launches))

    def worker() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            t0 = time.perf_counter()
            launch(i)
            with lock:
                latencies.append(time.perf_counter() - t0)

    cpu0 = process_tree_cpu(pid)
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    cpu1 = process_tree_cpu(pid)
    latencies.sort()
    return {"rate": launches / elapsed, "p95": latencies[int(len(latencies) * 0.95)] * 1000,
            "cpu": (cpu1 - cpu0) / launches * 1000}


if __name__ == "__main__":
    main()
