"""Reply templates: Jinja2 in a sandbox, strict about undefined names, errors that name the line.

Templates are files `templates/NAME.j2` next to the config (`NAME` may carry a language suffix:
`thanks.fr`, `thanks.en`) plus inline `[templates]` entries in config.toml. A template can only
read the variables we hand it: the sandbox refuses attribute access to Python internals and
StrictUndefined turns a typo into an error instead of a silent blank in a public reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mktcrm.errors import MktcrmError, UsageError

VARIABLES = {
    "buyer_name": "the buyer's display name (first name and initial), or empty",
    "rating": "the rating, 1-5",
    "review_title": "the review title, or empty",
    "review_excerpt": "the first 120 characters of the review body",
    "review_body": "the whole review body",
    "listing_title": "the title of the ordered item, or empty",
    "order_id": "the marketplace order id, or empty",
    "account": "the account name",
    "marketplace": "mirakl, amazon, ebay or etsy",
    "signature": "[brand] signature from the config",
    "language": "fr or en: the review's language",
    "buyer.segment": "the buyer's main segment (loyal, high-value, repeat, at-risk, lost, unhappy, new), or empty",
    "buyer.segments": "every segment the buyer is in (docs/segments.md)",
    "buyer.orders": "the buyer's orders on this account (sales), 0 when the marketplace names no buyer",
}

# No name (Amazon, eBay pseudonyms): "Bonjour," rather than "Bonjour ,".
_HELLO_FR = "Bonjour{% if buyer_name %} {{ buyer_name }}{% endif %},\n\n"
_HELLO_EN = "Hello{% if buyer_name %} {{ buyer_name }}{% endif %},\n\n"
DEFAULTS: dict[str, str] = {
    "thanks.fr": (
        _HELLO_FR + "Merci beaucoup pour votre avis{% if rating >= 5 %} et pour ces cinq étoiles"
        "{% endif %}. Nous sommes ravis que votre commande vous ait donné satisfaction.\n\n{{ signature }}"
    ),
    "thanks.en": (
        _HELLO_EN + "Thank you for your review{% if rating >= 5 %} and the five stars{% endif %}."
        " We are glad your order met your expectations.\n\n{{ signature }}"
    ),
    "apology.fr": (
        _HELLO_FR + "Nous sommes désolés que votre commande ne vous ait pas donné satisfaction."
        " Nous avons pris note de votre retour et nous vous proposons de nous écrire via la messagerie de la"
        " commande {{ order_id }} : nous trouverons une solution ensemble.\n\n{{ signature }}"
    ),
    "apology.en": (
        _HELLO_EN + "We are sorry your order did not meet your expectations. We have noted your"
        " feedback; please write to us through the messages of order {{ order_id }} and we will find a solution"
        " together.\n\n{{ signature }}"
    ),
    "neutral.fr": (
        _HELLO_FR + "Merci pour votre retour. Nous en tenons compte pour améliorer nos produits et"
        " notre service.\n\n{{ signature }}"
    ),
    "neutral.en": (
        _HELLO_EN + "Thank you for your feedback. We take it into account to improve our products"
        " and service.\n\n{{ signature }}"
    ),
}

_FRENCH = re.compile(r"[éèêàçùôî]|\b(le|la|les|très|merci|je|vous|est|pas|avec|colis)\b", re.I)
_ENGLISH = re.compile(r"\b(the|and|very|thanks?|was|with|not|item|great|arrived)\b", re.I)


class TemplateError(MktcrmError):
    """A template that cannot be found or rendered; nothing is sent."""


@dataclass(frozen=True)
class Template:
    name: str
    source: str
    origin: str  # file path, "config", or "built-in"


def guess_language(text: str | None, default: str = "fr") -> str:
    if not text:
        return default
    fr, en = len(_FRENCH.findall(text)), len(_ENGLISH.findall(text))
    if fr == en:
        return default
    return "fr" if fr > en else "en"


def available(folder: Path, inline: dict[str, str]) -> dict[str, Template]:
    """Every template by name: files win over config entries, which win over the built-in defaults."""
    found = {name: Template(name, text, "built-in") for name, text in DEFAULTS.items()}
    found.update({name: Template(name, text, "config") for name, text in inline.items()})
    if folder.is_dir():
        for path in sorted(folder.glob("*.j2")):
            try:
                found[path.stem] = Template(path.stem, path.read_text(encoding="utf-8"), str(path))
            except (OSError, UnicodeDecodeError) as exc:
                raise TemplateError(f"cannot read template {path}: {exc}", hint="save it as UTF-8 text") from None
    return found


def resolve(templates: dict[str, Template], name: str, language: str) -> Template:
    """`thanks` finds `thanks.<language>` first, then `thanks`; an exact `thanks.en` is used as is."""
    for candidate in (f"{name}.{language}", name):
        if candidate in templates:
            return templates[candidate]
    names = sorted({n.split(".")[0] for n in templates} | set(templates))
    raise UsageError(f"no template named {name!r}", hint=f"available: {', '.join(names)}")


def variants(templates: dict[str, Template], name: str) -> list[Template]:
    """What `name` can mean, as `resolve` reads it: the exact template, else each `name.<language>` one."""
    if name in templates:
        return [templates[name]]
    return [t for n, t in sorted(templates.items()) if n.startswith(f"{name}.")]


def render(template: Template, variables: dict[str, Any]) -> str:
    """Render in Jinja2's sandbox; any failure is a TemplateError naming the template and line."""
    from jinja2 import StrictUndefined, TemplateSyntaxError
    from jinja2 import TemplateError as JinjaError
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    try:
        compiled = env.from_string(template.source)
        compiled.name = template.name
        return compiled.render(**variables).strip()
    except TemplateSyntaxError as exc:
        raise TemplateError(
            f"template {template.name!r} line {exc.lineno}: {exc.message}", hint=f"fix it in {template.origin}"
        ) from None
    except (OverflowError, MemoryError, RecursionError) as exc:
        raise TemplateError(f"template {template.name!r} is too costly to render: {type(exc).__name__}") from None
    except JinjaError as exc:
        line = _line_of(exc)
        where = f" line {line}" if line else ""
        raise TemplateError(
            f"template {template.name!r}{where}: {exc}",
            hint=f"available variables: {', '.join(VARIABLES)}",
        ) from None


