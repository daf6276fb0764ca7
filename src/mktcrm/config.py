"""Config and accounts (DESIGN §3): where files live, what config.toml may hold, and secrets.

Validation is strict on purpose: a typo in a key would otherwise silently turn a feature off
for a cron job nobody watches. Every error names the key, its line when we can find it, and
what is expected. Secrets are read from the environment or from a 0600 `secrets.toml`; they are
never stored on `Account`, only looked up on demand, so they cannot leak into output.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from mktcrm.automation_rules import Rule, parse_rules
from mktcrm.errors import AuthError, ConfigError, UsageError
from mktcrm.records import DISPUTE_KINDS
from mktcrm.timeutil import DEADLINE_SPAN_HINT, parse_deadline_span

APP = "mktcrm"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# key -> (type, required, description); the marketplace connectors add their own keys.
ACCOUNT_KEYS: dict[str, tuple[type | tuple[type, ...], bool, str]] = {
    "name": (str, True, "a short unique label, lowercase letters, digits, - or _"),
    "marketplace": (str, True, "which connector: one of the supported marketplaces"),
    "enabled": (bool, False, "false to skip this account in sync (default true)"),
    "sync_start": (str, False, "first day to sync on a fresh cache, YYYY-MM-DD"),
    "timezone": (str, False, "IANA timezone for this account, e.g. Europe/Paris"),
    "currency": (str, False, "ISO 4217 currency code, e.g. EUR"),
    "country": (str, False, "ISO 3166 country whose public holidays count for business days (default FR)"),
    "deadlines": (dict, False, 'dispute deadline overrides by kind, e.g. { incident = "4d", inquiry = "24h" }'),
    "kpi_limits": (
        dict,
        False,
        "your marketplace's KPI limits, e.g. { dispute_rate_pct = 5, median_resolution_h = 72 }",
    ),
    "themes": (
        dict,
        False,
        'friction theme words of your own and rules switched off, e.g. { damaged = ["rayure"], off = ["PRICE-EN"] }',
    ),
}
# Dispute kinds (DESIGN §7) plus `review`, whose reply window a seller may promise per account.
DEADLINE_KINDS = (*DISPUTE_KINDS, "review")  # plug-ins add the kinds their deadline rules name (see `load`)
# Upper bounds that keep every duration a real, reachable one (nan, inf and 10**11 minutes are typos).
SYNC_LIMITS: dict[str, tuple[float, str]] = {
    "lookback_minutes": (5_256_000, "minutes (ten years)"),
    "lock_timeout_seconds": (86_400, "seconds (a day)"),
    "backoff_seconds": (3_600, "seconds (an hour)"),
    "retry_budget_seconds": (86_400, "seconds (a day)"),
}
# An `*_env` key names where a secret is; a value that is not a variable name is probably the secret itself.
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
# The built-in buyer segments (defined in core.segments): known here so automation rules can name them.
BUILTIN_SEGMENTS = ("new", "repeat", "loyal", "high-value", "at-risk", "lost", "unhappy")
# The friction themes of `mktcrm insights` (core/themes.py labels them; a test keeps the two in step).
THEME_IDS = ("missing_item", "damaged", "not_as_described", "delivery_delay", "price", "service", "other")
SECTION_KEYS: dict[str, dict[str, tuple[type | tuple[type, ...], str]]] = {
    "defaults": {
        "currency": (str, "ISO 4217 currency code"),
        "timezone": (str, "IANA timezone name"),
    },
    "sync": {
        "lookback_minutes": (int, "minutes re-read before the last cursor (late edits, clock skew)"),
        "lock_timeout_seconds": ((int, float), "how long a sync waits for another one to finish"),
        "page_size": (int, "records asked per page (1-100)"),
        "concurrency": (int, "per-order requests in flight at once, within the marketplace's limits (1-16)"),
        "retries": (int, "tries per request on network errors, 429 and 5xx (1-10)"),
        "backoff_seconds": ((int, float), "first wait between tries; doubles each time"),
        "retry_budget_seconds": ((int, float), "most time spent waiting on retries for one request"),
    },
    "cache": {
        "url": (str, "a shared PostgreSQL database, postgresql://USER@HOST:PORT/DB (team mode, docs/team.md)"),
        "password_env": (
            str,
            "where its password is: an environment variable or secrets.toml name (default PGPASSWORD)",
        ),
        "keep_raw": (str, 'which orders keep the API record as received: "all", "none" or "<N>d" (default "90d")'),
    },
    "team": {
        "operator": (str, "who you are in the team: recorded on each reply, message, task and note (default: OS user)"),
    },
    "segments": {
        "new_days": (int, "a buyer is new for this many days after their first order (30)"),
        "repeat_orders": (int, "orders that make a repeat buyer (2)"),
        "loyal_orders": (int, "orders that make a loyal buyer, with a recent one (3)"),
        "loyal_days": (int, "a loyal buyer's last order is at most this many days old (180)"),
        "high_value_pct": ((int, float), "the top this-many percent of an account's buyers by revenue (10)"),
        "at_risk_factor": ((int, float), "a repeat buyer is at risk after this many times their usual gap (2)"),
        "lost_days": (int, "a buyer is lost after this many days without an order (365)"),
        "unhappy_days": (int, "a low rating or a dispute this recent makes a buyer unhappy (90)"),
        "custom": (dict, "your own segments: [segments.custom.NAME] with filters (docs/segments.md)"),
    },
    "brand": {
        "signature": (str, "text every reply must end with"),
        "forbidden": (list, "words or phrases replies must never contain"),
        "max_length": (int, "longest reply allowed, in characters"),
        "tone": (bool, "false turns off the tone rules (all-caps shouting, '!!!')"),
    },
}


@dataclass(frozen=True)
class Paths:
    """Where the config, the secrets and the cache are for this invocation."""

    config: Path
    secrets: Path
    db: Path
    home: Path | None = None
    db_url: str | None = None  # `--db postgresql://…`: the shared database instead of the cache file
    db_given: bool = False  # `--db FILE`: this file, even when [cache] url names a shared database

    @classmethod
    def resolve(cls, config: Path | None = None, db: Path | str | None = None) -> Paths:
        home = os.environ.get("MKTCRM_HOME")
        if home:
            base = Path(home).expanduser()
            cfg_dir = data_dir = base
        else:
            import platformdirs

            cfg_dir = Path(platformdirs.user_config_dir(APP))
            data_dir = Path(platformdirs.user_data_dir(APP))
        config_path = config or cfg_dir / "config.toml"
        url = db if isinstance(db, str) and is_db_url(db) else None
        return cls(
            config=config_path,
            secrets=config_path.parent / "secrets.toml",
            db=Path(db) if db and not url else data_dir / "mktcrm.db",
            home=Path(home).expanduser() if home else None,
            db_url=url,
            db_given=db is not None,
        )


def is_db_url(value: str) -> bool:
    """A PostgreSQL URL (team mode) rather than a cache file path."""
    return value.startswith(("postgresql://", "postgres://"))


@dataclass(frozen=True)
class Account:
    """One seller account on one marketplace; `options` holds the marketplace-specific keys."""

    name: str
    marketplace: str
    options: dict[str, Any]
    enabled: bool = True
    sync_start: date | None = None
    timezone: str = "Europe/Paris"
    currency: str = "EUR"
    country: str = "FR"
    deadlines: dict[str, str] = field(default_factory=dict)
    kpi_limits: dict[str, float] = field(default_factory=dict)
    themes: dict[str, list[str]] = field(default_factory=dict)  # `mktcrm insights` lexicon additions (core/themes.py)

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


@dataclass(frozen=True)
class Settings:
    """The whole validated config."""

    path: Path
    accounts: list[Account] = field(default_factory=list)
    lookback_minutes: int = 60
    lock_timeout_seconds: float = 30.0
    page_size: int = 100
    concurrency: int = 8
    retries: int = 5
    backoff_seconds: float = 0.5
    retry_budget_seconds: float = 120.0
    brand: dict[str, Any] = field(default_factory=dict)
    segments: dict[str, Any] = field(default_factory=dict)  # checked by core.segments (thresholds, custom)
    templates: dict[str, str] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)  # [automation.rules.NAME] (automation_rules.py)
    exists: bool = True
    cache_url: str | None = None
    cache_password_env: str = "PGPASSWORD"
    keep_raw_days: int | None = 90  # orders older than this many days lose their raw record; None keeps all
    operator: str | None = None

    def account(self, name: str) -> Account:
        for acc in self.accounts:
            if acc.name == name:
                return acc
        names = ", ".join(a.name for a in self.accounts) or "none configured"
        raise UsageError(f"unknown account {name!r}", hint=f"configured accounts: {names}")


def load(
    path: Path,
    *,
    marketplace_keys: dict[str, dict[str, tuple[type, bool, str]]],
    deadline_kinds: tuple[str, ...] = DEADLINE_KINDS,
) -> Settings:
    """Read and validate config.toml. A missing file is an empty config (commands say what to do).

    The marketplace plug-ins say which account keys exist (`marketplace_keys`) and which dispute kinds have
    deadlines an account may override (`deadline_kinds`): config itself names no marketplace.
    """
    if not path.exists():
        return Settings(path=path, exists=False)
    text, data = _read(path)
    return _validate(data, text, path, marketplace_keys, deadline_kinds)


def cache_url(path: Path) -> str | None:
    """Only `[cache] url` (team mode), checked as `load` checks it: opening the cache must not load every
    marketplace plug-in to validate the whole config (read commands stay lean)."""
    if not path.exists():
        return None
    text, data = _read(path)
    cache = data.get("cache")
    return _cache_url(cache, path, text) if isinstance(cache, dict) else None


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", hint="fix the syntax at that line and column") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None


def _where(path: Path, text: str, key: str, near: str | None = None) -> str:
    """`file:line` of `key = …`, searching after the line that mentions `near` when given."""
    lines = text.splitlines()
    start = 0
    if near is not None:
        for i, line in enumerate(lines):
            if re.search(rf"""name\s*=\s*["']{re.escape(near)}["']""", line):
                start = max(0, i - 20)
                break
    for i in range(start, len(lines)):
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[i]):
            return f"{path}:{i + 1}"
    return str(path)


