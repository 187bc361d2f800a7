"""Account use cases, independent of gRPC.

SQLAlchemy runs synchronously on worker threads (asyncio.to_thread): see
docs/accounts.md for the measurement behind that choice. Every write is one
short transaction whose outcome the database decides (unique indexes,
conditional UPDATEs), so several hosts can share one database safely.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Result, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_accounts import sessions, throttle
from crm_accounts.errors import (
    AlreadyExists,
    EtagMismatch,
    FieldViolation,
    InvalidArgument,
    InvalidCredentials,
    NotFound,
    SessionNotFound,
    TooManyAttempts,
    WrongPassword,
)
from crm_accounts.events import Publish
from crm_accounts.ids import parse_account_id, parse_request_id, parse_uuid
from crm_accounts.models import Account, State
from crm_accounts.passwords import PasswordHasher
from crm_accounts.sessions import SessionRecord
from crm_accounts.settings import AccountsSettings
from crm_accounts.validation import (
    email_lookup_keys,
    validate_new_account,
    validate_new_password,
)
from crm_host import Database

logger = logging.getLogger(__name__)

# A write that loses a race is retried this often before the caller is told
# so (ABORTED, or ALREADY_EXISTS for creates); only truly hot rows get there.
UPDATE_ATTEMPTS = 5

T = TypeVar("T")


def _request_digest(name: str, email_canonical: str) -> str:
    return hashlib.sha256(f"{name}\0{email_canonical}".encode()).hexdigest()


class AccountsController:
    """The accounts use cases; all database work runs on worker threads."""

    def __init__(
        self,
        database: Database,
        hasher: PasswordHasher,
        settings: AccountsSettings,
        publish: Publish,
    ) -> None:
        self._database = database
        # Publishes an account event in the transaction of the change.
        self._publish = publish
        self._engine = database.engine
        self._hasher = hasher
        self._settings = settings
        self._dummy_hash: str | None = None
        # CreateAccount retries whose password is being checked, by account,
        # peer and a keyed digest of the password (the key never leaves memory).
        self._replays: dict[tuple[str, str, bytes], asyncio.Future[bool]] = {}
        self._flight_key = secrets.token_bytes(32)

    async def _run(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction on a worker thread."""
        return await self._database.transaction(work)

    # -- create -----------------------------------------------------------------

    async def create_account(
        self,
        name: str,
        email: str,
        password: str,
        request_id: str = "",
        roles: frozenset[str] = frozenset(),
        *,
        peer: str = "",
    ) -> Account:
        """Create an account, or return the one an earlier try of ``request_id`` made.

        ``peer`` is the caller's address (crm_host.client_address): a retry
        checks the password, and that check is throttled as a login from
        ``peer``. In-process callers (create-admin) pass no request_id.
        """
        violations: list[FieldViolation] = []
        try:
            # Off the event loop: the password policy's similarity rule can
            # take tens of milliseconds (docs/security.md).
            new = await self._hasher.run(validate_new_account, name, email, password)
        except InvalidArgument as invalid:
            violations += invalid.violations
        try:
            request = parse_request_id(request_id)
        except InvalidArgument as invalid:
            violations += invalid.violations
        if violations:
            raise InvalidArgument(violations)
        digest = _request_digest(new.name, new.email_canonical)

        # Checked before hashing so that a duplicate does not cost an argon2
        # hash; the unique indexes still decide races.
        conflict = await self._run(lambda s: _conflicting(s, request, new.email_canonical))
        if conflict is not None:
            return await self._answer_conflict(conflict, request, digest, new.password, peer)
        password_hash = await self._hasher.hash(new.password)
        now = datetime.now(UTC)
        account = Account(
            id=str(uuid.uuid4()),
            name=new.name,
            name_folded=new.name.casefold(),
            email=new.email,
            email_canonical=new.email_canonical,
            password_hash=password_hash,
            state=State.ACTIVE,
            roles=" ".join(sorted(roles)),
            version=1,
            create_request_id=request,
            create_request_digest=digest if request else None,
            create_time=now,
            update_time=now,
        )
        for _ in range(UPDATE_ATTEMPTS):
            try:
                await self._run(lambda s: self._add(s, account))
                break
            except IntegrityError:
                # A concurrent create won a race on a unique index: either an
                # earlier try of this very request, or another owner of the
                # email. If that account is already gone again, just retry.
                conflict = await self._run(lambda s: _conflicting(s, request, new.email_canonical))
                if conflict is not None:
                    return await self._answer_conflict(
                        conflict, request, digest, new.password, peer
                    )
        else:
            raise AlreadyExists
        logger.info("created account %s", account.id)
        return account

    def _add(self, session: Session, account: Account) -> None:
        session.add(account)
        session.flush()
        self._publish(session, "created", account, ())

    async def _answer_conflict(
        self, conflict: Account, request: str | None, digest: str, password: str, peer: str
    ) -> Account:
        """A retry of ``request`` gets the account it created; anything else is a duplicate."""
        if request is None or conflict.create_request_id != request:
            raise AlreadyExists
        return await self._replay(conflict, digest, password, peer)

    async def _replay(self, earlier: Account, digest: str, password: str, peer: str) -> Account:
        """The account ``earlier`` if this request repeats the one that created it.

        A different name or email needs no password check, and counts nothing.
        Checking the password makes a replay a login in all but name, so it is
        throttled exactly like one (:meth:`_check_replay`). Identical retries
        in flight at the same time (same account, peer and password) share one
        check, counted once: a client retrying a request in parallel is not
        refused for it, while every distinct guess still counts.
        """
        if earlier.create_request_digest != digest:
            raise _request_id_reused()
        fingerprint = hmac.digest(
            self._flight_key, password.encode("utf-8", "surrogatepass"), "sha256"
        )
        key = (earlier.id, throttle.peer_bucket(peer), fingerprint)
        flight = self._replays.get(key)
        if flight is None:
            flight = asyncio.ensure_future(self._check_replay(earlier, password, peer))
            self._replays[key] = flight
            flight.add_done_callback(lambda done: self._landed(key, done))
        # Shielded: a caller that goes away must not cancel the others' check.
        if not await asyncio.shield(flight):
            raise _request_id_reused()
        return earlier

    def _landed(self, key: tuple[str, str, bytes], flight: asyncio.Future[bool]) -> None:
        del self._replays[key]
        if not flight.cancelled():
            flight.exception()  # retrieved, even when every caller went away

    async def _check_replay(self, earlier: Account, password: str, peer: str) -> bool:
        """Whether ``password`` is ``earlier``'s, checked as a login from ``peer``.

        Counted before the check against the account's email from ``peer``
        and against ``peer`` (TooManyAttempts once over a limit), and given
        back when the password matches, as Authenticate does.
        """
        watched = throttle.login_keys(self._settings, earlier.email_canonical, peer)
        # A place first: an attempt counted and then refused for lack of one
        # would count against the user.
        with self._hasher.place():
            await self._count_attempt(watched)
            if not await self._hasher.verify(earlier.password_hash, password):
                return False
        await self._run(lambda s: throttle.give_back(s, watched))
        return True

    # -- write ------------------------------------------------------------------

    async def set_state(self, account_id: str, state: State) -> Account:
        """Disable or enable; a no-op when the account already has ``state``."""
        key = parse_account_id(account_id)

        def change(session: Session) -> Account:
            changed = _conditional_update(session, key, None, {"state": state}, unless_state=state)
            if state == State.DISABLED:
                # Enabling again must not bring back sessions opened before.
                sessions.revoke_all(session, key)
            if changed is None:
                return _existing(session, key)
            self._publish(
                session, "disabled" if state == State.DISABLED else "enabled", changed, ()
            )
            return changed

        return await self._run(change)

    async def set_role(self, account_id: str, role: str, *, held: bool) -> Account:
        """Grant (``held``) or revoke ``role``; a no-op when the account already is so.

        The account's sessions carry the change from their next call on:
        the authenticator reads roles with every call.
        """
        key = parse_account_id(account_id, field="account_id")
        for _ in range(UPDATE_ATTEMPTS):
            account = await self._run(lambda s: _existing(s, key))
            roles = set(account.roles.split())
            if (role in roles) == held:
                return account
            roles = roles | {role} if held else roles - {role}
            values = {"roles": " ".join(sorted(roles))}
            version = account.version
            changed = await self._run(
                lambda s: self._update_roles(s, key, version, values)  # noqa: B023
            )
            if changed is not None:
                logger.info(
                    "%s role %s %s account %s",
                    "granted" if held else "revoked",
                    role,
                    "to" if held else "from",
                    key,
                )
                return changed
        raise EtagMismatch

    def _update_roles(
        self, session: Session, key: str, version: int, values: Mapping[str, object]
    ) -> Account | None:
        changed = _conditional_update(session, key, version, values)
        if changed is not None:
            self._publish(session, "updated", changed, ("roles",))
        return changed

    async def change_password(
        self,
        account_id: str,
        current: str,
        new: str,
        *,
        peer: str,
        keep_session: str | None = None,
    ) -> None:
        """Replace the password and end the account's sessions other than ``keep_session``.

        Checking the current password is throttled like a login: a stolen
        session token must not turn this into a password-guessing oracle.
        """
        key = parse_account_id(account_id)
        account = await self._run(lambda s: _existing(s, key))
        watched = throttle.password_change_keys(self._settings, key, peer)
        # A place first: an attempt counted and then refused for lack of one
        # would count against the user.
        with self._hasher.place():
            await self._count_attempt(watched)
            if not await self._hasher.verify(account.password_hash, current):
                raise WrongPassword
            password = await self._hasher.run(
                functools.partial(
                    validate_new_password,
                    new,
                    name=account.name,
                    email=account.email,
                    field="new_password",
                )
            )
            new_hash = await self._hasher.hash(password)

        def store(session: Session) -> int:
            # Conditional on the old hash: a concurrent change with the same
            # current password must not be silently overwritten.
            result = session.execute(
                update(Account)
                .where(Account.id == key, Account.password_hash == account.password_hash)
                .values(password_hash=new_hash)
            )
            changed = _rowcount(result)
            if changed:
                self._publish(session, "password_changed", _existing(session, key), ())
                sessions.revoke_all(session, key, keep=keep_session)
                throttle.give_back(session, watched)
            return changed

        if not await self._run(store):
            raise WrongPassword
        logger.info("changed the password of account %s", key)

    # -- identity ---------------------------------------------------------------

    async def authenticate(
        self, email: str, password: str, peer: str
    ) -> tuple[Account, str, SessionRecord]:
        """Check the credentials and open a session: (account, token, session).

        Every failure is the same InvalidCredentials, and takes the same time:
        an unknown email is checked against a dummy hash.
        """
        canonical, collided = email_lookup_keys(email)
        watched = throttle.login_keys(self._settings, canonical, peer)
        # A place first: an attempt counted and then refused for lack of one
        # would count against the user.
        with self._hasher.place():
            await self._count_attempt(watched)
            dummy = await self._dummy()
            account = await self._run(lambda s: _login_account(s, canonical, collided))
            verified = await self._hasher.verify(
                account.password_hash if account is not None else dummy, password
            )
            if account is None or not verified or account.state != State.ACTIVE:
                raise InvalidCredentials
            password_hash = account.password_hash
            if self._hasher.needs_rehash(password_hash):
                password_hash = await self._rehash(account, password)
        ttl = timedelta(seconds=self._settings.session_ttl_seconds)

        def open_(session: Session) -> tuple[str, SessionRecord] | None:
            opened = sessions.open_session(session, account.id, password_hash, ttl)
            if opened is not None:
                throttle.give_back(session, watched)
            return opened

        opened = await self._run(open_)
        if opened is None:
            # The password changed or the account was disabled meanwhile.
            raise InvalidCredentials
        token, record = opened
        logger.info("account %s opened session %s", account.id, record.id)
        return account, token, record

    async def _count_attempt(self, keys: list[throttle.Key]) -> None:
        """Count a password check against ``keys`` before it runs, or refuse it."""
        for _ in range(throttle.RESERVE_ATTEMPTS):
            now = datetime.now(UTC)
            rows = await asyncio.to_thread(throttle.read, self._engine, keys)
            wait = throttle.retry_after(rows, self._settings, keys, now)
            if wait is not None:
                raise TooManyAttempts(wait)
            try:
                await asyncio.to_thread(
                    throttle.count, self._engine, self._settings, keys, rows, now
                )
                return
            except throttle.Conflict:
                continue
        # Only a flood of parallel attempts on one key gets here.
        raise TooManyAttempts(self._settings.login_backoff_seconds)

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash

    async def _rehash(self, account: Account, password: str) -> str:
        """Store the password hashed with the current parameters (raised since).

        Returns the hash the account has now: the new one, or the old one when
        a concurrent change won.
        """
        new_hash = await self._hasher.hash(password)
        stored = await self._run(
            lambda s: _rowcount(
                s.execute(
                    update(Account)
                    .where(Account.id == account.id, Account.password_hash == account.password_hash)
                    .values(password_hash=new_hash)
                )
            )
        )
        if not stored:
            # The hash changed meanwhile: a password change, or a concurrent
            # login rehashing this same password. The session may open on the
            # latter's hash, which this password still matches.
            current = await self._run(
                lambda s: s.scalar(select(Account.password_hash).where(Account.id == account.id))
            )
            if current is not None and await self._hasher.verify(current, password):
                return current
            return account.password_hash
        logger.info("rehashed the password of account %s with the current parameters", account.id)
        return new_hash

    async def list_sessions(self, account_id: str) -> list[SessionRecord]:
        key = parse_account_id(account_id, field="account_id")
        return await self._run(lambda s: sessions.list_sessions(s, key))

    async def revoke_session(self, session_id: str, owner: str | None) -> None:
        """End one session; with ``owner``, only if it belongs to that account."""
        key = parse_uuid(session_id, field="session_id", reason="ID_INVALID", what="a session id")
        if not await self._run(lambda s: sessions.revoke(s, key, owner)):
            raise SessionNotFound(key)

    async def revoke_all_sessions(self, account_id: str) -> None:
        key = parse_account_id(account_id, field="account_id")
        await self._run(lambda s: sessions.revoke_all(s, key))


