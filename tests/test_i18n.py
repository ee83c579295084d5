"""The interface's languages: complete catalogues, the choice of language, right to left.

The completeness test extracts the messages afresh from the code and templates (as ``pybabel extract`` does),
so a message added without a translation fails it, and the failure lists what is missing.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.messages.pofile import read_po
from werkzeug.datastructures import LanguageAccept

from lti_tool import i18n

ROOT = Path(__file__).resolve().parents[1]
OFFERED = [code for code in i18n.supported() if code != i18n.SOURCE]


@pytest.fixture(scope="module")
def template():
    return i18n.extract(ROOT)


def catalogue(lang):
    with (i18n.TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=lang)


# -- the catalogues --------------------------------------------------------------------------------------------
def test_extraction_finds_python_template_and_lazy_messages(template):
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    assert "Skip to main content" in ids  # base.html
    assert "Your session with the tool has ended" in ids  # lazy_gettext in lti/errors.py
    assert "The tool session has expired." in ids  # raised from lti/session.py
    assert len(ids) > 500


@pytest.mark.parametrize("lang", OFFERED)
def test_every_offered_catalogue_is_complete_and_keeps_its_placeholders(template, lang):
    found = i18n.problems(lang, template)
    report = "\n".join(f"  {kind}: {key}" for kind, keys in found.items() for key in keys)
    assert not report, (f"The {lang} catalogue is offered (lti_tool/translations/shipped.txt) but not complete. "
                        f"Run scripts/i18n update, translate these, then scripts/i18n report {lang}:\n{report}")


def test_a_partial_catalogue_is_reported_and_not_offered(tmp_path, template):
    po = tmp_path / "xx" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "Skip to main content"\nmsgstr "Zum Inhalt"\n\n'
                  '#, fuzzy\nmsgid "Guide"\nmsgstr "Leitfaden"\n\n'
                  'msgid "Course"\nmsgstr ""\n\n'
                  'msgid "Module %(number)s: %(title)s"\nmsgstr "Modul %(nummer)s: %(title)s"\n', encoding="utf-8")
    found = i18n.problems("xx", template, directory=tmp_path)
    assert "Guide" in found["fuzzy"] and "Course" in found["empty"]
    assert any(b.startswith("Module %(number)s: %(title)s") for b in found["broken"])
    assert "Skip to main content" not in found["missing"] and "Trainer dashboard" in found["missing"]
    assert i18n.normalize("xx") is None  # not listed in shipped.txt: never offered


def test_catalogues_compile_and_fuzzy_entries_are_left_out(tmp_path):
    po = tmp_path / "xx" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "Course"\nmsgstr "Kurs"\n\n#, fuzzy\nmsgid "Guide"\nmsgstr "Leitfaden"\n', encoding="utf-8")
    assert i18n.compile_catalogues(tmp_path) == ["xx"]
    assert i18n.compile_catalogues(tmp_path) == []  # up to date: nothing to do
    from babel.support import Translations

    with (po.with_suffix(".mo")).open("rb") as fp:
        built = Translations(fp)
    assert built.gettext("Course") == "Kurs" and built.gettext("Guide") == "Guide"


# -- choosing the language -------------------------------------------------------------------------------------
def test_language_tags_map_to_offered_languages(monkeypatch):
    monkeypatch.setattr(i18n, "supported", lambda: ("en", "fr", "pt", "ar"))
    assert i18n.normalize("pt-PT") == "pt" and i18n.normalize("pt_BR") == "pt" and i18n.normalize("FR") == "fr"
    assert i18n.normalize("de-DE") is None and i18n.normalize("") is None and i18n.normalize(None) is None
    assert i18n.normalize("x" * 100) is None
    assert i18n.direction("ar") == "rtl" and i18n.direction("ar-EG") == "rtl" and i18n.direction("fr") == "ltr"


def test_order_platform_then_own_choice_then_browser_then_english(monkeypatch):
    monkeypatch.setattr(i18n, "supported", lambda: ("en", "fr", "pt", "ar"))
    browser_pt = LanguageAccept([("pt-PT", 1), ("en", 0.5)])
    assert i18n.choose(launch_locale="fr-FR", accept=browser_pt) == "fr"  # the platform's language first
    assert i18n.choose(launch_locale="de", accept=browser_pt) == "pt"  # not offered: the browser's
    assert i18n.choose(accept=LanguageAccept([("de", 1)])) == "en"  # nothing offered: English
    # The person's own choice wins while the platform still sends the language it sent when they chose...
    assert i18n.choose(chosen="ar", chosen_under="fr-FR", launch_locale="fr-FR", accept=browser_pt) == "ar"
    # ...and their platform's language wins again once they change it there.
    assert i18n.choose(chosen="ar", chosen_under="fr-FR", launch_locale="pt-PT", accept=browser_pt) == "pt"
    assert i18n.choose(chosen="ar", chosen_under="de", launch_locale="es", accept=browser_pt) == "ar"
    assert i18n.choose(chosen="xx", launch_locale=None, accept=browser_pt) == "pt"  # no longer offered


# -- over real HTTP: a launch in French, in Arabic, the switcher -------------------------------------------------
class _Texts(HTMLParser):
    """The text people read on a page, leaving out content marked with another lang.

    Kept: text nodes (``<option>`` labels included), the labelling attributes (``aria-label``, ``placeholder``,
    ``title``, ``alt``), the labels of ``<input type=submit|button|reset>`` and the messages handed to scripts in
    ``data-*`` attributes. The document ``<title>`` is kept in its parts (split on its separators), but a part the
    page also shows marked as content in another language (a chapter's title in its heading) is content: the
    ``<title>`` cannot carry its own lang.
    """

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    LABELS = ("aria-label", "placeholder", "title", "alt")

    def __init__(self, lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []
        self.page_lang = lang
        self.texts: set[str] = set()
        self.titles: set[str] = set()
        self.foreign: set[str] = set()

    def _lang(self) -> str:
        return self.stack[-1][1] if self.stack else self.page_lang

    def _keep(self, text: str) -> None:
        text = " ".join(text.split())
        if not text or any(t in ("script", "style") for t, _l in self.stack):
            return
        if self._lang().split("-")[0] != self.page_lang:
            self.foreign.add(text)
        elif any(t == "title" for t, _l in self.stack):
            self.titles.update(p.strip() for p in re.split(r" [-–—|·] ", text) if p.strip())
        else:
            self.texts.add(text)

    def shown(self) -> set[str]:
        """The texts in the page's language; a part of the title that the page shows as content is content."""
        return self.texts | (self.titles - self.foreign)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang") or self._lang()
        shown = [attrs[name] for name in self.LABELS if attrs.get(name)]
        shown += [v for k, v in attrs.items() if k.startswith("data-") and v and " " in v.strip()]
        if tag == "input" and (attrs.get("type") or "").lower() in ("submit", "button", "reset") and attrs.get("value"):
            shown.append(attrs["value"])
        for text in shown:
            self.stack.append((tag, lang))
            self._keep(text)
            self.stack.pop()
        if tag == "html":
            self.page_lang = lang.split("-")[0]
        elif tag not in self.VOID:
            self.stack.append((tag, lang))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        self._keep(data)


def _page_texts(page: str, lang: str) -> set[str]:
    parser = _Texts(lang)
    parser.feed(page)
    return parser.shown()


#: A placeholder in a message: ``%(name)s``, ``%(count)d``, ``%s`` or a script's ``{name}``.
_PLACEHOLDER = re.compile(r"%\([^)]*\)[sdif]|%[sdif]|\{[a-z_]+\}")


_ENGLISH: dict[tuple[str, int], tuple[frozenset[str], tuple[tuple[str, re.Pattern], ...]]] = {}


def _english_of(lang: str, template) -> tuple[frozenset[str], tuple[tuple[str, re.Pattern], ...]]:
    """The English messages that ``lang`` does not say the same way: translated otherwise, or not translated yet
    (missing, empty or fuzzy: shown in English). Plain ones, and patterns for those with placeholders (a
    placeholder stands for any text; at least two English words must be left around them)."""
    if (lang, id(template)) in _ENGLISH:
        return _ENGLISH[(lang, id(template))]
    ours = catalogue(lang)
    plain, patterns = set(), []
    for m in template:
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        translated = ours.get(m.id)
        strings = [] if translated is None or translated.fuzzy else (
            [translated.string] if isinstance(translated.string, str) else list(translated.string or ()))
        if strings and all(strings) and set(strings) <= set(ids):
            continue  # the same words in this language (a name, "PDF")
        for english in ids:
            english = " ".join(english.split())
            if english in strings:
                continue
            if _PLACEHOLDER.search(english):
                literal = _PLACEHOLDER.sub(" ", english)
                if len(re.findall(r"[A-Za-z]{2,}", literal)) < 2:
                    continue
                parts = [re.escape(p) for p in _PLACEHOLDER.split(english)]
                patterns.append((english, re.compile("(?:.+?)".join(parts))))
            elif len(english.split()) >= 2 or (len(english) >= 4 and english[:1].isupper() and english.isalpha()):
                plain.add(english)
    _ENGLISH[(lang, id(template))] = frozenset(plain), tuple(patterns)
    return _ENGLISH[(lang, id(template))]


def _english_left(page: str, lang: str, template) -> list[str]:
    """Interface messages shown in English on a page that should be in ``lang``.

    A message counts when the page shows it whole (a text node, an attribute), or, for a message with
    placeholders, when a text node is that message with the placeholders filled in. Single words count when they
    are capitalised words of four letters or more (a button, a heading) that ``lang`` translates otherwise.
    """
    plain, patterns = _english_of(lang, template)
    texts = _page_texts(page, lang)
    left = texts & plain
    for english, pattern in patterns:
        if any(pattern.fullmatch(text) for text in texts):
            left.add(english)
    return sorted(left)


def _ltik(response) -> str:
    return parse_qs(urlsplit(response.url).query)["ltik"][0]


@pytest.mark.e2e
@pytest.mark.skipif("fr" not in OFFERED or "ar" not in OFFERED, reason="French and Arabic are not offered")
def test_launch_in_french_shows_the_course_in_french_and_arabic_right_to_left(connected, browser, template):
    tool, platform, cid, dep = connected
    fr = catalogue("fr")
    landed = browser.launch(platform.base_url, cid, dep, user="learner", locale="fr-FR")
    assert landed.status_code == 200, landed.text[:500]
    token = _ltik(landed)
    pages = ["/training/course", "/training/manual", "/training/manual/glossary"]
    seen = []
    while pages:
        path = pages.pop(0)
        page = browser.get(f"{tool.url}{path}", params={"ltik": token})
        assert page.status_code == 200, (path, page.text[:300])
        assert '<html lang="fr" dir="ltr">' in page.text, path
        assert fr.get("Skip to main content").string in page.text
        assert _english_left(page.text, "fr", template) == [], path
        seen.append(path)
        # Follow the first module, its first page and quiz, and the first chapter of the guide.
        for pattern in (r'href="(/training/modules/[^/"?]+)\?', r'href="(/training/modules/[^/"?]+/pages/[^/"?]+)\?',
                        r'href="(/training/modules/[^/"?]+/quiz)\?', r'href="(/training/manual/chapters/[^/"?]+)\?'):
            found = re.search(pattern, page.text)
            if found and found.group(1) not in seen and found.group(1) not in pages and \
                    not found.group(1).endswith((".pdf", ".csv", ".zip", ".imscc")):
                pages.append(found.group(1))
    assert len(seen) >= 7, seen  # course, guide, glossary, a module, a page, a quiz, a chapter
    # The switcher is there, labelled in French, and offers every complete language by its own name.
    assert f'>{fr.get("Change language").string}</button>' in page.text
    assert 'lang="ar">العربية</option>' in page.text

    with type(browser)() as other:
        arabic = other.launch(platform.base_url, cid, dep, user="learner", locale="ar")
        assert '<html lang="ar" dir="rtl">' in arabic.text
        assert catalogue("ar").get("Skip to main content").string in arabic.text
        assert _english_left(arabic.text, "ar", template) == []


@pytest.mark.e2e
@pytest.mark.parametrize("tag", ["fr-FR", "pt-PT", "it", "sq", "sv-SE", "bg", "hu", "ar"])
def test_a_launch_in_each_partner_language_shows_the_course_in_it(connected, browser, template, tag):
    lang = i18n.normalize(tag)
    if lang is None:
        pytest.skip(f"{tag} is not offered")
    tool, platform, cid, dep = connected
    landed = browser.launch(platform.base_url, cid, dep, user="learner", locale=tag)
    token = _ltik(landed)
    page = browser.get(f"{tool.url}/training/course", params={"ltik": token})
    assert f'<html lang="{lang}" dir="{i18n.direction(lang)}">' in page.text
    assert catalogue(lang).get("Skip to main content").string in page.text
    assert _english_left(page.text, lang, template) == []


@pytest.mark.e2e
@pytest.mark.skipif("ar" not in OFFERED, reason="Arabic is not offered")
def test_own_choice_is_remembered_until_the_platform_language_changes(connected, browser):
    tool, platform, cid, dep = connected
    landed = browser.launch(platform.base_url, cid, dep, user="learner", locale="en-GB")
    token = _ltik(landed)
    assert '<html lang="en" dir="ltr">' in landed.text
    chosen = browser.post(f"{tool.url}/language", data={"ltik": token, "lang": "ar",
                                                         "next": f"/training/manual?ltik={token}"})
    assert chosen.status_code == 200 and urlsplit(chosen.url).path == "/training/manual"
    assert '<html lang="ar" dir="rtl">' in chosen.text
    # Module pages load the session together with the module's progress (one statement): the choice holds there too.
    module = browser.get(f"{tool.url}/training/modules/m01-foundations/pages/m01-words-matter", params={"ltik": token})
    assert module.status_code == 200 and '<html lang="ar" dir="rtl">' in module.text
    again = browser.launch(platform.base_url, cid, dep, user="learner", locale="en-GB")  # a later launch
    assert '<html lang="ar" dir="rtl">' in again.text
    moved = browser.launch(platform.base_url, cid, dep, user="learner", locale="fr" if "fr" in OFFERED else "en")
    assert '<html lang="ar"' not in moved.text  # they changed their platform's language: that wins again
    # Back to "as in my learning platform"; a foreign address is never followed.
    token = _ltik(moved)
    back = browser.post(f"{tool.url}/language", data={"ltik": token, "lang": "", "next": "https://evil.example/"},
                        allow_redirects=False)
    assert back.status_code == 303 and urlsplit(back.headers["Location"]).netloc in ("", urlsplit(tool.url).netloc)
    refused = browser.post(f"{tool.url}/language", data={"ltik": token, "lang": "xx-YY"})
    assert refused.status_code == 400


def test_the_switcher_needs_a_session(app):
    client = app.test_client()
    assert client.post("/language", data={"lang": "fr"}).status_code == 401


def test_pages_without_a_session_follow_the_browser(app):
    client = app.test_client()
    for lang in OFFERED:
        page = client.get("/", headers={"Accept-Language": f"{lang}-XX, en;q=0.5"})
        assert f'<html lang="{lang}" dir="{i18n.direction(lang)}">' in page.get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)


