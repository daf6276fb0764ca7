"""What the seller just did shows at once, before any sync: a message hands the ball to the buyer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from conftest import Home, sandbox


def _show(home: Home, dispute_id: str) -> dict[str, object]:
    return dict(json.loads(home.ok("disputes", "show", dispute_id, "--json").stdout))


def test_a_message_makes_the_dispute_await_the_buyer_until_the_buyer_writes_again(home: Home) -> None:
    home.configure()
    home.ok("sync", "--quiet")
    dispute_id = home.sql(
        "SELECT id FROM disputes WHERE kind = 'inquiry' AND status = 'awaiting_seller' ORDER BY id LIMIT 1"
    )[0][0]
    due_before = {r["id"] for r in json.loads(home.ok("due", "--json").stdout)}
    assert dispute_id in due_before
    home.ok("disputes", "message", dispute_id, "--text", "Bonjour, votre colis part aujourd'hui.")
    assert _show(home, dispute_id)["status"] == "awaiting_buyer"  # no sync in between
    assert dispute_id not in {r["id"] for r in json.loads(home.ok("due", "--json").stdout)}
    assert home.sql("SELECT status FROM disputes WHERE id = ?", dispute_id) == [("awaiting_seller",)]  # synced: kept
    home.ok("sync", "--quiet")  # the marketplace agrees: the seller wrote last
    assert _show(home, dispute_id)["status"] == "awaiting_buyer"
    order_id = str(_show(home, dispute_id)["order_id"])
    sandbox().add_customer_message(order_id, "Toujours rien reçu.", datetime.now(UTC) + timedelta(minutes=5))
    home.ok("sync", "--quiet")  # newer remote activity wins over the local move
    assert _show(home, dispute_id)["status"] == "awaiting_seller"


def test_any_unique_start_of_an_id_names_the_dispute(home: Home) -> None:
    home.configure()
    home.ok("sync", "--quiet")
    ids = sorted(r[0] for r in home.sql("SELECT id FROM disputes"))
    unique = next(i for i in ids if sum(other.startswith(i[:-2]) for other in ids) == 1 and len(i) > 6)
    assert _show(home, unique[:-2])["id"] == unique
    shared = ids[0][:5]
    several = [i for i in ids if i.startswith(shared)]
    assert len(several) > 1, "the sandbox's ids share their first characters (thread-, return-…)"
    ambiguous = home.run("disputes", "show", shared)
    assert (
        ambiguous.exit_code == 2 and "start of several disputes" in ambiguous.stderr and several[0] in ambiguous.stderr
    )
    assert home.run("disputes", "show", ids[0][:3]).exit_code == 1  # too short to be a prefix: not found
    assert home.run("disputes", "show", "%").exit_code == 1  # LIKE wildcards match only themselves