def _request_id_reused() -> InvalidArgument:
    return InvalidArgument(
        [
            FieldViolation(
                "request_id",
                "was already used for a CreateAccount request with a different payload",
                "REQUEST_ID_REUSED",
            )
        ]
    )


def _rowcount(result: Result[Any]) -> int:
    # UPDATE and DELETE give a CursorResult, whose rowcount tells whether the
    # WHERE clause (the condition we rely on) matched.
    return cast(CursorResult[Any], result).rowcount


def _existing(session: Session, key: str) -> Account:
    account = session.get(Account, key)
    if account is None:
        raise NotFound(key)
    return account


def _conflicting(session: Session, request_id: str | None, email_canonical: str) -> Account | None:
    """The account a new one would clash with.

    That is the account an earlier try of ``request_id`` made, else the owner
    of the email address.
    """
    if request_id is not None:
        earlier = session.scalar(select(Account).where(Account.create_request_id == request_id))
        if earlier is not None:
            return earlier
    return session.scalar(select(Account).where(Account.email_canonical == email_canonical))


def _login_account(session: Session, canonical: str, collided: str | None) -> Account | None:
    """The account an address signs in to.

    The account whose address, spelled so, collided with another's when
    revision 0003 made keys NFKC (``collided``) comes first: the address is
    its own. Otherwise the owner of the canonical key.
    """
    keys = [canonical] if collided is None else [canonical, collided]
    found = {
        account.email_canonical: account
        for account in session.scalars(select(Account).where(Account.email_canonical.in_(keys)))
    }
    return found.get(collided or "") or found.get(canonical)


def _conditional_update(
    session: Session,
    key: str,
    version: int | None,
    values: Mapping[str, object],
    unless_state: State | None = None,
) -> Account | None:
    """Apply ``values`` and bump the version, if the row is still at ``version``.

    Returns the updated account, or None when the condition did not hold.
    """
    statement = update(Account).where(Account.id == key)
    if version is not None:
        statement = statement.where(Account.version == version)
    if unless_state is not None:
        statement = statement.where(Account.state != unless_state)
    result = session.execute(
        statement.values(**values, version=Account.version + 1, update_time=datetime.now(UTC))
    )
    if not _rowcount(result):
        return None
    return session.get(Account, key, populate_existing=True)
