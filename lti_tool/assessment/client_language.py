"""The language the person reads best: chosen per client, independent of the practitioner's interface (DP-16).

Everything the person is given (the printed support plan and its PDF, the copy of their record, their self-access
page, the privacy notice and the consent text) is rendered in that language: interface strings through gettext
under :func:`speaking`, instrument texts from the instrument package in that language (see
:func:`.instrument.get_instrument`), field by field with English where a translation lacks one.

The language can hint at the person's origin, so it is personal data: it is sealed in ``Client.language_enc`` like
the pseudonym, travels only in form bodies, and never goes into a URL, a log line or the audit log's purpose.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from flask import g
from flask_babel import force_locale
from flask_babel import gettext as _

from ..i18n import SOURCE, direction, interface_language
from .errors import CaseworkError
from .models import Client
from .privacy import audit
from .roles import Actor

#: The languages a client text exists in, each named in itself (a person finds their own language by its name).
CLIENT_LANGUAGES: dict[str, str] = {
    "en": "English",
    "fr": "Français",
    "pt": "Português",
    "it": "Italiano",
    "sq": "Shqip",
    "sv": "Svenska",
    "bg": "Български",
    "hu": "Magyar",
    "ar": "العربية",
}
#: What the information record holds when the notice was given in a language the texts are not written in.
OTHER_LANGUAGE = "other"
#: The form value meaning "the person's own language" on a printout's language choice (so the code never
#: appears in a URL).
PERSONS_LANGUAGE = ""


def check_language(code: Any) -> str:
    """Return ``code`` if it is a client language; a clear 422 otherwise."""
    if isinstance(code, str) and code in CLIENT_LANGUAGES:
        return code
    raise CaseworkError(_("Choose a language from the list."), code="client_language", status=422)


def interface_default() -> str:
    """The practitioner's interface language if a client language, else English (a new client's form starts here)."""
    lang = interface_language().split("-", 1)[0]
    return lang if lang in CLIENT_LANGUAGES else SOURCE


def recorded_language(client: Client) -> str | None:
    """The language recorded for the person, or None for a record made before languages were recorded."""
    code = client.unseal("language_enc")
    return code if code in CLIENT_LANGUAGES else None


def client_language(client: Client) -> str:
    """The language of everything the person is given: theirs, or (none recorded) the practitioner's interface."""
    return recorded_language(client) or interface_default()


def set_client_language(actor: Actor, client: Client, code: Any) -> None:
    """Record the language the person reads best (audited without saying which)."""
    client.seal("language_enc", check_language(code))
    audit(actor, "edit", "client_language", "", client_id=client.id)


def printout_language(client: Client, requested: Any) -> str:
    """The language of one printout: the person's unless the practitioner picked another for this one.

    ``requested`` is the form value: :data:`PERSONS_LANGUAGE` (or absent) for the person's own, else a code.
    An unknown code is refused with a 422 (see :func:`check_language`), never silently replaced.
    """
    if requested is None or requested == PERSONS_LANGUAGE:
        return client_language(client)
    return check_language(requested)


def other_languages(client: Client) -> list[tuple[str, str]]:
    """(code, name) of the languages other than the person's, for a printout's language choice."""
    own = client_language(client)
    return [(code, name) for code, name in CLIENT_LANGUAGES.items() if code != own]


@contextmanager
def speaking(lang: str) -> Iterator[str]:
    """Render in ``lang``: gettext and date formats through Flask-Babel, instrument texts in that language.

    Yields the language. ``<html lang dir>`` follow, since the templates take them from the forced locale.
    """
    previous = g.get("client_language")
    g.client_language = lang
    try:
        with force_locale(lang):
            yield lang
    finally:
        if previous is None:
            g.pop("client_language", None)
        else:
            g.client_language = previous


def page_language() -> tuple[str, str]:
    """(lang, dir) of the page being rendered: the client's language under :func:`speaking`, else the interface."""
    lang = g.get("client_language") or interface_language()
    return lang, direction(lang)
