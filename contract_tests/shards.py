"""`--shard K/N`: the same deterministic slice of the operations on every machine, resources kept whole.

Operations are grouped by resource (the path before its first parameter: `/books` holds `POST /books`
and `GET /books/{id}`), so the links of a resource's create/read/update/delete stay inside one shard and
its stateful sequences still run. Groups go, largest first, to the shard with the fewest operations.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True, slots=True)
class Shard:
    """The `index`-th (1-based) of `total` slices."""

    index: int
    total: int

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


def parse_shard(text: str) -> Shard:
    """`"2/4"` -> Shard(2, 4); anything else is a ValueError that shows the expected form."""
    match = _SHARD.match(text)
    if match is None:
        raise ValueError(f"--shard must look like K/N (e.g. 1/4), got {text!r}")
    index, total = int(match.group(1)), int(match.group(2))
    if not 1 <= index <= total:
        raise ValueError(f"--shard {text}: K must be between 1 and N")
    return Shard(index, total)


def resource(label: str) -> str:
    """The resource an operation label (`GET /books/{id}`) belongs to: `/books`."""
    path = label.split(" ", 1)[-1]
    return path.split("{", 1)[0].rstrip("/") or "/"


def split(labels: Iterable[str], total: int) -> list[list[str]]:
    """All `total` shards of the operations, each sorted; the same labels always give the same split."""
    groups: dict[str, list[str]] = defaultdict(list)
    for label in labels:
        groups[resource(label)].append(label)
    shards: list[list[str]] = [[] for _ in range(total)]
    for key in sorted(groups, key=lambda key: (-len(groups[key]), key)):
        smallest = min(range(total), key=lambda index: (len(shards[index]), index))
        shards[smallest].extend(groups[key])
    return [sorted(shard) for shard in shards]


def select(labels: Iterable[str], shard: Shard) -> tuple[str, ...]:
    """The operations of this shard."""
    return tuple(split(labels, shard.total)[shard.index - 1])
