"""Friction themes: what a negative review or a dispute reason is about (delivery, damage, conformity…).

Declared like the charter's rule packs: each rule has an id, the theme it votes for, its language, its
phrases (regex fragments on the folded text: lowercase, accents stripped) and its own examples, which
tests/test_themes.py runs both ways (`hits` must match, `misses` must not). A text can touch several
themes ("arrived late and broken" is both); a text that matches none is `other`.

An account may add literal phrases to a theme and switch built-in rules off in config.toml:
`themes = { damaged = ["rayure"], off = ["PRICE-EN"] }` (phrases are words, never regexes: config is not code).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from mktcrm.charter.engine import alternation, fold
from mktcrm.errors import ConfigError

# Ordered: the first theme a text matches is its main one (`theme()`), so the more specific come first.
THEMES: dict[str, str] = {
    "missing_item": "Missing item",
    "damaged": "Damaged or defective",
    "not_as_described": "Not as described",
    "delivery_delay": "Delivery late or not received",
    "price": "Price",
    "service": "Seller service",
    "other": "Other",
}
OFF = "off"  # the config key listing built-in rules an account does not use


@dataclass(frozen=True)
class ThemeRule:
    """One lexicon rule: phrases that point at a theme, with examples that prove what it does and does not catch."""

    id: str
    theme: str
    lang: str
    phrases: tuple[str, ...]
    hits: tuple[str, ...]
    misses: tuple[str, ...] = ()

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compiled(self.phrases)


@lru_cache(maxsize=256)
def _compiled(phrases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{alternation(phrases)})(?!\w)")


_NOT_REFUND = r"(?! (?:le |mon |du |de |d'|the |my |a )?rembours|(?: the| my| a)? refund)"
RULES: tuple[ThemeRule, ...] = (
    ThemeRule(
        "MISSING-FR",
        "missing_item",
        "fr",
        (
            r"articles? manquants?",
            r"pieces? manquantes?",
            r"il manqu(?:e|ait)",
            r"colis incomplet",
            r"commande incomplete",
            r"manqu(?:e|ait|aient) (?:un|une|des|deux|l'|le|la|les) (?:article|piece|element)s?",
        ),
        ("Article manquant dans le colis.", "Il manquait une pièce.", "Commande incomplète, déçu."),
        ("Rien ne manque, parfait.",),
    ),
    ThemeRule(
        "MISSING-EN",
        "missing_item",
        "en",
        (
            r"missing (?:item|part|piece|accessor(?:y|ies))s?",
            r"(?:item|part|piece)s? (?:was |were |is |are )?missing",
            r"incomplete (?:order|package|parcel|delivery)",
            r"only (?:received|got) (?:one|half|part)",
        ),
        ("One item was missing from the box.", "Missing item!", "Incomplete order received."),
        ("Nothing missing, great seller.",),
    ),
    ThemeRule(
        "DAMAGED-FR",
        "damaged",
        "fr",
        (
            r"abime(?:e|s|es)?",
            r"endommage(?:e|s|es)?",
            r"casse(?:e|s|es)?",
            r"brise(?:e|s|es)?",
            r"fele(?:e|s|es)?",
            r"raye(?:e|s|es)?",
            r"emballage dechire",
            r"contenu (?:etait )?renverse",
            r"defectueu(?:x|se|ses)",
            r"(?:ne |n')?fonctionne (?:plus|pas)",
            r"a cesse de fonctionner",
            r"en panne",
            r"hors service",
        ),
        (
            "Colis arrivé abîmé, très déçu.",
            "Le produit a cessé de fonctionner au bout d'une semaine.",
            "Emballage déchiré, le contenu était renversé.",
            "Article endommagé",
            "Defective... non, défectueux.",
        ),
        ("Parfait état, bien emballé.",),
    ),
    ThemeRule(
        "DAMAGED-EN",
        "damaged",
        "en",
        (
            r"damaged",
            r"broken",
            r"cracked",
            r"scratched",
            r"defective",
            r"faulty",
            r"dead on arrival",
            r"stopped working",
            r"(?:does not|doesn't|did not|didn't|won't) work",
            r"torn (?:packaging|box|package)",
        ),
        ("Arrived damaged.", "It stopped working after a week.", "Broken item", "DEFECTIVE_ITEM"),
        ("Works perfectly.", "Well packed, nothing to report."),
    ),
    ThemeRule(
        "DESCRIBED-FR",
        "not_as_described",
        "fr",
        (
            r"non conforme",
            r"pas conforme",
            r"ne correspond (?:pas|en rien)",
            r"ne ressemble pas",
            r"(?:pas comme|different de|differente de) (?:sur )?(?:la |l')?(?:photo|description|annonce|image)",
            r"contrefacon",
            r"mauvaise (?:taille|couleur|reference)",
            r"trop (?:petit|grand)e?s?",
            r"produit different",
        ),
        ("Produit non conforme à la photo.", "Article non conforme à la description", "Taille : trop petit."),
        ("Conforme à la description, merci.", "Transaction conforme."),
    ),
    ThemeRule(
        "DESCRIBED-EN",
        "not_as_described",
        "en",
        (
            r"(?:significantly )?not as (?:described|pictured|advertised)",
            r"(?:does not|doesn't|did not|didn't) match",
            r"different from (?:the )?(?:photo|picture|description|listing|ad)",
            r"wrong (?:size|colou?r|item|model)",
            r"too (?:small|big|large|tight)",
            r"counterfeit",
            r"fake",
            r"product differs?",
        ),
        ("SIGNIFICANTLY_NOT_AS_DESCRIBED", "Not as described at all.", "Wrong size sent.", "Product too small"),
        ("Exactly as described.",),
    ),
    ThemeRule(
        "DELAY-FR",
        "delivery_delay",
        "fr",
        (
            r"(?<!sans )retard",
            r"livraison (?:tres |trop |super )?(?:lente|longue)",
            rf"(?:toujours pas|jamais|pas encore|non) (?:recu|arrive|livre)e?s?{_NOT_REFUND}",
            r"colis (?:perdu|egare|introuvable)",
            r"(?:semaines|mois) d'attente",
            r"ou en est ma commande",
            r"delai(?:s)? (?:de livraison )?(?:non respecte|depasse|trop long)s?",
        ),
        ("Livraison avec dix jours de retard.", "Colis perdu 😡 trois semaines d'attente", "Article non reçu"),
        (
            "Toujours pas reçu le remboursement promis.",
            "Le site indiquait une livraison sous trois jours ouvrés.",
            "Livré sans retard.",
        ),
    ),
    ThemeRule(
        "DELAY-EN",
        "delivery_delay",
        "en",
        (
            r"late",
            r"delayed",
            r"never (?:arrived|came|received|delivered)",
            rf"(?:item )?not received{_NOT_REFUND}",
            rf"still (?:not|hasn't|has not|haven't|have not) (?:arrived|received|been delivered){_NOT_REFUND}",
            r"lost (?:in transit|in the post|parcel|package)",
            r"(?:parcel|package) (?:was )?lost",
            r"took (?:\w+ )?(?:weeks|forever|a month)",
            r"slow (?:delivery|shipping|dispatch)",
        ),
        ("ITEM_NOT_RECEIVED", "Arrived two weeks late.", "Package never arrived."),
        ("Fast delivery, thanks.", "Still not received my refund."),
    ),
    ThemeRule(
        "PRICE-FR",
        "price",
        "fr",
        (
            r"trop cher(?:e|s|es)?",
            r"hors de prix",
            r"prix (?:excessif|abusif|trop eleve|exorbitant)",
            r"moins cher(?:e)? (?:ailleurs|chez|sur)",
            r"frais de (?:port|livraison) (?:excessifs|abusifs|exorbitants|trop eleves)",
            r"(?:mauvais|pietre) rapport qualite[- ]prix",
            r"ne vaut pas (?:son|le) prix",
        ),
        ("Beaucoup trop cher pour ce que c'est.", "Moins cher ailleurs.", "Mauvais rapport qualité-prix."),
        ("Bon rapport qualité-prix.", "Prix correct."),
    ),
    ThemeRule(
        "PRICE-EN",
        "price",
        "en",
        (
            r"overpriced",
            r"too expensive",
            r"(?:much )?cheaper (?:elsewhere|on|at)",
            r"not worth (?:the|its) (?:price|money)",
            r"rip-?off",
            r"(?:shipping|postage) (?:cost|fee|charge)s? (?:was |were |are )?(?:too high|excessive|outrageous)",
        ),
        ("Way overpriced.", "Found it cheaper elsewhere.", "Not worth the money."),
        ("Great price.",),
    ),
    ThemeRule(
        "SERVICE-FR",
        "service",
        "fr",
        (
            r"(?:aucune|pas de|sans) reponse",
            r"vendeur (?:injoignable|desagreable|malhonnete|impoli)",
            r"service (?:client )?(?:inexistant|nul|injoignable|deplorable|lamentable)",
            r"impoli(?:e)?",
            r"(?:toujours pas|jamais|pas) (?:recu|eu) (?:le |mon |de |du )?rembours\w*",
            r"remboursement (?:promis|jamais|refuse)",
            r"arnaque",
        ),
        (
            "Aucune réponse du vendeur à mes messages.",
            "Toujours pas reçu le remboursement promis.",
            "Vendeur injoignable.",
        ),
        ("J'ai contacté le service client par la messagerie de la plateforme au sujet de la garantie.",),
    ),
    ThemeRule(
        "SERVICE-EN",
        "service",
        "en",
        (
            r"no (?:reply|response|answer)",
            r"never (?:replied|responded|answered)",
            r"ignored (?:my|all my) (?:messages|emails)",
            r"rude",
            r"unhelpful",
            r"(?:poor|terrible|awful|bad) (?:customer )?service",
            r"scam",
            r"refund (?:never|not) (?:received|issued|processed)",
            r"still waiting for (?:my|the|a) refund",
            r"still not received (?:my|the|a) refund",
        ),
        ("No reply to my messages.", "Rude seller.", "Still waiting for my refund."),
        ("Customer service was great.",),
    ),
)
RULE_IDS = frozenset(r.id for r in RULES)


class _FoldTable(dict[int, str]):
    """`str.translate` table giving the charter's fold, filled per character on first sight: one pass in C
    instead of a Python call per character (measured: 60 % of `mktcrm insights` before, see BENCHMARKS.md)."""

    def __missing__(self, code: int) -> str:
        self[code] = folded = fold(chr(code)) if code != 0x5F else " "  # `_`: ITEM_NOT_RECEIVED → words
        return folded


_FOLD = _FoldTable()


@dataclass(frozen=True)
class Lexicon:
    """The rules one account uses: the built-ins less those it switched off, plus its own phrases."""

    rules: tuple[ThemeRule, ...]

    @cached_property
    def by_theme(self) -> list[tuple[str, re.Pattern[str]]]:
        """One pattern per theme (its rules' phrases joined): half the searches of one per rule."""
        phrases: dict[str, list[str]] = {}
        for rule in self.rules:
            phrases.setdefault(rule.theme, []).extend(rule.phrases)
        return [(theme_id, _compiled(tuple(p))) for theme_id, p in phrases.items()]

    def themes_of(self, text: str | None) -> list[str]:
        """Every theme the text touches, in THEMES order; `["other"]` when none (or no text)."""
        return list(self.evidence(text))

    def evidence(self, text: str | None) -> dict[str, str]:
        """Theme -> the sentence of `text` that shows it (the whole text for `other`), in THEMES order."""
        text = text or ""
        folded = text.translate(_FOLD)  # same length as `text`: spans point into the original
        found: dict[str, tuple[int, int]] = {}
        for theme_id, pattern in self.by_theme:
            if m := pattern.search(folded):
                found[theme_id] = (m.start(), m.end())
        if not found:
            return {"other": text.strip()}
        return {t: _sentence(text, *found[t]) for t in THEMES if t in found}


_SENTENCE_END = re.compile(r"[.!?…\n]")


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around text[start:end]."""
    first = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    last = _SENTENCE_END.search(text, end)
    return text[first : last.end() if last else len(text)].strip()


def lexicon(overrides: Mapping[str, Sequence[str]] | None = None, where: str = "themes") -> Lexicon:
    """The built-in rules adjusted by an account's `themes` table (unknown names are config errors)."""
    overrides = overrides or {}
    off = set(overrides.get(OFF, ()))
    for name in overrides:
        if (name != OFF and name not in THEMES) or name == "other":
            raise ConfigError(
                f"{where}: unknown theme {name!r}",
                hint=f"themes: {', '.join(t for t in THEMES if t != 'other')}; `off` lists rule ids to switch off",
            )
    if unknown := sorted(off - RULE_IDS):
        raise ConfigError(
            f"{where}: unknown theme rule {unknown[0]!r} in off", hint=f"rules: {', '.join(sorted(RULE_IDS))}"
        )
    rules = [r for r in RULES if r.id not in off]
    for theme_id, phrases in overrides.items():
        if theme_id != OFF and phrases:
            words = tuple(re.escape(fold(str(p)).strip()) for p in phrases if str(p).strip())
            rules.append(ThemeRule(f"ACCOUNT-{theme_id}", theme_id, "any", words, ()))
    return Lexicon(tuple(rules))


DEFAULT = lexicon()


def theme(text: str | None, lex: Lexicon = DEFAULT) -> str:
    """The main theme of a text (the first it touches in THEMES order): for rules that need one word."""
    return lex.themes_of(text)[0]


def reason_themes(
    declared: Mapping[str, str | None], code: str | None, label: str | None, lex: Lexicon = DEFAULT
) -> list[str] | None:
    """A dispute's themes: its connector's declared reason map first (by code, then by label), else the
    lexicon on its label and code. None: the connector declares the reason is no friction (a question)."""
    for key in (code, label):
        if key is not None and key in declared:
            mapped = declared[key]
            return None if mapped is None else [mapped]
    return lex.themes_of(" ".join(x for x in (label, code) if x))


def check_declared(declared: Iterable[str | None]) -> list[str]:
    """Theme names a connector declares that do not exist (tests call this on every plug-in)."""
    return [t for t in declared if t is not None and t not in THEMES]
