"""Operator commands: each has help text and does what it says."""

from __future__ import annotations

import click

from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.lti.models import Platform


def _one_platform():
    return db.session.execute(select(Platform)).scalar_one()


def _walk(group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _walk(cmd, prefix + (name,))


def test_every_command_has_help(app):
    from lti_tool.cli import lti_cli

    groups = [lti_cli] + [c for c in app.cli.commands.values() if isinstance(c, click.Group) and c.name != "db"]
    seen = 0
    for group in groups:
        assert group.help, f"{group.name} has no help"
        for path, cmd in _walk(group):
            seen += 1
            assert (cmd.help or "").strip(), f"{' '.join(path)} has no help text"
    assert seen >= 12


ADD = ["lti", "platform", "add", "--name", "NGO Moodle", "--issuer", "https://moodle.example.org",
       "--client-id", "abc123", "--deployment-id", "1", "--deployment-id", "2",
       "--auth-login-url", "https://moodle.example.org/mod/lti/auth.php",
       "--auth-token-url", "https://moodle.example.org/mod/lti/token.php",
       "--key-set-url", "https://moodle.example.org/mod/lti/certs.php", "--product", "moodle"]


def test_platform_lifecycle(app, runner):
    result = runner.invoke(args=ADD)
    assert result.exit_code == 0, result.output
    with app.app_context():
        platform = _one_platform()
        pid = platform.id
        assert [d.deployment_id for d in platform.deployments] == ["1", "2"]
    listed = runner.invoke(args=["lti", "platform", "list"])
    assert "NGO Moodle" in listed.output and "deployments: 1, 2" in listed.output
    shown = runner.invoke(args=["lti", "platform", "show", str(pid)])
    assert '"client_id": "abc123"' in shown.output
    assert runner.invoke(args=["lti", "platform", "disable", str(pid), "--deployment-id", "2"]).exit_code == 0
    assert "2 (off)" in runner.invoke(args=["lti", "platform", "list"]).output
    assert runner.invoke(args=["lti", "platform", "disable", str(pid)]).exit_code == 0
    assert "[disabled]" in runner.invoke(args=["lti", "platform", "list"]).output
    assert runner.invoke(args=["lti", "platform", "enable", str(pid)]).exit_code == 0
    missing = runner.invoke(args=["lti", "platform", "show", "999"])
    assert missing.exit_code != 0 and "No platform with id 999" in missing.output
    assert runner.invoke(args=["lti", "platform", "remove", str(pid), "--yes"]).exit_code == 0
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Platform)).scalar() == 0


def test_adding_again_adds_deployments(app, runner):
    runner.invoke(args=ADD)
    runner.invoke(args=ADD[:9] + ["--deployment-id", "3"] + ADD[13:])
    with app.app_context():
        assert sorted(d.deployment_id for d in _one_platform().deployments) == ["1", "2", "3"]


def test_invite_prints_one_time_url(runner):
    result = runner.invoke(args=["lti", "platform", "invite", "--note", "NGO X"])
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[0].startswith("http://tool.test/lti/register/")


def test_keys_commands(app, runner):
    before = runner.invoke(args=["lti", "keys", "list"]).output
    assert "signing" in before
    old_kid = before.split()[0]
    rotated = runner.invoke(args=["lti", "keys", "rotate"])
    assert rotated.exit_code == 0 and "New signing key" in rotated.output
    refused = runner.invoke(args=["lti", "keys", "retire", rotated.output.split()[3]])
    assert refused.exit_code != 0 and "signing key" in refused.output
    assert runner.invoke(args=["lti", "keys", "retire", old_kid]).exit_code == 0
    assert old_kid not in runner.invoke(args=["lti", "keys", "list"]).output


def test_urls_and_settings(runner):
    urls = runner.invoke(args=["lti", "urls"]).output
    assert "http://tool.test/lti/login" in urls and "http://tool.test/.well-known/jwks.json" in urls
    assert "LTI_TOOL_BASE_URL" in runner.invoke(args=["lti", "settings"]).output


def test_retire_accepts_a_kid_starting_with_a_dash(app, runner, monkeypatch):
    from lti_tool.lti.keys import KeyRing

    seen = []
    monkeypatch.setattr(KeyRing, "retire", lambda self, kid: seen.append(kid))
    result = runner.invoke(args=["lti", "keys", "retire", "-Sx9_thumbprint"])
    assert result.exit_code == 0, result.output
    assert seen == ["-Sx9_thumbprint"]
