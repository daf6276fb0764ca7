"""No network: a host that cannot be reached stops its account after a bounded number of tries."""

from __future__ import annotations

import json
import re
import socket

from conftest import Home, mirakl_account
from mktcrm.http.breaker import THRESHOLD


def _closed_port() -> int:
    """A loopback port nobody listens on (bound, then released: connecting to it is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_four_offline_accounts_stop_fast_and_say_which_host(home: Home) -> None:
    ports = [_closed_port() for _ in range(4)]
    accounts = [mirakl_account(f"off{i}", base_url=f"http://127.0.0.1:{port}/x") for i, port in enumerate(ports)]
    home.configure(accounts, sync={"retries": 5, "backoff_seconds": 0.01})
    result = home.run("--verbose", "sync", "--json")
    assert result.exit_code == 5, result.stderr
    # Each host is tried THRESHOLD times in all, not five times per stream: the other streams are skipped.
    for i in range(4):
        assert len(re.findall(rf"^debug: off{i}: ", result.stderr, re.MULTILINE)) == THRESHOLD < 5
    report = json.loads(result.stdout)
    for account, port in zip(report["accounts"], ports, strict=True):
        assert account["status"] == "failed" and account["exit_code"] == 5
        assert f"127.0.0.1:{port} is unreachable" in account["error"] and "not tried again before" in account["error"]
        first, *rest = account["streams"]
        assert first["status"] == "failed" and rest and all(s["status"] == "skipped" for s in rest)
        assert f"127.0.0.1:{port} is unreachable" in result.stderr


def test_the_breaker_counts_only_connection_failures(home: Home) -> None:
    """A host that answers, even with errors, is reachable: one good sync after an offline one works."""
    port = _closed_port()
    home.configure([mirakl_account("shop1"), mirakl_account("off", base_url=f"http://127.0.0.1:{port}/x")])
    result = home.run("sync", "--json")
    assert result.exit_code == 3  # one ok, one offline
    accounts = {a["account"]: a for a in json.loads(result.stdout)["accounts"]}
    assert accounts["shop1"]["status"] == "ok" and accounts["off"]["exit_code"] == 5
