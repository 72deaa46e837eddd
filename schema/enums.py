"""Enums that several domains share."""

from enum import Enum

import strawberry


@strawberry.enum(description="A chamber of Congress.")
class Chamber(Enum):
    HOUSE = strawberry.enum_value("house", description="The House of Representatives.")
    SENATE = strawberry.enum_value("senate", description="The Senate.")
