"""Operator commands of training: ``flask --app wsgi training ...``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

training_cli = click.Group("training", help="Training content: exports for learning platforms.")


@training_cli.command("export-cartridge")
@click.argument("output", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--lang", default=None, help="Content language of titles and descriptions (default: the source).")
@click.option("--base-url", default=None, help="The tool's public URL in the links (default: LTI_TOOL_BASE_URL).")
@with_appcontext
def export_cartridge(output: Path, lang: str | None, base_url: str | None) -> None:
    """Write the whole course (modules, guide chapters, case exercises) as a Common Cartridge 1.3 of LTI links.

    Import the file into Moodle (Restore / Import > IMS Common Cartridge) or Canvas (Import course content >
    Common Cartridge 1.x) where this tool is already registered as an LTI 1.3 tool.
    """
    from .cartridge import build_cartridge

    base = (base_url or current_app.config["R2COM"]["BASE_URL"]).rstrip("/")
    with current_app.test_request_context(base_url=base):
        data = build_cartridge(base, lang)
    output.write_bytes(data)
    click.echo(f"Wrote {output} ({len(data)} bytes) with links to {base}/lti/launch")
