"""Wording detectors, French and English: incentives for reviews, review change requests, positive-only
requests and review gating, marketing, and taking the buyer off the platform.

They work sentence by sentence on the folded text (accents stripped, lowercase). The hard part is
what must *not* fire: "je vous rembourse" said about a faulty product is an apology, not an
incentive; "merci d'avoir laissé un avis" thanks for a review already written; "si vous changez
d'avis" is about changing one's mind. A request needs a verb in the imperative or infinitive with
no "avoir/have/for" before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mktcrm.charter.engine import Detector, Doc, Hit, alternation, merge, regex_detector

REVIEW_NOUN = r"(?:reviews?|feedback|ratings?|stars?|avis|evaluations?|commentaires?|notes?|etoiles?)"
_FEEDBACK_NOUN = re.compile(r"\b(?:feedback|evaluations?(?: vendeur)?|commentaires? vendeur)\b")

# ---- a request made to the buyer --------------------------------------------------------------------
_ASK_VERB = (
    r"(?:leav(?:e|ing)|writ(?:e|ing)|post(?:ing)?|giv(?:e|ing)|submit(?:ting)?|publish(?:ing)?|rate|rating us"
    r"|laiss(?:er|ez|e)|donn(?:er|ez|e)|ecri(?:re|vez|s)|publi(?:er|ez)|post(?:er|ez)|depos(?:er|ez)"
    r"|mett(?:re|ez)|not(?:er|ez)|attribu(?:er|ez))"
)
_CHANGE_VERB = (
    r"(?:chang(?:e|ing)|modify(?:ing)?|updat(?:e|ing)|revis(?:e|ing)|remov(?:e|ing)|delet(?:e|ing)"
    r"|withdraw(?:ing)?|retract(?:ing)?|edit(?:ing)?|amend(?:ing)?|reconsider(?:ing)?|take down|taking down"
    r"|modifi(?:er|ez)|chang(?:er|ez)|retir(?:er|ez)|supprim(?:er|ez)|enlev(?:er|ez)|revo(?:ir|yez)"
    r"|revis(?:er|ez)|corrig(?:er|ez)|mettre a jour|mettez a jour|reconsider(?:er|ez)"
    # paraphrases: "revisit your rating", "take another look at your review", "remonter votre note"
    r"|revisit(?:ing)?|adjust(?:ing)?|rais(?:e|ing)|bump(?:ing)?(?: up)?"
    r"|(?:take|taking|have|having) (?:another|a second|a fresh|a new) look at|look(?:ing)? again at"
    r"|remont(?:er|ez)|re-?evalu(?:er|ez)|ajust(?:er|ez)|relev(?:er|ez)|rectifi(?:er|ez)|repens(?:er|ez) a"
    r"|reconsidered|reven(?:ir|ez) sur|rehauss(?:er|ez)|amelior(?:er|ez)|augment(?:er|ez))"
)
_DETERMINERS = (
    r"(?:your|the|this|that|a|an|any|negative|neutral|bad|poor|low|1-star|one-star|positive|good|great|honest"
    r"|5-star|five-star|quick|short|little|us|votre|vos|ton|ta|tes|le|la|les|cet|cette|ce|un|une|nous|mauvaise?"
    r"|negati(?:f|ve)|neutre|petite?|bonne?|excellente?|belle|beau|5 etoiles|cinq etoiles|positi(?:f|ve)"
    r"|honnete|sincere|court|rapide|\d+)"
)
# "rehausser un peu votre note", "raise your rating just a little": a softening word changes nothing.
_SOFTENER = r"(?:\s+(?:un peu|un petit peu|legerement|a little|a bit|slightly|just|juste))?"
_OBJECT = rf"{_SOFTENER}(?:\s+{_DETERMINERS}){{0,3}}\s+(?:l')?{REVIEW_NOUN}\b|\s+(?:l'){REVIEW_NOUN}\b"
_ASK = re.compile(rf"\b{_ASK_VERB}(?:-nous|-moi| us)?(?:{_OBJECT})")
_CHANGE = re.compile(
    rf"\b{_CHANGE_VERB}(?:{_OBJECT})"
    rf"|\b(?:suppression|retrait|modification|removal|revision|withdrawal)\s+(?:de|du|of|d')\s*"
    rf"(?:(?:{_DETERMINERS})\s+){{0,2}}(?:l')?{REVIEW_NOUN}\b"
    rf"|\b{REVIEW_NOUN}\s+(?:removal|revision)\b"
    # "que votre évaluation reflète…", "so that your review reflects…": a change asked for by its result
    rf"|\b(?:que|pour que|afin que|so that|if|that) (?:votre|vos|your|l'|la|le|the) ?{REVIEW_NOUN}"
    r"(?: (?:attribuee?s?|laissee?s?|donnee?s?|left|given))?"
    r" (?:(?:puisse|puissent|could|can|would|might) )?(?:reflete|refletent|refleter|reflect|reflects"
    r"|corresponde|correspondent|correspondre|matche?s?|corresponds?)\b"
    # "a better rating", "une meilleure note": more stars on a review already written
    rf"|\b(?:mett|donn|laiss|giv|leav)\w*(?: us| nous)? (?:a |une |un )?(?:better|higher|meilleure|plus haute)"
    rf" {REVIEW_NOUN}\b"
)
# Words that make the verb a past act or a thank-you, not a request.
_PAST = re.compile(
    r"(?:d'avoir|pour avoir|avoir|avez|avons|as|a|ont|ayant|aviez|aurez|for|having|have|has|had|you've|we've"
    r"|after|apres|since|depuis|suite a)\s+(?:(?:bien|deja|pris le temps de|taken the time to|taking the time to)\s+)?$"
)
_EXCHANGE = re.compile(
    rf"\b(?:in exchange for|in return for|en echange d'?|en contrepartie d'?|contre)\s*(?:(?:{_DETERMINERS})\s+){{0,2}}"
    rf"(?:l')?{REVIEW_NOUN}|\bfor (?:a|each|every|your) (?:(?:{_DETERMINERS}) )?(?:review|feedback)\b"
    rf"|\bpour (?:un|chaque|tout|votre) (?:(?:{_DETERMINERS}) )?(?:avis|evaluation|commentaire)\b"
)
_THANKS = re.compile(r"\b(?:merci(?: beaucoup| infiniment)?|thanks?(?: you)?(?: so much| very much)?)\s*$")
# "once your review is online, …": the review as the condition of what follows.
_CONDITION = re.compile(
    rf"\b(?:une fois|des que|apres|once|as soon as|after|when|lorsque|quand|si|if)\s+(?:[\w']+\s+){{0,3}}?"
    rf"(?:l')?{REVIEW_NOUN}\b"
)
# "a gift for leaving a review": a thank-you alone, an exchange once money or a gift is in the sentence.
_FOR_REVIEWING = re.compile(
    rf"\b(?:for (?:leaving|writing|posting|giving)|pour avoir (?:laisse|donne|ecrit|publie|poste)) [^.!?\n]{{0,25}}"
    rf"\b{REVIEW_NOUN}\b"
)


def _requests(pattern: re.Pattern[str], doc: Doc, start: int, end: int) -> Iterable[re.Match[str]]:
    for m in pattern.finditer(doc.folded, start, end):
        before = doc.folded[max(start, m.start() - 30) : m.start()]
        if not _PAST.search(before):
            yield m


# "a 5-star rating would mean the world to us": a wish in the conditional asks as plainly as an imperative.
_WISH = re.compile(
    r"\b(?:would (?:mean|help|make)|would be (?:great|amazing|wonderful|appreciated)|nous aiderai(?:t|ent)"
    r"|nous ferai(?:t|ent) (?:tres |vraiment )?plaisir|serai(?:t|ent) (?:top|genial|super|formidable))\b"
)


def _solicits(doc: Doc, start: int, end: int) -> bool:
    return bool(
        next(_requests(_ASK, doc, start, end), None)
        or next(_requests(_CHANGE, doc, start, end), None)
        or any(
            not _THANKS.search(doc.folded, max(start, m.start() - 25), m.start())
            for m in _EXCHANGE.finditer(doc.folded, start, end)
        )
    )


# ---- incentives -------------------------------------------------------------------------------------
_INCENTIVE_WORDS = (
    r"refund\w*",
    r"reimburs\w*",
    r"money back",
    r"cash ?back",
    r"discount\w*",
    r"coupons?",
    r"vouchers?",
    r"gift ?cards?",
    r"gifts?",
    r"free (?:product|item|gift|sample|shipping|delivery|unit|replacement)s?",
    r"for free",
    r"free of charge",
    r"\d+ ?% off",
    r"promo(?:tion(?:al)?)? codes?",
    r"rewards?",
    r"compensat\w*",
    r"rebates?",
    r"bonus",
    r"rembours\w*",
    r"reductions?",
    r"remises?",
    r"bons? d'achat",
    r"bons? de reduction",
    r"codes? promo",
    r"cadeaux?",
    r"cartes? cadeaux?",
    r"offerte?s?",
    r"gratuite?s?",
    r"gratuitement",
    r"geste commercial",
    r"dedommag\w*",
    r"recompens\w*",
    r"un avoir",
    r"\d+ ?% de (?:reduction|remise)",
    r"-\d+ ?%",
    r"[$€£] ?\d+(?:[.,]\d+)?",
    r"\d+(?:[.,]\d+)? ?(?:€|\$|£|eur|euros?|dollars?|pounds?)",
)
_INCENTIVE = re.compile(rf"(?:\b|(?=[-$€£]\d)){alternation(_INCENTIVE_WORDS)}(?:\b|(?<=[€$£]))")


# "now that the refund has gone through", "maintenant que le remboursement est fait", "to reflect the fast
# refund": money already paid, named as the reason for a request — not offered in exchange for one.
_SETTLED_BEFORE = re.compile(
    r"\b(?:now that|since|after|following|once|reflect\w*|maintenant que|puisque|depuis que|vu que|apres|suite a"
    r"|etant donne que)(?:\s+[\w']+){0,3}\s+$"
)
_SETTLED_AFTER = re.compile(
    r"^\s+(?:(?:a|est|a ete|has|have|was|were|is|had|that)\s+)?(?:\w+\s+)?"
    r"(?:gone through|went through|been (?:made|issued|processed|paid)|issued|processed|done|made|paid|received"
    r"|fait|effectue\w*|passe\w*|recu\w*|valide\w*|verse\w*)\b"
)


def _settled(doc: Doc, m: re.Match[str], start: int, end: int) -> bool:
    before = doc.folded[max(start, m.start() - 40) : m.start()]
    return bool(_SETTLED_BEFORE.search(before) or _SETTLED_AFTER.match(doc.folded, m.end(), end))


def incentive(doc: Doc) -> Iterable[Hit]:
    """Money, gifts or discounts in a sentence that asks for (or about) a review, or right next to one."""
    spans = doc.sentences
    asks = [_solicits(doc, s, e) for s, e in spans]
    for i, (start, end) in enumerate(spans):
        m = next((m for m in _INCENTIVE.finditer(doc.folded, start, end) if not _settled(doc, m, start, end)), None)
        if not m:
            continue
        near = asks[i] or (i > 0 and asks[i - 1]) or (i + 1 < len(spans) and asks[i + 1])
        if near or _FOR_REVIEWING.search(doc.folded, start, end) or _CONDITION.search(doc.folded, start, end):
            yield Hit(m.start(), m.end())


# ---- asking to change or remove a review ------------------------------------------------------------
_NEUTRAL = re.compile(
    r"\b(?:it is possible|it's possible|you (?:can|may|are able to)|if you (?:wish|would like|want|prefer)"
    r"|il est possible|vous (?:pouvez|pourrez|avez la possibilite)|si vous le (?:souhaitez|desirez)|libre a vous)\b"
)
_PRESSURE = re.compile(
    r"\b(?:please|kindly|we (?:ask|request|would appreciate|need)|could you|would you|can you|must|need to"
    r"|merci de|nous vous demandons|je vous demande|pourriez|pouvez-vous|devez|veuillez|il faut|sinon|otherwise"
    r"|in exchange|en echange)\b"
)


def review_change(*, neutral_feedback_ok: bool = False) -> Detector:
    """Requests to change or remove a review. Amazon lets a seller tell a buyer, neutrally, that seller
    *feedback* can be updated or removed: with `neutral_feedback_ok` that form passes."""

    def detect(doc: Doc) -> Iterable[Hit]:
        for start, end in doc.sentences:
            for m in _requests(_CHANGE, doc, start, end):
                if neutral_feedback_ok and _FEEDBACK_NOUN.search(m.group()):
                    sentence = doc.folded[start:end]
                    if _NEUTRAL.search(sentence) and not _PRESSURE.search(sentence):
                        continue
                yield Hit(m.start(), m.end())

    return detect


# ---- positive-only requests and review gating -------------------------------------------------------
_POSITIVE = (
    r"(?:positi(?:ve|f|ves|fs)|good|great|excellent|glowing|5[- ]?stars?|five[- ]stars?|5\*|★{5}|bon(?:ne)?s?"
    r"|excellente?s?|belle|beau|5 etoiles|cinq etoiles|elogieu\w*|favorables?|meilleure? note|10/10|20/20|top)"
)
_POSITIVE_ASK = re.compile(
    rf"\b{_ASK_VERB}(?:-nous|-moi| us)?(?:\s+{_DETERMINERS}){{0,3}}\s+(?:{_POSITIVE}\s+(?:{REVIEW_NOUN}|rating)"
    rf"|(?:l')?{REVIEW_NOUN}\s+(?:{_POSITIVE}|a 5|de 5|with 5|of 5)"
    rf"|{_POSITIVE}\b)"
)
_POSITIVE_PHRASE = re.compile(
    rf"\b(?:{_POSITIVE}\s+(?:{REVIEW_NOUN}|rating)|{REVIEW_NOUN}\s+(?:(?:to|en|into|a)\s+(?:a\s+)?)?{_POSITIVE})\b"
)
_GATE = re.compile(
    r"\b(?:if|si|when|lorsque|quand)\s+(?:you(?:'re| are| were)|vous (?:etes|etiez)|tu es)\s+"
    r"(?:(?:not|pas|only|vraiment|really|fully|entierement|totalement|\w+)\s+){0,2}"
    r"(?:satisf\w*|happy|pleased|content\w*|ravie?s?|convaincue?s?|unhappy|mecontent\w*|dissatisf\w*)"
)
_BEFORE_REVIEW = re.compile(rf"\b(?:before|avant de|avant d')\s+(?:\w+\s+){{0,3}}{REVIEW_NOUN}\b")


def review_positive(doc: Doc) -> Iterable[Hit]:
    """Asking for a 5-star or positive review, or for a review only from happy buyers (review gating)."""
    for start, end in doc.sentences:
        for m in _requests(_POSITIVE_ASK, doc, start, end):
            yield Hit(m.start(), m.end())
            break
        else:
            phrase = _POSITIVE_PHRASE.search(doc.folded, start, end)
            if phrase and (_solicits(doc, start, end) or _WISH.search(doc.folded, start, end)):
                yield Hit(phrase.start(), phrase.end())
                continue
            gate = _GATE.search(doc.folded, start, end)
            if gate and (_solicits(doc, start, end) or _BEFORE_REVIEW.search(doc.folded, start, end)):
                yield Hit(gate.start(), gate.end())


# ---- marketing and promotion ------------------------------------------------------------------------
_MARKETING = re.compile(
    r"\b(?:promotions?|promos?|soldes|codes? promo|promo codes?|discount codes?|coupons?|codes? de reduction"
    r"|offres? (?:speciales?|exclusives?|limitees?)|special offers?|exclusive offers?|limited[- ]time"
    r"|flash sales?|black friday|cyber monday|newsletters?|subscribe|abonnez-vous|inscrivez-vous"
    r"|nouvelle collection|new collection|new arrivals?|nouveautes|check out our|take a look at our"
    r"|have a look at our|visit our (?:shop|store|website|site|page)|visitez notre|decouvrez (?:notre|nos|aussi)"
    r"|jetez un (?:oeil|coup d'oeil) a (?:notre|nos)|profitez d(?:e|es|u)|don't miss|ne manquez pas"
    r"|ventes? privees?|buy (?:one|1),? get|(?:nos|our) autres (?:produits|articles|creations)"
    r"|(?:our )?other (?:products|items|listings) you (?:might|may|will) (?:like|love)"
    r"|(?:you (?:might|may|will) )?also (?:like|love) our|jusqu'a -?\d+ ?%"
    r"|\d+ ?% (?:off|de reduction|de remise)|toute notre gamme|our (?:full|whole|entire) range"
    r"|livraison (?:offerte|gratuite)|frais de port offerts|(?:votre|your) (?:prochaine commande|prochain achat"
    r"|next (?:order|purchase))"
    r"|\d+ ?% (?:less|cheaper|moins cher|de moins)|(?:a )?prix (?:reduits|casses|barres)|reduced prices"
    r"|(?:save|economisez|economiser) (?:up to |jusqu'a )?\d+ ?(?:%|€|eur|euros?|\$|£)"
    r"|\d+ ?(?:€|eur|euros?|\$|£|dollars?|pounds?) (?:off|de remise|de reduction|discount))"
    r"(?!\w)|(?<![\w-])-\d+ ?%"  # "-15 %": a sign before a percentage is a price cut
)
# A discount code spelled out ("code MERCI15", "coupon SPRING10"): letters then digits, in capitals. A pickup or
# locker code is digits only and passes.
# Five capitals or more also make a code ("code WELCOMEBACK"), unless they name an identifier ("code SIRET").
_PROMO_CODE = re.compile(
    r"\b(?i:codes?|coupons?|vouchers?)\s*:?\s*[«\"“]?\s*"
    r"(?:[A-Z]{2,}[0-9]{1,4}[A-Z0-9]*|(?!(?:SIRET|SIREN|IBAN|SWIFT|GTIN|ISBN|POSTAL|BARRE|PUK)\b)[A-Z]{5,})\b"
)
_marketing_words = regex_detector(_MARKETING)
_promo_code = regex_detector(_PROMO_CODE, on="text")


def marketing(doc: Doc) -> Iterable[Hit]:
    """Marketing wording, or a discount code handed to the buyer."""
    yield from merge_hits([*_marketing_words(doc), *_promo_code(doc)])


# ---- taking the buyer off the platform --------------------------------------------------------------
_OFF_PLATFORM = re.compile(
    # "(thanks) for buying from us" is a thank-you, not an invitation to buy off the platform
    r"\b(?:(?<!for )(?:buy|order|purchase|pay)\w* (?:directly |direct )?"
    r"(?:from us|on our (?:own )?(?:website|site|shop|store))"
    r"|(?:outside|off)(?: of)? (?:amazon|ebay|etsy|the platform|the marketplace)"
    r"|hors (?:de )?(?:la plateforme|la marketplace|amazon|ebay|etsy)"
    r"|(?:achet|command|pay|regl)\w* (?:directement |en direct )?(?:sur|via|depuis) notre (?:propre )?"
    r"(?:site|boutique|e-shop)"
    r"|(?:en direct|directement) (?:aupres de nous|avec nous|chez nous|sur notre site)"
    r"|(?:contact(?:ez|er)?|ecrivez|appelez)(?:-nous| nous)? (?:directement )?(?:par|sur|via|au) "
    r"(?:e-?mail|mail|courriel|telephone|tel|sms|whatsapp|notre site)"
    r"|(?:contact|call|text|email|e-mail) (?:us|me) (?:directly )?(?:by|via|on|at) "
    r"(?:e-?mail|phone|sms|whatsapp|our website)"
    r"|virement (?:bancaire )?direct|bank transfer|paypal (?:directly|direct|en direct)"
    r"|(?:notre|our) site (?:internet|web)"
    r"|our (?:own )?(?:website|web ?site|web ?shop|online (?:store|shop))|our own (?:shop|store|site)"
    r"|(?:sur|via|depuis|a) notre (?:propre )?(?:site|e-?shop|boutique (?:en ligne|web|internet))"
    r"(?! (?:de|d'|du|des|logistique|industriel))"
    r"|notre (?:propre )?boutique (?:en ligne|web|internet))"
    r"(?!\w)"
)
off_platform = regex_detector(_OFF_PLATFORM)


def merge_hits(hits: Iterable[Hit]) -> list[Hit]:
    """Hits of several detectors as one list, overlapping spans merged."""
    return [Hit(s, e) for s, e in merge((h.start, h.end) for h in hits)]
