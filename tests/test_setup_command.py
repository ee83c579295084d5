"""First start: ``flask --app wsgi setup`` from an empty server, the README's production commands verbatim,
maintenance commands before keys exist, and the development delivery thread on an empty database.

The commands run as real subprocesses (``flask``, ``gunicorn``) with ``LTI_TOOL_ENV=production``, the way an
operator types them, so the app factory's start-up checks are exercised exactly as on a server.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lti_tool import create_app, flask_command
from lti_tool.extensions import db

ROOT = Path(__file__).resolve().parent.parent
MARKER = "<!-- production-commands:"
SECRET = "a-long-random-secret-for-the-setup-test-only-0123456789"


def production_block() -> list[str]:
    """The README's marked production block, one command per line (continuations joined)."""
    readme = (ROOT / "README.md").read_text()
    assert readme.count(MARKER) == 1, "the README must mark exactly one production block"
    after = readme[readme.index(MARKER):]
    match = re.search(r"```sh\n(.*?)```", after, re.S)
    assert match and after.index("```sh") < after.index("\n\n"), "the marker must sit right above the ```sh block"
    return [line.strip() for line in match.group(1).replace("\\\n", " ").splitlines() if line.strip()]


def command(lines: list[str], start: str) -> str:
    (found,) = [line for line in lines if line.startswith(start)]
    return found


def plus(line: str, option: str) -> str:
    """The README command with one more option, placed before its trailing comment."""
    return line.split(" #")[0].rstrip() + " " + option


def production_env(tmp_path: Path) -> dict[str, str]:
    """The environment of the README's export line, with values for a throwaway server in ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LTI_TOOL_", "FLASK_"))}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
               LTI_TOOL_ENV="production", LTI_TOOL_BASE_URL="https://tool.example.org", LTI_TOOL_SECRET_KEY=SECRET,
               LTI_TOOL_KEYS_DIR=str(tmp_path / "keys"),  # does not exist yet
               LTI_TOOL_DATABASE_URL=f"sqlite:///{tmp_path / 'r2com.db'}", LTI_TOOL_LOG_LEVEL="WARNING")
    return env


def run(line: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run one README line as a shell would, from the release folder."""
    return subprocess.run(["bash", "-c", line], cwd=ROOT, env=env, text=True, capture_output=True, timeout=timeout)


def keys_folder(env: dict[str, str]) -> dict[str, bytes]:
    folder = Path(env["LTI_TOOL_KEYS_DIR"])
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


READYZ = """
from lti_tool import create_app
app = create_app()
resp = app.test_client().get("/readyz")
print(resp.status_code, resp.get_json())
"""


