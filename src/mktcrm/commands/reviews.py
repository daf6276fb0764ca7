"""`reviews list|show`: what buyers said, and what still needs an answer."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm.commands._common import (
    AccountOpt,
    FieldsOpt,
    FormatOpt,
    JsonOpt,
    LimitOpt,
    SinceOpt,
    app_ctx,
    check_accounts,
    output,
    parse_range,
)
from mktcrm.db import queries
from mktcrm.errors import NotFoundError, UsageError
from mktcrm.output import Field
from mktcrm.timeutil import iso, parse_since

reviews_app = typer.Typer(help="Reviews and seller feedback in the cache.", no_args_is_help=True)

REVIEW_FIELDS = (
    Field("account", "id"),
    Field("marketplace", default=False),
    Field("id", "id"),
    Field("order_id", "id", default=False),
    Field("kind", default=False),
    Field("rating", "int"),
    Field("rating_raw", default=False),
    Field("buyer_name", max_width=18),
    Field("title", default=False),
    Field("body", max_width=60),
    Field("created_at", "time"),
    Field("answered", "bool"),
    Field("replied_at", "time", default=False),
    Field("reply_body", default=False),
    Field("updated_at", "time", default=False),
    Field("visible", "bool", default=False),
)


@reviews_app.command("list")
def reviews_list(
    ctx: typer.Context,
    account: AccountOpt = None,
    rating: Annotated[str | None, typer.Option("--rating", help="Rating or range: 5, 1..2, 4..5.")] = None,
    since: SinceOpt = None,
    unanswered: Annotated[bool, typer.Option("--unanswered", help="Only reviews with no reply yet.")] = False,
    limit: LimitOpt = None,
    fmt: FormatOpt = "auto",
    json_: JsonOpt = False,
    fields: FieldsOpt = None,
) -> None:
    """List reviews, newest first.

    Fields: account, marketplace, id, order_id, kind, rating, rating_raw, buyer_name, title, body, created_at,
    answered, replied_at, reply_body, updated_at, visible.

    \b
    Examples:
      $ mktcrm reviews list --unanswered --rating 1..2
      $ mktcrm reviews list --json | jq '.[] | select(.rating <= 2) | .body'
    """
    app = app_ctx(ctx)
    out = output(ctx, fmt, json_, fields)
    low, high = parse_range(rating) if rating else (None, None)
    f = queries.Filters(
        accounts=check_accounts(app, account),
        since=iso(parse_since(since, app.now())) if since else None,
        limit=limit,
        rating_min=low,
        rating_max=high,
        unanswered=unanswered,
    )
    out.rows(REVIEW_FIELDS, queries.reviews(app.db, f), empty="No reviews match.")


@reviews_app.command("show")
def reviews_show(
    ctx: typer.Context,
    review_id: Annotated[str, typer.Argument(metavar="ID", help="The review id (see `reviews list`).")],
    account: Annotated[str | None, typer.Option("--account", "-a", help="The account, if the id is ambiguous.")] = None,
    fmt: FormatOpt = "auto",
    json_: JsonOpt = False,
    fields: FieldsOpt = None,
) -> None:
    """Show one review in full.

    \b
    Examples:
      $ mktcrm reviews show 100045-A
      $ mktcrm reviews show 100045-A --account leclerc --json | jq -r .body
    """
    app = app_ctx(ctx)
    out = output(ctx, fmt, json_, fields)
    if account:
        check_accounts(app, [account])
    found = queries.review(app.db, review_id, account)
    if not found:
        raise NotFoundError(f"no review with id {review_id!r}", hint="list ids with: mktcrm reviews list")
    if len(found) > 1:
        names = ", ".join(r["account"] for r in found)
        raise UsageError(f"review id {review_id!r} exists in several accounts ({names})", hint="add --account NAME")
    out.record(REVIEW_FIELDS, found[0])


def register(app: typer.Typer) -> None:
    app.add_typer(reviews_app, name="reviews")
