"""The interface's languages: which are offered, which one a request gets, and the catalogues behind them.

English is the source language: every message is written in English in the code and the templates, and
``lti_tool/translations/<code>/LC_MESSAGES/messages.po`` holds its translation into one language. Only the
languages listed in ``lti_tool/translations/shipped.txt`` are offered (their catalogues are complete; CI checks
that, see ``tests/test_i18n.py``); a partial catalogue may sit in the tree and is simply not offered.

Which language a person sees (:func:`select_locale`):

1. the language they chose in the tool's language switcher, as long as their learning platform still
   sends the language it sent when they chose (so a change of language in Moodle or Canvas wins again);
2. the language their learning platform sends with the launch (``launch_presentation.locale``);
3. the browser's ``Accept-Language``;
4. English.

The compiled catalogues (``messages.mo``) are not kept in git: :func:`compile_catalogues` builds them from the
``.po`` files when they are missing or older, at app start, in ``setup``, ``scripts/dev`` and ``scripts/test``.
"""

from __future__ import annotations

import functools
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

from jinja2 import pass_context

log = logging.getLogger(__name__)

#: The language the messages are written in.
SOURCE = "en"
#: Where the catalogues live.
TRANSLATIONS = Path(__file__).parent / "translations"
#: The list of languages that are offered, one ``code  Name in that language`` a line.
SHIPPED_FILE = TRANSLATIONS / "shipped.txt"
#: Languages written right to left.
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ckb", "yi"})
#: The interface's message domain and the pybabel keywords that mark a message in Python code.
DOMAIN = "messages"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
            "npgettext": ((1, "c"), 2, 3), "N_": None, "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "lazy_pgettext": ((1, "c"), 2)}
#: Longest language tag we look at (``launch_presentation.locale`` is free text from the platform).
MAX_TAG = 35


@functools.cache
def shipped() -> dict[str, str]:
    """Return {code: name of the language in itself} of the offered languages, English first."""
    names = {SOURCE: "English"}
    for line in SHIPPED_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            code, _sep, name = line.partition(" ")
            names[code.strip()] = name.strip() or code.strip()
    return names


def supported() -> tuple[str, ...]:
    """The codes of the offered languages, English first."""
    return tuple(shipped())


def normalize(tag: object) -> str | None:
    """Map a language tag from a platform or a browser to an offered language, or None.

    ``pt-PT``, ``pt_BR`` and ``PT`` give ``pt``; ``sq-XK`` gives ``sq``; ``de`` gives None unless German is
    offered. A full tag that is offered as such (``pt-BR`` if it had its own catalogue) is kept.
    """
    if not isinstance(tag, str) or not tag.strip() or len(tag) > MAX_TAG:
        return None
    clean = tag.strip().replace("_", "-")
    offered = {code.lower(): code for code in supported()}
    if clean.lower() in offered:
        return offered[clean.lower()]
    primary = clean.split("-", 1)[0].lower()
    return offered.get(primary)


def direction(code: str | None) -> str:
    """``rtl`` for a right-to-left language, else ``ltr``."""
    return "rtl" if code and code.replace("_", "-").split("-", 1)[0].lower() in RTL_LANGUAGES else "ltr"


def choose(*, chosen: str | None = None, chosen_under: str | None = None, launch_locale: str | None = None,
           accept: Any = None) -> str:
    """Apply the order of precedence (see the module docstring) to what is known about a request.

    ``chosen`` is the person's choice in the switcher and ``chosen_under`` the platform's language when they made
    it; ``launch_locale`` is what the platform sent with this session's launch; ``accept`` is the request's
    ``Accept-Language`` (werkzeug's ``LanguageAccept``) or None.
    """
    from_launch = normalize(launch_locale)
    picked = normalize(chosen)
    if picked and (from_launch is None or (chosen_under or None) == (launch_locale or None)):
        return picked
    if from_launch:
        return from_launch
    if accept is not None:
        best = accept.best_match(list(supported()) + _regional_tags(accept))
        found = normalize(best)
        if found:
            return found
    return SOURCE


def _regional_tags(accept: Any) -> list[str]:
    """The browser's own tags whose language is offered (``fr-CH`` when ``fr`` is), so werkzeug can match them."""
    return [value for value, _quality in accept if normalize(value) and value.lower() not in supported()]