def check_all(folder: Path, inline: dict[str, str]) -> int:
    """`config check`: every template the seller wrote must compile (a typo found now, not mid-bulk-reply).

    Returns how many were checked; raises ConfigError naming the first broken template, its line and file.
    """
    from jinja2 import TemplateSyntaxError
    from jinja2.sandbox import SandboxedEnvironment

    from mktcrm.errors import ConfigError

    env = SandboxedEnvironment(autoescape=False, keep_trailing_newline=False)
    mine = [t for t in available(folder, inline).values() if t.origin != "built-in"]
    for template in mine:
        try:
            env.from_string(template.source)
        except TemplateSyntaxError as exc:
            raise ConfigError(
                f"template {template.name!r} line {exc.lineno}: {exc.message}", hint=f"fix it in {template.origin}"
            ) from None
        except (RecursionError, MemoryError):
            raise ConfigError(
                f"template {template.name!r} is too deeply nested", hint=f"fix it in {template.origin}"
            ) from None
    return len(mine)


def _line_of(exc: BaseException) -> int | None:
    """Jinja rewrites tracebacks so template frames carry template line numbers."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def variables_for(review: dict[str, Any], signature: str, listing_title: str | None = None) -> dict[str, Any]:
    """What a template may use; marketplace text is stripped of control characters (it is data, not code)."""
    from mktcrm.text import clean

    body = clean(review.get("body") or "")
    return {
        "buyer_name": clean(review.get("buyer_name") or ""),
        "rating": review.get("rating") or 0,
        "review_title": clean(review.get("title") or ""),
        "review_excerpt": body[:120] + ("…" if len(body) > 120 else ""),
        "review_body": body,
        "listing_title": clean(listing_title or ""),
        "order_id": review.get("order_id") or "",
        "account": review.get("account") or "",
        "marketplace": review.get("marketplace") or "",
        "signature": signature,
        "language": guess_language(body),
    }


def write_defaults(folder: Path, *, force: bool) -> None:
    """The built-in templates (French and English) as files the seller can edit (`mktcrm init`)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in DEFAULTS.items():
        target = folder / f"{name}.j2"
        if force or not target.exists():
            target.write_text(text + "\n", encoding="utf-8")
