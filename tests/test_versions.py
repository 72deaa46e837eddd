"""db.versions: the data version moves with every write, and the shared reader never lags."""

import asyncio

from db.pool import connect, log_statements
from db.versions import VersionReader, data_version


async def test_a_write_moves_the_version_in_its_transaction(fresh_url):
    db = await connect(fresh_url, max_size=3)
    try:
        before = await data_version(db)
        assert before is not None
        async with db.transaction() as tx:
            await tx.execute("UPDATE topics SET name = name || ' ' WHERE slug = $1", "x")
            assert await data_version(db) == before  # not visible before the commit
        assert await data_version(db) == before + 1
    finally:
        await db.close()


async def test_concurrent_reads_share_statements(fresh_url):
    db = await connect(fresh_url, max_size=3)
    try:
        reader = VersionReader(db)
        async with log_statements() as log:
            versions = await asyncio.gather(*(reader.read() for _ in range(10)))
        assert len(set(versions)) == 1
        assert 1 <= log.count <= 2
    finally:
        await db.close()


async def test_a_read_asked_for_after_a_commit_sees_it(fresh_url):
    db = await connect(fresh_url, max_size=3)
    try:
        reader = VersionReader(db)
        before = await reader.read()
        assert before is not None
        in_flight = asyncio.ensure_future(reader.read())
        await asyncio.sleep(0)  # the first read is on its way
        await db.execute("UPDATE legislators SET nickname = nickname WHERE id = -1")
        after = await reader.read()  # asked for after the commit: must not share the first
        assert after == before + 1
        assert await in_flight in (before, before + 1)
    finally:
        await db.close()
