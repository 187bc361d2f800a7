"""``accounts.v1.AccountsService``: translates between gRPC and the controller."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast

import grpc
from google.protobuf import empty_pb2

from crm_accounts._proto.accounts.v1 import accounts_pb2, accounts_pb2_grpc
from crm_accounts.controller import AccountsController
from crm_accounts.errors import (
    AccountsError,
    AlreadyExists,
    EtagMismatch,
    FieldViolation,
    HashingBusy,
    InvalidArgument,
    InvalidCredentials,
    NotFound,
    PermissionDenied,
    SessionNotFound,
    TooManyAttempts,
    WrongPassword,
)
from crm_accounts.ids import parse_account_id
from crm_accounts.models import Account, State
from crm_accounts.resource import ACCOUNT, ADMIN
from crm_accounts.sessions import SessionRecord
from crm_host import Principal, ServiceError, client_address, kit, principal, shown

DOMAIN = accounts_pb2.DESCRIPTOR.services_by_name["AccountsService"].full_name

STATUS_CODES: dict[type[AccountsError], grpc.StatusCode] = {
    InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    NotFound: grpc.StatusCode.NOT_FOUND,
    SessionNotFound: grpc.StatusCode.NOT_FOUND,
    EtagMismatch: grpc.StatusCode.ABORTED,
    WrongPassword: grpc.StatusCode.UNAUTHENTICATED,
    InvalidCredentials: grpc.StatusCode.UNAUTHENTICATED,
    TooManyAttempts: grpc.StatusCode.RESOURCE_EXHAUSTED,
    HashingBusy: grpc.StatusCode.RESOURCE_EXHAUSTED,
    PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
}

UPDATABLE_FIELDS = ("name", "email")

Response = TypeVar("Response")
Handler = Callable[..., Awaitable[Response]]


def service_error(error: AccountsError) -> ServiceError:
    """The gRPC answer to a domain error, with ErrorInfo and BadRequest details."""
    metadata = {}
    if isinstance(error, NotFound):
        metadata = {"id": error.account_id}
    elif isinstance(error, SessionNotFound):
        metadata = {"sessionId": error.session_id}
    return ServiceError(
        code=STATUS_CODES[type(error)],
        message=str(error),
        reason=error.reason,
        domain=DOMAIN,
        metadata=metadata,
        field_violations=error.violations if isinstance(error, InvalidArgument) else (),
        retry_delay=error.retry_after if isinstance(error, TooManyAttempts | HashingBusy) else None,
    )


def caller_of(context: object) -> Principal:
    """The authenticated caller; the host admits no anonymous call to these RPCs."""
    caller = principal(context)
    if caller is None:
        raise ServiceError(
            code=grpc.StatusCode.UNAUTHENTICATED,
            message="this method needs 'authorization: Bearer <session token>'",
            reason="UNAUTHENTICATED",
            domain=DOMAIN,
        )
    return caller


def acting_on(context: object, account_id: str, field: str = "id") -> tuple[Principal, str]:
    """The caller and the account id, if the caller may act on that account.

    An account may act on itself; an admin on every account. The permission is
    checked before the account's existence (AIP-193), so a non-admin cannot
    probe which ids exist.
    """
    caller = caller_of(context)
    key = parse_account_id(account_id, field=field)
    if key != caller.account_id and not caller.has_role(ADMIN):
        raise PermissionDenied
    return caller, key


def session_message(record: SessionRecord) -> accounts_pb2.Session:
    return accounts_pb2.Session(
        id=record.id,
        account_id=record.account_id,
        create_time=kit.timestamp(record.create_time),
        expire_time=kit.timestamp(record.expire_time),
        last_used_time=kit.timestamp(record.last_used_time),
    )


def translate_errors(handler: Handler[Response]) -> Handler[Response]:
    @functools.wraps(handler)
    async def wrapper(*args: Any) -> Response:
        try:
            return await handler(*args)
        except AccountsError as error:
            raise service_error(error) from None

    return wrapper


def check_update_mask(request: accounts_pb2.UpdateAccountRequest) -> None:
    """Only name and email are updatable: a mask naming anything else is refused.

    The kit would ignore output-only paths (AIP-161); accounts has always
    refused them, and clients may rely on that.
    """
    paths = list(request.update_mask.paths)
    if paths == ["*"]:
        return
    unknown = [path for path in paths if path not in UPDATABLE_FIELDS]
    if unknown:
        raise InvalidArgument(
            [
                FieldViolation(
                    "update_mask",
                    f"cannot update {', '.join(shown(p) for p in unknown[:3])}"
                    f"{' and more' if len(unknown) > 3 else ''}; "
                    "updatable fields are name and email, or * for both",
                    "UPDATE_MASK_INVALID",
                )
            ]
        )


# The generated base class is untyped; it answers UNIMPLEMENTED for methods
# added to the proto before they are implemented here. GetAccount,
# ListAccounts and DeleteAccount are the kit's (crm_accounts.resource).
class AccountsServicer(accounts_pb2_grpc.AccountsServiceServicer):  # type: ignore[misc]
    def __init__(
        self, controller: AccountsController, kit: kit.Kit, roles: Mapping[str, str]
    ) -> None:
        self._controller = controller
        self._kit = kit
        self._roles = roles

    @functools.cached_property
    def _accounts(self) -> kit.BoundResource:
        # Bound when the plugin hands this servicer to kit.serve.
        return self._kit.resource(ACCOUNT.name)

    def _message(self, account: Account) -> accounts_pb2.Account:
        return cast(accounts_pb2.Account, self._accounts.to_message(account))

    @translate_errors
    async def CreateAccount(
        self, request: accounts_pb2.CreateAccountRequest, context: grpc.aio.ServicerContext
    ) -> accounts_pb2.CreateAccountResponse:
        account = await self._controller.create_account(
            request.name,
            request.email,
            request.password,
            request.request_id,
            peer=client_address(context),
        )
        # The response has Account's fields under the same numbers.
        return accounts_pb2.CreateAccountResponse.FromString(
            self._message(account).SerializeToString()
        )

    @translate_errors
    async def UpdateAccount(
        self, request: accounts_pb2.UpdateAccountRequest, context: grpc.aio.ServicerContext
    ) -> accounts_pb2.Account:
        acting_on(context, request.account.id, field="account.id")
        check_update_mask(request)
        updated = await self._accounts.update(
            request.account, request.update_mask, principal(context)
        )
        return cast(accounts_pb2.Account, updated)

    async def _set_state(self, account_id: str, state: State) -> accounts_pb2.Account:
        return self._message(await self._controller.set_state(account_id, state))

    @translate_errors
    async def DisableAccount(
        self, request: accounts_pb2.DisableAccountRequest, context: grpc.aio.ServicerContext
    ) -> accounts_pb2.Account:
        return await self._set_state(request.id, State.DISABLED)

    @translate_errors
    async def EnableAccount(
        self, request: accounts_pb2.EnableAccountRequest, context: grpc.aio.ServicerContext
    ) -> accounts_pb2.Account:
        return await self._set_state(request.id, State.ACTIVE)

    async def _set_role(self, account_id: str, role: str, *, held: bool) -> accounts_pb2.Account:
        if role not in self._roles:
            raise InvalidArgument(
                [
                    FieldViolation(
                        "role",
                        f"{shown(role)} is not a registered role; "
                        "crm.host.v1.HostService/ListRoles lists them",
                        "ROLE_UNKNOWN",
                    )
                ]
            )
        return self._message(await self._controller.set_role(account_id, role, held=held))

    @translate_errors
    async def GrantRole(
        self, request: accounts_pb2.GrantRoleRequest, context: grpc.aio.ServicerContext
    ) -> accounts_pb2.Account:
        return await self._set_role(request.account_id, request.role, held=True)

    @translate_errors
    async def RevokeRole(
        self, request: accounts_pb2.RevokeRoleRequest, context: grpc.aio.ServicerContext
    ) -> accounts_pb2.Account:
        return await self._set_role(request.account_id, request.role, held=False)

    @translate_errors
    async def ChangePassword(
        self, request: accounts_pb2.ChangePasswordRequest, context: grpc.aio.ServicerContext
    ) -> empty_pb2.Empty:
        caller, key = acting_on(context, request.id)
        own = key == caller.account_id
        await self._controller.change_password(
            key,
            request.current_password,
            request.new_password,
            peer=client_address(context),
            # The caller keeps the session it changed its password with.
            keep_session=caller.credential_id if own else None,
        )
        return empty_pb2.Empty()

    @translate_errors
    async def Authenticate(
        self, request: accounts_pb2.AuthenticateRequest, context: grpc.aio.ServicerContext
    ) -> accounts_pb2.AuthenticateResponse:
        account, token, session = await self._controller.authenticate(
            request.email, request.password, client_address(context)
        )
        return accounts_pb2.AuthenticateResponse(
            account=self._message(account),
            session_token=token,
            session=session_message(session),
        )

    @translate_errors
    async def RevokeSession(
        self, request: accounts_pb2.RevokeSessionRequest, context: grpc.aio.ServicerContext
    ) -> empty_pb2.Empty:
        caller = caller_of(context)
        session_id = request.session_id or caller.credential_id
        owner = None if caller.has_role(ADMIN) else caller.account_id
        await self._controller.revoke_session(session_id, owner)
        return empty_pb2.Empty()

    @translate_errors
    async def ListSessions(
        self, request: accounts_pb2.ListSessionsRequest, context: grpc.aio.ServicerContext
    ) -> accounts_pb2.ListSessionsResponse:
        _, key = acting_on(context, request.account_id, field="account_id")
        records = await self._controller.list_sessions(key)
        return accounts_pb2.ListSessionsResponse(sessions=[session_message(r) for r in records])

    @translate_errors
    async def RevokeAllSessions(
        self, request: accounts_pb2.RevokeAllSessionsRequest, context: grpc.aio.ServicerContext
    ) -> empty_pb2.Empty:
        _, key = acting_on(context, request.account_id, field="account_id")
        await self._controller.revoke_all_sessions(key)
        return empty_pb2.Empty()
