"""Password hashing with argon2id at explicit OWASP parameters (DESIGN §5, §8).

Hashing costs ~20 ms of one core and 19 MiB; a semaphore bounds concurrent hashes per process
to the number of cores so a burst of sign-ins queues instead of thrashing memory.
"""

from __future__ import annotations

import os
import threading

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from idp.config import PasswordHashSettings


class PasswordHashing:
    def __init__(self, settings: PasswordHashSettings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.time_cost,
            memory_cost=settings.memory_kib,
            parallelism=settings.parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )
        self._slots = threading.BoundedSemaphore(settings.concurrency or os.cpu_count() or 1)
        # Verified against when no account matches, so an unknown identifier costs the same.
        self._dummy_hash = self._hasher.hash(os.urandom(16).hex())

    def hash(self, password: str) -> str:
        with self._slots:
            return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Constant work whether or not there is a hash to check against."""
        with self._slots:
            try:
                return self._hasher.verify(password_hash or self._dummy_hash, password) and (
                    password_hash is not None
                )
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
