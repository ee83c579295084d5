"""Operator commands: ``flask --app wsgi lti ...``. Every command has help text (tested)."""

from __future__ import annotations

import json

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .config import settings_markdown
from .extensions import db
from .lti.cli_deployments import deployment_cli, platform_or_exit, state_of

lti_cli = AppGroup("lti", help="LTI registration, keys and grade delivery.")
keys_cli = AppGroup("keys", help="The tool's signing keys.")
platform_cli = AppGroup("platform", help="Platforms (Moodle sites, Canvas developer keys) allowed to launch the tool.")
lti_cli.add_command(keys_cli)
lti_cli.add_command(platform_cli)
lti_cli.add_command(deployment_cli)


def _ext() -> dict:
    return current_app.extensions["r2com"]


def _invalidate() -> None:
    _ext()["platforms"].invalidate()


# -- keys ----------------------------------------------------------------------------------------
@keys_cli.command("list")
def keys_list() -> None:
    """List the published keys and show which one signs."""
    ring = _ext()["keyring"]
    ring.load()
    for key in ring.keys():
        mark = "signing" if key.kid == ring.signing_kid else "published"
        click.echo(f"{key.kid}  {mark}")


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Create a new signing key; the old one stays published until you retire it."""
    ring = _ext()["keyring"]
    key = ring.create_key()
    click.echo(f"New signing key: {key.kid}")
    click.echo("Keep the old key published for at least a day so platforms can refresh their key cache, "
               "then run `flask --app wsgi lti keys retire OLD_KID`.")


# Key ids are base64url thumbprints and may start with "-"; they must not be taken for options.
@keys_cli.command("retire", context_settings={"ignore_unknown_options": True})
@click.argument("kid")
def keys_retire(kid: str) -> None:
    """Stop publishing key KID and delete its private key file."""
    from .lti.keys import KeyError_

    try:
        _ext()["keyring"].retire(kid)
    except KeyError_ as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Retired {kid}.")


# -- platforms -----------------------------------------------------------------------------------
@platform_cli.command("add")
@click.option("--name", required=True, help="A name for admins, e.g. 'NGO Moodle'.")
@click.option("--issuer", required=True, help="The platform issuer (Moodle: the site URL; Canvas: https://canvas.instructure.com).")
@click.option("--client-id", required=True, help="The client ID the platform gave the tool.")
@click.option("--deployment-id", "deployment_ids", multiple=True,
              help="Deployment ID (repeatable). Canvas: optional, each install's id arrives with its first launch.")
@click.option("--auth-login-url", required=True, help="Platform OIDC authentication URL.")
@click.option("--auth-token-url", required=True, help="Platform OAuth2 access token URL.")
@click.option("--key-set-url", required=True, help="Platform public keyset (JWKS) URL.")
@click.option("--auth-audience", default=None, help="Token audience, only if the platform asks for one.")
@click.option("--product", default="other", type=click.Choice(["moodle", "canvas", "other"]), help="Platform kind.")
@click.option("--new-deployments", "deployment_policy", default=None, type=click.Choice(["auto", "approve"]),
              help="What a launch from a deployment id not listed here does: open the tool (auto) or wait for "
                   "`lti deployment approve` (approve). Default: the DEPLOYMENT_POLICY setting, else approve.")
@click.option("--service-host", "service_hosts", multiple=True,
              help="Another host its grade and roster services live on (repeatable; *.example.org for subdomains). "
                   "Canvas cloud: your school's domain, e.g. school.instructure.com.")
def platform_add(name: str, issuer: str, client_id: str, deployment_ids: tuple[str, ...], auth_login_url: str,
                 auth_token_url: str, key_set_url: str, auth_audience: str | None, product: str,
                 deployment_policy: str | None, service_hosts: tuple[str, ...]) -> None:
    """Register a platform by hand (or add deployments to one already registered)."""
    from .lti.registration import add_platform

    if not deployment_ids and product != "canvas":
        raise click.UsageError("Give the platform's --deployment-id (Moodle shows it in the tool's details).")
    platform = add_platform(name=name, issuer=issuer, client_id=client_id, auth_login_url=auth_login_url,
                            auth_token_url=auth_token_url, key_set_url=key_set_url,
                            deployment_ids=list(deployment_ids), auth_audience=auth_audience, product=product,
                            deployment_policy=deployment_policy, service_hosts=list(service_hosts))
    db.session.commit()
    _invalidate()
    click.echo(f"Platform {platform.id} registered: {platform.name}")


@platform_cli.command("hosts")
@click.argument("platform_id", type=int)
@click.option("--add", "added", multiple=True, help="Allow grade and roster services on this host (repeatable).")
@click.option("--remove", "removed", multiple=True, help="Stop allowing this extra host (repeatable).")
def platform_hosts_command(platform_id: int, added: tuple[str, ...], removed: tuple[str, ...]) -> None:
    """Show or change the hosts a platform's grade (AGS) and roster (NRPS) URLs may be on.

    The hosts of its login, token and key set URLs always count; launches whose service URLs point
    anywhere else are refused (foreign_service_url).
    """
    from .lti.tool_config import platform_hosts

    p = platform_or_exit(platform_id)
    hosts = [h for h in (p.service_hosts or "").split() if h not in {r.strip().lower() for r in removed}]
    hosts += [h.strip().lower() for h in added if h.strip() and h.strip().lower() not in hosts]
    p.service_hosts = " ".join(hosts) or None
    db.session.commit()
    _invalidate()
    fixed = platform_hosts(p.auth_login_url, p.auth_token_url, p.key_set_url)
    click.echo(f"Platform {p.id}: {' '.join(sorted(fixed))} (from its URLs)"
               + (f"; also {' '.join(hosts)}" if hosts else ""))


@platform_cli.command("list")
def platform_list() -> None:
    """List registered platforms with their deployments."""
    from .lti.models import Platform

    for p in db.session.execute(select(Platform).order_by(Platform.id)).scalars():
        deps = ", ".join(f"{d.deployment_id}{'' if state_of(d) == 'active' else f' ({state_of(d)})'}"
                         for d in p.deployments) or "-"
        state = "active" if p.active else "disabled"
        click.echo(f"{p.id}  {p.name}  [{state}]  iss={p.issuer}  client_id={p.client_id}  deployments: {deps}  "
                   f"new deployments: {p.deployment_policy}")


@platform_cli.command("show")
@click.argument("platform_id", type=int)
def platform_show(platform_id: int) -> None:
    """Show every stored field of one platform."""
    p = platform_or_exit(platform_id)
    data = {k: getattr(p, k) for k in ("id", "name", "issuer", "client_id", "auth_login_url", "auth_token_url",
                                       "auth_audience", "key_set_url", "product", "active", "source",
                                       "deployment_policy", "service_hosts")}
    data["deployments"] = [{"deployment_id": d.deployment_id, "state": state_of(d), "source": d.source}
                           for d in p.deployments]
    click.echo(json.dumps(data, indent=2))


@platform_cli.command("disable")
@click.argument("platform_id", type=int)
@click.option("--deployment-id", default=None, help="Disable only this deployment.")
def platform_disable(platform_id: int, deployment_id: str | None) -> None:
    """Stop launches from a platform (or one deployment); its data stays."""
    _set_active(platform_id, deployment_id, False)


@platform_cli.command("enable")
@click.argument("platform_id", type=int)
@click.option("--deployment-id", default=None, help="Enable only this deployment.")
def platform_enable(platform_id: int, deployment_id: str | None) -> None:
    """Allow launches again from a disabled platform (or deployment)."""
    _set_active(platform_id, deployment_id, True)


def _set_active(platform_id: int, deployment_id: str | None, active: bool) -> None:
    p = platform_or_exit(platform_id)
    if deployment_id:
        matches = [d for d in p.deployments if d.deployment_id == deployment_id]
        if not matches:
            raise click.ClickException(f"Platform {platform_id} has no deployment {deployment_id!r}.")
        matches[0].active = active
    else:
        p.active = active
    db.session.commit()
    _invalidate()
    click.echo(f"Platform {platform_id}{' deployment ' + deployment_id if deployment_id else ''} "
               f"{'enabled' if active else 'disabled'}.")


@platform_cli.command("remove")
@click.argument("platform_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def platform_remove(platform_id: int, yes: bool) -> None:
    """Delete a platform and everything recorded from its launches."""
    p = platform_or_exit(platform_id)
    if not yes:
        click.confirm(f"Delete platform {p.id} ({p.name}) and all users, courses and progress from it?", abort=True)
    db.session.delete(p)
    db.session.commit()
    _invalidate()
    click.echo(f"Platform {platform_id} removed.")


@platform_cli.command("invite")
@click.option("--note", default=None, help="Who the invite is for, e.g. 'Moodle of NGO X'.")
@click.option("--hours", default=72, show_default=True, help="How long the link stays valid.")
def platform_invite(note: str | None, hours: int) -> None:
    """Print a one-time dynamic registration URL to paste into Moodle or Canvas."""
    from .lti.registration import create_invite

    token = create_invite(note, hours)
    db.session.commit()
    base = current_app.config["R2COM"]["BASE_URL"]
    click.echo(f"{base}/lti/register/{token}")
    click.echo(f"Valid once, for {hours} hours. Moodle: Site administration > Plugins > External tool > Manage "
               "tools > Tool URL. Canvas: Developer Keys > + LTI Registration.", err=True)


# -- information ---------------------------------------------------------------------------------
@lti_cli.command("urls")
def lti_urls() -> None:
    """Print the URLs to give a platform for manual registration."""
    from .lti.views import tool_urls

    for name, url in tool_urls(current_app.config["R2COM"]["BASE_URL"]).items():
        click.echo(f"{name:24} {url}")


@lti_cli.command("settings")
def lti_settings() -> None:
    """Print the table of every LTI_TOOL_* setting (as in the README)."""
    click.echo(settings_markdown())


# -- grade delivery ------------------------------------------------------------------------------
@lti_cli.command("deliver")
@click.option("--once", is_flag=True, help="Send what is due now, then exit (for cron or a one-off run).")
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1, 1000),
              help="Rows claimed per round.")
@click.option("--idle-seconds", default=2.0, show_default=True, type=click.FloatRange(0.05, 300),
              help="Pause when nothing is due.")
@click.option("--lease-seconds", default=120.0, show_default=True, type=click.FloatRange(5, 3600),
              help="How long claimed rows stay reserved; a killed worker's rows return after this.")
@click.option("--read-timeout", default=10.0, show_default=True, type=click.FloatRange(0.1, 120),
              help="Seconds to wait for a platform's answer.")
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 32),
              help="Scores in flight at once (helps with distant platforms).")
def lti_deliver(once: bool, batch_size: int, idle_seconds: float, lease_seconds: float, read_timeout: float,
                concurrency: int) -> None:
    """Send queued grades to the platforms; runs until SIGTERM/SIGINT (several workers may run at once)."""
    import signal
    import threading

    from .services.worker import DeliveryWorker

    stop = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        click.echo(f"Signal {signum}: finishing the current score, then stopping.", err=True)
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        worker = DeliveryWorker(current_app._get_current_object(), batch_size=batch_size,  # type: ignore[attr-defined]
                                lease_seconds=lease_seconds, read_timeout=read_timeout, concurrency=concurrency)
        try:
            handled = worker.run(stop, idle_seconds=idle_seconds, once=once)
        finally:
            worker.close()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"Grade delivery stopped after handling {handled} score(s).")


# -- setup -----------------------------------------------------------------------------------------
@click.command("setup")
@with_appcontext
def setup_command() -> None:
    """Prepare this server in one step: keys, database tables and content, then print the URLs and next steps.

    Safe to run again, and on every upgrade of the tool: it creates only what is missing, never replaces
    a key, and says when there was nothing to do.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = app.config["R2COM"]
    keys_dir = settings["KEYS_DIR"]
    click.echo(f"Setting up the R2COM Aftercare Toolkit ({settings['ENV']}): keys in {keys_dir}, database "
               f"{db.engine.url.render_as_string(hide_password=True)}")
    from sqlalchemy.exc import OperationalError

    try:
        # The master key first: a restored database without its keys folder is refused before anything changes.
        changes = [_setup_master_key(keys_dir), _setup_tool_key(), _setup_database(), _setup_content()]
    except OperationalError as exc:
        raise click.ClickException(f"The database does not answer ({exc.orig}). Check LTI_TOOL_DATABASE_URL.") from exc
    if _ext().get("dev_platform") is not None:
        from .devsetup import register_in_tool

        register_in_tool(app, _ext()["dev_platform"])
    changed = sum(changes)
    if changed:
        click.echo(f"Done: {changed} step(s) changed this server. Running `flask --app wsgi setup` again changes "
                   "nothing.")
    else:
        click.echo("Nothing to do: the keys, the database and the content were already set up. Nothing was changed.")
    click.echo("\nThe tool's addresses (also at " + settings["BASE_URL"] + "/lti/setup):")
    from .lti.views import tool_urls

    for name, url in tool_urls(settings["BASE_URL"]).items():
        click.echo(f"  {name:24} {url}")
    click.echo("\nNext steps:")
    for number, step in enumerate(_next_steps(settings), start=1):
        click.echo(f"  {number}. {step}")