def _check_type(value: Any, expected: type | tuple[type, ...]) -> bool:
    if isinstance(value, bool) and expected in (int, float, (int, float)):
        return False
    return isinstance(value, expected)


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", bool: "true or false", list: "a list", float: "a number"}
    if isinstance(expected, tuple):
        return "a number"
    return names.get(expected, expected.__name__)


def _unknown_key(key: str, known: list[str], where: str, section: str) -> ConfigError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"valid keys: {', '.join(sorted(known))}"
    return ConfigError(f"{where}: unknown key {key!r} in {section}", hint=hint)


def _validate(
    data: dict[str, Any], text: str, path: Path, mkeys: dict[str, dict[str, Any]], kinds: tuple[str, ...]
) -> Settings:
    top_known = [*SECTION_KEYS, "accounts", "templates", "automation"]
    for key in data:
        if key not in top_known:
            raise _unknown_key(key, top_known, str(path), "the file")
    sections: dict[str, dict[str, Any]] = {}
    for section, spec in SECTION_KEYS.items():
        body = data.get(section, {})
        if not isinstance(body, dict):
            raise ConfigError(f"{path}: [{section}] must be a table")
        for key, value in body.items():
            if key not in spec:
                raise _unknown_key(key, list(spec), _where(path, text, key), f"[{section}]")
            expected, desc = spec[key]
            if not _check_type(value, expected):
                raise ConfigError(
                    f"{_where(path, text, key)}: [{section}] {key} must be {_type_name(expected)} ({desc})"
                )
        sections[section] = body
    defaults = sections["defaults"]
    sync = sections["sync"]
    page_size = sync.get("page_size", 100)
    if not 1 <= page_size <= 100:
        raise ConfigError(f"{_where(path, text, 'page_size')}: [sync] page_size must be between 1 and 100")

    for key, (highest, unit) in SYNC_LIMITS.items():
        value = sync.get(key)
        if value is not None and not (math.isfinite(value) and 0 <= value <= highest):
            raise ConfigError(
                f"{_where(path, text, key)}: [sync] {key} must be zero or more and at most {highest:g} {unit}",
                hint=None if math.isfinite(value) else "nan and inf are not durations",
            )
    forbidden = sections["brand"].get("forbidden", [])
    if not all(isinstance(word, str) and word.strip() for word in forbidden):
        raise ConfigError(f"{_where(path, text, 'forbidden')}: [brand] forbidden must be a list of non-empty strings")
    if not 1 <= sync.get("concurrency", 8) <= 16:
        raise ConfigError(f"{_where(path, text, 'concurrency')}: [sync] concurrency must be between 1 and 16")
    if not 1 <= sync.get("retries", 5) <= 10:
        raise ConfigError(f"{_where(path, text, 'retries')}: [sync] retries must be between 1 and 10")
    inline = data.get("templates", {})
    if not isinstance(inline, dict) or not all(isinstance(v, str) for v in inline.values()):
        raise ConfigError(f'{path}: [templates] entries must be NAME = "template text"')
    raw_accounts = data.get("accounts", [])
    if not isinstance(raw_accounts, list):
        raise ConfigError(f"{path}: accounts must be written as [[accounts]] tables")
    accounts: list[Account] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_accounts, start=1):
        accounts.append(_account(raw, index, text, path, mkeys, kinds, defaults, seen))
    rules = parse_rules(
        data.get("automation", {}),
        text,
        path,
        accounts=[a.name for a in accounts],
        marketplaces=list(mkeys),
        segments=[*BUILTIN_SEGMENTS, *sections["segments"].get("custom", {})],
        themes=THEME_IDS,
    )
    return Settings(
        path=path,
        accounts=accounts,
        lookback_minutes=sync.get("lookback_minutes", 60),
        lock_timeout_seconds=float(sync.get("lock_timeout_seconds", 30)),
        page_size=page_size,
        concurrency=sync.get("concurrency", 8),
        retries=sync.get("retries", 5),
        backoff_seconds=float(sync.get("backoff_seconds", 0.5)),
        retry_budget_seconds=float(sync.get("retry_budget_seconds", 120)),
        brand=sections["brand"],
        segments=sections["segments"],
        templates=dict(inline),
        rules=rules,
        cache_url=_cache_url(sections["cache"], path, text),
        cache_password_env=sections["cache"].get("password_env", "PGPASSWORD"),
        keep_raw_days=_keep_raw(sections["cache"], path, text),
        operator=sections["team"].get("operator"),
    )


