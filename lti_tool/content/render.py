"""Markdown to safe HTML: CommonMark + tables, boxes, checklists and ``ref:`` links, sanitised with nh3.

Unsafe input (raw HTML, ``javascript:``/``data:`` URLs, images from outside the package) is removed from
the output *and* reported, so ``content validate`` names the file and line instead of hiding it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import escape
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from .schemas import REF_TARGET_PATTERN

BOX_KINDS = ("in-practice", "key-point", "content-note", "reflect")
BOX_TITLES: dict[str, dict[str, str]] = {
    "en": {"in-practice": "In practice", "key-point": "Key point", "content-note": "Content note",
           "reflect": "Reflect"},
    "pt": {"in-practice": "Na prática", "key-point": "Ponto-chave", "content-note": "Aviso sobre o conteúdo",
           "reflect": "Para refletir"},
    "it": {"in-practice": "In pratica", "key-point": "Punto chiave", "content-note": "Avviso sui contenuti",
           "reflect": "Per riflettere"},
    "fr": {"in-practice": "En pratique", "key-point": "Point clé", "content-note": "Avertissement",
           "reflect": "Pour réfléchir"},
    "ar": {"in-practice": "في الممارسة", "key-point": "نقطة أساسية", "content-note": "تنبيه بشأن المحتوى",
           "reflect": "للتأمل"},
}
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})
SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:")
_REF_RE = re.compile(REF_TARGET_PATTERN)
_WORD_RE = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

_CLEANER = nh3.Cleaner(
    tags={"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
          "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "aside", "div", "label",
          "input", "span", "del", "s", "sup", "sub"},
    clean_content_tags={"script", "style"},
    attributes={"a": {"href", "title", "data-ref"}, "img": {"src", "alt", "title"}, "ol": {"start"},
                "aside": {"class", "aria-label"}, "p": {"class"}, "ul": {"class"}, "li": {"class"}, "div": {"class"},
                "input": {"class", "checked"}},
    tag_attribute_values={"input": {"type": {"checkbox"}}},
    url_schemes={"http", "https", "mailto", "tel"},
    strip_comments=True,
    link_rel="noopener noreferrer",
)


def text_direction(lang: str) -> str:
    """Return ``rtl`` for right-to-left languages (ar, fa, he, ur), else ``ltr``."""
    return "rtl" if lang.split("-", 1)[0].lower() in RTL_LANGUAGES else "ltr"


@dataclass
class Rendered:
    """The result of rendering one Markdown text."""

    html: str
    words: int
    refs: list[tuple[str, int]] = field(default_factory=list)  # (package-id/item-id, line)
    issues: list[tuple[int, str]] = field(default_factory=list)  # (line, message)


@dataclass
class _Env:
    lines: list[str]
    first_line: int
    lang: str
    asset_url: Callable[[str], str]
    asset_exists: Callable[[str], bool] | None
    words: int = 0
    refs: list[tuple[str, int]] = field(default_factory=list)
    issues: list[tuple[int, str]] = field(default_factory=list)


def _line(env: _Env, block: Token | None, needle: str = "") -> int:
    if block is None or not block.map:
        return env.first_line
    start, end = block.map
    if needle:
        for index in range(start, min(end, len(env.lines))):
            if needle in env.lines[index]:
                return env.first_line + index
    return env.first_line + start


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 50 else text[:47] + "..."


def _check_link(env: _Env, token: Token, block: Token) -> None:
    href = str(token.attrGet("href") or "")
    line = _line(env, block, href)
    if href.startswith("ref:"):
        target = href[4:]
        if _REF_RE.match(target):
            env.refs.append((target, line))
            # The default anchor works as is; ContentLibrary.html() swaps it for the feature's real URL.
            token.attrSet("href", "#ref-" + target.replace("/", "-"))
            token.attrSet("data-ref", target)
        else:
            env.issues.append((line, f"link {href!r} must be ref:package-id/item-id, e.g. "
                                     "ref:r2com-manual/release-day"))
            token.attrs.pop("href", None)
    elif href.startswith("assets/"):
        _check_asset(env, token, "href", href, line)
    elif href.startswith("#") or href.lower().startswith(SAFE_SCHEMES):
        return
    elif _SCHEME_RE.match(href):
        env.issues.append((line, f"unsafe link {_short(href)!r} is not allowed (it is removed); use https:, mailto: "
                                 "or ref: links"))
        token.attrs.pop("href", None)
    else:
        env.issues.append((line, f"link {_short(href)!r} must be ref:package-id/item-id, an https: address or a file "
                                 "in assets/"))
        token.attrs.pop("href", None)


def _check_asset(env: _Env, token: Token, attr: str, url: str, line: int) -> None:
    path = url[len("assets/"):]
    parts = path.split("/")
    if not path or any(part in ("", ".", "..") for part in parts) or "\\" in path:
        env.issues.append((line, f"file {url!r} must be a plain path inside assets/"))
        token.attrs.pop(attr, None)
        if token.type == "image":
            token.type = "removed_html"
        return
    if env.asset_exists is not None and not env.asset_exists(url):
        env.issues.append((line, f"file {url!r} does not exist in the package"))
    token.attrSet(attr, env.asset_url(path))


def _check_image(env: _Env, token: Token, block: Token) -> None:
    src = str(token.attrGet("src") or "")
    line = _line(env, block, src)
    if not token.content.strip():
        env.issues.append((line, f"image {_short(src)!r} needs alt text: ![what the picture shows]({_short(src)})"))
    if src.startswith("assets/"):
        _check_asset(env, token, "src", src, line)
    else:
        env.issues.append((line, f"image {_short(src)!r} must be a file in the package's assets/ folder "
                                 "(it is removed)"))
        token.type = "removed_html"


def _audit(state: StateCore) -> None:
    """Core rule (before checklists): report and neutralise unsafe input, count words, collect refs."""
    env: _Env = state.env["r2com"]
    for block in state.tokens:
        if block.type == "html_block":
            env.issues.append((_line(env, block),
                               f"raw HTML is not allowed (it is removed): {_short(block.content)!r}"))
            block.type, block.content = "removed_html", ""
        elif block.type == "container_box_open":
            kind = block.info.strip().split(" ", 1)[0]
            if kind not in BOX_KINDS:
                env.issues.append((_line(env, block), f"unknown box kind {kind!r}: use one of {', '.join(BOX_KINDS)}"))
        elif block.type == "inline":
            for child in _walk(block.children or []):
                if child.type == "html_inline":
                    if not child.content.startswith("</"):  # the opening tag was reported already
                        env.issues.append((_line(env, block, child.content),
                                           f"raw HTML is not allowed (it is removed): {_short(child.content)!r}"))
                    child.type, child.content = "removed_html", ""
                elif child.type == "link_open":
                    _check_link(env, child, block)
                elif child.type == "image":
                    _check_image(env, child, block)
                elif child.type in ("text", "code_inline"):
                    env.words += len(_WORD_RE.findall(child.content))


def _walk(tokens: Sequence[Token]) -> Any:
    for token in tokens:
        yield token
        if token.type != "image" and token.children:
            yield from _walk(token.children)


def _render_box(self: Any, tokens: Sequence[Token], idx: int, _options: Any, env: dict[str, Any]) -> str:
    token = tokens[idx]
    if token.nesting != 1:
        return "</aside>\n"
    kind, _, custom = token.info.strip().partition(" ")
    if kind not in BOX_KINDS:
        return '<aside class="box">\n'
    titles = BOX_TITLES.get(env["r2com"].lang.split("-", 1)[0], BOX_TITLES["en"])
    title = escape(custom.strip() or titles[kind])
    return f'<aside class="box box-{kind}" aria-label="{title}">\n<p class="box-title">{title}</p>\n'


def _make_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "typographer": False}).enable("table")
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # _audit decides, and reports
    container_plugin(md, "box", validate=lambda params, *args: True, render=_render_box)
    tasklists_plugin(md, enabled=True, label=True)
    md.core.ruler.before("github-tasklists", "r2com_audit", _audit)
    md.add_render_rule("removed_html", lambda *args: "")
    return md


_MD = _make_parser()


def render_markdown(text: str, *, first_line: int = 1, lang: str = "en",
                    asset_url: Callable[[str], str] = lambda path: "assets/" + path,
                    asset_exists: Callable[[str], bool] | None = None) -> Rendered:
    """Render Markdown to sanitised HTML and report what was unsafe or broken.

    Args:
        text: the Markdown body.
        first_line: the file line of the body's first line, so issues point into the file.
        lang: the text's language (box titles).
        asset_url: maps a path inside ``assets/`` to its public URL.
        asset_exists: tells whether ``assets/...`` exists; None skips the check.
    """
    env = _Env(text.split("\n"), first_line, lang, asset_url, asset_exists)
    tokens = _MD.parse(text, {"r2com": env})
    html = _MD.renderer.render(tokens, _MD.options, {"r2com": env})
    return Rendered(_CLEANER.clean(html), env.words, env.refs, env.issues)


def count_words(text: str) -> int:
    """Count words in plain text."""
    return len(_WORD_RE.findall(text))


_HREF_REF = re.compile(r'href="#ref-[a-z0-9-]+" data-ref="([a-z0-9-]+)/([a-z0-9-]+)"')


def rewrite_refs(html: str, url_for_ref: Callable[[str, str], str]) -> str:
    """Point every ``ref:`` link of pre-rendered HTML at ``url_for_ref(package_id, item_id)``."""
    if "data-ref=" not in html:
        return html
    return _HREF_REF.sub(lambda m: f'href="{escape(url_for_ref(m.group(1), m.group(2)))}" data-ref="{m.group(1)}/'
                                   f'{m.group(2)}"', html)
