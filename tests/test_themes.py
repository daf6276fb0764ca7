"""The friction theme lexicon: each rule's own examples, hand-labelled texts, and every plug-in's reason map."""

from __future__ import annotations

import pytest

from mktcrm import connectors
from mktcrm.charter.engine import fold
from mktcrm.core import themes as th


@pytest.mark.parametrize("rule", th.RULES, ids=lambda r: r.id)
def test_each_rule_catches_its_examples_and_not_its_counter_examples(rule: th.ThemeRule) -> None:
    assert rule.hits, f"{rule.id} declares no example"
    assert rule.theme in th.THEMES and rule.theme != "other"
    for text in rule.hits:
        assert rule.pattern.search(fold(text.replace("_", " "))), f"{rule.id} misses {text!r}"
        assert rule.theme in th.DEFAULT.themes_of(text)
    for text in rule.misses:
        assert not rule.pattern.search(fold(text.replace("_", " "))), f"{rule.id} wrongly catches {text!r}"


def test_rules_cover_every_theme_in_both_languages() -> None:
    covered = {(r.theme, r.lang) for r in th.RULES}
    assert covered == {(t, lang) for t in th.THEMES if t != "other" for lang in ("fr", "en")}
    assert len(th.RULE_IDS) == len(th.RULES)  # ids are unique


# Written by hand: what a person reading the text would file it under.
LABELLED = [
    ("Colis perdu 😡📦💔 trois semaines d'attente 🙄", ["delivery_delay"]),
    ("Aucune réponse du vendeur à mes messages. Produit non conforme à la photo.", ["not_as_described", "service"]),
    ("Emballage déchiré, le contenu était renversé. Article manquant dans le colis.", ["missing_item", "damaged"]),
    ("Toujours pas reçu le remboursement promis.", ["service"]),
    ("Livraison avec dix jours de retard et sans aucune explication.", ["delivery_delay"]),
    ("The parcel arrived late and the mug was cracked.", ["damaged", "delivery_delay"]),
    ("Way overpriced, found it cheaper elsewhere.", ["price"]),
    ("Rude seller, never replied.", ["service"]),
    ("Transaction conforme.", ["other"]),
    ("", ["other"]),
    (None, ["other"]),
]


@pytest.mark.parametrize(("text", "expected"), LABELLED)
def test_hand_labelled_texts(text: str | None, expected: list[str]) -> None:
    assert th.DEFAULT.themes_of(text) == expected


def test_main_theme_and_the_sentence_that_shows_it() -> None:
    text = "Très bon vendeur en général. Hélas, colis arrivé abîmé ! Le reste va."
    assert th.theme(text) == "damaged"
    assert th.DEFAULT.evidence(text) == {"damaged": "Hélas, colis arrivé abîmé !"}


def test_every_plugin_declares_real_themes() -> None:
    for name in connectors.names():
        declared = connectors.get(name).reason_themes
        assert th.check_declared(declared.values()) == [], name


def test_reason_map_first_then_the_lexicon() -> None:
    declared = {"RETURN_CHANGED_MIND": "other", "UNAUTHORIZED_PAYMENT": None}
    assert th.reason_themes(declared, "RETURN_CHANGED_MIND", "Changed mind") == ["other"]
    assert th.reason_themes(declared, None, "UNAUTHORIZED_PAYMENT") is None  # declared: not a friction
    assert th.reason_themes(declared, "7", "Article endommagé") == ["damaged"]  # an operator's own code
    assert th.reason_themes({}, None, "ITEM_NOT_RECEIVED") == ["delivery_delay"]  # words of an enum


def test_account_phrases_are_words_not_patterns() -> None:
    lex = th.lexicon({"price": ["(a+)+$", "frais cachés"]})
    assert lex.themes_of("Des frais caches partout") == ["price"]  # folded like the text
    assert lex.themes_of("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!") == ["other"]  # a regex in config stays text


def test_the_config_knows_the_same_themes_as_the_lexicon() -> None:
    """Automation rules validate `theme` in the config layer, which cannot import core: one list, kept in step."""
    from mktcrm.config import THEME_IDS
    from mktcrm.core.themes import THEMES

    assert tuple(THEMES) == THEME_IDS