def test_css_uses_logical_properties():
    for css in (ROOT / "lti_tool").glob("*/static/*.css"):
        text = re.sub(r"/\*.*?\*/", "", css.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"\bleft: 0; right: 0\b", "", text)  # full width: the same in both directions
        fixed = re.findall(r"[^{};]*\b(?:margin|padding|border)-(?:left|right)\b[^;}]*|[\s;{](?:left|right)\s*:[^;}]*"
                           r"|text-align\s*:\s*(?:left|right)|float\s*:\s*(?:left|right)", text)
        assert not fixed, f"{css.name} uses fixed left/right (use margin-inline-start etc.): {fixed}"


# -- word lists in every language (DP-2, DP-17) -----------------------------------------------------------------
def test_every_language_has_every_word_list():
    from lti_tool import wordlists

    for table in (wordlists.STIGMA_LABEL_STEMS, wordlists.SPECIAL_CATEGORY_STEMS, wordlists.CHARACTER_WORDS):
        missing = [lang for lang in wordlists.LANGUAGES if not table.get(lang)]
        assert not missing, missing
        assert all(w == w.lower() for words in table.values() for w in words)
    assert set(i18n.supported()) <= set(wordlists.LANGUAGES)  # an offered language has its lists


@pytest.mark.parametrize("note, flagged", [
    ("Il est manipulateur et va à la mosquée le vendredi.", {"manipulateur", "mosquée"}),
    ("Ele é muito preguiçoso e foi condenado em 2019.", {"preguiçoso", "condena"}),
    ("هو شخص عدواني ويذهب إلى المسجد.", {"عدواني", "مسجد"}),
    ("Hon är lat och går i kyrkan.", {"lat", "kyrka"}),
    ("Той е агресивен и ходи на църква.", {"агресивен", "църква"}),
])
def test_the_note_scanner_knows_the_partners_languages(note, flagged):
    from lti_tool.assessment.scanner import scan

    assert {f.word for f in scan(note)} >= flagged


