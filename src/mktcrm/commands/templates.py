"""`mktcrm templates list|show|render`: the reply templates, and what one gives for a review."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm.commands import _complete
from mktcrm.commands._common import AccountOne, JsonOpt, app_ctx, new_app, output, rows_command
from mktcrm.core import replies, templates
from mktcrm.errors import ExitCode, UsageError
from mktcrm.output import Field, Output

app = new_app("Reply templates (Jinja2, sandboxed).")
TEMPLATE_FIELDS = (Field("name", "id"), Field("origin"), Field("preview", max_width=70))


@app.command("list")
@rows_command(TEMPLATE_FIELDS)
def templates_list(ctx: typer.Context, out: Output) -> None:
    """List reply templates: files in the config folder's templates/, [templates] in config, built-ins.

    \b
    Examples:
      $ mktcrm templates list
    """
    app_ = app_ctx(ctx)
    found = templates.available(app_.paths.config.parent / "templates", app_.settings.templates)
    rows = [{"name": t.name, "origin": t.origin, "preview": " ".join(t.source.split())} for t in found.values()]
    out.rows(TEMPLATE_FIELDS, rows)


@app.command("show")
def templates_show(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="Template name, as --template takes it (thanks, or thanks.fr).", autocompletion=_complete.templates
        ),
    ],
) -> None:
    """Print a template's source; a name without a language suffix prints every language it has.

    Each language variant is headed by a Jinja comment ({# thanks.en #}), so the output stays a template.

    \b
    Examples:
      $ mktcrm templates show thanks
      $ mktcrm templates show thanks.fr
    """
    app_ = app_ctx(ctx)
    found = templates.available(app_.paths.config.parent / "templates", app_.settings.templates)
    variants = templates.variants(found, name)
    if not variants:
        raise UsageError(f"no template named {name!r}", hint=f"available: {', '.join(sorted(found))}")
    for template in variants:
        if len(variants) > 1:
            print(f"{{# {template.name} #}}")
        print(template.source)


@app.command("render")
def templates_render(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="Template name (a language suffix is picked from the review).", autocompletion=_complete.templates
        ),
    ],
    review: Annotated[str, typer.Option("--review", "-r", help="Review id to fill the template with.")],
    account: AccountOne = None,
    json_: JsonOpt = False,
) -> None:
    """Render a template for a review and print the text, then its charter findings (exit 6 on an error).

    \b
    Examples:
      $ mktcrm templates render thanks --review INT01999692-A
    """
    deps = app_ctx(ctx).deps()
    out = output(ctx)
    found = replies.find_review(deps.db, review, account)
    draft = replies.make_draft(deps, found, template=name, text=None)
    if json_:
        out.json({"template": draft.template, "text": draft.text, "findings": draft.findings})
    else:
        print(draft.text)
        for f in draft.findings:
            out.note(f"{f['line']}:{f['column']} {f['rule']} {f['message']} — {f['hint']}")
    if draft.errors:
        raise typer.Exit(int(ExitCode.CHARTER))