def select_locale() -> str:
    """Flask-Babel's locale selector: the language of this request (English outside a request)."""
    from flask import g, has_request_context, request

    if not has_request_context():  # command-line messages, and the launch flow run by the WSGI fast path
        return getattr(g, "locale", None) or SOURCE if _has_app_context() else SOURCE
    forced = g.get("locale")
    if forced:
        return forced
    session = _request_session()
    if session is None:
        return choose(accept=request.accept_languages)
    return choose(chosen=session.chosen_locale, chosen_under=session.chosen_under,
                  launch_locale=session.data.get("locale"), accept=request.accept_languages)


def _has_app_context() -> bool:
    from flask import has_app_context

    return has_app_context()


def _request_session() -> Any:
    """The request's tool session if it carries a valid one; None otherwise (never raises).

    The language is often needed for an error page about the request itself (too large, badly encoded), so this
    reads the token only from the address, the ``Authorization`` header or a form the view has already parsed,
    never by parsing the body itself.
    """
    from flask import g, request
    from werkzeug.exceptions import HTTPException

    session = g.get("tool_session")
    if session is not None:
        return session
    if g.get("_i18n_loading_session"):  # a refusal while loading the session asks for the language: no recursion
        return None
    from .errors import AppError
    from .lti.session import load_session

    g._i18n_loading_session = True
    try:
        from .lti.session import first_value

        auth = request.environ.get("HTTP_AUTHORIZATION", "")  # request.headers["Authorization"], read directly
        token = auth[7:].strip() if auth.startswith("Bearer ") else first_value(request.args, "ltik")
        if not token and "form" in request.__dict__:  # werkzeug caches the parsed form on the request
            token = first_value(request.form, "ltik")
        if not token:
            return None
        g.tool_session = load_session(token)
        return g.tool_session
    except (AppError, HTTPException):  # no, expired or bad session: the page that needs one says so
        return None
    finally:
        g.pop("_i18n_loading_session", None)


def interface_language() -> str:
    """The language of this request's interface (what Flask-Babel uses)."""
    from flask_babel import get_locale

    locale = get_locale()
    if locale is None:
        return SOURCE
    return str(locale).replace("_", "-")


# -- the language switcher ----------------------------------------------------------------------------------------
def init_app(app: Any) -> None:
    """Register the language switcher's route and the template helpers (``ui_lang``, ``ui_dir``, ``language_switch``)."""
    from flask import Blueprint

    bp = Blueprint("i18n", __name__)
    bp.add_url_rule("/language", "choose", _choose_view, methods=["POST"])
    app.register_blueprint(bp)
    app.context_processor(_template_helpers)
    app.jinja_env.filters["content"] = _content_filter
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["clock"] = format_clock
    app.jinja_env.filters["when"] = format_when
    app.jinja_env.filters["number"] = format_count
    app.jinja_env.globals["content_attrs"] = _content_attrs


# -- dates, times and numbers in the interface language ---------------------------------------------------------
# Stored times are UTC (naive or aware). Pages show them in UTC and say so, because the people of one
# organisation may sit in several time zones and a support plan printed in Tirana is read in Lyon.
def _utc(value: Any) -> Any:
    import datetime as dt

    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def format_day(value: Any) -> str:
    """``{{ d|day }}``: a date (or the date of a time) as people write it in the interface language (2 déc. 2026)."""
    import datetime as dt

    from babel.dates import format_date

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = _utc(value).astimezone(dt.timezone.utc).date()
    return format_date(value, "medium", locale=_babel_locale())


def format_clock(value: Any, seconds: bool = False) -> str:
    """``{{ t|clock }}``: the UTC time of day in the interface language's style (14:05, 2:05 PM); the caller says UTC."""
    import datetime as dt

    from babel.dates import format_time

    if value is None:
        return ""
    return format_time(_utc(value), "medium" if seconds else "short", tzinfo=dt.timezone.utc,
                       locale=_babel_locale())


def format_when(value: Any, zone: bool = True, seconds: bool = False) -> str:
    """``{{ t|when }}``: date and UTC time in the interface language, with the zone named (2 déc. 2026, 14:05 UTC).

    ``zone=False`` leaves "UTC" to the sentence or column heading around it.
    """
    if value is None:
        return ""
    pattern = _babel_locale().datetime_formats.get("medium", "{1}, {0}")
    text = str(pattern).format(format_clock(value, seconds), format_day(value))
    return text + " UTC" if zone else text


def format_count(value: Any) -> str:
    """``{{ n|number }}``: a whole number with the interface language's grouping (12 345, 12.345, 12,345)."""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=_babel_locale())


def _babel_locale() -> Any:
    from babel import Locale
    from flask_babel import get_locale

    return get_locale() or Locale.parse(SOURCE)


