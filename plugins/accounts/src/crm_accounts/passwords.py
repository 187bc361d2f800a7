"""Argon2id password hashing off the event loop, on a bounded thread pool."""

from __future__ import annotations

import asyncio
import logging
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from crm_accounts.settings import AccountsSettings

logger = logging.getLogger(__name__)

# One pool per process, not per host instance: every hash competes for the
# same cores and each running hash holds memory_cost KiB, so the bound must be
# global. The first hasher to hash sizes it.
_executor: ThreadPoolExecutor | None = None
_executor_workers = 0
_executor_lock = threading.Lock()


def _shared_executor(max_workers: int) -> ThreadPoolExecutor:
    global _executor, _executor_workers
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=max_workers, thread_name_prefix="crm-accounts-argon2"
            )
            _executor_workers = max_workers
        elif _executor_workers != max_workers:
            logger.info(
                "the password hashing pool already has %d workers; hash_workers=%d is ignored",
                _executor_workers,
                max_workers,
            )
        return _executor


def _encode(password: str) -> bytes:
    # NFKC so that the same password typed on different keyboards or input
    # methods hashes the same (NIST SP 800-63B).
    return unicodedata.normalize("NFKC", password).encode("utf-8")


class PasswordHasher:
    """Hashes and verifies passwords without blocking the event loop."""

    def __init__(self, settings: AccountsSettings) -> None:
        self._hasher = argon2.PasswordHasher.from_parameters(settings.argon2_parameters)
        self._workers = settings.hash_workers
        self._executor: ThreadPoolExecutor | None = None

    async def hash(self, password: str) -> str:
        """Return the argon2id PHC string of ``password``."""
        secret = _encode(password)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool(), self._hasher.hash, secret)

    async def verify(self, hash: str, password: str) -> bool:
        """Whether ``password`` matches ``hash``; every kind of failure is just False."""
        try:
            secret = _encode(password)
        except UnicodeEncodeError:
            # No stored password contains an unpaired surrogate, so this cannot match.
            return False
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool(), self._verify, hash, secret)

    def needs_rehash(self, hash: str) -> bool:
        """Whether ``hash`` was made with other parameters than the current ones."""
        try:
            return self._hasher.check_needs_rehash(hash)
        except InvalidHashError:
            return True

    def _pool(self) -> ThreadPoolExecutor:
        # Looked up once per hasher, so a size mismatch is reported once.
        if self._executor is None:
            self._executor = _shared_executor(self._workers)
        return self._executor

    def _verify(self, hash: str, secret: bytes) -> bool:
        try:
            return self._hasher.verify(hash, secret)
        # VerifyMismatchError (wrong password) is a VerificationError.
        except (VerificationError, InvalidHashError):
            return False
