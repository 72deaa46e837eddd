"""db.pool: transactions that lose a race with a concurrent one come out as Collision."""

import asyncio

import asyncpg

from db.pool import Collision, connect


async def test_two_writers_that_deadlock_get_a_collision(fresh_url):
    db = await connect(fresh_url, max_size=2)
    other = await asyncpg.connect(fresh_url, server_settings={"deadlock_timeout": "10s"})
    try:
        ids = [r["id"] for r in await db.fetch("SELECT id FROM legislators ORDER BY id LIMIT 2")]
        lock = "SELECT 1 FROM legislators WHERE id = $1 FOR UPDATE"
        touch = "UPDATE legislators SET nickname = nickname WHERE id = $1"
        other_tx = other.transaction()
        await other_tx.start()
        await other.execute(lock, ids[0])
        in_writer = asyncio.Event()

        async def crossing() -> None:
            async with db.transaction() as tx:
                await tx.execute("SET LOCAL deadlock_timeout = '50ms'")  # this side gives up
                await tx.execute(lock, ids[1])
                in_writer.set()
                await asyncio.sleep(0.3)  # let the other side wait on us first
                await tx.execute(touch, ids[0])

        writer = asyncio.ensure_future(crossing())
        await in_writer.wait()
        waiting = asyncio.ensure_future(other.execute(touch, ids[1]))  # waits on the writer
        try:
            await writer
            raise AssertionError("the crossing writes should have collided")
        except Collision:
            pass
        await waiting  # the writer rolled back: the other side goes on
        await other_tx.rollback()
    finally:
        await other.close()
        await db.close()
