"""Provenance: the dataset, file and source URL a record was imported from."""

from typing import Any

import strawberry

from schema.context import Info


@strawberry.type(description="A published dataset that records come from, and its licence.")
class Dataset:
    key: str = strawberry.field(description="Stable key, e.g. `redress-curated`.")
    name: str = strawberry.field(description="The dataset's name.")
    url: str | None = strawberry.field(description="Where the dataset is published.")
    license: str = strawberry.field(description="Its licence, as an SPDX id such as `CC0-1.0`.")
    attribution: str | None = strawberry.field(
        description="The credit the licence asks for, when it asks for one."
    )

    @classmethod
    def from_row(cls, row: Any) -> "Dataset":
        return cls(
            key=row["key"],
            name=row["name"],
            url=row["url"],
            license=row["license"],
            attribution=row["attribution"],
        )


async def load_dataset(info: Info, pk: int | None) -> Dataset | None:
    """The dataset with row id `pk` through the request's loader, or None."""
    if pk is None:
        return None
    row = await info.context.loaders.datasets.by_id.load(pk)
    return Dataset.from_row(row) if row else None


@strawberry.type(
    description="Where a record came from: the published dataset and the file it was imported"
    " from, and the record's own page at the source when there is one."
)
class Provenance:
    dataset_pk: strawberry.Private[int]
    file: str | None = strawberry.field(
        description="The imported file, relative to the data folder (e.g."
        " `bills/billstatus/BILLSTATUS-117hr1470.xml`), or its name when it was elsewhere."
    )
    source_url: str | None = strawberry.field(
        description="The record's own address at its source, when known: a bill's `url` (for a"
        " BILLSTATUS bill, its govinfo.gov file) or a roll call's clerk or Senate record."
    )

    @strawberry.field(description="The published dataset, with its licence and attribution.")
    async def dataset(self, info: Info) -> Dataset | None:
        return await load_dataset(info, self.dataset_pk)


def provenance_of(row: Any, source_url: str | None = None) -> Provenance | None:
    """The provenance of a row with `dataset_id` and `source_file`; None for records that
    editors wrote, which come from no dataset."""
    if row["dataset_id"] is None:
        return None
    return Provenance(dataset_pk=row["dataset_id"], file=row["source_file"], source_url=source_url)


PROVENANCE_DESCRIPTION = (
    "Where this record was imported from: its dataset and licence, the file and the source URL;"
    " null when an editor wrote it."
)
