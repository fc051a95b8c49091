"""Sharded runs (`pysynth run --shard I/N`): each of N runs keeps its share of the source rows.

A source row belongs to shard `blake2b(row id) mod N`. Row ids are the source's numbering
(`<source>:<k>`), so every shard generates the same sequence and keeps a disjoint share, and the N
shards together hold each row exactly once; `pysynth merge` puts them back together.
What is per shard, and so differs from one unsharded run:
- a global step (dedup, rejection, a concept graph) sees only its shard's rows;
- rows a global step makes from all its inputs are numbered per shard (`<step>@<i>-<k>`);
- a source's malformed rows are reported by shard 0 alone (they have no row id to hash).
The shard is recorded in `<output>/.pysynth/shard.json`: a resume with another shard is refused,
since the checkpoints hold the first shard's rows.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from pysynth.errors import ConfigError, PipelineRunError
from pysynth.tables import write_text_atomically

SHARD_FILE = "shard.json"
_SHARD_PATTERN = re.compile(r"^(\d+)/(\d+)$")


@dataclass(frozen=True)
class Shard:
    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, row_id: str) -> bool:
        digest = hashlib.blake2b(row_id.encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") % self.count == self.index

    def produced_id(self, step: str, index: int) -> str:
        """Id of a row a global step made, unique across the shards a merge combines."""
        return f"{step}@{self.index}-{index}"


def parse_shard(text: str) -> Shard:
    """`I/N` with 0 <= I < N; a `ConfigError` naming the option otherwise."""
    matched = _SHARD_PATTERN.match(text.strip())
    if matched is None:
        raise ConfigError(f"--shard: expected I/N (e.g. 0/4), got {text!r}")
    index, count = int(matched[1]), int(matched[2])
    if count < 1 or index >= count:
        raise ConfigError(f"--shard {text}: the index must be in 0..N-1 and N at least 1")
    return Shard(index, count)


def bind_shard(root: Path, shard: Shard | None, *, resuming: bool) -> None:
    """Records the run's shard in the checkpoint directory; refuses a resume with a different one."""
    path = root / SHARD_FILE
    wanted = None if shard is None else str(shard)
    if resuming and not path.exists() and any((root / "steps").glob("*")):
        # A run by a pysynth that kept no shard record: it was not sharded.
        if wanted is not None:
            raise PipelineRunError(f"{root.parent} was run unsharded: resume it without --shard "
                                   "(its checkpoints hold every row)")
    elif resuming and path.exists():
        try:
            recorded = json.loads(path.read_text())["shard"]
        except (ValueError, KeyError, TypeError):
            raise PipelineRunError(f"{path}: not a shard record; rerun with --overwrite") from None
        if recorded != wanted:
            how = f"as shard {recorded}: resume it with --shard {recorded}" if recorded else \
                "unsharded: resume it without --shard"
            raise PipelineRunError(f"{root.parent} was run {how} (its checkpoints hold that run's rows)")
    write_text_atomically(path, json.dumps({"shard": wanted}) + "\n")
