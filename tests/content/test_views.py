"""Package assets: versioned URLs with long cache headers, nothing outside assets/."""

from __future__ import annotations

from pathlib import Path

import pytest

ASSET = "/content/demo-manual/1.0.0/assets/diagram.png"


def test_asset_is_served_with_immutable_cache_headers(content_app, tree: Path) -> None:
    with content_app.test_client().get(ASSET) as resp:
        assert resp.status_code == 200 and resp.mimetype == "image/png"
        assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert resp.data == (tree / "demo-manual/assets/diagram.png").read_bytes()


def test_rendered_pages_point_at_the_asset_route(content_app) -> None:
    html = content_app.extensions["r2com"]["content"].chapter("first-steps").html
    assert f'<img src="{ASSET}" alt="A simple diagram of the first week">' in html


def test_svg_assets_may_not_run_scripts(content_app, tree: Path) -> None:
    (tree / "demo-manual/assets/icon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    with content_app.test_client().get("/content/demo-manual/1.0.0/assets/icon.svg") as resp:
        assert resp.status_code == 200 and "sandbox" in resp.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", [
    "/content/demo-manual/1.0.0/assets/../package.yaml",
    "/content/demo-manual/1.0.0/assets/%2e%2e/package.yaml",
    "/content/demo-manual/1.0.0/assets/..%2fpackage.yaml",
    "/content/demo-manual/1.0.0/assets//etc/passwd",
    "/content/demo-manual/1.0.0/assets/nothing.png",
    "/content/demo-manual/0.9.0/assets/../../demo-course/package.yaml",
    "/content/no-such-package/1.0.0/assets/diagram.png",
    "/content/demo-course/1.0.0/assets/diagram.png",
])
def test_traversal_and_unknown_files_are_404_pages(content_app, path: str) -> None:
    with content_app.test_client().get(path, follow_redirects=True) as resp:
        assert resp.status_code == 404
        assert b"We could not find that" in resp.data and b"kind: manual" not in resp.data


def test_old_version_url_redirects_to_the_current_file(content_app) -> None:
    with content_app.test_client().get("/content/demo-manual/0.9.0/assets/diagram.png") as resp:
        assert resp.status_code == 302 and resp.headers["Location"].endswith(ASSET)
        assert resp.headers["Cache-Control"] == "no-cache"
