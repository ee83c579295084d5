"""Word lists per language for the wording checks: stigmatising labels (DP-17), special-category and offence
words (DP-2) and words that judge character rather than describe behaviour.

Notes and labels may be written in any of the partners' languages whatever the interface language, so the
checks use every list at once. Entries are lower case. A *stem* matches the start of a word (``religi``
matches "religieux"); a *word* matches a whole word, so inflected languages list the forms people write
(Bulgarian "агресивен", "агресивна"). Arabic words take
prefixes (ال، و، ب، ل) and suffixes, so Arabic entries match anywhere inside a word.

Adding a language: add its code to each of the three tables (``tests/test_i18n.py`` checks that every language
of :data:`LANGUAGES` has all three), written by someone who speaks it: these words must catch what practitioners
really write, without flagging ordinary words.
"""

from __future__ import annotations

#: The source language and the eight partner languages of the issue, plus Arabic for clients.
LANGUAGES = ("en", "fr", "pt", "it", "sq", "sv", "bg", "hu", "ar")
#: Languages whose entries match inside a word (prefixes and suffixes are part of the written word).
INFIX_LANGUAGES = frozenset({"ar"})

#: DP-17: client-facing labels and screens avoid these (stems).
STIGMA_LABEL_STEMS: dict[str, tuple[str, ...]] = {
    "en": ("risk", "danger", "threat", "radical", "extremis", "terroris"),
    "fr": ("risque", "danger", "menace", "radical", "extrémis", "extremis", "terroris"),
    "pt": ("risco", "perigo", "perigos", "ameaça", "radical", "extremis", "terroris"),
    "it": ("rischi", "pericol", "minacc", "radical", "estremis", "terroris"),
    "sq": ("rrezik", "kërcënim", "radikal", "ekstremist", "terroris"),
    "sv": ("risk", "fara", "farlig", "hotfull", "hotbild", "radikal", "extremis", "terroris"),
    "bg": ("риск", "опасн", "заплах", "радикал", "екстремис", "терорис"),
    "hu": ("kockázat", "veszély", "fenyeget", "radikális", "szélsőség", "terroris"),
    "ar": ("خطر", "خطير", "تهديد", "راديكال", "متطرف", "تطرف", "إرهاب", "ارهاب"),
}

#: DP-2: stems that suggest special-category or offence data in an evidence note.
SPECIAL_CATEGORY_STEMS: dict[str, tuple[str, ...]] = {
    "en": ("religio", "muslim", "islam", "christian", "jew", "jewish", "hindu", "sikh", "buddhis", "catholic",
           "protestant", "mosque", "church", "synagogue", "ethnic", "race", "racial", "nationalit", "politic",
           "party member", "leftist", "rightist", "conviction", "convicted", "offence", "offense", "sentence for",
           "jihad", "ideolog", "sexual orientation", "gay", "lesbian"),
    "fr": ("religi", "musulman", "islam", "chrétien", "juif", "juive", "judaï", "hindou", "bouddhis", "catholique",
           "protestant", "mosquée", "église", "synagogue", "ethni", "racial", "origine ethnique", "nationalité", "politique",
           "militant", "condamn", "infraction", "délit", "crime", "casier judiciaire", "djihad", "jihad", "idéolog",
           "orientation sexuelle", "homosexuel", "lesbienne"),
    "pt": ("religi", "muçulman", "islã", "islão", "islam", "cristã", "cristão", "judeu", "judia", "judaí", "hindu",
           "budis", "católic", "protestante", "mesquita", "igreja", "sinagoga", "étnic", "etnia", "raça", "racial",
           "nacionalidade", "polític", "militante", "condena", "crime", "delito", "registo criminal", "cadastro",
           "jihad", "ideolog", "orientação sexual", "homossexual", "gay", "lésbica"),
    "it": ("religi", "musulman", "islam", "cristian", "ebreo", "ebrea", "ebrei", "ebraic", "indù", "buddhis", "cattolic", "protestant", "moschea",
           "chiesa", "sinagoga", "etni", "razza", "razzial", "nazionalità", "politic", "militante", "condann",
           "reato", "reati", "casellario", "jihad", "ideolog", "orientamento sessuale", "omosessual", "gay",
           "lesbica"),
    "sq": ("fe ", "fetar", "mysliman", "islam", "krishter", "hebre", "çifut", "katolik", "ortodoks", "protestant",
           "xhami", "kishë", "sinagog", "etni", "racë", "racor", "kombësi", "politik", "partiak", "dënim", "dënuar",
           "vepër penale", "krim", "xhihad", "ideologji", "orientim seksual", "homoseksual", "gej", "lezbike"),
    "sv": ("religi", "muslim", "islam", "kristen", "kristna", "judisk", "jude", "hindu", "buddhis", "katolsk",
           "protestant", "moské", "kyrka", "synagoga", "etnisk", "ras ", "rasi", "nationalitet", "politisk",
           "partimedlem", "dömd", "dom för", "brott", "belastningsregist", "jihad", "ideolog",
           "sexuell läggning", "homosexuell", "gay", "lesbisk"),
    "bg": ("религи", "мюсюлман", "ислям", "християн", "евре", "юдей", "индуис", "будис", "католи", "протестант",
           "православ", "джамия", "църква", "синагог", "етни", "раса", "расов", "националност", "полити", "партиен",
           "осъд", "присъда", "престъпл", "съдимост", "джихад", "идеолог", "сексуална ориентация", "хомосексуал",
           "гей", "лесбийк"),
    "hu": ("vallás", "muszlim", "iszlám", "keresztény", "zsidó", "hindu", "buddhis", "katolikus", "protestáns",
           "református", "mecset", "templom", "zsinagóg", "etnik", "roma", "faji", "fajgyűl", "nemzetiség", "politik", "párttag",
           "elítél", "büntet", "bűncselekmény", "bűnügyi", "dzsihád", "ideológ", "szexuális irányultság",
           "homoszexuális", "leszbikus"),
    "ar": ("ديني", "الدين", "ديانة", "مسلم", "إسلام", "اسلام", "مسيحي", "يهود", "هندوس", "بوذي", "كاثوليك", "بروتستانت",
           "مسجد", "كنيس", "عرقي", "إثنية", "اثنية", "طائف", "جنسية", "سياس", "حزب", "إدانة", "مدان", "جريمة", "جرائم",
           "جنحة", "سوابق", "جهاد", "أيديولوج", "ايديولوج", "ميول جنسية", "مثلية", "المثليين"),
}

