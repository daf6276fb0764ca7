"""One flag convention across commands (docs/cli.md, "Conventions"): -n/--limit on every list, --text for
texts, `templates show` taking what --template takes."""

from __future__ import annotations

import json

from conftest import Home
from mktcrm.cli import COMMANDS, load_command


def _commands() -> list[tuple[tuple[str, ...], object]]:
    """Every leaf command as (path, click command)."""
    found = []
    for name in COMMANDS:
        command = load_command(name)
        subs = getattr(command, "commands", None)
        if subs:
            found += [((name, sub), cmd) for sub, cmd in subs.items()]
        else:
            found.append(((name,), command))
    return found


def test_every_row_printing_command_takes_limit() -> None:
    missing = []
    for path, command in _commands():
        names = {o for p in command.params for o in getattr(p, "opts", [])}  # type: ignore[attr-defined]
        if "--fields" in names and path != ("reviews", "show") and not {"-n", "--limit"} <= names:
            missing.append(" ".join(path))
    assert missing == []


def test_limit_cuts_rows_where_the_command_has_no_query_limit(synced: Home) -> None:
    assert len(json.loads(synced.ok("templates", "list", "--json").stdout)) > 2
    assert len(json.loads(synced.ok("templates", "list", "--json", "-n", "2").stdout)) == 2
    assert len(json.loads(synced.ok("orders", "list", "--json", "--limit", "3").stdout)) == 3
    assert synced.run("marketplaces", "-n", "0").exit_code == 2


def test_templates_show_takes_the_name_template_takes(home: Home) -> None:
    both = home.ok("templates", "show", "thanks").stdout
    assert both.startswith("{# thanks.en #}\n") and "{# thanks.fr #}" in both
    fr = home.ok("templates", "show", "thanks.fr").stdout
    assert fr.strip() and "{#" not in fr and fr.strip() in both
    missing = home.run("templates", "show", "nope")
    assert missing.exit_code == 2 and missing.stderr.startswith("Error: no template named 'nope'")
