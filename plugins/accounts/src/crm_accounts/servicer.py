"""``accounts.v1.AccountsService``: translates between gRPC and the controller."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import grpc
from google.protobuf import empty_pb2, timestamp_pb2

from crm_accounts._proto.accounts.v1 import accounts_pb2, accounts_pb2_grpc
from crm_accounts.controller import AccountRecord, AccountsController
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
from crm_accounts.models import State
from crm_accounts.sessions import SessionRecord
from crm_host import Principal, ServiceError, client_address, principal, shown

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

ADMIN = "admin"

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
        create_time=_timestamp(record.create_time),
        expire_time=_timestamp(record.expire_time),
        last_used_time=_timestamp(record.last_used_time),
    )


def translate_errors(handler: Handler[Response]) -> Handler[Response]:
    @functools.wraps(handler)
    async def wrapper(*args: Any) -> Response:
        try:
            return await handler(*args)
        except AccountsError as error:
            raise service_error(error) from None

    return wrapper


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    # Timestamp.FromDatetime goes through a time tuple and calendar.timegm:
    # a quarter of GetAccount's own work. Record times are always aware UTC.
    seconds, micros = divmod((value - _EPOCH) // _MICROSECOND, 1_000_000)
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=micros * 1000)


Message = TypeVar("Message", accounts_pb2.Account, accounts_pb2.CreateAccountResponse)


def account_message(record: AccountRecord, message_type: type[Message]) -> Message:
    return message_type(
        id=record.id,
        name=record.name,
        email=record.email,
        state=record.state.value,
        create_time=_timestamp(record.create_time),
        update_time=_timestamp(record.update_time),
        etag=record.etag,
    )


def requested_changes(request: accounts_pb2.UpdateAccountRequest) -> dict[str, str]:
    """The fields UpdateAccount should change, per AIP-134's update_mask rules."""
    account = request.account
    paths = list(request.update_mask.paths)
    if not paths:
        # No mask: every updatable field the client set (proto3 strings are
        # "set" when non-empty).
        return {
            field: getattr(account, field) for field in UPDATABLE_FIELDS if getattr(account, field)
        }
    if paths == ["*"]:
        return {field: getattr(account, field) for field in UPDATABLE_FIELDS}
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
    return {path: getattr(account, path) for path in paths}


# The generated base class is untyped; it answers UNIMPLEMENTED for methods
# added to the proto before they are implemented here.
class AccountsServicer(accounts_pb2_grpc.AccountsServiceServicer):  # type: ignore[misc]
    def __init__(self, controller: AccountsController) -> None:
        self._controller = controller

    @translate_errors
    async def CreateAccount(
        self, request: accounts_pb2.CreateAccountRequest, context: grpc.aio.ServicerContext
    ) -> accounts_pb2.CreateAccountResponse:
        record = await self._controller.create_account(
            request.name,
            request.email,
            request.password,
            request.request_id,
            peer=client_address(context),
        )
        return account_message(record, accounts_pb2.CreateAccountResponse)

    @translate_errors
    async def GetAccount(
        self, request: accounts_pb2.GetAccountRequest, context: grpc.aio.ServicerContext
    ) -> accounts_pb2.Account:
        _, key = acting_on(context, request.id)
        return account_message(await self._controller.get_account(key), accounts_pb2.Account)

    @translate_errors
    async def ListAccounts(
        self, request: accounts_pb2.ListAccountsRequest, context: grpc.aio.ServicerContext
    ) -> accounts_pb2.ListAccountsResponse:
        records, token = await self._controller.list_accounts(
            request.page_size, request.page_token, request.filter, request.order_by
        )
        return accounts_pb2.ListAccountsResponse(
            accounts=[account_message(r, accounts_pb2.Account) for r in records],
            next_page_token=token,
        )

    @translate_errors
    async def UpdateAccount(
        self, request: accounts_pb2.UpdateAccountRequest, context: grpc.aio.ServicerContext
    ) -> accounts_pb2.Account:
        _, key = acting_on(context, request.account.id, field="account.id")
        record = await self._controller.update_account(
            key, requested_changes(request), request.account.etag
        )
        return account_message(record, accounts_pb2.Account)

    @translate_errors
    async def DeleteAccount(
        self, request: accounts_pb2.DeleteAccountRequest, context: grpc.aio.ServicerContext
    ) -> empty_pb2.Empty:
        _, key = acting_on(context, request.id)
        await self._controller.delete_account(key)
        return empty_pb2.Empty()

    async def _set_state(self, account_id: str, state: State) -> accounts_pb2.Account:
        record = await self._controller.set_state(account_id, state)
        return account_message(record, accounts_pb2.Account)

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
            account=account_message(account, accounts_pb2.Account),
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
