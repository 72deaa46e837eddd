"""Generic DataLoader factories: by key, and grouped by the arguments of a nested field.

`REDRESS_NAIVE_LOADERS=1` (read once, at import) makes every loader dispatch each key on its
own, one SQL statement per parent: the benchmark's baseline that shows what batching gains.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

K = TypeVar("K", bound=Hashable)
A = TypeVar("A", bound=Hashable)
V = TypeVar("V")

NAIVE_ENV = "REDRESS_NAIVE_LOADERS"


def naive_loaders(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the environment asks for unbatched loaders (`REDRESS_NAIVE_LOADERS=1`)."""
    return environ.get(NAIVE_ENV, "").strip() == "1"


NAIVE = naive_loaders()


def _max_batch_size() -> int | None:
    return 1 if NAIVE else None


def keyed(fetch: Callable[[list[K]], Awaitable[dict[K, V]]]) -> DataLoader[K, V | None]:
    """A loader that fetches many keys in one call; a missing key loads as None."""

    async def load(keys: list[K]) -> Sequence[V | None]:
        found = await fetch(keys)
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load, max_batch_size=_max_batch_size())


def grouped(
    fetch: Callable[[list[K], A], Awaitable[dict[K, V]]],
) -> DataLoader[tuple[K, A], V]:
    """A loader keyed by (parent, arguments): one fetch per distinct set of arguments.

    Nested connections use it so that every parent asking for the same page shape is
    answered by one SQL statement.
    """

    async def load(keys: list[tuple[K, A]]) -> Sequence[V]:
        parents_by_args: dict[A, dict[K, None]] = defaultdict(dict)
        for parent, args in keys:
            parents_by_args[args][parent] = None
        results: dict[tuple[K, A], V] = {}
        for args, parents in parents_by_args.items():
            for parent, value in (await fetch(list(parents), args)).items():
                results[(parent, args)] = value
        return [results[key] for key in keys]

    return DataLoader(load_fn=load, max_batch_size=_max_batch_size())
