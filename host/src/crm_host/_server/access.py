"""Per-RPC access policies, and resolving the caller of a call (see crm_host.auth)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import grpc

from crm_host._server import store
from crm_host.auth import AUTHENTICATED, PUBLIC, ROLE_PREFIX, Authenticator, Principal
from crm_host.errors import HOST_DOMAIN, INTERNAL, ServiceError

log = logging.getLogger("crm_host.auth")


@dataclass(frozen=True)
class Policy:
    """Who may call one RPC; ``role`` is set for ``role:<name>`` policies."""

    text: str
    role: str | None = None

    @classmethod
    def parse(cls, text: str) -> Policy:
        if text in (PUBLIC, AUTHENTICATED):
            return cls(text)
        if text.startswith(ROLE_PREFIX) and text[len(ROLE_PREFIX) :]:
            return cls(text, role=text[len(ROLE_PREFIX) :])
        raise ValueError(
            f"unknown access policy {text!r}; use public, authenticated or role:<name>"
        )

    @property
    def public(self) -> bool:
        return self.text == PUBLIC


DEFAULT_POLICY = Policy(AUTHENTICATED)


def _unauthenticated(message: str) -> ServiceError:
    return ServiceError(
        code=grpc.StatusCode.UNAUTHENTICATED,
        message=message,
        reason="UNAUTHENTICATED",
        domain=HOST_DOMAIN,
    )


def _bearer_token(metadata: Sequence[tuple[str, Any]] | None) -> str | None:
    """The token of the ``authorization`` metadata: None if absent; raises if malformed."""
    values = [value for key, value in metadata or () if key == "authorization"]
    if not values:
        return None
    if len(values) > 1:
        raise _unauthenticated("send exactly one 'authorization: Bearer <token>' metadata entry")
    scheme, _, token = str(values[0]).partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthenticated("authorization metadata must be 'Bearer <token>'")
    return token.strip()


@dataclass(frozen=True)
class Gatekeeper:
    """Resolves the caller of a call and decides whether the RPC's policy admits it.

    ``policies`` maps full method paths (``/pkg.Service/Method``) to their
    policy; methods missing from it get :data:`DEFAULT_POLICY`.
    """

    policies: Mapping[str, Policy]
    authenticators: Sequence[Authenticator] = ()

    async def admit(
        self, method: str, metadata: Sequence[tuple[str, Any]] | None
    ) -> Principal | None:
        """The caller (None when anonymous), or a ServiceError refusing the call."""
        policy = self.policies.get(method, DEFAULT_POLICY)
        try:
            caller = await self._resolve(metadata)
        except ServiceError:
            # A public method works the same with or without a usable token,
            # so health checks keep answering while the database is down.
            if policy.public:
                return None
            raise
        _check(policy, caller)
        return caller

    async def _resolve(self, metadata: Sequence[tuple[str, Any]] | None) -> Principal | None:
        token = _bearer_token(metadata)
        if token is None:
            return None
        for authenticate in self.authenticators:
            try:
                caller = await authenticate(token)
            except Exception as exc:
                # An authenticator's failure must neither reach the client as
                # text nor pass for "no caller": a database outage is
                # UNAVAILABLE (retry later), anything else a bug.
                if (outage := store.unavailable(exc)) is not None:
                    raise outage from None
                log.error("an authenticator raised an unexpected exception", exc_info=exc)
                raise dataclasses.replace(INTERNAL) from None
            if caller is not None:
                return caller
        raise _unauthenticated("the session token is invalid or expired")


def _check(policy: Policy, caller: Principal | None) -> None:
    if policy.public:
        return
    if caller is None:
        raise _unauthenticated("this method needs 'authorization: Bearer <session token>'")
    if policy.role is not None and not caller.has_role(policy.role):
        raise ServiceError(
            code=grpc.StatusCode.PERMISSION_DENIED,
            message=f"this method needs the {policy.role} role",
            reason="ROLE_REQUIRED",
            domain=HOST_DOMAIN,
            metadata={"role": policy.role},
        )
