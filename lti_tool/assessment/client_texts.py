"""The texts the person is given before anything is written down: the privacy notice and the consent text, each
in a standard and an easy-read version, in every client language (DP-8, DP-16).

They are Markdown files, one folder per language (``client_texts/<lang>/<name>.md``), written for people in each
language rather than translated word for word (see ``client_texts/README.md``). The organisation's own facts go
into named placeholders, ``{org_name}``, ``{org_contact}``, ``{retention_months}`` and ``{notice_version}``, and a
section between ``[[if self_access]]`` and ``[[end]]`` appears only when the organisation offers self-access
(``[[if identity_vault]]``: only when it uses the identity vault).
Every language must use the same placeholders and sections as English (``tests/assessment/test_client_texts.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..errors import NotFound
from .client_language import CLIENT_LANGUAGES
from .controller_docs import html as markdown_html
from .models import Organisation

#: Where the texts live.
TEXTS_DIR = Path(__file__).parent / "client_texts"
#: name -> what the practitioner sees it called.
TEXTS = {
    "notice": _l("Privacy notice"),
    "notice_easy": _l("Privacy notice, easy-read"),
    "consent": _l("Consent to keeping a support record"),
    "consent_easy": _l("Consent to keeping a support record, easy-read"),
}
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
#: ``{retention_months|one:month|other:months}``: the word for the number's plural category in the text's language.
PLURAL = re.compile(r"\{([a-z_]+)\|((?:[a-z]+:[^|{}]*\|?)+)\}")
SECTION = re.compile(r"^\[\[if ([a-z_]+)\]\]\n(.*?)^\[\[end\]\]\n", re.MULTILINE | re.DOTALL)
SECTION_NAME = re.compile(r"^\[\[if ([a-z_]+)\]\]$", re.MULTILINE)
#: Markdown punctuation in the organisation's own values is escaped, so a name with ``*`` prints as typed.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


@dataclass(frozen=True)
class ClientText:
    """One text filled in for an organisation, ready for a page or a PDF."""

    name: str
    lang: str
    title: str
    body: Markup


def path(name: str, lang: str) -> Path:
    """The file of one text in one language."""
    return TEXTS_DIR / lang / f"{name}.md"


def source(name: str, lang: str) -> str:
    """The text as written, placeholders and sections still in it. Unknown names and languages are a 404."""
    if name not in TEXTS or lang not in CLIENT_LANGUAGES:
        raise NotFound(code="client_text_not_found")
    return path(name, lang).read_text(encoding="utf-8")


def fields(text: str) -> tuple[set[str], set[str]]:
    """(placeholder names, section names) a text uses."""
    return set(PLACEHOLDER.findall(text)), set(SECTION_NAME.findall(text))


def _escape(value: str) -> str:
    lines = [_MARKDOWN_PUNCTUATION.sub(r"\\\1", line.strip()) for line in value.strip().splitlines()]
    return "  \n".join(line for line in lines if line)  # the contact keeps its lines (address, phone...)


def values(org: Organisation) -> dict[str, str]:
    """The organisation's facts for the placeholders, in the language being rendered (see ``speaking``)."""
    return {
        "org_name": _escape(org.public_name) or _("the organisation that supports you"),
        "org_contact": _escape(org.privacy_contact) or _("Ask the person who supports you how to reach us."),
        "retention_months": str(org.retention_months),
        "notice_version": _escape(org.privacy_notice_version),
    }


def sections(org: Organisation) -> dict[str, bool]:
    """Which optional sections apply to the organisation."""
    return {"self_access": bool(org.self_access_enabled), "identity_vault": bool(org.identity_vault_enabled)}


def plural_forms(spec: str) -> dict[str, str]:
    """``one:month|other:months`` -> {"one": "month", "other": "months"}."""
    return dict(part.split(":", 1) for part in spec.split("|") if ":" in part)


def plural_word(lang: str, number: int, spec: str) -> str:
    """The word of ``spec`` for ``number`` by the plural rules of ``lang`` (Babel's CLDR data)."""
    from babel import Locale

    forms = plural_forms(spec)
    return forms.get(Locale.parse(lang).plural_form(number), forms.get("other", ""))


def fill(text: str, org: Organisation, lang: str = "en") -> str:
    """Put the organisation's facts into a text in ``lang`` and keep only the sections that apply."""
    shown = sections(org)
    text = SECTION.sub(lambda m: m.group(2) if shown.get(m.group(1)) else "", text)
    facts = values(org)
    numbers = {"retention_months": org.retention_months}
    text = PLURAL.sub(lambda m: plural_word(lang, numbers[m.group(1)], m.group(2)) if m.group(1) in numbers
                      else m.group(0), text)
    return PLACEHOLDER.sub(lambda m: facts.get(m.group(1), m.group(0)), text)


def render(name: str, lang: str, org: Organisation) -> ClientText:
    """One text, filled in for the organisation, as HTML; its title is its first heading."""
    text = fill(source(name, lang), org, lang)
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    title = first.lstrip("#").strip() if first.startswith("#") else str(TEXTS[name])
    return ClientText(name, lang, title, markdown_html(text))
