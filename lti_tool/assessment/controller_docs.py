"""Documents for the controller (DP-15): a DPIA template, a record of processing activities and a data processing
agreement outline, filled with what the tool does and how this organisation has set it up, with the tool's
version and the date. Shown as pages, and downloadable as Markdown (to edit) and as PDF."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from flask import render_template
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markupsafe import Markup

from ..db import utcnow
from .models import Organisation
from .org import scope_label

#: name -> title
DOCUMENTS = {
    "dpia": _l("Data protection impact assessment (template)"),
    "records-of-processing": _l("Record of processing activities (Art. 30, template)"),
    "processing-agreement": _l("Data processing agreement (Art. 28, outline)"),
}
_TEMPLATES = {"dpia": "dpia.md", "records-of-processing": "ropa.md", "processing-agreement": "dpa.md"}


@dataclass(frozen=True)
class Facts:
    """What the documents say about the tool and this organisation's settings."""

    version: str
    date: str
    scope: str
    retention_months: int
    identity_vault: bool
    legal_conditions: bool
    legal_basis: str
    self_access: bool


def tool_version() -> str:
    """The installed version of the tool."""
    try:
        return version("r2com-aftercare-toolkit")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
        return "unknown"


def facts(org: Organisation) -> Facts:
    """Collect the facts for an organisation, today."""
    return Facts(tool_version(), utcnow().date().isoformat(), scope_label(org), org.retention_months,
                 org.identity_vault_enabled, org.legal_conditions_enabled, org.legal_conditions_basis,
                 org.self_access_enabled)


def markdown(name: str, org: Organisation) -> str:
    """The document as Markdown, ready to edit."""
    return render_template(f"assessment/controller/{_TEMPLATES[name]}", facts=facts(org)).strip() + "\n"


def html(text: str) -> Markup:
    """Markdown to HTML. The text is ours (templates and the organisation's own settings), escaped as it is
    rendered, so raw HTML is turned off."""
    return Markup(MarkdownIt("commonmark", {"html": False}).enable("table").render(text))  # noqa: S704