def _step(done: bool, text: str) -> bool:
    click.echo(f"  {'created ' if done else 'present '} {text}")
    return done


def _setup_database() -> bool:
    """Apply the migrations (as `flask db upgrade`); True when the schema changed."""
    import logging

    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    config = current_app.extensions["migrate"].migrate.get_config()
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as conn:
        before = set(MigrationContext.configure(conn).get_current_heads())
    if before == heads:
        return _step(False, f"database tables, up to date (revision {', '.join(sorted(heads))})")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    upgrade()
    db.engine.dispose()  # the migration's connections saw the old schema
    if before:
        click.echo(f"  upgraded database tables from revision {', '.join(sorted(before))} to {', '.join(sorted(heads))}")
        return True
    return _step(True, f"database tables (revision {', '.join(sorted(heads))})")


def _setup_tool_key() -> bool:
    """Create the tool's first signing key; True when one was made now (or at this start, in development)."""
    from sqlalchemy import func, inspect

    from .lti.models import Platform

    ring = _ext()["keyring"]
    created = ring.ensure() or bool(_ext().get("tool_key_created_at_start"))
    _step(created, f"tool signing key {ring.signing_kid} (published at /.well-known/jwks.json)")
    if created and inspect(db.engine).has_table(Platform.__tablename__):
        known = db.session.execute(select(func.count()).select_from(Platform)).scalar() or 0
        if known:
            click.echo(f"    The database knows {known} platform(s). Any platform given the tool's public key by hand "
                       "(not its key set URL) needs the new key.")
    return created


