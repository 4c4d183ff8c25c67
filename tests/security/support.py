"""Small helpers of the security tests: API calls with a token, error fields."""

from __future__ import annotations

import json
from typing import Any

from django.test.client import Client

API = "/api/v1"


def send(client: Client, method: str, path: str, body: Any = None, token: str = "") -> Any:
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = "" if body is None else json.dumps(body)
    return getattr(client, method)(
        f"{API}{path}", data=data, content_type="application/json", **extra
    )


def fields_of(response: Any) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}
