"""The person's own language (issue #11 item 4, DP-9, DP-16): printouts, the copy of the record, the self-access
page, the privacy notice and the consent text, in the language recorded for the client, whatever the practitioner's
interface; the texts exist in every language with the same placeholders; the language never reaches a URL or a log.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po
from sqlalchemy import select

from lti_tool.assessment import client_texts
from lti_tool.assessment.client_language import CLIENT_LANGUAGES
from lti_tool.assessment.models import AuditEvent, Client, Organisation
from lti_tool.extensions import db
from lti_tool.i18n import TRANSLATIONS

from .conftest import Caller, World, answers_form, location_id, new_occasion

ROOT = Path(__file__).resolve().parents[2]


# -- the texts themselves -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(client_texts.TEXTS))
def test_every_client_text_exists_in_every_language_with_the_english_placeholders(name: str) -> None:
    english = client_texts.fields(client_texts.path(name, "en").read_text(encoding="utf-8"))
    assert english[0] >= {"org_name", "org_contact", "retention_months", "notice_version"}
    for lang in CLIENT_LANGUAGES:
        file = client_texts.path(name, lang)
        assert file.is_file(), f"{name} has no {lang} version ({file})"
        text = file.read_text(encoding="utf-8")
        assert client_texts.fields(text) == english, f"{lang}/{name}.md: placeholders or sections differ from English"
        assert text.count("[[if ") == text.count("[[end]]"), f"{lang}/{name}.md: an [[if]] section is not closed"
        assert text.startswith("# "), f"{lang}/{name}.md must start with its title"


@pytest.mark.parametrize("lang", CLIENT_LANGUAGES)
def test_the_number_of_months_takes_the_word_its_language_needs(lang: str) -> None:
    """A retention of 1, 2, 5, 12 or 120 months reads right: no "1 months", and Arabic's six plural categories."""
    from babel import Locale

    from lti_tool.assessment.org import RETENTION_MAX_MONTHS

    # The categories a retention period can fall in (Portuguese "many" is for millions: never reached).
    categories = {Locale.parse(lang).plural_form(n) for n in range(1, RETENTION_MAX_MONTHS + 1)} | {"other"}
    for name in client_texts.TEXTS:
        for match in client_texts.PLURAL.finditer(client_texts.source(name, lang)):
            forms = client_texts.plural_forms(match.group(2))
            assert "other" in forms, (lang, name, match.group(0))
            assert categories <= set(forms), f"{lang}/{name}.md: {match.group(0)} lacks a form of {categories}"


def test_plural_words_follow_the_number(world: World) -> None:
    from types import SimpleNamespace

    org = SimpleNamespace(public_name="NGO", privacy_contact="x@example.org", retention_months=1,
                          privacy_notice_version="v1", self_access_enabled=False, identity_vault_enabled=False)
    with world.app.test_request_context("/"):
        one = client_texts.fill("After {retention_months} {retention_months|one:month|other:months}.", org, "en")
        org.retention_months = 12
        twelve = client_texts.fill("After {retention_months} {retention_months|one:month|other:months}.", org, "en")
        arabic = client_texts.fill(client_texts.source("notice_easy", "ar"), org, "ar")
        org.retention_months = 5
        few = client_texts.fill(client_texts.source("notice_easy", "ar"), org, "ar")
    assert (one, twelve) == ("After 1 month.", "After 12 months.")
    assert "12 شهرًا" in arabic and "5 أشهر" in few and "|" not in few


def test_the_texts_say_what_the_tool_does_and_name_the_rights() -> None:
    english = client_texts.path("notice", "en").read_text(encoding="utf-8")
    for words in ("no score, no risk level", "correct", "stop using", "delete", "copy", "take back your agreement",
                  "one month", "{retention_months} {retention_months|one:month|other:months}", "supervisor", "encrypted", "child needs protection"):
        assert words in english, words
    consent = client_texts.path("consent_easy", "en").read_text(encoding="utf-8")
    assert "Can you say no?" in consent and "Can you change your mind later?" in consent


