"""Ordinary bad input is a one-line error with a documented exit code: never "internal error … report it"."""

from __future__ import annotations

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