def _keep_raw(cache: dict[str, Any], path: Path, text: str) -> int | None:
    """`[cache] keep_raw` as days: None for "all", 0 for "none"."""
    value = str(cache.get("keep_raw", "90d")).strip().lower()
    if value == "all":
        return None
    if value == "none":
        return 0
    days = value[:-1]
    if value.endswith("d") and days.isdigit() and 1 <= int(days) <= 36500:
        return int(days)
    raise ConfigError(
        _where(path, text, "keep_raw") + ': [cache] keep_raw must be "all", "none" or a number of days like "90d"',
        hint="see docs/config.md § [cache] for what each choice keeps",
    )


def _cache_url(cache: dict[str, Any], path: Path, text: str) -> str | None:
    url = cache.get("url")
    if url is None:
        return None
    if not is_db_url(url):
        raise ConfigError(f"{_where(path, text, 'url')}: [cache] url must start with postgresql://")
    from urllib.parse import urlsplit

    if urlsplit(url).password is not None:
        raise ConfigError(
            f"{_where(path, text, 'url')}: [cache] url must not hold a password",
            hint="put it in PGPASSWORD or secrets.toml (name it with [cache] password_env)",
        )
    return str(url)


def _account(
    raw: dict[str, Any],
    index: int,
    text: str,
    path: Path,
    mkeys: dict[str, dict[str, Any]],
    kinds: tuple[str, ...],
    defaults: dict[str, Any],
    seen: set[str],
) -> Account:
    label = f"account #{index}"
    name = raw.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ConfigError(
            f"{_where(path, text, 'name')}: {label}: name must be {ACCOUNT_KEYS['name'][2]}, got {name!r}"
        )
    label = f"account {name!r}"
    if name in seen:
        raise ConfigError(f"{_where(path, text, 'name', name)}: {label} is defined twice", hint="names must be unique")
    seen.add(name)
    market = raw.get("marketplace")
    if market not in mkeys:
        raise ConfigError(
            f"{_where(path, text, 'marketplace', name)}: {label}: unknown marketplace {market!r}",
            hint=f"supported marketplaces: {', '.join(sorted(mkeys))}",
        )
    spec = {**{k: (t, r, d) for k, (t, r, d) in ACCOUNT_KEYS.items()}, **mkeys[market]}
    for key, value in raw.items():
        if key not in spec:
            raise _unknown_key(key, list(spec), _where(path, text, key, name), label)
        expected, _required, desc = spec[key]
        if not _check_type(value, expected):
            raise ConfigError(
                f"{_where(path, text, key, name)}: {label}: {key} must be {_type_name(expected)} ({desc})"
            )
        if key.endswith("_env") and not ENV_NAME_RE.match(value):
            raise ConfigError(  # never echo the value: it is most likely the secret itself
                f"{_where(path, text, key, name)}: {label}: {key} must be the NAME of an environment variable"
                " (letters, digits and _), not the secret; the value was not shown",
                hint=f'write the secret in secrets.toml or the environment, and {key} = "MKTCRM_..." here',
            )
    for key, (_t, required, desc) in spec.items():
        if required and key not in raw:
            raise ConfigError(f"{_where(path, text, 'name', name)}: {label}: missing key {key!r} ({desc})")
    sync_start = None
    if "sync_start" in raw:
        try:
            sync_start = date.fromisoformat(raw["sync_start"])
        except ValueError:
            raise ConfigError(
                f"{_where(path, text, 'sync_start', name)}: {label}: sync_start must be a date YYYY-MM-DD"
            ) from None
    if "deadlines" in raw:
        for kind, value in raw["deadlines"].items():
            if kind not in kinds:
                raise _unknown_key(kind, list(kinds), _where(path, text, "deadlines", name), f"{label} deadlines")
            try:
                parse_deadline_span(str(value))
            except ValueError as exc:
                raise ConfigError(
                    f"{_where(path, text, 'deadlines', name)}: {label}: deadlines.{kind}: {exc}",
                    hint=DEADLINE_SPAN_HINT,
                ) from None
    for key, value in raw.get("kpi_limits", {}).items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e6:
            raise ConfigError(
                f"{_where(path, text, 'kpi_limits', name)}: {label}: kpi_limits.{key} must be a number, got {value!r}",
                hint="e.g. kpi_limits = { dispute_rate_pct = 5 } (see `mktcrm kpi --explain`)",
            )
    for key, value in raw.get("themes", {}).items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(
                f"{_where(path, text, 'themes', name)}: {label}: themes.{key} must be a list of words, got {value!r}",
                hint='e.g. themes = { damaged = ["rayure", "scratched"], off = ["PRICE-EN"] } (see docs/insights.md)',
            )
    if "country" in raw:
        _check_country(str(raw["country"]), f"{_where(path, text, 'country', name)}: {label}")
    tz = raw.get("timezone", defaults.get("timezone", "Europe/Paris"))
    _check_timezone(tz, f"{_where(path, text, 'timezone', name)}: {label}")
    options = {k: v for k, v in raw.items() if k not in ACCOUNT_KEYS}
    return Account(
        name=name,
        marketplace=market,
        options=options,
        enabled=raw.get("enabled", True),
        sync_start=sync_start,
        timezone=tz,
        currency=raw.get("currency", defaults.get("currency", "EUR")),
        country=raw.get("country", "FR"),
        deadlines={str(k): str(v) for k, v in raw.get("deadlines", {}).items()},
        kpi_limits={str(k): float(v) for k, v in raw.get("kpi_limits", {}).items()},
        themes={str(k): [str(w) for w in v] for k, v in raw.get("themes", {}).items()},
    )