#: Words that judge character rather than describe behaviour (and cost points in training case exercises).
CHARACTER_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("lazy", "manipulative", "aggressive", "dangerous", "liar", "dishonest", "untrustworthy", "fanatic",
           "fanatical", "radical", "extremist", "terrorist", "evil", "violent person", "unmotivated", "hopeless case",
           "psychopath", "sociopath", "narcissist", "deviant", "weak", "stupid", "difficult person", "troublemaker"),
    "fr": ("paresseux", "paresseuse", "manipulateur", "manipulatrice", "agressif", "agressive", "dangereux",
           "dangereuse", "menteur", "menteuse", "malhonnête", "fanatique", "radicalisé", "radicalisée", "extrémiste",
           "terroriste", "pervers", "psychopathe", "sociopathe", "narcissique", "déviant", "déviante",
           "stupide", "bête", "fainéant", "fainéante", "cas désespéré", "fauteur de troubles", "voyou"),
    "pt": ("preguiçoso", "preguiçosa", "manipulador", "manipuladora", "agressivo", "agressiva", "perigoso",
           "perigosa", "mentiroso", "mentirosa", "desonesto", "desonesta", "fanático", "fanática", "radicalizado",
           "radicalizada", "extremista", "terrorista", "malvado", "malvada", "psicopata", "sociopata", "narcisista",
           "desviante", "estúpido", "estúpida", "caso perdido", "desordeiro", "desordeira", "marginal"),
    "it": ("pigro", "pigra", "manipolatore", "manipolatrice", "aggressivo", "aggressiva", "pericoloso",
           "pericolosa", "bugiardo", "bugiarda", "disonesto", "disonesta", "fanatico", "fanatica", "radicalizzato",
           "radicalizzata", "estremista", "terrorista", "malvagio", "malvagia", "psicopatico", "sociopatico",
           "narcisista", "deviante", "stupido", "stupida", "caso perso", "piantagrane", "teppista"),
    "sq": ("dembel", "manipulues", "manipuluese", "agresiv", "agresive", "i rrezikshëm", "e rrezikshme",
           "gënjeshtar", "gënjeshtare", "i pandershëm", "fanatik", "fanatike", "i radikalizuar", "ekstremist",
           "ekstremiste", "terrorist", "terroriste", "i keq", "psikopat", "sociopat", "narcisist", "devijant",
           "budalla", "rast i humbur", "huligan"),
    "sv": ("lat", "manipulativ", "aggressiv", "farlig", "lögnare", "lögnaktig", "oärlig", "opålitlig", "fanatiker",
           "fanatisk", "radikaliserad", "extremist", "terrorist", "ond", "psykopat", "sociopat", "narcissist",
           "avvikande", "dum", "omotiverad", "hopplöst fall", "bråkstake", "värsting"),
    "bg": ("мързелив", "мързелива", "манипулативен", "манипулативна", "агресивен", "агресивна", "опасен", "опасна",
           "лъжец", "лъжкиня", "нечестен", "нечестна", "фанатик", "фанатичен", "фанатична", "радикализиран",
           "радикализирана", "екстремист", "екстремистка", "терорист", "терористка", "зъл", "зла", "психопат",
           "социопат", "нарцисист", "девиант", "глупав", "глупава", "безнадежден случай", "побойник", "хулиган"),
    "hu": ("lusta", "manipulatív", "agresszív", "veszélyes", "hazug", "hazudozó", "becstelen", "megbízhatatlan",
           "fanatikus", "radikalizálódott", "szélsőséges", "terrorista", "gonosz", "pszichopata", "szociopata",
           "nárcisztikus", "deviáns", "buta", "hülye", "motiválatlan", "reménytelen eset", "bajkeverő", "huligán"),
    "ar": ("كسول", "متلاعب", "عدواني", "خطير", "كذاب", "كذّاب", "مخادع", "غير أمين", "متعصب", "متطرف", "إرهابي",
           "ارهابي", "شرير", "مختل", "معتل اجتماعي", "نرجسي", "منحرف", "غبي", "حالة ميؤوس منها", "مشاغب", "بلطجي"),
}


def all_words(table: dict[str, tuple[str, ...]]) -> tuple[tuple[str, str], ...]:
    """Every (language, entry) of a table, English first, each entry once."""
    seen: dict[str, str] = {}
    for lang in LANGUAGES:
        for entry in table.get(lang, ()):
            seen.setdefault(entry, lang)
    return tuple((lang, entry) for entry, lang in seen.items())
