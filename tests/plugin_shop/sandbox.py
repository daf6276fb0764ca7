"""Bazaar's sandbox: a handful of seeded orders and reviews behind the generic `SandboxBase`."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx

from mktcrm.sandbox.base import ApiError, SandboxBase, json_response


class BazaarSandbox(SandboxBase):
    marketplace = "bazaar"

    def __init__(self, name: str, **options: Any) -> None:
        super().__init__(name, **options)
        rng = random.Random(self.seed)
        end = datetime.combine(self.anchor, time(12), tzinfo=UTC)
        self.orders = [
            {
                "id": f"B{n:04d}",
                "status": "cancelled" if n % 10 == 9 else "shipped",
                "created_at": (end - timedelta(days=n % 30, hours=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "total_cents": 1000 + 100 * n,
            }
            for n in range(self.orders_count)
        ]
        self.reviews = [
            {
                "id": f"R{o['id']}",
                "order_id": o["id"],
                "rating": rng.choice((1, 4, 5)),
                "text": "Très bien",
                "created_at": o["created_at"],
                "reply": None,
            }
            for o in self.orders[::2]
        ]

    @property
    def credentials(self) -> dict[str, str]:
        return {"api_key_env": f"bazaar-{self.name}-key"}

    def reply_of(self, review_id: str) -> str | None:
        return self._review(review_id)["reply"]

    def _review(self, review_id: str) -> dict[str, Any]:
        found = [r for r in self.reviews if r["id"] == review_id]
        if not found:
            raise ApiError(404, f"no review {review_id}")
        return found[0]

    def answer(self, request: httpx.Request, path: str) -> httpx.Response:
        if request.headers.get("X-Api-Key") != self.credentials["api_key_env"]:
            raise ApiError(401, "bad API key")
        collections = {"/v1/listings": [{"id": "L1", "title": "Vase"}], "/v1/orders": self.orders}
        collections["/v1/reviews"] = self.reviews
        if request.method == "GET" and path in collections:
            offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
            rows = collections[path]
            return json_response(200, {"total": len(rows), "items": rows[offset : offset + limit]})
        if request.method == "GET" and path == "/v1/shop":
            return json_response(200, {"name": f"Bazaar {self.name}"})
        parts = path.strip("/").split("/")
        if request.method == "GET" and parts[:2] == ["v1", "reviews"] and len(parts) == 3:
            return json_response(200, self._review(parts[2]))
        if request.method == "POST" and parts[:2] == ["v1", "reviews"] and parts[3:] == ["reply"]:
            review = self._review(parts[2])
            if review["reply"] is not None:
                raise ApiError(409, "already replied")
            review["reply"] = json.loads(request.content)["text"]
            return json_response(201, {"reply_id": f"RR{parts[2]}"})
        raise ApiError(404, f"no route {request.method} {path}")
