"""A new seller's first minutes: the demo in MKTCRM_HOME, and list commands on a cache nothing was synced into."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Home


def test_demo_builds_in_mktcrm_home_when_set(home: Home) -> None:
    result = home.ok("demo", "--orders", "20")
    assert (home.path / "config.toml").read_text(encoding="utf-8").startswith("# Written by `mktcrm demo`")
    assert f"Demo home: {home.path}" in result.stderr
    listed = json.loads(home.ok("orders", "list", "--account", "leclerc", "--json").stdout)
    assert len(listed) == 20  # the commands that follow read the demo just built, with no export


def test_demo_refuses_a_home_that_is_not_a_demo(home: Home) -> None:
    home.configure()  # a seller's own config: never overwritten
    before = (home.path / "config.toml").read_text(encoding="utf-8")
    result = home.run("demo", "--orders", "20")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {home.path} is not empty and holds no demo")
    assert "Hint:" in result.stderr and "Traceback" not in result.stderr
    assert (home.path / "config.toml").read_text(encoding="utf-8") == before


def test_demo_refuses_a_file_as_home(home: Home, tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("x", encoding="utf-8")
    result = home.run("demo", "--home", str(target))
    assert result.exit_code == 2 and "is not a folder" in result.stderr


def test_lists_on_a_cache_never_synced_say_what_to_run(home: Home) -> None:
    for args in (("reviews", "list"), ("orders", "list"), ("disputes", "list"), ("listings", "list")):
        before = home.ok(*args, "--json")
        assert before.stdout == "[]\n"  # scripts still read an empty list, exit 0
        assert before.stderr.splitlines() == [
            "Nothing is synced yet, and there is no config.",
            "Hint: run `mktcrm init`, or try `mktcrm demo`",
        ]
    home.configure()
    configured = home.ok("reviews", "list")
    assert configured.stdout == ""
    assert configured.stderr.splitlines() == [
        "Nothing is synced yet.",
        "Hint: run `mktcrm sync` to pull listings, orders, reviews and disputes",
    ]
    home.ok("sync", "--quiet")
    after = home.ok("reviews", "list", "--rating", "1", "--since", "1d", "--json")  # empty because of filters
    assert after.stdout == "[]\n" and after.stderr == ""
