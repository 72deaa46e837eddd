"""Per-request access to the audit log (admins only; checked in the schema)."""

from db import audit as sql
from db.pagination import Page, Window
from db.pool import Executor


class AuditLoaders:
    """Reads the audit log for one request."""

    def __init__(self, db: Executor) -> None:
        self.db = db

    async def page(self, f: sql.AuditFilter, order: str, window: Window) -> Page:
        """One page of the root `auditLog` list."""
        return await sql.page(self.db, f, order, window)

    async def total(self, f: sql.AuditFilter) -> int:
        """The size of the root `auditLog` list."""
        return await sql.total(self.db, f)
