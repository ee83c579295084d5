"""Static assets: one fingerprinted stylesheet per page, cached for a year as immutable, gzipped when accepted."""

from __future__ import annotations

import gzip
import re

from lti_tool.web.assets import PACKAGE


def _links(html: str) -> tuple[list[str], list[str]]:
    return re.findall(r'<link rel="stylesheet" href="([^"]+)"', html), re.findall(r'<script src="([^"]+)"', html)


def test_a_training_page_names_one_fingerprinted_stylesheet_and_script(world, client):
    token = world.session("ana")
    page = client.get("/training/modules/m01-foundations", query_string={"ltik": token}, follow_redirects=True)
    assert page.status_code == 200
    sheets, scripts = _links(page.get_data(as_text=True))
    assert len(sheets) == 1, sheets  # the shared stylesheet and the training one, joined
    assert re.fullmatch(r"/assets/training\.[0-9a-f]{12}\.css", sheets[0])
    assert scripts and all(re.fullmatch(r"/assets/\w+\.[0-9a-f]{12}\.js", s) for s in scripts)
    body = client.get(sheets[0], headers={"Accept-Encoding": "identity"}).data
    for part in ("web/static/tool.css", "training/static/training.css"):
        assert (PACKAGE / part).read_bytes() in body


def test_assets_are_immutable_for_a_year_and_gzipped_when_accepted(world, client):
    sheet = _links(client.get("/").get_data(as_text=True))[0][0]
    assert re.fullmatch(r"/assets/tool\.[0-9a-f]{12}\.css", sheet)
    plain = client.get(sheet, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert plain.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert plain.headers["Content-Type"] == "text/css; charset=utf-8"
    assert "Content-Encoding" not in plain.headers and plain.headers["Vary"] == "Accept-Encoding"
    assert plain.data == (PACKAGE / "web/static/tool.css").read_bytes()
    packed = client.get(sheet, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert gzip.decompress(packed.data) == plain.data and len(packed.data) < len(plain.data) / 2
    again = client.get(sheet, headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304


def test_an_unknown_or_old_fingerprint_is_not_found(client):
    assert client.get("/assets/tool.000000000000.css").status_code == 404
    assert client.get("/assets/../config.py").status_code == 404
