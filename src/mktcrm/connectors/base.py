"""What a connector is: a few declared streams, an auth hook, a `check`, and capabilities.

The page loop, pagination with loop detection, cursors and checkpoints live here and in
`mktcrm.sync`; a marketplace only declares its streams and maps payloads to typed records
(`mktcrm.records`, Meltano singer-sdk style): it never sees a table or a column. Nothing here
imports httpx, so config validation stays cheap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from mktcrm.connectors.deadline_rule import DeadlineRule
from mktcrm.connectors.kpi_limit import KpiLimit
from mktcrm.errors import PaginationLoopError, RemoteError
from mktcrm.http.rate_limit import RateLimit

if TYPE_CHECKING:
    import httpx

    from mktcrm.config import Account
    from mktcrm.http.client import ApiClient
    from mktcrm.records import Dispute, Record

# Capability values, shown by `mktcrm accounts`.
API, MANUAL, NONE = "api", "manual", "none"
CAPABILITIES = (
    "sync_listings",
    "sync_orders",
    "sync_reviews",
    "reply_review",
    "sync_disputes",
    "open_dispute",
    "message_dispute",
    "resolve_dispute",
    "solicit_review",
)


@dataclass
class Page:
    """One page of a stream, already normalised into records (lines and events inside their parent)."""

    records: Sequence[Record]
    cursor: str | None = None  # the highest cursor value on this page
    next_token: Any = None  # None = this was the last page
    # Records the marketplace sent that could not be trusted: counted, never stored with guessed values.
    skipped: int = 0
    first_bad: str | None = None  # where the first one was and why ("DE report line 7: rating 'x' is not 1-5")
    complete: bool = True  # False on a last page that ends a snapshot short of its total: nothing is marked removed
    snapshot: bool = False  # on a cursor stream's last page: this run read everything (a full export)

    @property
    def count(self) -> int:
        return len(self.records)

    @property
    def ids(self) -> list[str]:
        """The remote ids on this page: what a snapshot saw, and what loop detection compares."""
        return [record.id for record in self.records]


@dataclass(frozen=True)
class MarkMissing:
    """After a complete snapshot: this account's records of `kind` not seen in the run get `values`.

    `values` and `only_when` name fields of the record kind (e.g. `{"state": "removed"}` on Listing).
    """

    kind: type[Record]
    values: dict[str, Any]
    only_when: dict[str, Any] = field(default_factory=dict)


@dataclass
class StreamContext:
    """What a stream needs at run time, handed in by the sync engine."""

    account: Account
    client: ApiClient
    page_size: int = 100
    concurrency: int = 1  # per-order sub-resources fetched at once ([sync] concurrency)


def count_at(body: Any, name: str) -> int | None:
    """A whole number the answer gives under `name` (a total of records), or None."""
    value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class Paginator:
    """Turns one answer into the token of the next page, and refuses to go round in circles."""

    def __init__(self) -> None:
        self._seen: set[bytes] = set()

    def first(self) -> Any:
        return None

    def advance(self, token: Any, body: Any, count: int, ids: list[str]) -> Any:
        raise NotImplementedError

    def total(self, body: Any) -> int | None:
        """How many records the whole read holds, when the answer says (for "how long the rest will take")."""
        return None

    def ended(self, count: int, ids: list[str]) -> bool:
        """An empty page ends the stream; a page of ids already read is refused (`check_loop`)."""
        if count == 0:
            return True
        if ids:
            self.check_loop(tuple(ids))
        return False

    def check_loop(self, key: Any) -> None:
        # A digest per page, not the page's ids: a 200,000-order sync kept ~14 MiB of id tuples.
        digest = hashlib.blake2b(repr(key).encode(), digest_size=16).digest()
        if digest in self._seen:
            shown = repr(key[:3])[:-1] + ", …)" if isinstance(key, tuple) and len(key) > 3 else repr(key)[:80]
            raise PaginationLoopError(
                f"the marketplace returned the same page twice ({shown}); stopping instead of looping forever",
                hint="retry later; if it persists, run `mktcrm sync --full` for this stream and report it",
            )
        self._seen.add(digest)


class OffsetPaginator(Paginator):
    """`offset` + `max` with a `total_count` in the answer (Mirakl OR11/OF21, Etsy, eBay)."""

    def __init__(self, total_field: str = "total_count") -> None:
        super().__init__()
        self.total_field = total_field

    def first(self) -> Any:
        return 0

    def advance(self, token: Any, body: Any, count: int, ids: list[str]) -> Any:
        if self.ended(count, ids):
            return None
        following = int(token) + count
        total = self.total(body)
        if total is not None and following >= total:
            return None
        return following

    def total(self, body: Any) -> int | None:
        return count_at(body, self.total_field)


class NextLinkPaginator(Paginator):
    """Follow the `next` href each answer carries; the token is that link's query, sent back as it is.

    Whatever `offset` counts (eBay's spec says pages, its servers count records), the marketplace's own
    link is right either way: the client never computes an offset.
    """

    def __init__(self, next_field: str = "next", total_field: str = "total") -> None:
        super().__init__()
        self.next_field, self.total_field = next_field, total_field

    def total(self, body: Any) -> int | None:
        return count_at(body, self.total_field)

    def advance(self, token: Any, body: Any, count: int, ids: list[str]) -> Any:
        from urllib.parse import parse_qsl, urlsplit

        href = body.get(self.next_field) if isinstance(body, dict) else None
        if not href or count == 0:
            return None
        self.check_loop(str(href))
        if ids:
            self.check_loop(tuple(ids))
        return dict(parse_qsl(urlsplit(str(href)).query, keep_blank_values=True))


class TokenPaginator(Paginator):
    """Seek paging with an opaque next-page token (Mirakl M11/RT11, Amazon nextToken)."""

    def __init__(self, token_field: str = "next_page_token") -> None:
        super().__init__()
        self.token_field = token_field

    def advance(self, token: Any, body: Any, count: int, ids: list[str]) -> Any:
        following = body.get(self.token_field) if isinstance(body, dict) else None
        if not following:
            return None
        self.check_loop(following)
        return following


class PagesLeft:
    """Pages a read still has to fetch, from the answers' total and the records read so far (None: unknown)."""

    def __init__(self) -> None:
        self.records = self.per_page = 0
        self.started = False
        self.left: int | None = None

    def read(self, count: int, total: int | None) -> None:
        self.started = True
        self.records += count
        self.per_page = max(self.per_page, count)
        if total is None or not self.per_page:
            self.left = None
        else:
            self.left = max(0, -(-(total - self.records) // self.per_page))


class Stream:
    """One remote collection. Subclasses declare attributes and implement request/items/normalize."""

    name: ClassVar[str]
    cursor_field: ClassVar[str | None] = "updated_at"  # None: a snapshot re-read in full each run
    is_sorted: ClassVar[bool] = False  # ascending by cursor → the cursor may move per page
    lookback: ClassVar[timedelta] = timedelta(0)  # extra re-read margin on top of the configured one
    uses_sync_start: ClassVar[bool] = True  # False: a first run reads everything, whatever the account's sync_start

    def __init__(self, ctx: StreamContext) -> None:
        self.ctx = ctx

    # -- to implement --------------------------------------------------------------------
    def paginator(self) -> Paginator:
        raise NotImplementedError

    def request(self, token: Any, since: datetime | None) -> tuple[str, dict[str, Any]]:
        """The path and query parameters of the page at `token`."""
        raise NotImplementedError

    def items(self, body: Any) -> list[dict[str, Any]]:
        """The records in one answer."""
        raise NotImplementedError

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        """The typed records of one answer, with the page's highest cursor value."""
        raise NotImplementedError

    def finalize(self, now: str) -> list[MarkMissing]:
        """After a complete snapshot run: how to mark the records that disappeared."""
        return []

    # -- provided ------------------------------------------------------------------------
    def pages(self, since: datetime | None, token: Any = None) -> Iterator[Page]:
        """The page loop: request, decode, normalise, advance, until the paginator says stop."""
        paginator = self.paginator()
        token = paginator.first() if token is None else token
        outlook = PagesLeft()
        limiter = self.ctx.client.limiter
        while True:
            path, params = self.request(token, since)
            if limiter is not None:  # a long pacing wait for this page says how long the rest will take
                limiter.expect(self.name, outlook.left, outlook.started)
            try:
                body = self.ctx.client.get_json(path, params)
            finally:
                if limiter is not None:
                    limiter.expect(None)
            try:
                items = self.items(body)
            except (KeyError, TypeError, AttributeError) as exc:
                raise RemoteError(
                    f"{self.ctx.account.name}: unexpected answer from {path} ({type(exc).__name__}: {exc})"
                ) from None
            page = self.normalize(items)
            page.next_token = paginator.advance(token, body, len(items), page.ids)
            outlook.read(len(items), paginator.total(body))
            yield page
            if page.next_token is None:
                return
            token = page.next_token


LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
# mktcrm's one dispute state machine (DESIGN §7); connectors map their statuses onto it.
DISPUTE_STATES = ("open", "awaiting_seller", "awaiting_buyer", "escalated", "resolved", "closed")


def dispute_state(table: dict[str, dict[str, str]], kind: str, remote_status: str | None) -> str:
    """The unified state for a marketplace status; an unknown status stays visible as `open` (raw kept)."""
    return table.get(kind, {}).get(str(remote_status), "open")


def check_base_url(account: str, url: str) -> str:
    """https for real marketplaces (the key travels in a header); http only on loopback; sandbox:// for tests."""
    from urllib.parse import urlsplit

    from mktcrm.errors import ConfigError

    parts = urlsplit(url)
    if parts.scheme == "sandbox" or (parts.scheme == "https" and parts.hostname):
        return url
    if parts.scheme == "http" and parts.netloc.rsplit(":", 1)[0] in LOOPBACK:
        return url
    raise ConfigError(
        f"account {account!r}: base_url {url!r} must start with https:// (http:// only on 127.0.0.1)",
        hint="use the operator's https URL, e.g. https://leclerc-prod.mirakl.net",
    )


@dataclass(frozen=True)
class Posted:
    """What a read-back found where our text would go (a review's one reply, a dispute's messages).

    `texts`: the seller's texts the answer holds there. `complete` is False when the answer cannot
    tell (the item itself was not in it): then only finding our own text proves anything, and
    absence is unknown, never "safe to send".
    """

    texts: tuple[str, ...] = ()
    complete: bool = True


UNKNOWN = Posted(complete=False)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str


class Connector:
    """A marketplace: its account keys, capabilities, streams, auth, and a credentials check."""

    marketplace: ClassVar[str]
    label: ClassVar[str]
    # account key -> (type, required, description), validated by `mktcrm config check`.
    config_keys: ClassVar[dict[str, tuple[type | tuple[type, ...], bool, str]]]
    capabilities: ClassVar[dict[str, str]]
    # What the seller can do instead, for every capability that is not "api" (shown in errors and docs).
    instead: ClassVar[dict[str, str]] = {}
    streams: ClassVar[tuple[type[Stream], ...]]
    secret_keys: ClassVar[tuple[str, ...]] = ()
    url_key: ClassVar[str] = "base_url"  # the account key holding the API host
    # marketplace status -> mktcrm state, per dispute kind (see `dispute_state`)
    dispute_states: ClassVar[dict[str, dict[str, str]]] = {}
    # The marketplace's order status (any case) -> one of records.ORDER_STATES; an unknown status stays unmapped (None).
    order_states: ClassVar[dict[str, str]] = {}
    # dispute kinds `resolve_dispute` can close on the marketplace; others are resolved locally
    resolvable_kinds: ClassVar[tuple[str, ...]] = ()
    default_base_url: ClassVar[str] = ""  # used when the account does not set url_key

    # -- what the rest of mktcrm asks about this marketplace (docs/adding-a-marketplace.md) -------------------
    # Its charter pack: "module:attribute" of a `mktcrm.charter.engine.Pack`, imported on the first check.
    charter_pack: ClassVar[str] = ""
    reply_target: ClassVar[str | None] = None  # charter target of a public reply to a review (None: brand rules)
    message_target: ClassVar[str | None] = None  # charter target of a message on a dispute
    # Reviews rated at or below this are never answered automatically, a person decides (None: any rating).
    negative_needs_human: ClassVar[int | None] = None
    deadline_rules: ClassVar[tuple[DeadlineRule, ...]] = ()  # time to act per dispute kind, with its source
    # Dispute/return reason (code or label) -> friction theme (`mktcrm insights`), None: not a friction (a
    # question). Undeclared reasons are read by the theme lexicon (mktcrm.core.themes), so only codes it would
    # misread, or that carry no words, need a line.
    reason_themes: ClassVar[dict[str, str | None]] = {}
    kpi_limits: ClassVar[tuple[KpiLimit, ...]] = ()  # published performance limits, with their source
    # KPI field -> why this marketplace's data cannot give it (the cell reads empty, `kpi --explain` says why).
    # Without `sync_disputes` the dispute and ticket figures are empty too, with `instead["sync_disputes"]`.
    kpi_gaps: ClassVar[dict[str, str]] = {}
    # Documented request limits per operation, paced client-side by a token bucket each (first match wins).
    rate_limits: ClassVar[tuple[RateLimit, ...]] = ()
    sandbox: ClassVar[str] = ""  # "module:Class" of its fake API, a `mktcrm.sandbox.base.SandboxBase`
    demo_accounts: ClassVar[tuple[str, ...]] = ()  # sandbox accounts `mktcrm demo` and `sandbox serve` set up
    serve_option: ClassVar[str] = ""  # `mktcrm sandbox serve --<serve_option> NAME`: a shortcut to its sandboxes
    # Contract tests: its spec files (globs under shared/specs), the request paths of the flow they do not
    # cover (regexes: token endpoints, pre-signed downloads), and query parameters an operation accepts
    # beyond its declared ones (a phrase of the operation's description -> parameter names).
    spec_files: ClassVar[tuple[str, ...]] = ()
    outside_spec: ClassVar[tuple[str, ...]] = ()
    spec_extra_query: ClassVar[dict[str, tuple[str, ...]]] = {}

    @classmethod
    def auth_problem(cls, request: httpx.Request) -> str | None:
        """What is wrong with the auth headers of a request sent to this marketplace (None: the right form)."""
        return None

    def __init__(self, ctx: StreamContext) -> None:
        self.ctx = ctx

    @classmethod
    def base_url(cls, account: Account) -> str:
        return check_base_url(account.name, str(account.get(cls.url_key) or cls.default_base_url))

    @classmethod
    def require(cls, capability: str) -> None:
        """Refuse an action the marketplace's API does not offer, saying what to do instead."""
        from mktcrm.errors import NotSupportedError

        mode = cls.capabilities.get(capability, NONE)
        if mode != API:
            what = capability.replace("_", " ")
            raise NotSupportedError(
                f"not supported by {cls.marketplace}: {what} has no API", hint=cls.instead.get(capability)
            )

    @classmethod
    def auth(cls, account: Account, secret: Callable[[str], str]) -> httpx.Auth | None:
        """The auth hook for this account.

        `secret(key)` reads the secret an `*_env` key names. Token endpoints are the marketplace's real ones
        (or the account's `token_url`): a sandbox transport answers those hosts too.
        """
        return None

    # OAuth marketplaces: the token endpoint's path on the real host, and that host's full URL.
    token_path: ClassVar[str] = ""
    default_token_url: ClassVar[str] = ""

    @classmethod
    def token_url(cls, account: Account) -> str:
        """The account's `token_url`, else the marketplace's (a sandbox transport answers that host too)."""
        return str(account.get("token_url") or cls.default_token_url)

    def check(self) -> CheckResult:
        raise NotImplementedError

    # -- write actions (only where `capabilities` says "api") ------------------------------------
    def reply_to_review(self, review: dict[str, Any], text: str, idempotency_key: str) -> str | None:
        """Post the public reply; returns the marketplace's id for it, if any.

        Raise ConflictError when the marketplace says the review already has a reply.
        """
        self.require("reply_review")
        raise NotImplementedError

    def remote_reply(self, review: dict[str, Any]) -> Posted:
        """The public reply the marketplace holds for this review (read after a crash or a lost answer).

        `Posted((text,))` or `Posted(())` when the answer shows the review; `UNKNOWN` when it does not.
        """
        self.require("reply_review")
        raise NotImplementedError

    # Disputes. `dispute` is a row of the disputes table (raw included); each raises NotSupportedError by default.
    def dispute_reasons(self, purpose: str) -> dict[str, str]:
        """Reason codes the marketplace accepts for `purpose` ("open" or "resolve"): code -> label."""
        return {}

    def open_dispute(self, order: dict[str, Any], reason_code: str, message: str | None) -> Dispute:
        """Start something on an order (Mirakl: a message thread, OR43). Returns the dispute to store."""
        self.require("open_dispute")
        raise NotImplementedError

    def send_dispute_message(self, dispute: dict[str, Any], text: str, idempotency_key: str) -> str | None:
        """Post a message on the dispute; returns the marketplace's message id, if any."""
        self.require("message_dispute")
        raise NotImplementedError

    def dispute_messages(self, dispute: dict[str, Any]) -> Posted:
        """The seller's messages the marketplace holds for this dispute (read back after a crash mid-send)."""
        self.require("message_dispute")
        raise NotImplementedError

    def resolve_dispute(self, dispute: dict[str, Any], reason_code: str) -> None:
        """Close or resolve the dispute on the marketplace (Mirakl OR64, eBay accept)."""
        self.require("resolve_dispute")
        raise NotImplementedError

    # Review requests (Amazon's Solicitations API), where `capabilities["solicit_review"]` is "api".
    # Days after delivery when a request may go out (first, last) and the source of that rule.
    solicit_window: ClassVar[tuple[int, int] | None] = None
    solicit_source: ClassVar[str] = ""

    @classmethod
    def delivered_at(cls, order: dict[str, Any]) -> str | None:
        """When an order (a row of the orders table, raw included) was or is promised delivered; None: unknown."""
        return None

    def solicitation_offered(self, order: dict[str, Any]) -> bool:
        """Whether the marketplace offers a review request for this order now (its own, final check)."""
        self.require("solicit_review")
        raise NotImplementedError

    def solicit_review(self, order: dict[str, Any]) -> None:
        """Ask the buyer for a review of this order; RemoteError with the marketplace's words when refused."""
        self.require("solicit_review")
        raise NotImplementedError

    @classmethod
    def order_url(cls, account: Account, order_id: str) -> str | None:
        """The seller's page for one order in the marketplace's web UI, where a task's text is pasted.

        None where the marketplace has no deep link to an order (the task's instructions say where to go).
        """
        return None

    @classmethod
    def reply_instructions(cls, review: dict[str, Any]) -> str:
        """Where the seller pastes a reply by hand when there is no API for it."""
        where = cls.instead.get("reply_review", "the marketplace's seller back office")
        order = f" (order {review['order_id']})" if review.get("order_id") else ""
        return f"{where}{order}"
