"""Documents that leave the tool (DP-12): the support plan for the person and a referral letter, as PDF.

Each export gets a random document id. The id, what was exported and for which purpose go into the audit log;
the recipient (free text, perhaps a name) goes only onto the document's watermark, with the date and the id.
A referral letter is only made while the person's consent for that recipient is on record.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Response, current_app, render_template
from flask_babel import get_locale
from flask_babel import gettext as _

from ..db import utcnow
from ..errors import AppError
from ..i18n import direction
from ..pdf import PdfUnavailable, render_pdf
from . import instrument as inst
from .errors import CaseworkError
from .models import Client, Referral, ReferralService
from .operations import referral_consent
from .privacy import audit
from .roles import Actor

STATIC = Path(__file__).resolve().parent / "static"
#: Where relative URLs of the PDF templates point (only files in the assessment's static folder are read).
PDF_BASE_URL = "https://pdf.invalid/static/"
#: What may go on a printed support plan's title: nothing but the neutral name, the recipient, or the pseudonym.
TITLE_CHOICES = ("neutral", "recipient", "pseudonym")


class PdfServiceUnavailable(AppError):
    status = 503
    code = "pdf_unavailable"


@dataclass(frozen=True)
class Watermark:
    """What every page of an export carries."""

    recipient: str
    date: dt.date
    document_id: str


def new_document_id(prefix: str) -> str:
    """Return a document id that says nothing about the person: a prefix and 10 random characters."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return f"{prefix}-" + "".join(secrets.choice(alphabet) for _ in range(10))


def plan_title(choice: str, *, recipient: str, pseudonym: str) -> str:
    """The title of a printed plan: "My support plan", with the recipient's or the pseudonym only when chosen."""
    neutral = inst.get_instrument().client_title
    if choice == "recipient" and recipient:
        return _("%(title)s: %(name)s", title=neutral, name=recipient)
    if choice == "pseudonym" and pseudonym:
        return _("%(title)s: %(name)s", title=neutral, name=pseudonym)
    return neutral


def _lang() -> str:
    return str(get_locale() or "en").replace("_", "-")


def pdf_response(pdf: bytes, filename: str) -> Response:
    """A PDF download: never cached, never indexed."""
    resp = Response(pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


def _pdf(template: str, watermark: Watermark, **context: Any) -> bytes:
    """Render a PDF template in the language being rendered (the person's, under ``speaking``)."""
    html = render_template(template, watermark=watermark, lang=_lang(), dir=direction(_lang()),
                           instrument=inst.get_instrument(), **context)
    try:
        return render_pdf(html, base_url=PDF_BASE_URL, lang=_lang(), static_dirs=[STATIC],
                          identifier=watermark.document_id)
    except PdfUnavailable as exc:
        current_app.logger.error("PDF export unavailable: %s", exc)
        raise PdfServiceUnavailable(_("PDF documents cannot be made on this server right now. Use the printable "
                                      "page instead, and tell the tool's operator.")) from exc


def _purpose(text: str, legal: str) -> str:
    return f"{text} with legal conditions" if legal else text


def support_plan_pdf(actor: Actor, client: Client, *, recipient: str, title: str, context: dict[str, Any]
                     ) -> tuple[bytes, str]:
    """Render the support plan for the person; audit the export under a new document id. Returns (pdf, id).

    ``context["legal_conditions"]`` is set only when the practitioner chose to include them.
    """
    doc_id = new_document_id("SP")
    mark = Watermark(recipient, utcnow().date(), doc_id)
    pdf = _pdf("assessment/pdf/plan.html", mark, title=title, **context)
    audit(actor, "export", "plan_pdf", doc_id, client_id=client.id,
          purpose=_purpose("support plan PDF", context.get("legal_conditions", "")))
    return pdf, doc_id


def client_text_pdf(actor: Actor, client: Client, text: Any, *, recipient: str) -> tuple[bytes, str]:
    """Render the privacy notice or the consent text (a :class:`.client_texts.ClientText`) for the person; audit
    the export under a new document id. Returns (pdf, id)."""
    doc_id = new_document_id("CT")
    mark = Watermark(recipient, utcnow().date(), doc_id)
    pdf = _pdf("assessment/pdf/client_text.html", mark, title=text.title, text=text)
    audit(actor, "export", "client_text_pdf", doc_id, client_id=client.id,
          purpose=f"{text.name} PDF for the person")
    return pdf, doc_id


def referral_pdf(actor: Actor, client: Client, referral: Referral, *, pseudonym: str, legal_conditions: str = ""
                 ) -> tuple[bytes, str]:
    """Render a referral letter, only while the person's consent for that recipient is on record. The legal
    conditions go to the other service only when the practitioner chose to include them (``legal_conditions``)."""
    from ..extensions import db

    data = referral.unseal("data_enc", {})
    service = db.session.get(ReferralService, data.get("service_id"))
    if service is None or referral_consent(client, service.id) is None:
        raise CaseworkError(_("There is no recorded consent from the person for sharing with this service now, "
                              "so no referral letter can be made. Record the consent first."),
                            code="letter_without_consent")
    doc_id = new_document_id("RL")
    mark = Watermark(service.name, utcnow().date(), doc_id)
    pdf = _pdf("assessment/pdf/referral.html", mark, title=_("Referral to %(s)s", s=service.name), data=data,
               service=service, referral=referral, pseudonym=pseudonym, legal_conditions=legal_conditions)
    audit(actor, "export", "referral_pdf", doc_id, client_id=client.id,
          purpose=_purpose(f"referral letter PDF to service {service.id}", legal_conditions))
    return pdf, doc_id
