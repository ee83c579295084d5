"""Operator commands: ``flask --app wsgi assessment ...`` (retention, keys, audit). Each has help text."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from .cli_org import org_cli
from .crypto import CaseCipher, KeyMaterialError, MasterKeyring, stored_wrapped_keys

assessment_cli = AppGroup("assessment", help="Real-client case records: retention, encryption keys, audit log.")
assessment_cli.add_command(org_cli)


def _cipher() -> CaseCipher:
    return current_app.extensions["r2com"]["case_cipher"]


@assessment_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count the records that would be deleted.")
def purge(dry_run: bool) -> None:
    """Delete closed cases whose organisation's retention period has ended (run daily)."""
    from .privacy import purge_expired

    count = purge_expired(dry_run=dry_run)
    click.echo(f"{count} closed case(s) past retention{' would be' if dry_run else ''} deleted.")


@assessment_cli.command("create-master-key")
def create_master_key() -> None:
    """Create the master key that wraps the organisations' data keys (once, before the first start)."""
    keys_dir = current_app.config["R2COM"]["KEYS_DIR"]
    ring = MasterKeyring(keys_dir, may_create=False)
    if ring.exists():
        raise click.ClickException(f"A master key already exists in {keys_dir}; use rotate-master-key to replace it.")
    ring.may_create, ring.in_use = True, stored_wrapped_keys
    try:
        key = ring.load().current
    except KeyMaterialError as exc:  # the database holds data keys: only the old master key opens them
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Master key {key.kid} created in {keys_dir}. Back it up apart from the database backups.")


@assessment_cli.command("rotate-master-key")
@click.option("--keep-old", is_flag=True, help="Keep the old master key file after re-wrapping.")
@click.option("--batch-size", default=200, show_default=True, help="Data keys re-wrapped per transaction.")
def rotate_master_key(keep_old: bool, batch_size: int) -> None:
    """Create a new master key and re-wrap every data key with it, without downtime."""
    from .rotation import rotate_master_key as rotate

    done = rotate(_cipher(), keep_old=keep_old, batch_size=batch_size)
    click.echo(f"Master key {done.new_kid} is current; {done.rewrapped} data key(s) re-wrapped.")
    if done.retired:
        click.echo(f"Retired master key(s): {', '.join(done.retired)}.")
    elif keep_old:
        click.echo(f"The old master key {done.old_kid} is kept; retire it once backups no longer need it.")


@assessment_cli.command("rotate-data-key")
@click.argument("organisation_id", type=int)
@click.option("--batch-size", default=200, show_default=True, help="Rows re-encrypted per transaction.")
@click.option("--settle-seconds", default=65.0, show_default=True,
              help="Wait before re-encrypting, so every worker has picked up the new key.")
def rotate_data_key(organisation_id: int, batch_size: int, settle_seconds: float) -> None:
    """Give organisation ORGANISATION_ID new data keys, re-encrypt its records and delete the old keys."""
    from .models import Organisation
    from .rotation import rotate_data_key as rotate

    if db.session.get(Organisation, organisation_id) is None:
        raise click.ClickException(f"No organisation {organisation_id}; `flask --app wsgi assessment orgs` lists them.")
    count, deleted = rotate(_cipher(), organisation_id, batch_size=batch_size, settle_seconds=settle_seconds)
    click.echo(f"Organisation {organisation_id}: {count} value(s) re-encrypted, {deleted} old data key(s) deleted.")


@assessment_cli.command("orgs")
def orgs() -> None:
    """List organisations (one per platform) with their settings."""
    from ..lti.models import Platform
    from .models import Organisation

    rows = db.session.execute(select(Organisation, Platform).join(Platform, Platform.id == Organisation.platform_id)
                              .order_by(Organisation.id)).all()
    for org, platform in rows:
        state = "casework on" if org.casework_enabled else "casework off"
        click.echo(f"{org.id}  {platform.name}  [{state}]  retention={org.retention_months} months  "
                   f"notice={org.privacy_notice_version}")


@assessment_cli.command("verify-audit")
@click.argument("organisation_id", type=int, required=False)
def verify_audit(organisation_id: int | None) -> None:
    """Check the hash chain of the audit log (of one organisation, or all)."""
    from .models import Organisation
    from .privacy import verify_audit as verify

    ids = [organisation_id] if organisation_id else list(db.session.execute(select(Organisation.id)).scalars())
    broken = False
    for org_id in ids:
        check = verify(org_id)
        if check.first_break is None:
            click.echo(f"Organisation {org_id}: {check.events} event(s), chain intact.")
        else:
            broken = True
            click.echo(f"Organisation {org_id}: chain broken at event {check.first_break}.")
    if broken:
        raise SystemExit(1)
