"""Password hashing with argon2id at explicit OWASP parameters (docs/security.md).

Hashing costs ~20 ms of one core and 19 MiB; a semaphore bounds concurrent hashes per process
to the number of cores so a burst of sign-ins queues instead of thrashing memory.

Passwords are hashed in Unicode NFC, the form the length rule counts in
(``accounts/policy.py``): "é" typed as one character on a phone and as "e" + U+0301 on
another keyboard is the same password. A hash made before that rule from a decomposed input
still verifies: a password with composable characters is checked in NFC, as typed and in NFD
(one check per distinct form; plain ASCII is one check), and the dummy hash gets the same
checks, so the answer's timing never depends on whether an account exists.
"""

from __future__ import annotations

import os
import threading
import unicodedata

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
            return self._hasher.hash(unicodedata.normalize("NFC", password))

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Constant work whether or not there is a hash to check against."""
        forms = list(dict.fromkeys([unicodedata.normalize("NFC", password), password,
                                    unicodedata.normalize("NFD", password)]))  # fmt: skip
        with self._slots:
            matched = [self._check(password_hash or self._dummy_hash, form) for form in forms]
        return any(matched) and password_hash is not None

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