def test_readme_production_commands_run_verbatim_from_an_empty_folder(tmp_path: Path) -> None:
    lines = production_block()
    exported = set(re.findall(r"\b(LTI_TOOL_[A-Z_]+)=", command(lines, "export ")))
    env = production_env(tmp_path)
    assert exported == {k for k in env if k.startswith("LTI_TOOL_")} - {"LTI_TOOL_LOG_LEVEL"}
    setup, gunicorn, deliver = (command(lines, "flask --app wsgi setup"), command(lines, "gunicorn "),
                                command(lines, "flask --app wsgi lti deliver"))
    assert lines.index(setup) < lines.index(gunicorn) < lines.index(deliver)

    # Before setup, the web app refuses to start and says what to run.
    refused = run(plus(gunicorn, "--check-config"), env)
    assert refused.returncode != 0 and "flask --app wsgi setup" in refused.stdout + refused.stderr

    first = run(setup, env)
    assert first.returncode == 0, first.stdout + first.stderr
    out = first.stdout
    for created in ("created  tool signing key", "created  master key for case records", "created  database tables",
                    "created  content packages: r2com-cases"):
        assert created in out, out
    assert "https://tool.example.org/.well-known/jwks.json" in out and "https://tool.example.org/lti/login" in out
    for step in ("flask --app wsgi lti platform invite", "gunicorn ", "flask --app wsgi lti deliver"):
        assert step in out.split("Next steps:")[1]
    assert "ERROR" not in first.stderr and "Traceback" not in first.stderr, first.stderr
    made = keys_folder(env)
    assert "master.key" in made and any(name.startswith("tool-") for name in made)
    assert (Path(env["LTI_TOOL_KEYS_DIR"]) / "master.key").stat().st_mode & 0o777 == 0o600

    again = run(setup, env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Nothing to do" in again.stdout and "created " not in again.stdout
    assert keys_folder(env) == made  # no key regenerated

    ready = subprocess.run([sys.executable, "-c", READYZ], cwd=ROOT, env=env, text=True, capture_output=True,
                           timeout=60)
    assert ready.returncode == 0, ready.stderr
    assert ready.stdout.strip() == ("200 {'checks': {'database': 'ok', 'keys': 'ok', 'master_key': 'ok'}, "
                                    "'status': 'ready'}")
    checked = run(plus(gunicorn, "--check-config"), env)  # gunicorn loads wsgi:app as it would to serve
    assert checked.returncode == 0, checked.stdout + checked.stderr
    worker = run(plus(deliver, "--once"), env)
    assert worker.returncode == 0 and "Grade delivery stopped after handling 0 score(s)" in worker.stdout, worker.stderr


def test_each_maintenance_command_runs_before_keys_exist(tmp_path: Path) -> None:
    """The old chicken-and-egg: each command wanted a key another command had to make first."""
    env = production_env(tmp_path)
    for line in ("flask --app wsgi db upgrade", "flask --app wsgi assessment create-master-key",
                 "flask --app wsgi lti keys rotate"):
        result = run(line, env)
        assert result.returncode == 0, f"{line}: {result.stdout}{result.stderr}"
    ready = subprocess.run([sys.executable, "-c", READYZ], cwd=ROOT, env=env, text=True, capture_output=True,
                           timeout=60)
    assert ready.stdout.startswith("200 "), ready.stdout + ready.stderr
    again = run("flask --app wsgi setup", env)
    assert again.returncode == 0 and "Nothing to do" in again.stdout, again.stdout + again.stderr


def test_setup_refuses_a_restored_database_without_its_master_key(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    assert run("flask --app wsgi setup", env).returncode == 0
    seal = ("from lti_tool import create_app\nfrom lti_tool.extensions import db\n"
            "from lti_tool.lti.models import Platform\nfrom lti_tool.assessment.roles import organisation_for\n"
            "app = create_app()\nwith app.app_context():\n"
            "    p = Platform(name='p', issuer='https://p', client_id='c', auth_login_url='x', auth_token_url='x',"
            " key_set_url='x')\n    db.session.add(p); db.session.commit(); organisation_for(p.id)\n")
    stored = subprocess.run([sys.executable, "-c", seal], cwd=ROOT, env=env, text=True, capture_output=True,
                            timeout=60)
    assert stored.returncode == 0, stored.stderr
    keys = Path(env["LTI_TOOL_KEYS_DIR"])
    shutil.rmtree(keys)  # the database came back from a backup, the keys folder did not
    refused = run("flask --app wsgi setup", env)
    assert refused.returncode != 0
    assert "Restore" in refused.stderr and "master.key" in refused.stderr, refused.stdout + refused.stderr
    assert not keys.exists() or list(keys.iterdir()) == []  # nothing was created: no new master or tool key


@pytest.mark.parametrize("line", ["flask --app wsgi db upgrade", "flask --app wsgi setup"])
def test_first_development_start_logs_no_error(tmp_path: Path, line: str) -> None:
    """`scripts/dev` on a fresh clone: the delivery thread used to fail on the missing grade_outbox table."""
    env = production_env(tmp_path)
    env.update(LTI_TOOL_ENV="development", LTI_TOOL_BASE_URL="http://127.0.0.1:5000", LTI_TOOL_LOG_LEVEL="INFO")
    env.pop("LTI_TOOL_SECRET_KEY")
    result = run(line, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " ERROR " not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert "grade delivery thread started" not in result.stderr  # a maintenance command delivers nothing


def test_delivery_thread_waits_quietly_for_the_tables(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    worker_log = logging.getLogger("lti_tool.services.worker")
    worker_log.disabled = False  # Alembic's logging config (migration tests) disables existing loggers
    caplog.set_level(logging.INFO, logger="lti_tool.services.worker")
    app = create_app({"ENV": "testing", "SECRET_KEY": SECRET, "KEYS_DIR": str(tmp_path / "keys"),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "DEV_PLATFORM": False,
                      "DELIVERY_THREAD": True, "DELIVERY_THREAD_IN_TESTING": True, "SERVING": True}, env={})
    thread, stop = app.extensions["r2com"]["delivery_thread"]
    try:
        time.sleep(1.5)  # the old thread failed on its first round, at once
        worker = [r for r in caplog.records if r.name == "lti_tool.services.worker"]
        assert [r.levelno for r in worker if r.levelno >= logging.WARNING] == []
        waits = [r.getMessage() for r in worker if "waits" in r.getMessage()]
        assert waits == ["grade delivery waits: the database tables do not exist yet (run `flask --app wsgi setup`)"]
        with app.app_context():
            db.create_all()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any("is ready" in r.getMessage() for r in caplog.records):
            time.sleep(0.1)
        assert any("database is ready" in r.getMessage() for r in caplog.records)
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join(timeout=15)
        app.extensions["r2com"]["hotpath"].close()
        with app.app_context():
            db.drop_all()
            db.engine.dispose()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_maintenance_commands_do_not_start_the_delivery_thread(tmp_path: Path) -> None:
    app = create_app({"ENV": "development", "SECRET_KEY": SECRET, "KEYS_DIR": str(tmp_path / "keys"),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "DEV_PLATFORM": False,
                      "DELIVERY_THREAD": True, "SERVING": False}, env={})
    assert "delivery_thread" not in app.extensions["r2com"]
    app.extensions["r2com"]["hotpath"].close()


def test_flask_command_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    assert flask_command(["--app", "wsgi", "setup"]) is None  # not the Flask CLI: gunicorn, tests
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    assert flask_command(["--app", "wsgi", "lti", "keys", "rotate"]) == ("lti", "keys", "rotate")
    assert flask_command(["-A", "wsgi", "--debug", "run", "--port", "8080"]) == ("run", "8080")
    assert flask_command(["-e", ".env", "setup"]) == ("setup",)


def test_readme_says_how_to_change_the_port() -> None:
    script = (ROOT / "scripts" / "dev").read_text()
    assert 'PORT="${PORT:-5000}"' in script and '--port "$PORT"' in script and "flask --app wsgi setup" in script
    start_here = (ROOT / "README.md").read_text().split("## Start here")[1].split("\n## ")[0]
    assert "PORT=8080 scripts/dev" in start_here and "`HOST`" in start_here