def _template_helpers() -> dict[str, Any]:
    lang = interface_language()
    return {"ui_lang": lang, "ui_dir": direction(lang), "language_switch": _switch}


@pass_context
def _content_filter(context: Any, text: Any, package: Any = None) -> Any:
    """``{{ module.title|content }}``: content text in the page's content language, marked with its own lang and dir.

    The interface may be in French while the course is only in English (or in Arabic): screen readers and the
    layout then need the content's own language. Text in the interface language is returned as it is.
    """
    return content_text(text, package or context.get("package"))


@pass_context
def _content_attrs(context: Any, package: Any = None) -> Any:
    """`` lang="en" dir="ltr"`` for an element that holds only content, when its language is not the interface's.

    ``<h1{{ content_attrs() }}>{{ course.title }}</h1>``: the whole block then aligns and reads in the content's
    direction (a span inside a right-to-left heading would still sit on the right).
    """
    return content_lang(package or context.get("package"))


def _foreign(package: Any, page: str | None = None) -> str | None:
    """The language of ``package`` when it is not the page's (the interface's unless ``page`` says), else None."""
    lang = getattr(package, "lang", None)
    if not lang or lang.split("-", 1)[0].lower() == (page or interface_language()).split("-", 1)[0].lower():
        return None
    return lang


def content_text(text: Any, package: Any, page: str | None = None) -> Any:
    """``text`` of ``package``, in a ``<span lang dir>`` when the package's language is not the page's (``page``, by
    default the interface's)."""
    from markupsafe import Markup, escape

    lang = None if text is None or text == "" else _foreign(package, page)
    if not lang:
        return text
    return Markup('<span lang="%s" dir="%s">%s</span>') % (lang, direction(lang), escape(text))


def content_lang(package: Any, page: str | None = None, svg: bool = False) -> Any:
    """`` lang dir`` attributes for an element holding only text of ``package``, or nothing in the page's language.

    ``svg``: ``lang`` only, for an SVG element (SVG has no ``dir`` attribute).
    """
    from markupsafe import Markup

    lang = _foreign(package, page)
    if not lang:
        return Markup("")
    return Markup(' lang="%s"') % lang if svg else Markup(' lang="%s" dir="%s"') % (lang, direction(lang))


def _switch() -> dict[str, Any] | None:
    """What the header's language switcher needs, or None on pages without a tool session."""
    from flask import g, request

    session = g.get("tool_session")
    if session is None or len(supported()) < 2:
        return None
    back = ""
    if request.method == "GET":
        # This page again, with the session's current token (a renewed one replaces the token of the address).
        from urllib.parse import urlencode

        args = [(k, v) for k, v in request.args.items(multi=True) if k != "ltik"] + [("ltik", session.token)]
        back = request.path + "?" + urlencode(args)
    return {"token": session.token, "current": interface_language().split("-", 1)[0],
            "choices": list(shipped().items()), "next": back, "follows_platform": session.chosen_locale is None}


def _local_path(url: str | None) -> str | None:
    """The path and query of a URL on this site, or None (never lead the browser elsewhere)."""
    from urllib.parse import urlsplit

    from flask import request

    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//") or "\\" in parts.path:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _choose_view() -> Any:
    """Remember the interface language a person picked (``lang``; empty: follow my platform again), then go back."""
    from flask import redirect, request
    from flask_babel import gettext as _
    from sqlalchemy import update

    from .errors import AppError
    from .extensions import db
    from .lti.models import LtiUser
    from .lti.session import current_session

    session = current_session()
    raw = request.form.get("lang", "")
    lang = normalize(raw) if raw else None
    if raw and lang is None:
        raise AppError(_("That language is not offered."), code="language_not_offered")
    db.session.execute(update(LtiUser).where(LtiUser.id == session.user_id)
                       .values(ui_locale=lang, ui_locale_under=session.data.get("locale") if lang else None))
    db.session.commit()
    log.info("user %s chose interface language %s", session.user_id, lang or "(platform's)")
    back = _local_path(request.form.get("next"))
    if not back:
        from flask import url_for
        from werkzeug.routing import BuildError

        try:
            back = url_for("training.course", ltik=session.token)
        except BuildError:  # an installation without the training feature
            back = url_for("web.index")
    return redirect(back, code=303)