def _setup_master_key(keys_dir: str) -> bool:
    """Create the master key for case records when none exists and no data key needs an old one."""
    from .assessment.crypto import (MasterKeyProblem, MasterKeyring, check_master_key, restore_message,
                                    stored_wrapped_keys)

    ring = MasterKeyring(keys_dir, may_create=False)
    created = False
    if not ring.exists():
        stored = stored_wrapped_keys()
        if stored:  # a restored database without its keys folder: a new key would lose every case record
            raise click.ClickException(restore_message(ring.dir, f"There is no master key in {ring.dir}.",
                                                       sorted(stored)))
        ring.may_create, ring.in_use = True, stored_wrapped_keys
        ring.load()
        created = True
    try:
        proved = check_master_key(keys_dir, required=True)
    except MasterKeyProblem as exc:
        raise click.ClickException(str(exc)) from exc
    detail = "it opens the stored data keys" if proved else "no case records stored yet"
    _step(created, f"master key for case records, {ring.path} ({detail})")
    if created:
        click.echo("    Back up the keys folder apart from the database backups: without master.key, stored case "
                   "records cannot be read.")
    return created


def _setup_content() -> bool:
    """Load the content packages and record each version's snapshot; True when a version was recorded now."""
    from .content.setup import get_library
    from .content.snapshots import record_snapshots

    library = get_library(current_app._get_current_object())  # type: ignore[attr-defined]
    written = record_snapshots(library, current_app.config["R2COM"]["ENV"])
    packages = ", ".join(f"{p.id} {p.version}" for p in library.packages())
    return _step(bool(written), f"content packages: {packages}")


def _next_steps(settings: dict) -> list[str]:
    if settings.get("DEV_PLATFORM"):
        return [f"Open {settings['BASE_URL']}/platform/ and press Launch as learner or Launch as instructor, once "
                "the tool runs (`scripts/dev` starts it; so does `flask --app wsgi run`)."]
    return [
        "Register the tool in your LMS: `flask --app wsgi lti platform invite` prints a one-time registration URL. "
        "Moodle: Site administration > Plugins > External tool > Manage tools > Tool URL. Canvas: Admin > "
        "Developer Keys > + LTI Registration. Or register by hand with the addresses above (see the README).",
        "Start the web app behind your TLS proxy: `gunicorn --workers 4 --bind 127.0.0.1:8000 "
        "--forwarded-allow-ips 127.0.0.1 wsgi:app`.",
        "Start the grade-delivery worker in its own service: `flask --app wsgi lti deliver`.",
        f"Back up {settings['KEYS_DIR']} with the database, and run `flask --app wsgi setup` again after each "
        "upgrade of the tool.",
    ]


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(lti_cli)
    app.cli.add_command(setup_command)
