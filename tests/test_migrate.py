"""The migration runner: ordered, recorded, idempotent and safe to start twice at once."""

import asyncio

import asyncpg

from db.migrate import discover, migrate


def test_migrations_are_numbered_in_order():
    versions = [m.version for m in discover()]
    assert versions == sorted(versions)
    assert versions[0] == 1


async def test_migrate_is_idempotent(empty_url):
    # empty_url is already migrated: a second run applies nothing.
    assert await migrate(empty_url) == []
    conn = await asyncpg.connect(empty_url)
    try:
        recorded = await conn.fetchval("SELECT count(*) FROM schema_migrations")
    finally:
        await conn.close()
    assert recorded == len(discover())


async def test_concurrent_migrations_apply_each_file_once(server_url):
    from tests.conftest import _create_database, _drop_database

    name = "redress_concurrent_migrate"
    await _drop_database(server_url, name)
    url = await _create_database(server_url, name)
    try:
        first, second = await asyncio.gather(migrate(url), migrate(url))
        assert len(first) + len(second) == len(discover())
        assert not (first and second)
    finally:
        await _drop_database(server_url, name)