# -- catalogues ---------------------------------------------------------------------------------------------------
def catalogue_languages(directory: Path = TRANSLATIONS) -> list[str]:
    """Every language with a catalogue in the tree, shipped or not."""
    return sorted(p.parent.parent.name for p in directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def compile_catalogues(directory: Path = TRANSLATIONS, *, force: bool = False) -> list[str]:
    """Build ``messages.mo`` from every ``messages.po`` that is newer (or has no ``.mo``); return what was built.

    Several workers may start at once: each writes a temporary file and renames it into place, so a reader
    never sees half a catalogue. Fuzzy entries are left out (a fuzzy translation is a guess). An unwritable
    directory (a read-only install) is logged and skipped: the ``.mo`` files built at install time serve.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    built = []
    for po_path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fp:
            catalog = read_po(fp, locale=po_path.parent.parent.name, domain=DOMAIN)
        try:
            fd, tmp = tempfile.mkstemp(dir=po_path.parent, prefix=".messages-", suffix=".mo")
        except OSError as exc:
            log.warning("cannot compile %s (%s); using the catalogue built at install time", po_path, exc)
            continue
        try:
            with os.fdopen(fd, "wb") as out:
                write_mo(out, catalog, use_fuzzy=False)
            os.replace(tmp, mo_path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        built.append(po_path.parent.parent.name)
    return built


def extract(root: Path | None = None) -> Any:
    """Extract the interface's messages afresh (as ``pybabel extract -F babel.cfg`` does); return the catalog."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    root = root or Path(__file__).resolve().parent.parent
    with (root / "babel.cfg").open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp, str(root / "babel.cfg"))
    catalog = Catalog(project="R2COM Aftercare Toolkit", domain=DOMAIN, charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(root), method_map, options_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def problems(lang: str, template: Any, directory: Path = TRANSLATIONS) -> dict[str, list[str]]:
    """Compare one catalogue with a fresh extraction: what is missing, fuzzy, empty, or breaks a placeholder.

    Uses Babel's own checkers (``babel.messages.checkers``: the same placeholders, the right number of plural
    forms). Returns {"missing": [...], "fuzzy": [...], "empty": [...], "broken": [...]}, each a list of msgids.
    """
    from babel.messages.pofile import read_po

    found: dict[str, list[str]] = {"missing": [], "fuzzy": [], "empty": [], "broken": []}
    po_path = directory / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        found["missing"] = [_key(m.id) for m in template if m.id]
        return found
    with po_path.open("rb") as fp:
        catalog = read_po(fp, locale=lang, domain=DOMAIN)
    for message in template:
        if not message.id:
            continue
        key = _key(message.id)
        ours = catalog.get(message.id, context=message.context)
        if ours is None:
            found["missing"].append(key)
            continue
        if ours.fuzzy:
            found["fuzzy"].append(key)
        strings = ours.string if isinstance(ours.string, (list, tuple)) else [ours.string]
        if not all(strings):
            found["empty"].append(key)
            continue
        errors = list(ours.check(catalog))
        if errors:
            found["broken"].append(f"{key}  ({'; '.join(str(e) for e in errors)})")
    return found


def _key(msgid: Any) -> str:
    return msgid[0] if isinstance(msgid, (list, tuple)) else msgid


def completeness(template: Any, languages: Iterable[str] | None = None) -> dict[str, tuple[int, int]]:
    """{language: (translated messages, all messages)} for the catalogues in the tree."""
    total = sum(1 for m in template if m.id)
    result = {}
    for lang in languages or catalogue_languages():
        found = problems(lang, template)
        bad = {k for kind in ("missing", "fuzzy", "empty") for k in found[kind]}
        bad |= {b.split("  (", 1)[0] for b in found["broken"]}
        result[lang] = (total - len(bad), total)
    return result


def main(argv: list[str] | None = None) -> int:
    """``python -m lti_tool.i18n [compile|report [lang...]]``: build the catalogues, or say how complete they are."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    command = args.pop(0) if args else "report"
    if command == "compile":
        built = compile_catalogues(force="--force" in args)
        print("compiled: " + (", ".join(built) if built else "nothing to do"))
        return 0
    if command != "report":
        print(main.__doc__)
        return 2
    template = extract()
    offered = set(supported())
    status = 0
    for lang in args or catalogue_languages():
        found = problems(lang, template)
        done, total = completeness(template, [lang])[lang]
        mark = "offered" if lang in offered else "not offered"
        print(f"{lang}: {done} of {total} messages translated ({mark})")
        for kind in ("missing", "fuzzy", "empty", "broken"):
            for key in found[kind]:
                print(f"  {kind}: {key}")
        if lang in offered and done < total:
            status = 1
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
