"""The published datasets that records come from, with their licences."""

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class Dataset:
    """A published dataset and the terms it is shared under."""

    key: str
    name: str
    url: str | None
    license: str
    attribution: str | None = None


CONGRESS_LEGISLATORS = Dataset(
    "congress-legislators",
    "unitedstates/congress-legislators",
    "https://github.com/unitedstates/congress-legislators",
    "CC0-1.0",
)
GPO_BILLSTATUS = Dataset(
    "gpo-billstatus",
    "GPO Bill Status XML bulk data",
    "https://www.govinfo.gov/bulkdata/BILLSTATUS",
    "public-domain",
    "Government Publishing Office and Library of Congress; a US Government work (17 U.S.C. 105).",
)
USCONGRESS_BILLS = Dataset(
    "uscongress-bills",
    "unitedstates/congress bill data",
    "https://github.com/unitedstates/congress",
    "public-domain",
    "Bill status from GPO BILLSTATUS, converted by the unitedstates/congress scraper (CC0-1.0).",
)
USCONGRESS_VOTES = Dataset(
    "uscongress-votes",
    "unitedstates/congress roll-call votes",
    "https://github.com/unitedstates/congress",
    "public-domain",
    "House Clerk and Senate LIS roll-call records, converted by the unitedstates/congress"
    " scraper (CC0-1.0).",
)
REDRESS_CURATED = Dataset(
    "redress-curated",
    "Redress curated records",
    None,
    "CC-BY-4.0",
    "Compiled by Redress editors from the sources cited on each record.",
)


async def ensure(conn: asyncpg.Connection, dataset: Dataset) -> int:
    """The row id of `dataset`, created or brought up to date."""
    return int(
        await conn.fetchval(
            "INSERT INTO datasets (key, name, url, license, attribution)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO UPDATE SET"
            " name = EXCLUDED.name, url = EXCLUDED.url, license = EXCLUDED.license,"
            " attribution = EXCLUDED.attribution RETURNING id",
            dataset.key,
            dataset.name,
            dataset.url,
            dataset.license,
            dataset.attribution,
        )
    )
