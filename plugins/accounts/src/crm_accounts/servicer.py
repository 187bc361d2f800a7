"""``accounts.v1.AccountsService``: translates between gRPC and the controller."""

from __future__ import annotations

import grpc

from crm_accounts._proto.accounts.v1 import accounts_pb2, accounts_pb2_grpc
from crm_accounts.controller import AccountsController
from crm_accounts.errors import AlreadyExists, InvalidArgument


# The generated base class is untyped; it supplies UNIMPLEMENTED for methods
# added to the proto before they are implemented here.
class AccountsServicer(accounts_pb2_grpc.AccountsServiceServicer):  # type: ignore[misc]
    def __init__(self, controller: AccountsController) -> None:
        self._controller = controller

    async def CreateAccount(
        self,
        request: accounts_pb2.CreateAccountRequest,
        context: grpc.aio.ServicerContext,
    ) -> accounts_pb2.CreateAccountResponse:
        # Only the domain errors carry client-safe messages; anything else
        # propagates to the host, which answers INTERNAL without details.
        try:
            account = await self._controller.create_account(
                request.name, request.email, request.password
            )
        except InvalidArgument as e:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(e))
        except AlreadyExists as e:
            await context.abort(grpc.StatusCode.ALREADY_EXISTS, str(e))
        # context.abort() always raises, so `account` is bound here.
        return accounts_pb2.CreateAccountResponse(
            id=account.id, name=account.name, email=account.email
        )
