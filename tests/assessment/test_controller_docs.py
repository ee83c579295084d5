"""Documents for the controller (DP-15): DPIA, records of processing and a processing agreement outline, as
pages and downloads, filled with the tool's facts and this organisation's settings, with version and date."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from lti_tool.assessment.controller_docs import DOCUMENTS, tool_version

from .conftest import World


def text(resp: Any) -> str:
    return resp.get_data(as_text=True)


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_each_document_as_page_markdown_and_pdf(as_, world: World, name: str) -> None:
    admin = as_("org_admin")
    today = dt.date.today().isoformat()
    page = text(admin.get(f"/assessment/organisation/documents/{name}"))
    assert f"version {tool_version()}" in page and today in page
    assert "12 months after closing" in page  # the organisation's retention setting
    assert "<table>" in page or "<ul>" in page
    md = admin.get(f"/assessment/organisation/documents/{name}.md")
    assert md.status_code == 200 and md.mimetype == "text/markdown"
    assert f"v{tool_version()}-{today}.md" in md.headers["Content-Disposition"]
    assert text(md).startswith("# ") and "[" in text(md)  # parts for the controller to complete
    pypdf = pytest.importorskip("pypdf")
    pdf = admin.get(f"/assessment/organisation/documents/{name}.pdf")
    assert pdf.status_code == 200
    reader = pypdf.PdfReader(io.BytesIO(pdf.data))
    assert f"version {tool_version()}" in " ".join(reader.pages[0].extract_text().split())


def test_documents_follow_the_settings(as_, world: World) -> None:
    admin = as_("org_admin")
    page = text(admin.get("/assessment/organisation/documents/dpia"))
    assert "(switched off): no offence-related data" in page
    admin.post("/assessment/organisation", {"casework_enabled": "1", "retention_months": "18",
                                            "privacy_notice_version": "2", "legal_conditions_enabled": "1",
                                            "legal_conditions_basis": "Probation Act s. 12"})
    page = text(admin.get("/assessment/organisation/documents/dpia"))
    assert "18 months after closing" in page and "Probation Act s. 12" in page


def test_only_administrators_and_known_documents(as_, world: World) -> None:
    assert as_("practitioner").get("/assessment/organisation/documents").status_code == 403
    assert as_("org_admin").get("/assessment/organisation/documents/nothing").status_code == 404
    assert as_("org_admin").get("/assessment/organisation/documents/dpia.docx").status_code == 404
    listing = text(as_("lms_admin").get("/assessment/organisation/documents"))
    assert all(str(title) in listing for title in DOCUMENTS.values())
