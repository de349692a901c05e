"""The audit events of the seeded objects, chained as ``audit_record`` chains them.

The generators push each event with its moment as they make the object it records; the events
wait in a heap and are released in time order (``release``: everything before the case being
generated, whose events all come later), so ``seq`` follows ``occurred_at`` as in the app. The
hashes are computed exactly as ``bench/audit.py`` does (``row_payload``, ``link``), global and per
case.
"""

from __future__ import annotations

import gc
import heapq
import json
import multiprocessing

from apps.audit.batches import row_payload
from apps.audit.models import GENESIS_HASH, link

from .plan import stamp
from .streams import Stream

COLUMNS = (
    "seq, occurred_at, actor_id, actor_name, actor_role, actor_kind, action, object_type, object_id, case_id,"
    " summary, data, ip, prev_hash, hash, case_prev_hash, case_hash"
)
SYSTEM = (None, "system", "", "system")


class AuditSink:
    """Collects the events in the main process; a forked process chains and loads them.

    Hashing is the costliest part of the seeding: it runs beside the generation of the other
    tables, on the other core, fed with the released events in order through a pipe.
    """

    BATCH = 20_000

    def __init__(self, actors: dict[int, tuple]):
        context = multiprocessing.get_context("fork")
        self._pipe, theirs = context.Pipe()
        self._process = context.Process(target=_chain_writer, args=(theirs, actors), daemon=True)
        self._process.start()
        self.heap: list = []
        self._outbox: list = []
        self.pushed = 0
        self.seq = 0
        self.previous = GENESIS_HASH
        self.seconds_closing = 0.0

    def push(self, moment, actor_id, action, object_type, object_id, case_id, summary, data=None, ip=None):
        """``moment`` in seconds since ``plan.START``; ``actor_id`` None for the system."""
        self.pushed += 1
        heapq.heappush(
            self.heap, (moment, self.pushed, actor_id, action, object_type, object_id, case_id, summary, data, ip)
        )

    def release(self, until: float) -> None:
        heap, pop, outbox = self.heap, heapq.heappop, self._outbox
        while heap and heap[0][0] < until:
            outbox.append(pop(heap))
        if len(outbox) >= self.BATCH:
            self._pipe.send(outbox)
            self._outbox = []

    def drain(self) -> None:
        """Release every event, wait for the chain to be loaded and committed."""
        self.release(float("inf"))
        self._pipe.send(self._outbox)
        self._outbox = []
        self._pipe.send(None)
        self.seq, self.previous, self.seconds_closing = self._pipe.recv()
        self._process.join()

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.kill()


def _chain_writer(pipe, actors: dict[int, tuple]) -> None:
    """In the forked process: chain the events as they come and COPY them; reply (seq, head hash)."""
    gc.disable()
    chain = _Chain(Stream("audit_auditevent", COLUMNS), actors)
    while (batch := pipe.recv()) is not None:
        for item in batch:
            chain.write(item)
    chain.stream.close()
    pipe.send((chain.seq, chain.previous, chain.stream.seconds_closing))


class _Chain:
    def __init__(self, stream: Stream, actors: dict[int, tuple]):
        self.stream = stream
        self.actors = actors  # id -> (id, name, role, kind)
        self.seq = 0
        self.previous = GENESIS_HASH
        self.case_heads: dict[int, str] = {}

    def write(self, item) -> None:
        moment, _n, actor_id, action, object_type, object_id, case_id, summary, data, ip = item
        self.seq += 1
        actor = SYSTEM if actor_id is None else self.actors[actor_id]
        data = data or {}
        row = (
            self.seq,
            stamp(moment),
            actor[0],
            actor[1],
            actor[2],
            actor[3],
            action,
            object_type,
            object_id,
            case_id,
            summary,
            data,
            ip,
        )
        payload = row_payload(row)
        own = link(self.previous, payload)
        case_prev = case_own = ""
        if case_id is not None:
            case_prev = self.case_heads.get(case_id, GENESIS_HASH)
            case_own = self.case_heads[case_id] = link(case_prev, payload)
        self.stream.add(
            str(self.seq),
            row[1],
            "\\N" if actor[0] is None else str(actor[0]),
            actor[1],
            actor[2],
            actor[3],
            action,
            object_type,
            object_id,
            "\\N" if case_id is None else str(case_id),
            summary.replace("\\", "\\\\"),
            json.dumps(data, ensure_ascii=False).replace("\\", "\\\\"),
            "\\N" if ip is None else ip,
            self.previous,
            own,
            case_prev,
            case_own,
        )
        self.previous = own
