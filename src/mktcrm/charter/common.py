"""Detectors every pack shares: contact details, links, emojis, placeholders, tone, length.

Each detector errs towards precision on everyday seller text: French times ("06 h 30"), prices,
version numbers, Amazon's 17-digit order ids and "service@" written as a word are not contact
details. Wording detectors (incentives, review requests, marketing) live in `wording.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mktcrm.charter.engine import Detector, Doc, Hit, alternation, merge, regex_detector

# ---- e-mail addresses -------------------------------------------------------------------------------
_EMAIL = re.compile(
    r"(?<![\w.+-])[a-z0-9][a-z0-9._%+-]*@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*"
    r"\.[a-z]{2,24}(?![\w-])"
)
_EMAIL_SPELLED = re.compile(
    r"(?<![\w.])[a-z0-9][a-z0-9._-]*\s*[\[(]\s*(?:at|arobase|chez)\s*[\])]\s*[a-z0-9-]+"
    r"\s*(?:[\[(]\s*(?:dot|point)\s*[\])]|\.)\s*[a-z]{2,6}\b"
)
email = regex_detector(_EMAIL, _EMAIL_SPELLED)

# ---- phone numbers ----------------------------------------------------------------------------------
# Google's libphonenumber (the `phonenumbers` port) knows every numbering plan, so national short formats
# (freephone "0800 12 34 56", "08 00 …", UK "0800 123 4567", "01632 960 123") are caught without a pattern
# per country. It is imported on the first check, never by `mktcrm --help`. Numbers written internationally
# ("+33 (0)1 …", "0044 …") are found whatever the region; national ones must carry the trunk prefix "0" of
# France or the UK, or North American 3-3-4 grouping: a bare "552 100 554" is a SIREN, not a phone.
_REGIONS = ("FR", "GB", "US")
_NANP = re.compile(r"(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}")
# A number right after these words is a version, a product or bank reference, not a phone.
_NOT_PHONE_BEFORE = re.compile(
    r"(?:version|firmware|v|ver\.?|build|ref\.?|reference|sku|ean|isbn|gtin|iban|siret|siren|tva|lot)\s*[:#n°]*\s*$"
)


def _looks_dialled(raw: str, region: str) -> bool:
    if not 9 <= sum(c.isdigit() for c in raw) <= 15:
        return False
    if raw.startswith(("+", "00")):
        return True
    return bool(_NANP.fullmatch(raw)) if region == "US" else raw.startswith("0")


def phone(doc: Doc) -> Iterable[Hit]:
    import phonenumbers  # heavy metadata: loaded only when a text is checked

    spans = []
    for region in _REGIONS:
        for m in phonenumbers.PhoneNumberMatcher(doc.text, region, leniency=phonenumbers.Leniency.POSSIBLE):
            if not _looks_dialled(m.raw_string, region):
                continue
            if _NOT_PHONE_BEFORE.search(doc.folded[max(0, m.start - 16) : m.start]):
                continue
            if m.start and doc.text[m.start - 1].isalnum():  # "8R01234567890": the tail of a tracking number
                continue
            spans.append((m.start, m.end))
    yield from (Hit(s, e) for s, e in merge(spans))


# ---- links ------------------------------------------------------------------------------------------
_TLDS = (
    "com|fr|net|org|eu|de|es|it|be|ch|nl|uk|io|co|shop|store|online|site|info|biz|me|ly|gl|app|xyz|link|page|"
    "bio|club|boutique"
)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'\[\]{}]+")
_DOMAIN = re.compile(
    rf"(?<![@\w.-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})\b(?![@-])(?:/[^\s<>\"'\[\]]*)?"
)
_TRAILING = ".,;:!?)»\"'"
_HOST = re.compile(r"^(?:https?://)?(?:www\.)?([^/:?#]+)")


def url(allowed_hosts: str | None = None) -> Detector:
    """Links and bare domains, except hosts matching `allowed_hosts` (the marketplace's own pages)."""
    allowed = re.compile(allowed_hosts) if allowed_hosts else None

    def detect(doc: Doc) -> Iterable[Hit]:
        spans = []
        for pattern in (_URL, _DOMAIN):
            for m in pattern.finditer(doc.folded):
                start, end = m.start(), m.end()
                while end > start and doc.folded[end - 1] in _TRAILING:
                    end -= 1
                host = _HOST.match(doc.folded[start:end])
                if allowed and host and allowed.fullmatch(host.group(1)):
                    continue
                spans.append((start, end))
        yield from (Hit(s, e) for s, e in merge(spans))

    return detect


# ---- social handles and messengers ------------------------------------------------------------------
_HANDLE = re.compile(r"(?<![\w@.])@[a-z0-9_](?:[a-z0-9_.]{0,28}[a-z0-9_])(?![\w@])")
_NETWORKS = re.compile(
    r"\b(?:instagram|insta|facebook|messenger|whatsapp|whats app|tiktok|tik tok|snapchat|telegram|twitter|"
    r"pinterest|youtube|linkedin|discord|wechat|viber|threads|bluesky)\b"
)
social = regex_detector(_HANDLE, _NETWORKS)

# ---- emojis -----------------------------------------------------------------------------------------
_PICTO = (
    "\U0001f000-\U0001faff\u2600-\u27bf\u2b50\u2b55\u2b1b\u2b1c\u231a\u231b\u23e9-\u23fa\u2934\u2935"
    "\u3030\u303d\u3297\u3299"
)
_EMOJI = re.compile(
    rf"(?:[{_PICTO}][\ufe0f\U0001f3fb-\U0001f3ff]*(?:\u200d[{_PICTO}][\ufe0f\U0001f3fb-\U0001f3ff]*)*"
    r"|[0-9#*]\ufe0f?\u20e3)+"
)
emoji = regex_detector(_EMOJI, on="text")

# ---- unresolved template placeholders ---------------------------------------------------------------
_PLACEHOLDER_WORDS = (
    "nom|name|prenom|prénom|client|cliente|buyer|customer|acheteur|order|commande|numero|numéro|date|produit|"
    "product|article|item|signature|vendeur|seller|boutique|shop|insert|insérer|inserer|votre"
)
# Editorial tags a seller writes on purpose ("[EDITED] new tracking number", "[Mise à jour]", Amazon's
# "[Important]" subject prefix): a status word in brackets, never a template variable left unfilled.
_TAGS = (
    "edited|edit|update|updated|modifié|modifie|modifiée|modifiee|mise à jour|mise a jour|maj|correction|corrigé"
    "|corrige|rectificatif|erratum|résolu|resolu|resolved|solved|fixed|closed|clos|clôturé|cloture|important|urgent"
    "|info|information|rappel|reminder|note|nb|ps|new|nouveau"
)
_PLACEHOLDER = re.compile(
    r"\{\{.*?\}\}|\{%.*?%\}|\$\{[^}\n]*\}|\{[A-Za-z_][A-Za-z0-9_.]*\}|%\([A-Za-z_]+\)[sd]|<<[^<>\n]{1,40}>>"
    r"|__[A-Z][A-Z_]+__|\b(?:XXX+|TODO|FIXME|TBD)\b"
    rf"|\[(?!(?i:{_TAGS})\])(?:[A-Z][A-Z0-9_ ]{{2,30}}|[^\]\n]{{0,30}}\b(?i:{_PLACEHOLDER_WORDS})\b[^\]\n]{{0,30}})\]"
)
placeholder = regex_detector(_PLACEHOLDER, on="text")

# ---- tone -------------------------------------------------------------------------------------------
_UPPER = "A-ZÀ-ÖØ-Þ"
_SHOUT = re.compile(rf"(?<![\w\[{{<])[{_UPPER}]{{2,}}(?:[ ,'’-]+[{_UPPER}]{{2,}})+(?![\w\]}}>])")
_EXCLAIM = re.compile(r"[!?](?: ?[!?]){2,}")


def shout(doc: Doc) -> Iterable[Hit]:
    """Two or more words in capitals, 8+ letters in all (short acronyms like "SAV", "TVA" pass)."""
    for m in _SHOUT.finditer(doc.text):
        if sum(c.isalpha() for c in m.group()) >= 8:
            yield Hit(m.start(), m.end())


exclaim = regex_detector(_EXCLAIM)

# ---- profanity and insults (French, English) --------------------------------------------------------
_PROFANITY_WORDS = (
    # English
    r"fuck\w*",
    r"motherfuck\w*",
    r"shit\w*",
    r"bullshit",
    r"ass ?holes?",
    r"bastards?",
    r"bitch\w*",
    r"crap",
    r"dickheads?",
    r"morons?",
    r"idiots?",
    r"stupid",
    r"dumb",
    r"retarded",
    r"jerks?",
    r"wtf",
    r"screw you",
    r"shut up",
    r"liars?",
    # French
    r"merde\w*",
    r"putains?",
    r"connards?",
    r"connasses?",
    r"con(?:ne)?s?(?= ?[!,.]| que| comme)",
    r"salauds?",
    r"salopes?",
    r"encule\w*",
    r"abrutis?",
    r"cretins?",
    r"debiles?",
    r"imbeciles?",
    r"bordel",
    r"foutre",
    r"fous?-(?:toi|vous)",
    r"degage[zs]?",
    r"ta gueule",
    r"fermez-la",
    r"emmerd\w*",
    r"chieur\w*",
    r"pute?s?",
    r"bouffons?",
    r"minables?",
    r"pauvres? types?",
    r"menteu(?:r|se)s?",
    r"escroc\w*",
)
_PROFANITY = re.compile(rf"\b(?:{alternation(_PROFANITY_WORDS)})\b")
profanity = regex_detector(_PROFANITY)


# ---- length -----------------------------------------------------------------------------------------
def max_length(limit: int) -> Detector:
    """Characters past `limit` (trailing whitespace, e.g. a file's last newline, does not count)."""

    def detect(doc: Doc) -> Iterable[Hit]:
        size = len(doc.text.rstrip())
        if size > limit:
            yield Hit(limit, size, f"{size} characters, {size - limit} over {limit}")

    return detect


def hosts(*names: str) -> str:
    """A regex for hosts of the given second-level names on any TLD: amazon.fr, www.ebay.co.uk…"""
    return rf"(?:[a-z0-9-]+\.)*(?:{alternation(names)})\.[a-z.]{{2,6}}"