@pytest.mark.parametrize("lang", sorted(CLIENT_LANGUAGES))
def test_the_texts_avoid_stigmatising_words(lang: str) -> None:
    """DP-17 in every language: the easy-read texts use none of the words; the standard texts only once, to say
    there is no score and no risk level (which the person is entitled to be told)."""
    from lti_tool.content.rules import FORBIDDEN_LABEL_WORDS

    for name in client_texts.TEXTS:
        found = FORBIDDEN_LABEL_WORDS.findall(client_texts.path(name, lang).read_text(encoding="utf-8"))
        assert len(found) <= (0 if name.endswith("_easy") else 1), (lang, name, found)


def test_the_readme_marks_the_texts_for_review_by_native_speakers() -> None:
    readme = (client_texts.TEXTS_DIR / "README.md").read_text(encoding="utf-8")
    assert "native speaker" in readme
    for lang in CLIENT_LANGUAGES:
        if lang != "en":
            assert f"`{lang}`" in readme


# -- helpers ------------------------------------------------------------------------------------------------------
def _new_client(caller: Caller, language: str | None, pseudonym: str = "Heron-Lamp-4") -> str:
    data = {"pseudonym": pseudonym} | ({"language": language} if language else {})
    resp = caller.post("/assessment/clients/new", data)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    client_id = location_id(resp, "clients")
    resp = caller.post(f"/assessment/clients/{client_id}/information",
                       {"notice_language": language or "en", "easy_read": "1", "confidentiality_explained": "1",
                        "lawful_basis": "consent", "record_consent": "1"})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return client_id


def _case_in(caller: Caller, language: str) -> str:
    client_id = _new_client(caller, language)
    occasion_id = new_occasion(caller, client_id)
    assert caller.post(f"/assessment/occasions/{occasion_id}", answers_form()).status_code == 303
    resp = caller.post(f"/assessment/clients/{client_id}/plan", {"description": "Call the housing office",
                                                                 "owner": "client", "domain_id": "housing"})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return client_id


def _set_org(world: World, **values: Any) -> None:
    with world.app.app_context():
        org = db.session.get(Organisation, world.orgs["a"])
        for key, value in values.items():
            setattr(org, key, value)
        db.session.commit()


