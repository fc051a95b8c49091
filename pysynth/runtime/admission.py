"""When a step may start its next input batch.

A CPU step holds at most `concurrency` batches. An LLM step is governed by its request cap (and a
`ConcurrentRows` step, such as one waiting on the judge, by the rows it can process at once)
instead of by batch boundaries: a batch is admitted whenever fewer rows are waiting for an answer
than the cap (plus one batch of headroom, so a freed request slot always finds a row ready), and
as many batches stay open as that takes. A batch waits for its slowest row, so under long-tailed
generation lengths many batches are open at once; `max_held_rows` bounds the rows they hold, which
keeps memory flat. Finished batches are committed at once under their own sequence number, so the
order in which they finish never changes what is written.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pysynth.dag import StepNode

# Rows an LLM step may hold in open batches, in multiples of its request cap: room for batches
# held open by a few slow rows while the rest of the cap keeps flowing.
HELD_ROWS_PER_REQUEST_SLOT = 16


@dataclass
class Ticket:
    """One admitted batch: `row_done` as each row is answered, `close` when the batch is finished."""

    admission: Admission
    rows: int
    remaining: int
    closed: bool = False

    def row_done(self) -> None:
        if self.remaining > 0 and not self.closed:
            self.remaining -= 1
            self.admission._unanswered -= 1
            self.admission._changed.set()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        admission = self.admission
        admission._open_batches -= 1
        admission._unanswered -= self.remaining
        admission._held_rows -= self.rows
        admission._changed.set()


@dataclass
class Admission:
    max_batches: float = math.inf
    max_unanswered: float = math.inf
    max_held_rows: float = math.inf
    _open_batches: int = 0
    _unanswered: int = 0
    _held_rows: int = 0
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def for_batches(cls, concurrency: int) -> Admission:
        return cls(max_batches=concurrency)

    @classmethod
    def for_requests(cls, request_cap: int, batch_size: int, max_batches: int | None = None) -> Admission:
        return cls(max_batches=max_batches if max_batches is not None else math.inf,
                   max_unanswered=request_cap + batch_size,
                   max_held_rows=HELD_ROWS_PER_REQUEST_SLOT * request_cap + 2 * batch_size)

    @property
    def open_batches(self) -> int:
        return self._open_batches

    @property
    def unanswered(self) -> int:
        return self._unanswered

    def _full(self) -> bool:
        return (self._open_batches >= self.max_batches or self._unanswered >= self.max_unanswered
                or self._held_rows >= self.max_held_rows)

    async def wait(self) -> None:
        """Returns once one more batch may be admitted (at once when none is open)."""
        while self._open_batches and self._full():
            self._changed.clear()
            await self._changed.wait()

    def admit(self, rows: int) -> Ticket:
        self._open_batches += 1
        self._unanswered += rows
        self._held_rows += rows
        return Ticket(self, rows, rows)


def request_cap(node: StepNode) -> int | None:
    """Rows an LLM step can have answered at once: its client's request cap (per endpoint for a
    pool), divided among the generations of a row when each is its own request."""
    from pysynth.llm import OpenAICompatibleLLM
    from pysynth.steps.adapter import AnyTask

    # Every `llm:` block compiles to pysynth's client; a foreign task's LLM has no cap to read.
    if not (isinstance(node.step, AnyTask) and isinstance(node.step.llm, OpenAICompatibleLLM)):
        return None
    llm = node.step.llm
    cap = llm.max_concurrency_per_endpoint * len(llm.endpoints) if llm.endpoints else llm.max_concurrency
    if not cap:
        return None
    if llm.n_mode == "repeat":
        cap = -(-cap // max(1, node.step.num_generations))
    return int(cap)


def admission_for(node: StepNode, batch_size: int) -> Admission:
    from pysynth.steps.contract import ConcurrentRows

    cap = request_cap(node)
    if cap is None and isinstance(node.step, ConcurrentRows) and not (node.spec.workers or node.spec.row_timeout_s):
        cap = node.step.row_concurrency()
    if cap is None:
        return Admission.for_batches(node.concurrency)
    # An explicit `concurrency` still bounds an LLM step's open batches.
    return Admission.for_requests(cap, batch_size, node.spec.concurrency)
