"""API keys: `redress keys create|list|revoke`, and only a hash of each key in the table."""

import asyncio
import hashlib

import asyncpg
import pytest

from api.cli import main
from db import keys
from db.pool import Executor


def create_key(capsys: pytest.CaptureFixture[str], role: str, name: str) -> str:
    """Run `redress keys create` and return the key it printed."""
    assert main(["keys", "create", "--role", role, "--name", name]) == 0
    out, err = capsys.readouterr()
    assert "only time the key is shown" in err
    return out.strip()


async def table_text(url: str) -> str:
    """Every row of api_keys as JSON text, hashes in hex."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT row_to_json(k)::text AS j FROM api_keys k ORDER BY id")
    finally:
        await conn.close()
    return "\n".join(r["j"] for r in rows)


async def stored(url: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(
            "SELECT id, name, role::text AS role, key_hash, revoked_at, created_at, updated_at"
            " FROM api_keys ORDER BY id"
        )
    finally:
        await conn.close()


def test_create_prints_the_key_once_and_stores_only_its_hash(
    empty_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_url)
    key = create_key(capsys, "editor", "newsroom desk")
    assert keys.well_formed(key) and key.startswith("rdr_") and len(key) == 47

    rows = asyncio.run(stored(empty_url))
    assert [(r["name"], r["role"], r["revoked_at"]) for r in rows] == [
        ("newsroom desk", "editor", None)
    ]
    assert bytes(rows[0]["key_hash"]) == hashlib.sha256(key.encode()).digest()
    text = asyncio.run(table_text(empty_url))
    assert key not in text
    assert key.removeprefix("rdr_") not in text
    assert key.removeprefix("rdr_")[:16] not in text

    # `list` shows the key's record, never the key.
    assert main(["keys", "list"]) == 0
    out, _ = capsys.readouterr()
    lines = out.strip().splitlines()
    assert lines[0].split() == ["id", "role", "created", "last", "used", "revoked", "name"]
    assert len(lines) == 2 and "editor" in lines[1] and lines[1].endswith("newsroom desk")
    assert key not in out and key.removeprefix("rdr_")[:16] not in out


def test_each_key_is_new(
    empty_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_url)
    made = [create_key(capsys, role, f"key {role}") for role in ("reader", "editor", "admin")]
    assert len(set(made)) == 3

    rows = asyncio.run(stored(empty_url))
    assert [r["role"] for r in rows] == ["reader", "editor", "admin"]
    assert len({bytes(r["key_hash"]) for r in rows}) == 3


def test_revoke_marks_the_key_and_refuses_twice_or_unknown(
    empty_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_url)
    create_key(capsys, "reader", "one")
    create_key(capsys, "admin", "two")

    first, _second = asyncio.run(stored(empty_url))
    assert main(["keys", "revoke", str(first["id"])]) == 0
    assert capsys.readouterr().out.strip() == f"revoked key {first['id']} 'one'"

    assert main(["keys", "revoke", str(first["id"])]) == 1
    assert "already revoked" in capsys.readouterr().err
    assert main(["keys", "revoke", "999999"]) == 1
    assert "no key with id 999999" in capsys.readouterr().err

    after = asyncio.run(stored(empty_url))
    assert after[0]["revoked_at"] is not None and after[1]["revoked_at"] is None
    assert after[0]["updated_at"] > after[0]["created_at"]

    assert main(["keys", "list"]) == 0
    listed = capsys.readouterr().out.strip().splitlines()[1:]
    assert len(listed) == 2
    assert listed[0].split()[5] != "-" and listed[1].split()[5] == "-"


def test_create_refuses_an_unknown_role_and_an_empty_name(
    empty_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_url)
    with pytest.raises(SystemExit) as role:
        main(["keys", "create", "--role", "owner", "--name", "x"])
    assert role.value.code == 2
    assert "invalid choice: 'owner'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as name:
        main(["keys", "create", "--role", "reader", "--name", "   "])
    assert name.value.code == 2
    assert "1 to 200 characters" in capsys.readouterr().err


async def test_authenticate_finds_live_keys_only_and_records_use(empty_url: str) -> None:
    conn = await asyncpg.connect(empty_url)
    try:
        db = Executor(conn)
        record, key = await keys.create(db, "bot", "reader")
        assert record.last_used_at is None

        found = await keys.authenticate(db, key)
        assert found is not None and (found.id, found.name, found.role) == (
            record.id,
            "bot",
            "reader",
        )
        used = await keys.by_id(db, record.id)
        assert used is not None and used.last_used_at is not None
        # Use is not a change to the key: updated_at stays.
        assert used.updated_at == record.updated_at

        assert await keys.authenticate(db, keys.generate()) is None
        assert await keys.revoke(db, record.id) is not None
        assert await keys.authenticate(db, key) is None
    finally:
        await conn.close()


def test_well_formed_keys() -> None:
    key = keys.generate()
    assert keys.well_formed(key)
    assert not keys.well_formed(key[:-1])
    assert not keys.well_formed(key + "x")
    assert not keys.well_formed("rdr_" + "!" * 43)
    assert not keys.well_formed("abc_" + key[4:])
    assert not keys.well_formed("")
