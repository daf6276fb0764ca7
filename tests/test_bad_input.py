"""Ordinary bad input is a one-line error with a documented exit code: never "internal error … report it"."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from conftest import Home


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("orders", "list", "--limit", "99999999999999999999"), 2, "--limit"),
        (("reviews", "list", "-n", "0"), 2, "--limit"),
        (("kpi", "--period", "0001-01-01..9999-12-31"), 2, "cannot read the period"),
        (("kpi", "--period", "2026-13-01..2026-12-31"), 2, "cannot read the period"),
    ],
)
def test_out_of_range_values_are_usage_errors(synced: Home, args: tuple[str, ...], code: int, says: str) -> None:
    result = synced.run(*args)
    assert result.exit_code == code, result.stderr
    assert says in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


def test_charter_check_reads_at_most_a_mebibyte(home: Home) -> None:
    result = home.run("charter", "check", "--marketplace", "ebay", "/dev/zero")
    assert result.exit_code == 2 and "more than 1 MiB" in result.stderr
    big = home.path / "big.txt"
    big.write_text("Merci ! " * 200_000, encoding="utf-8")
    assert home.run("charter", "check", str(big)).exit_code == 2
    ok = home.path / "ok.txt"
    ok.write_text("Merci pour votre commande.", encoding="utf-8")
    assert home.run("charter", "check", str(ok)).exit_code in (0, 6)


def test_init_makes_a_private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = tmp_path / "new-home"
    monkeypatch.setenv("MKTCRM_HOME", str(fresh))
    assert Home(fresh).run("init").exit_code == 0
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700
    assert stat.S_IMODE((fresh / "config.toml").stat().st_mode) == 0o600
