"""The figures a run keeps: seconds in each state, per thread and summed over the fetching threads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fetchtui.core.report.summary import StateSeconds
from fetchtui.core.threadstates.kinds import RUNNABLE, STATES


@dataclass(frozen=True, slots=True)
class ThreadTime:
    """One thread's seconds in each state (in STATES' order)."""

    pid: int
    tid: int
    seconds: tuple[float, ...]

    @property
    def states(self) -> dict[str, float]:
        return dict(zip(STATES, self.seconds, strict=True))


@dataclass(frozen=True, slots=True)
class ThreadStates:
    """Where the fetching threads' time went, or why it is not known (`why`, with no threads).

    `gil` says whether a GIL wait was told apart from other locks (False on a Python without a
    GIL, where every futex is a lock); `hz` is the rate the sampler kept."""

    threads: tuple[ThreadTime, ...] = ()
    hz: float = 0.0
    gil: bool = False
    why: str | None = None
    #: the sums as an export recorded them (a replay's: its threads' own were rounded apart)
    recorded: tuple[float, ...] | None = None

    @classmethod
    def unknown(cls, why: str) -> ThreadStates:
        return cls(why=why)

    @classmethod
    def exported(cls, summed: StateSeconds | None, why: str | None,
                 threads: Sequence[tuple[int, int, StateSeconds]]) -> ThreadStates | None:
        """The states an export recorded (None: it recorded none, nor why): `summed` and `why`
        its summary's, `threads` each thread's (pid, native id, states)."""
        if summed is None:
            return None if why is None else cls.unknown(why)
        order = [getattr(summed, state) for state in STATES]
        return cls(tuple(ThreadTime(pid, tid, tuple(getattr(states, state) for state in STATES))
                         for pid, tid, states in threads),
                   gil=summed.gil > 0, recorded=tuple(order))

    @property
    def seconds(self) -> dict[str, float] | None:
        """Seconds in each state summed over the threads: `summary.thread_states` (None: see why)."""
        if self.why is not None:
            return None
        if self.recorded is not None:
            return dict(zip(STATES, self.recorded, strict=True))
        return {state: sum(t.seconds[i] for t in self.threads) for i, state in enumerate(STATES)}

    @property
    def shares(self) -> dict[str, float]:
        """Each state's share of the threads' sampled time (0..1); empty when nothing was sampled."""
        seconds = self.seconds or {}
        total = sum(seconds.values())
        return {state: s / total for state, s in seconds.items()} if total > 0 else {}

    def of(self, pid: int, tid: int) -> dict[str, float] | None:
        """One thread's seconds by state (`threads[i].states` in an export), None if unsampled."""
        for thread in self.threads:
            if thread.pid == pid and thread.tid == tid:
                return thread.states
        return None

    def summary_fields(self) -> dict[str, object]:
        """`thread_states` and `thread_states_why`, as the summary spells them."""
        seconds = self.seconds
        return {"thread_states": None if seconds is None else {k: round(v, 6) for k, v in seconds.items()},
                "thread_states_why": self.why}

    def summed(self) -> StateSeconds | None:
        """`summary.thread_states`, typed (None: see why)."""
        seconds = self.seconds
        return None if seconds is None else StateSeconds(**{k: round(v, 6) for k, v in seconds.items()})

    def thread(self, pid: int, tid: int) -> StateSeconds | None:
        """`threads[i].states` in an export, typed (None: the thread was not sampled)."""
        seconds = self.of(pid, tid)
        return None if seconds is None else StateSeconds(**{k: round(v, 6) for k, v in seconds.items()})

    @property
    def waiting_for_a_core(self) -> float:
        """The runnable share: the machine's cores were all busy."""
        return self.shares.get(STATES[RUNNABLE], 0.0)
