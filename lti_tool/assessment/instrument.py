"""The instrument and the fictional case set, read through the content library.

The content library (``app.extensions["r2com"]["content"]``) loads and validates the packages at
startup; these helpers are the assessment's only way in, so views never touch raw YAML.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, has_app_context
from markupsafe import Markup

from ..errors import NotFound


def _library() -> Any:
    return current_app.extensions["r2com"]["content"]


def instrument_package(lang: str | None = None) -> Any:
    """The instrument's package in the language :func:`get_instrument` reads it in: its ``lang`` marks the
    instrument's texts shown on an interface page in another language (``{{ text|content(instrument_package) }}``)."""
    return _library().package(_package_id(), _instrument_language(lang))


def guidance_package() -> Any:
    """The package whose ``lang`` marks the instrument's texts that are not client texts (area titles, prompts, scale
    labels, occasion types): the one they are read in, but the source where that is a partial translation (it gives
    only the client texts, and the source's fill the rest)."""
    package = instrument_package()
    return package if package.status in ("source", "complete") else _library().loaded(_package_id()).package


def get_instrument(lang: str | None = None) -> Any:
    """Return the instrument in the language it is read in (see :func:`_instrument_language`)."""
    return _library().instrument(_instrument_language(lang))


def _instrument_language(lang: str | None) -> str | None:
    """The language the instrument is read in.

    While something is rendered for the person (:func:`.client_language.speaking`), that is the person's language
    in any translation: a partial one gives the client texts, and the content loader fills every text it lacks
    with the source's, field by field. On the practitioner's screens it is ``lang`` or the interface language,
    but only where that translation is complete: a partial one would pass English guidance off as translated,
    so practitioners then get the source instrument (None).
    """
    person = g.get("client_language") if has_app_context() else None
    if person and not lang:
        return person
    lang = lang or _interface_language()
    if lang and _library().package(_package_id(), lang).status in ("source", "complete"):
        return lang
    return None


def _interface_language() -> str | None:
    from flask import has_request_context

    from ..i18n import interface_language

    return interface_language() if has_request_context() else None


def client_texts(lang: str | None) -> dict[str, tuple[str, str]]:
    """Return what the client reads of the instrument, in ``lang``: field path -> (text, its language).

    The paths are ``client_title``, ``statement``, ``domains[<id>].client_title``, ``domains[<id>].client_prompt``
    and ``scales.client_view[<value>].label``. A text the translation does not give comes back in the source
    language with that language's code, so a printout can mark it with its own ``lang``.
    """
    from ..content.coverage import client_texts as texts

    library = _library()
    loaded = library.loaded(_package_id())
    pick = lang if lang in loaded.translations else (lang or "").split("-", 1)[0]
    return texts(loaded, pick)


def _package_id() -> str:
    return next(p.id for p in _library().packages() if p.kind == "instrument")


def cases_package(lang: str | None = None) -> Any:
    """The fictional case set's package in ``lang`` where translated: its ``lang`` marks the cases' texts."""
    return _library().package(next(p.id for p in _library().packages() if p.kind == "case-set"), lang)


def reading_language() -> str | None:
    """The language a learner reads the fictional cases in: the interface's (the case set's source where the case
    set has no such translation)."""
    return _interface_language()


def get_cases(lang: str | None = None) -> dict[str, Any]:
    """Return the fictional cases by id, in file order, in ``lang`` where the case set has that translation."""
    return {c.id: c for c in _library().case_set(lang).cases}


def get_case(case_id: str, lang: str | None = None) -> Any:
    """Return one fictional case (in ``lang`` where translated) or raise NotFound."""
    case = get_cases(lang).get(str(case_id))
    if case is None or not case.fictional:
        raise NotFound(code="case_not_found")
    return case


def domain_ids() -> list[str]:
    """Return the instrument's domain ids in interview order."""
    return [d.id for d in get_instrument().domains]


def scale(name: str) -> tuple[Any, ...]:
    """Return the values of a scale (need, strength, client_view, agreement, discussed)."""
    return tuple(get_instrument().scales[name].values)


def values(name: str) -> list[str]:
    """Return the allowed values of a scale, or of ``information_sources``."""
    if name == "information_sources":
        return [str(o.value) for o in get_instrument().information_sources]
    return [str(o.value) for o in scale(name)]


def label(name: str, value: Any) -> str:
    """Return the label of a scale value (or of an occasion type / information source)."""
    if name == "occasion_types":
        options: Any = get_instrument().occasion_types
        return next((o.label for o in options if o.id == value), str(value))
    options = get_instrument().information_sources if name == "information_sources" else scale(name)
    return next((o.label for o in options if str(o.value) == str(value)), "")


def html(fragment: str) -> Markup:
    """Return a content HTML fragment (already sanitised by the library) ready for a template."""
    return _library().html(fragment)
