"""Per-request access to webhooks (db/webhooks.py): a key's own webhooks, and the delivery
log of each, every webhook's page of one shape read in one statement."""

from functools import cached_property

from strawberry.dataloader import DataLoader

from db import webhooks as sql
from db.pagination import Page, Window
from db.pool import Executor
from loaders.batching import grouped


class WebhookLoaders:
    """Reads webhooks and their delivery logs for one request."""

    def __init__(self, db: Executor) -> None:
        self.db = db

    async def page(self, key_id: int, window: Window) -> Page:
        """One page of the webhooks of API key `key_id`, oldest first."""
        return await sql.page(self.db, key_id, window)

    async def total(self, key_id: int) -> int:
        """How many webhooks API key `key_id` has."""
        return await sql.total(self.db, key_id)

    @cached_property
    def deliveries(self) -> DataLoader[tuple[int, Window], Page]:
        """(webhook id, window) -> that page of its delivery log, newest first."""

        async def fetch(ids: list[int], window: Window) -> dict[int, Page]:
            return await sql.delivery_pages(self.db, ids, window)

        return grouped(fetch)

    @cached_property
    def delivery_count(self) -> DataLoader[tuple[int, None], int]:
        """(webhook id, None) -> how many attempts its delivery log holds."""

        async def fetch(ids: list[int], _args: None) -> dict[int, int]:
            return await sql.delivery_counts(self.db, ids)

        return grouped(fetch)
