"""API keys: their format, their hash, and the SQL that stores, lists, revokes and checks them.

A key is `rdr_` followed by 43 URL-safe characters (256 random bits). Only its SHA-256
digest is stored. A fast hash is the right one here: a slow password hash protects guessable
secrets, and a 256-bit random key cannot be guessed, so the digest of one reveals nothing.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from db.pool import Executor

PREFIX = "rdr_"
KEY_PATTERN = re.compile(r"rdr_[A-Za-z0-9_-]{43}")
ROLES = ("reader", "editor", "admin")

COLUMNS = (
    "k.id, k.name, k.role::text AS role, k.created_at, k.updated_at, k.last_used_at, k.revoked_at"
)
# Writing `last_used_at` on every request would turn each read into a write.
LAST_USED_RESOLUTION = "1 minute"


@dataclass(frozen=True)
class ApiKey:
    """A stored API key, without the key itself."""

    id: int
    name: str
    role: str
    created_at: datetime
    updated_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> "ApiKey":
        """Build from a row with the columns of `COLUMNS`."""
        return cls(
            id=row["id"],
            name=row["name"],
            role=row["role"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            last_used_at=row["last_used_at"],
            revoked_at=row["revoked_at"],
        )


def generate() -> str:
    """A new random key."""
    return PREFIX + secrets.token_urlsafe(32)


def well_formed(key: str) -> bool:
    """Whether `key` has the shape of a key this service issues."""
    return KEY_PATTERN.fullmatch(key) is not None


def digest(key: str) -> bytes:
    """The SHA-256 digest stored for `key`."""
    return hashlib.sha256(key.encode()).digest()


async def create(db: Executor, name: str, role: str) -> tuple[ApiKey, str]:
    """Store a new key for `name` with `role`; return it and the key, which is never stored."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    key = generate()
    row = await db.fetchrow(
        "INSERT INTO api_keys AS k (name, role, key_hash) VALUES ($1, $2::api_key_role, $3)"
        f" RETURNING {COLUMNS}",
        name.strip(),
        role,
        digest(key),
    )
    assert row is not None
    return ApiKey.from_row(row), key


async def listing(db: Executor) -> list[ApiKey]:
    """Every key, revoked ones included, oldest first."""
    rows = await db.fetch(f"SELECT {COLUMNS} FROM api_keys k ORDER BY k.id")
    return [ApiKey.from_row(r) for r in rows]


async def by_id(db: Executor, key_id: int) -> ApiKey | None:
    """The key with id `key_id`, or None."""
    row = await db.fetchrow(f"SELECT {COLUMNS} FROM api_keys k WHERE k.id = $1", key_id)
    return None if row is None else ApiKey.from_row(row)


async def revoke(db: Executor, key_id: int) -> ApiKey | None:
    """Revoke the key `key_id` now; None if there is no such key or it was already revoked."""
    row = await db.fetchrow(
        "UPDATE api_keys AS k SET revoked_at = now()"
        f" WHERE k.id = $1 AND k.revoked_at IS NULL RETURNING {COLUMNS}",
        key_id,
    )
    return None if row is None else ApiKey.from_row(row)


async def authenticate(db: Executor, key: str) -> ApiKey | None:
    """The live (unrevoked) key whose digest matches `key`, or None; one statement.

    It also records the key's use, at most once per `LAST_USED_RESOLUTION`.
    """
    row = await db.fetchrow(
        f"WITH k AS (SELECT {COLUMNS} FROM api_keys k WHERE k.key_hash = $1"
        " AND k.revoked_at IS NULL),"
        " used AS (UPDATE api_keys a SET last_used_at = now() FROM k WHERE a.id = k.id"
        f" AND (a.last_used_at IS NULL OR a.last_used_at < now() - interval"
        f" '{LAST_USED_RESOLUTION}') RETURNING a.id)"
        " SELECT k.id, k.name, k.role, k.created_at, k.updated_at, k.last_used_at,"
        " k.revoked_at FROM k",
        digest(key),
    )
    return None if row is None else ApiKey.from_row(row)
