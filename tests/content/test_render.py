"""Markdown rendering: boxes, checklists, tables, refs and images; unsafe input removed and reported."""

from __future__ import annotations

from lti_tool.content.render import render_markdown, rewrite_refs, text_direction


def test_boxes_have_a_visible_title_and_a_label() -> None:
    html = render_markdown("::: in-practice\nMeet them at the gate.\n:::\n\n::: reflect\nWhy?\n:::\n").html
    assert '<aside class="box box-in-practice" aria-label="In practice">\n<p class="box-title">In practice</p>' in html
    assert '<aside class="box box-reflect" aria-label="Reflect">' in html


def test_box_titles_follow_the_language_and_unknown_kinds_are_reported() -> None:
    assert 'aria-label="نقطة أساسية"' in render_markdown("::: key-point\nx\n:::\n", lang="ar").html
    result = render_markdown("Intro\n\n::: warning\nx\n:::\n", first_line=5)
    assert result.issues == [(7, "unknown box kind 'warning': use one of in-practice, key-point, content-note, "
                                 "reflect")]


def test_checklists_are_real_labelled_checkboxes() -> None:
    html = render_markdown("- [ ] Bring a phone charger\n- [x] Book the bus\n").html
    assert ('<li class="task-list-item enabled"><label><input class="task-list-item-checkbox" type="checkbox"> '
            "Bring a phone charger</label></li>") in html
    assert "disabled" not in html and 'checked="checked"' in html


def test_tables() -> None:
    html = render_markdown("| Day | Task |\n|---|---|\n| 1 | Housing |\n").html
    assert "<table>" in html and "<th>Day</th>" in html and "<td>Housing</td>" in html


def test_ref_links_get_a_default_anchor_and_are_collected() -> None:
    result = render_markdown("Line one\nsee [chapter 4](ref:r2com-manual/release-day).\n", first_line=10)
    assert ('<a href="#ref-r2com-manual-release-day" data-ref="r2com-manual/release-day" rel="noopener noreferrer">'
            "chapter 4</a>") in result.html
    assert result.refs == [("r2com-manual/release-day", 11)]
    rewritten = rewrite_refs(result.html, lambda package, item: f"/manual/{item}?a=1&b=2")
    assert 'href="/manual/release-day?a=1&amp;b=2"' in rewritten


def test_script_event_handlers_and_javascript_urls_are_removed_and_reported() -> None:
    text = ("<script>alert(1)</script>\n\nHi <img src=x onerror=alert(1)> <a href=\"#\" onclick=\"x()\">a</a>\n\n"
            "[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) [vb](VBScript:msgbox)\n\n"
            "<style>body{}</style>\n")
    result = render_markdown(text)
    for bad in ("<script", "onerror", "onclick", "javascript:", "data:", "vbscript", "VBScript", "<style"):
        assert bad not in result.html
    messages = [message for _, message in result.issues]
    assert sum("raw HTML" in m for m in messages) == 4
    assert sum("unsafe link" in m for m in messages) == 3


def test_images_only_from_assets_with_alt_text() -> None:
    result = render_markdown("![A map](assets/map.png)\n\n![](assets/x.png)\n\n![Remote](https://evil.example/x.png)"
                             "\n\n![Up](assets/../package.yaml)\n\n![Data](data:image/png;base64,AAAA)\n",
                             asset_url=lambda path: f"/content/p/1.0.0/assets/{path}",
                             asset_exists=lambda path: path == "assets/map.png")
    assert '<img src="/content/p/1.0.0/assets/map.png" alt="A map">' in result.html
    assert "evil.example" not in result.html and "package.yaml" not in result.html and "data:" not in result.html
    assert result.issues == [
        (3, "image 'assets/x.png' needs alt text: ![what the picture shows](assets/x.png)"),
        (3, "file 'assets/x.png' does not exist in the package"),
        (5, "image 'https://evil.example/x.png' must be a file in the package's assets/ folder (it is removed)"),
        (7, "file 'assets/../package.yaml' must be a plain path inside assets/"),
        (9, "image 'data:image/png;base64,AAAA' must be a file in the package's assets/ folder (it is removed)"),
    ]


def test_words_are_counted_from_text_not_markup() -> None:
    assert render_markdown("## Two words\n\n**Three** more [words](ref:a/b) here.\n").words == 6


def test_text_direction() -> None:
    assert [text_direction(lang) for lang in ("ar", "fa", "he", "ur", "ar-EG", "en", "pt")] == \
        ["rtl", "rtl", "rtl", "rtl", "rtl", "ltr", "ltr"]
