"""Who is asking, and what their role lets them do."""

from dataclasses import dataclass
from enum import IntEnum

from schema.errors import ApiError


class Role(IntEnum):
    """Roles in increasing order of power; each can do what the ones below it can."""

    ANONYMOUS = 0
    READER = 1
    EDITOR = 2
    ADMIN = 3


@dataclass(frozen=True)
class Principal:
    """The caller: an API key (by id and name) with its role, or an anonymous client."""

    role: Role = Role.ANONYMOUS
    key_id: int | None = None
    key_name: str | None = None
    client: str | None = None

    @property
    def authenticated(self) -> bool:
        return self.key_id is not None


ANONYMOUS = Principal()


class Unauthenticated(ApiError):
    """The request needs an API key and carried none (or a revoked or unknown one)."""

    code = "UNAUTHENTICATED"


class Forbidden(ApiError):
    """The API key's role may not do this."""

    code = "FORBIDDEN"


def require(principal: Principal, role: Role) -> Principal:
    """`principal` if its role is at least `role`; otherwise UNAUTHENTICATED or FORBIDDEN."""
    if principal.role >= role:
        return principal
    if not principal.authenticated:
        raise Unauthenticated(f"this needs an API key with the {role.name.lower()} role")
    raise Forbidden(
        f"the key {principal.key_name!r} has the {principal.role.name.lower()} role;"
        f" this needs {role.name.lower()}"
    )
