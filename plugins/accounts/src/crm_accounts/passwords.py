"""Argon2id password hashing off the event loop, on a bounded pool with a bounded queue."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from crm_accounts.errors import HashingBusy
from crm_accounts.settings import AccountsSettings

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Added to the niceness of hashing threads (19, the lowest priority, at most).
HASHING_NICENESS = 10


class _HashingPool:
    """The threads that hash, and the places of the requests waiting for them.

    A running hash holds memory_cost KiB (64 MiB by default) and a core, so at
    most ``workers`` run. Up to ``queue`` more requests may wait; the next one
    is refused at once (HashingBusy) rather than piling up until memory or
    deadlines run out.
    """

    def __init__(self, workers: int, queue: int) -> None:
        self.workers = workers
        self.queue = queue
        self.executor = ThreadPoolExecutor(
            workers, thread_name_prefix="crm-accounts-argon2", initializer=_lower_priority
        )
        self._places = workers + queue
        self._taken = 0
        self._lock = threading.Lock()

    def take(self) -> None:
        with self._lock:
            if self._taken >= self._places:
                raise HashingBusy
            self._taken += 1

    def give_back(self) -> None:
        with self._lock:
            self._taken -= 1


def _lower_priority() -> None:
    """Let the scheduler prefer the event loop (and the database) to hashing.

    A hash holds a core for about 0.1 s; reads on the event loop take
    microseconds each. At a lower priority, hashes use what the loop leaves
    and reads keep their pace while hashing is saturated (docs/benchmarks.md).
    Linux applies a thread id's priority to that thread alone.
    """
    if sys.platform != "linux":
        return
    thread = threading.get_native_id()
    try:
        niceness = os.getpriority(os.PRIO_PROCESS, thread) + HASHING_NICENESS
        os.setpriority(os.PRIO_PROCESS, thread, min(niceness, 19))
    except OSError as exc:
        # A sandbox may forbid it; hashing at the usual priority still works,
        # while an initializer that raises would break the pool for good.
        logger.warning("cannot lower the priority of password hashing: %s", exc.strerror)


# One pool per process, not per host instance: every hash competes for the
# same cores and memory, so the bounds must be global. The first hasher to
# hash sizes it.
_pool: _HashingPool | None = None
_pool_lock = threading.Lock()

# Set while a request holds its place, so that its hashes (a check and then a
# new hash, say) share the one place.
_holding: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "crm_accounts_hashing", default=False
)


def _shared_pool(workers: int, queue: int) -> _HashingPool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = _HashingPool(workers, queue)
        elif (_pool.workers, _pool.queue) != (workers, queue):
            logger.info(
                "the password hashing pool already has %d workers and a queue of %d; "
                "hash_workers=%d and hash_queue=%d are ignored",
                _pool.workers,
                _pool.queue,
                workers,
                queue,
            )
        return _pool


def _encode(password: str) -> bytes:
    # NFKC so that the same password typed on different keyboards or input
    # methods hashes the same (NIST SP 800-63B).
    return unicodedata.normalize("NFKC", password).encode("utf-8")


class PasswordHasher:
    """Hashes and verifies passwords without blocking the event loop."""

    def __init__(self, settings: AccountsSettings) -> None:
        self._hasher = argon2.PasswordHasher.from_parameters(settings.argon2_parameters)
        self._workers = settings.hash_workers
        self._queue = settings.hash_queue
        self._shared: _HashingPool | None = None

    @contextlib.contextmanager
    def place(self) -> Iterator[None]:
        """Hold a place in the hashing queue for this request, or raise HashingBusy.

        Take it before work that must not be wasted on a request that will be
        refused (counting a login attempt, say); the hashes inside share it.
        """
        if _holding.get():
            yield
            return
        pool = self._pool()
        pool.take()
        token = _holding.set(True)
        try:
            yield
        finally:
            _holding.reset(token)
            pool.give_back()

    async def hash(self, password: str) -> str:
        """Return the argon2id PHC string of ``password``."""
        return await self._on_pool(self._hasher.hash, _encode(password))

    async def verify(self, hash: str, password: str) -> bool:
        """Whether ``password`` matches ``hash``; every kind of failure is just False."""
        try:
            secret = _encode(password)
        except UnicodeEncodeError:
            # No stored password contains an unpaired surrogate, so this cannot match.
            return False
        return await self._on_pool(self._verify, hash, secret)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` on a hashing thread, in this request's place in the queue.

        For other CPU-heavy password work (the password policy), so that it
        neither blocks the event loop nor escapes the queue's bound.
        """
        return await self._on_pool(function, *args)

    def needs_rehash(self, hash: str) -> bool:
        """Whether ``hash`` was made with other parameters than the current ones."""
        try:
            return self._hasher.check_needs_rehash(hash)
        except InvalidHashError:
            return True

    async def _on_pool(self, function: Callable[..., T], *args: Any) -> T:
        with self.place():
            # A request that goes away while it waits is cancelled here, and
            # with it the hash that has not started.
            return await asyncio.get_running_loop().run_in_executor(
                self._pool().executor, function, *args
            )

    def _pool(self) -> _HashingPool:
        # Looked up once per hasher, so a size mismatch is reported once.
        if self._shared is None:
            self._shared = _shared_pool(self._workers, self._queue)
        return self._shared

    def _verify(self, hash: str, secret: bytes) -> bool:
        try:
            return self._hasher.verify(hash, secret)
        # VerifyMismatchError (wrong password) is a VerificationError.
        except (VerificationError, InvalidHashError):
            return False
