"""A test client that speaks as a given user, and small helpers for reading answers."""
from __future__ import annotations

from datetime import timedelta

from booking.accounts.operations import issue_token
from booking.core.db import db


class Api:
    """``api.as_(user).post(path, json=...)``; anonymous when no user is given."""

    def __init__(self, client, token: str | None = None):
        self.client, self.token = client, token

    def as_(self, user) -> Api:
        token, _ = issue_token(user, timedelta(hours=1))
        db.session.commit()
        return Api(self.client, token)

    def _headers(self, headers):
        merged = dict(headers or {})
        if self.token:
            merged["Authorization"] = f"Bearer {self.token}"
        return merged

    def request(self, method: str, path: str, headers=None, **kwargs):
        return self.client.open(path, method=method, headers=self._headers(headers), **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


def error_code(response) -> str:
    body = response.get_json()
    assert body is not None and "error" in body, f"not an error answer: {response.status_code} {response.data[:300]}"
    return body["error"]["code"]