@pytest.mark.parametrize("note", [
    "Elle a trouvé un logement à l'origine du problème et voit sa sœur chaque semaine.",
    "Mora na cidade e tem uma entrevista de emprego na segunda-feira.",
    "يسكن في المدينة وعنده موعد عمل يوم الاثنين، مثلي تمامًا.",
    "Tegnap kishte një takim me punëdhënësin.",
    "Meleg ételt főz és elment a munkaügyi központba.",
])
def test_ordinary_notes_in_the_partners_languages_are_not_flagged(note):
    from lti_tool.assessment.scanner import scan

    assert scan(note) == []


def test_stigma_label_check_knows_the_partners_languages():
    from lti_tool.content.rules import FORBIDDEN_LABEL_WORDS

    for label in ("High risk", "Risque élevé", "Perigoso", "Rischio alto", "I rrezikshëm", "Farlig", "Опасност",
                  "Veszélyes", "خطر كبير"):
        assert FORBIDDEN_LABEL_WORDS.search(label), label
    for label in ("Needs a lot of support", "Besoin de beaucoup de soutien", "Precisa de muito apoio",
                  "يحتاج إلى دعم كبير", "Нужда от подкрепа"):
        assert not FORBIDDEN_LABEL_WORDS.search(label), label


@pytest.mark.parametrize("lang", OFFERED)
def test_client_facing_interface_texts_avoid_stigmatising_words(template, lang):
    """DP-17 in every offered language: the interface words of the printed plan and the client's copy."""
    from lti_tool.content.rules import FORBIDDEN_LABEL_WORDS

    client_facing = ("client_export.html", "plan_print.html", "print_base.html")
    ours = catalogue(lang)
    found = []
    for m in template:
        if m.id and any(path.endswith(client_facing) for path, _line in m.locations):
            translated = ours.get(m.id)
            strings = translated.string if isinstance(translated.string, tuple) else (translated.string,)
            found += [s for s in strings if FORBIDDEN_LABEL_WORDS.search(s or "")]
    assert not found, found


@pytest.mark.parametrize(("lang", "day", "when", "count"), [
    ("en", "Dec 2, 2026", "Dec 2, 2026, 2:05\u202fPM UTC", "12,345"),
    ("fr", "2 déc. 2026", "2 déc. 2026, 14:05 UTC", "12\u202f345"),
    ("pt", "2 de dez. de 2026", "2 de dez. de 2026 14:05 UTC", "12.345"),
    ("hu", "2026. dec. 2.", "2026. dec. 2. 14:05 UTC", "12\xa0345"),
])
def test_dates_times_and_numbers_follow_the_interface_language(app, lang, day, when, count):
    import datetime as dt

    from flask_babel import force_locale

    moment = dt.datetime(2026, 12, 2, 14, 5)  # stored times are naive UTC
    with app.test_request_context("/"), force_locale(lang):
        assert i18n.format_day(moment) == i18n.format_day(moment.date()) == day
        assert i18n.format_when(moment) == when
        assert i18n.format_when(moment.replace(tzinfo=dt.timezone.utc), zone=False) == when.removesuffix(" UTC")
        assert i18n.format_count(12345) == count
        assert i18n.format_day(None) == i18n.format_when(None) == ""