def _check_country(country: str, where: str) -> None:
    import holidays

    if country not in holidays.list_supported_countries():
        raise ConfigError(
            f"{where}: no public-holiday calendar for country {country!r}", hint="use an ISO code such as FR"
        )


def _check_timezone(tz: str, where: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: unknown timezone {tz!r}", hint="use an IANA name such as Europe/Paris") from None


# ---- secrets -----------------------------------------------------------------------------
def read_secrets(path: Path) -> dict[str, str]:
    """secrets.toml: NAME = "value" pairs. Refused unless only its owner can read it (like ssh)."""
    if not path.exists():
        return {}
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"{path} is readable by other users (mode {mode:o})",
            hint=f"run: chmod 600 {path}",
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", hint="fix the syntax at that line and column") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text", hint='save it as UTF-8 (NAME = "value" lines)') from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    return {k: v for k, v in data.items() if isinstance(v, str)}


def secret(account: Account, key: str, secrets_path: Path) -> str:
    """The secret named by `account.<key>` (an env var name), from the environment or secrets.toml."""
    env_name = account.get(key)
    if not env_name:
        raise AuthError(f"account {account.name!r} has no {key}", hint=f'set {key} = "MKTCRM_..." in the config')
    value = os.environ.get(env_name) or read_secrets(secrets_path).get(env_name)
    if not value:
        raise AuthError(
            f"account {account.name!r}: secret {env_name} is not set",
            hint=f"export {env_name}=… or add it to {secrets_path} (chmod 600)",
        )
    return value


class AccountSecrets:
    """`secrets(key)` reads an account's secret; `secrets.save(key, value)` keeps a rotated one.

    OAuth marketplaces that rotate refresh tokens (Etsy) hand a new one back with each access token;
    it is written to secrets.toml (0600) so the next run can still sign in. A secret that comes from the
    environment is left alone: mktcrm cannot change its caller's environment (docs/config.md says so).
    """

    def __init__(self, account: Account, path: Path) -> None:
        self.account, self.path = account, path

    def __call__(self, key: str) -> str:
        return secret(self.account, key, self.path)

    def save(self, key: str, value: str) -> bool:
        """Store `value` under the variable `account.<key>` names; False when the environment holds it."""
        import tomli_w

        env_name = str(self.account.get(key) or "")
        if not env_name or os.environ.get(env_name):
            return False
        current = read_secrets(self.path)
        if current.get(env_name) == value:
            return True
        write_private(self.path, tomli_w.dumps({**current, env_name: value}))
        return True


def write_private(path: Path, text: str) -> None:
    """Create or replace a file only its owner can read, atomically (never a half-written config)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # a new folder for secrets: its owner's only
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