class _Text(HTMLParser):
    """The visible text nodes of a page, and its <html> attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self.html_attrs: dict[str, str | None] = {}
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.html_attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.nodes.append(" ".join(data.split()))


def _parse(page: str) -> _Text:
    parser = _Text()
    parser.feed(page)
    return parser


def _catalogue(lang: str) -> Any:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=lang)


_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def _english_strings_on(english_page: str) -> list[str]:
    """The interface strings (msgids of the catalogue) that the English rendering of a page shows: whole text nodes,
    or, for messages with placeholders, their fixed parts of 12 characters or more."""
    nodes = _parse(english_page).nodes
    text = "\n".join(nodes)
    found = []
    for message in _catalogue("ar"):
        msgid = message.id if isinstance(message.id, str) else (message.id[0] if message.id else "")
        if not msgid:
            continue
        if _PLACEHOLDER.search(msgid):
            parts = [p.strip() for p in _PLACEHOLDER.split(msgid) if len(p.strip()) >= 12]
            found += [p for p in parts if p in text]
        elif msgid in nodes or (len(msgid) >= 20 and msgid in text):
            found.append(msgid)
    return found


def _left_in(strings: list[str], page: str) -> list[str]:
    nodes = _parse(page).nodes
    text = "\n".join(nodes)
    return [s for s in strings if s in nodes or (len(s) >= 12 and s in text)]


def _pdf(resp: Any) -> tuple[str, Any]:
    pypdf = pytest.importorskip("pypdf")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    reader = pypdf.PdfReader(io.BytesIO(resp.data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


# -- the language of a client -------------------------------------------------------------------------------------
def test_the_language_is_sealed_and_can_be_changed(as_, world: World) -> None:
    p = as_("practitioner")
    client_id = _new_client(p, "hu")
    with world.app.app_context():
        row = db.session.get(Client, client_id)
        assert row.language_enc and b"hu" not in row.language_enc
        assert row.unseal("language_enc") == "hu"
    page = p.get(f"/assessment/clients/{client_id}").get_data(as_text=True)
    assert 'lang="hu">Magyar' in page and "العربية" in page  # offered by their own names
    assert p.post(f"/assessment/clients/{client_id}/language", {"language": "sv"}).status_code == 303
    with world.app.app_context():
        assert db.session.get(Client, client_id).unseal("language_enc") == "sv"
    form = p.get("/assessment/clients/new").get_data(as_text=True)
    for name in ("Français", "Português", "Shqip", "Svenska", "Български", "Magyar", "العربية"):
        assert name in form


@pytest.mark.parametrize("url, data", [
    ("/assessment/clients/new", {"pseudonym": "Owl-9", "language": "xx"}),
    ("/assessment/clients/new", {"pseudonym": "Owl-9", "language": "../../etc"}),
])
def test_an_unknown_language_at_creation_is_refused_cleanly(as_, url: str, data: dict[str, str]) -> None:
    resp = as_("practitioner").post(url, data)
    assert resp.status_code == 422 and "Choose a language from the list." in resp.get_data(as_text=True)


def test_unknown_languages_elsewhere_get_a_4xx_never_a_500(as_, world: World) -> None:
    p = as_("practitioner")
    client_id = _case_in(p, "fr")
    base = f"/assessment/clients/{client_id}"
    assert p.post(f"{base}/language", {"language": "klingon"}).status_code == 422
    assert p.post(f"{base}/language", {}).status_code == 422
    for url in (f"{base}/plan/print", f"{base}/plan/pdf", f"{base}/export", f"{base}/texts"):
        for bad in ("xx", "AR", "ar-EG'><script>", "e" * 500):
            resp = p.get(url, language=bad, text="notice")
            assert 400 <= resp.status_code < 500, (url, bad, resp.status_code)
    assert p.get(f"{base}/texts", text="nothing").status_code == 404
    assert p.get(f"{base}/texts/pdf", text="../notice").status_code == 404
    resp = p.post(f"{base}/information", {"notice_language": "Klingon", "confidentiality_explained": "1",
                                          "lawful_basis": "consent", "record_consent": "1"})
    assert resp.status_code == 422
    with world.app.app_context():
        assert db.session.get(Client, client_id).unseal("language_enc") == "fr"


# -- printouts in the person's language ---------------------------------------------------------------------------
def test_a_practitioner_in_english_prints_the_plan_and_the_record_copy_in_arabic(as_, world: World) -> None:
    p = as_("practitioner")
    client_id = _case_in(p, "ar")
    base = f"/assessment/clients/{client_id}"
    # The practitioner's own pages stay in English.
    plan_page = p.get(f"{base}/plan").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in plan_page
    for url in (f"{base}/plan/print", f"{base}/export"):
        english = p.get(url, language="en").get_data(as_text=True)
        assert '<html lang="en" dir="ltr">' in english
        strings = _english_strings_on(english)
        assert len(strings) >= 8, strings  # the comparison has something to compare
        arabic = p.get(url).get_data(as_text=True)
        assert '<html lang="ar" dir="rtl">' in arabic
        assert not _left_in(strings, arabic), _left_in(strings, arabic)
        catalogue = _catalogue("ar")
        for msgid in ("What we agreed to work on first", "Strengths to build on"):
            if msgid in strings:
                assert catalogue[msgid].string in arabic
        assert "Language" not in _parse(arabic).nodes  # no interface switcher on the person's printout
    # A different language for one printout, picked by the practitioner.
    assert '<html lang="bg" dir="ltr">' in p.get(f"{base}/plan/print", language="bg").get_data(as_text=True)


def test_the_plan_pdf_is_in_arabic_right_to_left(as_, world: World) -> None:
    p = as_("practitioner")
    client_id = _case_in(p, "ar")
    text, reader = _pdf(p.get(f"/assessment/clients/{client_id}/plan/pdf"))
    assert reader.trailer["/Root"]["/Lang"] == "ar"
    english_text, _reader = _pdf(p.get(f"/assessment/clients/{client_id}/plan/pdf", language="en"))
    assert "Steps we agreed" in english_text and "Steps we agreed" not in text
    assert re.search("[\u0600-\u06ff]{3,}", text)


def test_instrument_texts_come_in_the_persons_language_field_by_field(tmp_path: Path) -> None:
    """With an Arabic instrument translation (a test fixture) the printout takes the client titles and the
    client-view labels from it; the practitioner's pages keep the source instrument."""
    from support import drop_app, make_app

    from lti_tool.assessment import instrument as inst

    from .conftest import Caller, build_world

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content_packages", content)
    package = content / "r2com-instrument"
    source = yaml.safe_load((package / "instrument.yaml").read_text(encoding="utf-8"))
    # A partial translation: only some client texts (no statement, no client prompt of the first domain).
    translated = {
        "client_title": "خطة دعمي",
        "domains": [{"id": d["id"], "client_title": f"مجال {i}"} | ({} if i == 1 else {"client_prompt": f"سؤال {i}"})
                    for i, d in enumerate(source["domains"], 1)],
        "scales": {"client_view": [{"value": v["value"], "label": f"رأيي {v['value']}"}
                                   for v in source["scales"]["client_view"]]},
    }
    (package / "i18n" / "ar").mkdir(parents=True, exist_ok=True)
    (package / "i18n" / "ar" / "instrument.yaml").write_text(yaml.safe_dump(translated, allow_unicode=True),
                                                             encoding="utf-8")
    manifest = yaml.safe_load((package / "package.yaml").read_text(encoding="utf-8"))
    manifest["translations"] = [t for t in manifest["translations"] if t["language"] != "ar"] + [
        {"language": "ar", "status": "partial", "reviewed_by": None}]
    (package / "package.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    app = make_app(tmp_path, CONTENT_DIR=str(content))
    try:
        world = build_world(app)
        p = Caller(app.test_client(), world.tokens["practitioner"])
        client_id = _case_in(p, "ar")
        page = p.get(f"/assessment/clients/{client_id}/export").get_data(as_text=True)
        assert "خطة دعمي" in page and "<h3>مجال 1</h3>" in page and "رأيي 2" in page
        plan = p.get(f"/assessment/clients/{client_id}/plan/print").get_data(as_text=True)
        assert "<h1>خطة دعمي</h1>" in plan
        # The practitioner's own pages keep the source instrument.
        assert "خطة دعمي" not in p.get(f"/assessment/clients/{client_id}/plan").get_data(as_text=True)
        # Field by field: where the translation has no text, the source text stays.
        with app.app_context():
            library = app.extensions["r2com"]["content"]
            english, arabic = library.instrument(), library.instrument("ar")
            assert arabic.client_title == "خطة دعمي" and arabic.statement == english.statement
            assert arabic.domains[0].client_title == "مجال 1"
            assert arabic.domains[0].client_prompt == english.domains[0].client_prompt
            assert arabic.domains[1].client_prompt == "سؤال 2"
            assert arabic.scales["need"] == english.scales["need"]
            # The practitioner's screens never take a partial translation.
            with app.test_request_context("/", headers={"Accept-Language": "ar"}):
                assert inst.get_instrument().client_title == english.client_title
    finally:
        drop_app(app)


def test_the_self_access_page_is_in_the_persons_language(as_, world: World, client: Any) -> None:
    _set_org(world, self_access_enabled=True)
    p = as_("practitioner")
    client_id = _case_in(p, "sv")
    page = p.post(f"/assessment/clients/{client_id}/self-access", {"days": "7"}).get_data(as_text=True)
    code = re.search(r'<p class="self-access-code"><strong>([^<]+)</strong>', page)
    assert code, page
    mine = client.post("/assessment/my", data={"code": code.group(1)}, headers={"Accept-Language": "en"})
    assert mine.status_code == 200
    assert '<html lang="sv" dir="ltr">' in mine.get_data(as_text=True)


# -- the notice and the consent text ------------------------------------------------------------------------------
def test_an_easy_read_consent_printed_in_bulgarian(as_, world: World) -> None:
    _set_org(world, public_name="Нов път (Sofia)", privacy_contact="ул. Раковски 1, София\n+359 2 000 000",
             retention_months=18, privacy_notice_version="2.1")
    p = as_("practitioner")
    client_id = _new_client(p, "bg")
    info = p.get(f"/assessment/clients/{client_id}/information").get_data(as_text=True)
    assert 'name="text"' in info and "consent_easy" in info
    resp = p.get(f"/assessment/clients/{client_id}/texts", text="consent_easy")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and '<html lang="bg" dir="ltr">' in page
    assert "Нов път \\(Sofia\\)" not in page and "Нов път (Sofia)" in page  # the organisation's name, as typed
    assert "ул. Раковски 1, София" in page and "18" in page and "2.1" in page
    heading = client_texts.path("consent_easy", "bg").read_text(encoding="utf-8").splitlines()[0].lstrip("# ")
    assert f"<title>{heading}</title>" in page
    assert "{org_name}" not in page and "[[" not in page
    text, reader = _pdf(p.get(f"/assessment/clients/{client_id}/texts/pdf", text="consent_easy"))
    assert reader.trailer["/Root"]["/Lang"] == "bg" and "Нов път" in text
    with world.app.app_context():
        events = db.session.execute(select(AuditEvent).where(AuditEvent.client_id == client_id)).scalars().all()
        assert {"client_text", "client_text_pdf"} <= {e.object_type for e in events}


def test_an_arabic_notice_is_right_to_left_and_sections_follow_the_settings(as_, world: World) -> None:
    p = as_("practitioner")
    client_id = _new_client(p, "ar")
    _set_org(world, self_access_enabled=False)
    off = p.get(f"/assessment/clients/{client_id}/texts", text="notice").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in off
    _set_org(world, self_access_enabled=True)
    on = p.get(f"/assessment/clients/{client_id}/texts", text="notice").get_data(as_text=True)
    assert len(on) > len(off)
    english = p.get(f"/assessment/clients/{client_id}/texts", text="notice", language="en").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in english and "code to read your support plan" in english


# -- never in a URL or a log --------------------------------------------------------------------------------------
def test_the_client_language_is_in_no_url_and_no_log_line(as_, world: World, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    p = as_("practitioner")
    urls: list[str] = []

    def collect(resp: Any) -> Any:
        urls.extend(v for k, v in resp.headers.items() if k == "Location")
        urls.extend(re.findall(r'(?:href|action|formaction)="([^"]*)"', resp.get_data(as_text=True)))
        return resp

    resp = collect(p.post("/assessment/clients/new", {"pseudonym": "Lark-3", "language": "hu"}))
    client_id = location_id(resp, "clients")
    base = f"/assessment/clients/{client_id}"
    collect(p.post(f"{base}/information", {"notice_language": "hu", "confidentiality_explained": "1",
                                           "lawful_basis": "consent", "record_consent": "1"}))
    collect(p.post(f"{base}/language", {"language": "hu"}))
    for url in (base, f"{base}/information", f"{base}/plan", f"{base}/consents/new", f"{base}/plan/print",
                f"{base}/export", f"{base}/texts?text=notice"):
        path, _sep, query = url.partition("?")
        collect(p.get(path, **dict(q.split("=") for q in query.split("&") if q)))
    assert urls
    for url in urls:
        assert not re.search(r"(?:^|[/?&=])hu(?:$|[/?&=#.])", url), url
        assert "language=hu" not in url and "Magyar" not in url
    for record in caplog.records:
        message = record.getMessage()
        assert "Magyar" not in message and not re.search(r"\bhu\b", message), message
    with world.app.app_context():
        for event in db.session.execute(select(AuditEvent)).scalars():
            assert not re.search(r"\bhu\b", f"{event.object_id} {event.purpose}"), event.purpose
