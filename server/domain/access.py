"""Who may do what: one declaration per websocket command, read by the room before any handler runs.

Each command type names the callers allowed to send it (a :class:`Rule`); ``decide`` refuses every
other caller with ``Forbidden`` before looking at the state, and a type with no rule is refused
too (fail closed). HTTP routes declare their rule the same way (``server/web/route_access.py``), and
``docs/security.md`` prints both tables from these declarations, so enforcement, tests and docs
read one truth.

``Reach.OWN`` marks what a participant may only do at their own table or to themselves (an idea
for their table's step, moving themselves); the handler enforces it against the state.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .errors import Forbidden
from .model import Actor, Role


class Caller(StrEnum):
    """Who is calling, as far as permissions go (a table role such as scribe is a participant)."""

    ANYONE = "anyone"  # no token needed
    PARTICIPANT = "participant"
    WALL = "wall"
    FACILITATOR = "facilitator"
    ORGANISER = "organiser"
    ADMIN = "admin"  # the server's admin secret


class Reach(StrEnum):
    EVENT = "event"  # anything of the event the caller's role may see
    OWN = "own"  # a participant: only their own table's steps and themselves


@dataclass(frozen=True, slots=True)
class Rule:
    """Who may call a route or send a command."""

    callers: frozenset[Caller]
    reach: Reach = Reach.EVENT

    def allows(self, caller: Caller) -> bool:
        return Caller.ANYONE in self.callers or caller in self.callers

    def refusal(self, caller: Caller) -> Forbidden:
        """The error for a caller this rule does not allow (stable codes, as before the registry)."""
        if self.callers == {Caller.FACILITATOR, Caller.ORGANISER}:
            return Forbidden("staff_only", "only facilitator and organiser tokens may do this")
        if self.callers == {Caller.PARTICIPANT}:
            return Forbidden("participants_only", "only participants may do this")
        if caller in (Caller.ORGANISER, Caller.WALL) and Caller.FACILITATOR in self.callers:
            return Forbidden("read_only", f"the {caller.value} token is read-only")
        if self.callers == {Caller.FACILITATOR}:
            return Forbidden("facilitator_only", "only the facilitator can do this")
        if self.callers == {Caller.ORGANISER}:
            return Forbidden("organiser_only", "only the organiser can do this")
        who = ", ".join(sorted(c.value for c in self.callers))
        return Forbidden("not_allowed", f"only {who} may do this")


def rule(*callers: Caller, reach: Reach = Reach.EVENT) -> Rule:
    return Rule(frozenset(callers), reach)


PUBLIC = rule(Caller.ANYONE)
ADMIN = rule(Caller.ADMIN)
FACILITATOR = rule(Caller.FACILITATOR)
ORGANISER = rule(Caller.ORGANISER)
STAFF = rule(Caller.FACILITATOR, Caller.ORGANISER)
PARTICIPANTS = rule(Caller.PARTICIPANT)
EVENT_TOKENS = rule(Caller.PARTICIPANT, Caller.WALL, Caller.FACILITATOR, Caller.ORGANISER)

COMMANDS: dict[str, Rule] = {
    "idea.submit": rule(Caller.PARTICIPANT, reach=Reach.OWN),
    "step.push": FACILITATOR,
    "step.extend": FACILITATOR,
    "step.end": FACILITATOR,
    "idea.hide": FACILITATOR,
    # a participant only for an idea waiting at their table, when they hold the step's moderating role
    "idea.approve": rule(Caller.PARTICIPANT, Caller.FACILITATOR, reach=Reach.OWN),
    "idea.restore": FACILITATOR,
    "participant.seat": rule(Caller.PARTICIPANT, Caller.FACILITATOR, reach=Reach.OWN),
    "participant.role": FACILITATOR,
    "participant.remove": FACILITATOR,
    "event.close": FACILITATOR,
    "event.reopen": FACILITATOR,
    "participant.erase": ORGANISER,
    "event.parts_set": STAFF,
    # a participant only their own; the facilitator anyone's
    "participant.parts_set": rule(Caller.PARTICIPANT, Caller.FACILITATOR, reach=Reach.OWN),
    "session.load": FACILITATOR,
    "session.next": FACILITATOR,
    "session.back": FACILITATOR,
    "session.skip": FACILITATOR,
    "session.pause": FACILITATOR,
    "session.resume": FACILITATOR,
    "session.goto": FACILITATOR,
    "vote.cast": rule(Caller.PARTICIPANT, reach=Reach.OWN),
    "topic.post": rule(Caller.PARTICIPANT, Caller.FACILITATOR),
    "topic.join": PARTICIPANTS,
    "topic.leave": PARTICIPANTS,
    "role.volunteer": PARTICIPANTS,
    "reaction.cast": PARTICIPANTS,
    "theme.rename": FACILITATOR,
    "theme.merge": FACILITATOR,
    "theme.split": FACILITATOR,
    "theme.pin": FACILITATOR,
    "theme.unpin": FACILITATOR,
    "theme.move_idea": FACILITATOR,
    "theme.flag": PARTICIPANTS,
    "theme.flag_resolve": FACILITATOR,
    "theme.reveal": FACILITATOR,
    "wall.show": FACILITATOR,
    "theme.dismiss": FACILITATOR,
    "actions.form": FACILITATOR,
    "action.join": PARTICIPANTS,
    "action.leave": PARTICIPANTS,
    # a participant volunteers themselves (or steps down); the facilitator names a member
    "action.convene": rule(Caller.PARTICIPANT, Caller.FACILITATOR),
    "followup.open": STAFF,
    "followup.close": STAFF,
    # reads, answered from memory over either transport (server/web/dispatch.py), never stored
    "ping": EVENT_TOKENS,
    "reaction.next": PARTICIPANTS,
}

_CALLER = {
    Role.PARTICIPANT: Caller.PARTICIPANT,
    Role.TABLE_HOST: Caller.PARTICIPANT,
    Role.SCRIBE: Caller.PARTICIPANT,
    Role.WALL: Caller.WALL,
    Role.FACILITATOR: Caller.FACILITATOR,
    Role.ORGANISER: Caller.ORGANISER,
}


def caller_of(actor: Actor) -> Caller:
    return Caller.PARTICIPANT if actor.participant_id is not None else _CALLER[actor.role]


def check_command(command_type: str, actor: Actor) -> None:
    """Refuse ``actor`` unless the rule declared for ``command_type`` allows them (no rule: refused)."""
    declared = COMMANDS.get(command_type)
    if declared is None:
        raise Forbidden("not_allowed", f"{command_type!r} declares nobody who may send it")
    caller = caller_of(actor)
    if not declared.allows(caller):
        raise declared.refusal(caller)
