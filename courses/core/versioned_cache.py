"""Values computed from the database, kept in Django's cache (Redis in production: shared by every
web process and worker) under a version that every change of what they were computed from
replaces, so that a value is never served once its source has changed, whatever its age.

A value is stored beside the version read before it was computed, and served only while that
version is still the current one (one round trip reads both). A change replaces the version
twice: at once, and again once its transaction commits. A value computed in between, from rows
not yet committed, was stored under the first replacement, which is no longer current after the
second. Entries expire only so that values of past versions do not pile up.

A cache that cannot be reached costs the speed, never the answer: the value is computed as if
nothing were cached. A change made meanwhile inside a transaction is refused before it commits,
with a 503 (see invalidate). A change saved outside one has committed before the cache is asked:
it stands, and the process that made it replaces the version before it uses the cache again;
another process may serve a value computed before it until then, for at most the value's expiry.
The API's writes are made in transactions, so that this never happens through it.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence

from django.core.cache import cache
from django.db import connection, transaction

logger = logging.getLogger(__name__)


class VersionedCache:
    every: list[VersionedCache] = []

    def __init__(self, name: str, *, timeout: int):
        self.name = name
        self.timeout = timeout
        # A replacement after a commit that failed: done before this process uses the cache again.
        self.pending = False
        VersionedCache.every.append(self)

    def _namespace(self) -> str:
        # Two databases served through one Redis (two deployments, parallel test runs) never
        # share a version or a value.
        db = connection.settings_dict
        return f"{self.name}:{db.get('HOST') or ''}:{db.get('PORT') or ''}:{db['NAME']}"

    def _version_key(self) -> str:
        return f"{self._namespace()}:version"

    def key(self, *parts) -> str:
        """The key of one value: whatever determines it, hashed to a short key."""
        digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
        return f"{self._namespace()}:{digest}"

    def lookup(self, key: str) -> tuple[str | None, object | None]:
        """(the current version, the value stored under `key` if computed for that version). A
        version missing (never set, or evicted) is created: no value stored before matches it.
        (None, None) when the cache cannot be reached: compute, and store nothing."""
        return VersionedCache.lookup_many([(self, key)])[0]

    @staticmethod
    def lookup_many(
        wanted: Sequence[tuple[VersionedCache, str | None]],
    ) -> list[tuple[str | None, object | None]]:
        """lookup() of several caches' values in one round trip, in order. A key of None asks for
        the cache's current version only."""
        version_keys = [versioned._version_key() for versioned, _key in wanted]
        keys = version_keys + [key for _versioned, key in wanted if key is not None]
        try:
            for versioned, _key in wanted:
                if versioned.pending:
                    versioned._replace_version()
                    versioned.pending = False
            found = cache.get_many(keys)
            answers = []
            for (_versioned, key), version_key in zip(wanted, version_keys, strict=True):
                version = found.get(version_key)
                if version is None:
                    cache.add(version_key, uuid.uuid4().hex, timeout=None)
                    answers.append((cache.get(version_key), None))
                    continue
                stored = found.get(key) if key is not None else None
                if stored is not None and stored[0] == version:
                    answers.append((version, stored[1]))
                else:
                    answers.append((version, None))
        except Exception:  # noqa: BLE001 - any cache failure: compute without it
            logger.warning("%s cache unavailable", ", ".join(v.name for v, _ in wanted), exc_info=True)
            return [(None, None)] * len(wanted)
        return answers

    def store(self, key: str, version: str | None, value) -> None:
        """Keep a value computed after reading `version` (lookup)."""
        if version is None:
            return
        try:
            cache.set(key, (version, value), timeout=self.timeout)
        except Exception:  # noqa: BLE001
            logger.warning("%s cache unavailable: value not stored", self.name, exc_info=True)

    def forget(self) -> None:
        """Serve nothing stored so far, outside any transaction (a test whose changes were
        rolled back left values computed from them under a version still current)."""
        self._replace_version_committed()

    def _replace_version(self) -> None:
        cache.set(self._version_key(), uuid.uuid4().hex, timeout=None)

    def _replace_version_committed(self) -> None:
        """After a commit: never raises, the change stands. A cache that cannot be reached now
        holds nothing this process could serve meanwhile; the replacement is tried again before
        this process next reads or stores a value (lookup_many), and by every later change."""
        try:
            self._replace_version()
        except Exception:  # noqa: BLE001 - committed already: say so, try again later
            self.pending = True
            logger.error(
                "%s cache version not replaced after a commit; tried again later", self.name, exc_info=True
            )
        else:
            self.pending = False

    def invalidate(self) -> None:
        """What the values are computed from is changing: none computed before may be served
        again. Replaces the version now, and once the current transaction commits.

        Inside a transaction, a cache that cannot be reached refuses the change (CacheUnavailable:
        the transaction rolls back, the client gets a 503, a task is retried): committed without a
        replacement, the change would leave values that Redis may still hold, served as soon as it
        answers again (a network fault, a restart from a snapshot). Outside one (autocommit) the
        change has committed already: it stands, and the replacement is retried."""
        if not connection.in_atomic_block:
            self._replace_version_committed()
            return
        try:
            self._replace_version()
        except Exception as exc:  # noqa: BLE001 - the cache client's errors are not one type
            logger.warning("%s cache unavailable: change refused before its commit", self.name, exc_info=True)
            # Imported here: courses.core.errors imports DRF, whose settings import this module's users.
            from courses.core.errors import CacheUnavailable

            raise CacheUnavailable from exc
        transaction.on_commit(self._replace_version_committed)
