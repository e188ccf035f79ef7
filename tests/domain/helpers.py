"""Build event states with plain calls, as a facilitator and phones would."""

from __future__ import annotations

from typing import Any

from server.domain.commands import COMMAND_ADAPTER, Outcome, create_event, decide, join
from server.domain.fold import apply
from server.domain.model import Actor, Entry, EventState, Role

T0 = 1_764_000_000_000
FACILITATOR = Actor(Role.FACILITATOR)


class Scene:
    """An event in memory; every change goes through decide + apply, like the server."""

    def __init__(self, tables: int = 3) -> None:
        self.state = EventState(id="ev1")
        self.now = T0
        first = create_event("ev1", "Our town", [f"Table {i}" for i in range(1, tables + 1)], "ACDEFG", T0)
        apply(self.state, first)
        self.entries: list[Entry] = [first]

    def run(self, outcome: Outcome) -> Outcome:
        for entry in outcome.entries:
            apply(self.state, entry)
            self.entries.append(entry)
        return outcome

    def run_entry(self, entry: Entry) -> None:
        apply(self.state, entry)
        self.entries.append(entry)

    def do(self, actor: Actor, **command: Any) -> Outcome:
        return self.run(decide(self.state, actor, COMMAND_ADAPTER.validate_python(command), self.now))

    def join(self, table_id: str = "1", name: str | None = None) -> Actor:
        outcome = self.run(join(self.state, name, table_id, self.now))
        return Actor(Role.PARTICIPANT, outcome.result["participant_id"])

    def push(self, text: str = "What matters?", **extra: Any) -> str:
        return str(self.do(FACILITATOR, type="step.push", text=text, **extra).result["step_id"])

    def idea(self, actor: Actor, text: str = "Night buses", client_id: str = "c1", **extra: Any) -> Outcome:
        return self.do(actor, type="idea.submit", client_id=client_id, text=text, **extra)
