"""Graph-shaped errors the sandbox answers with."""

from __future__ import annotations

import secrets
from typing import Any


class GraphFailure(Exception):
    """An error the sandbox answers with a Graph-shaped body."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        status: int = 400,
        subcode: int | None = None,
        type_: str = "OAuthException",
        transient: bool = False,
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status
        self.subcode, self.type, self.transient = subcode, type_, transient

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["is_transient"] = self.transient
        error["fbtrace_id"] = secrets.token_urlsafe(12)
        return {"error": error}


def nonexisting_field(name: str, node_type: str) -> GraphFailure:
    return GraphFailure(
        100, f"(#100) Tried accessing nonexisting field ({name}) on node type ({node_type})"
    )


def unsupported_get(node_id: str) -> GraphFailure:
    return GraphFailure(
        100,
        f"Unsupported get request. Object with ID '{node_id}' does not exist, cannot be loaded "
        "due to missing permissions, or does not support this operation. Please read the Graph "
        "API documentation at https://developers.facebook.com/docs/graph-api",
        subcode=33,
        type_="GraphMethodException",
    )


NO_PERMISSION = "(#10) Application does not have permission for this action"
