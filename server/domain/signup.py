"""Open Space marketplace: conveners post topics into a time x space grid; people sign up.

One topic per cell. Signing up for a topic in a slot leaves any other topic of that slot (the Law
of Two Feet: people move freely, but are in one place at a time).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import CommandModel, Draft, Outcome, clean_text
from .errors import Conflict, Forbidden, Invalid, NotFound
from .model import Actor, EventState, Role, Step, StepStatus

TOPIC_MAX = 200


class PostTopic(CommandModel):
    type: Literal["topic.post"]
    step_id: str
    title: str = Field(max_length=TOPIC_MAX * 2)
    slot: str
    space: str


class JoinTopic(CommandModel):
    type: Literal["topic.join", "topic.leave"]
    topic_id: str


def _signup_step(state: EventState, step_id: str) -> Step:
    step = state.steps.get(step_id)
    if step is None:
        raise NotFound("unknown_step", f"there is no step {step_id}", field="step_id")
    if step.kind != "signup":
        raise Conflict("not_a_signup", "this step has no marketplace", field="step_id")
    if step.status is not StepStatus.ACTIVE:
        raise Conflict("step_closed", "the marketplace has closed", field="step_id")
    return step


def post(state: EventState, actor: Actor, cmd: PostTopic, now: int) -> Outcome:
    step = _signup_step(state, cmd.step_id)
    spec = step.spec or {}
    if actor.participant_id is None and actor.role is not Role.FACILITATOR:
        raise Forbidden("read_only", f"the {actor.role.value} token is read-only")
    if spec.get("convene") == "facilitator" and actor.role is not Role.FACILITATOR:
        raise Forbidden("facilitator_only", "in this marketplace the facilitator posts the topics")
    title = clean_text(cmd.title, TOPIC_MAX, "title")
    if cmd.slot not in spec.get("slots", []):
        raise Invalid("unknown_slot", f"slots are: {', '.join(spec.get('slots', []))}", field="slot")
    if cmd.space not in spec.get("spaces", []):
        raise Invalid("unknown_space", f"spaces are: {', '.join(spec.get('spaces', []))}", field="space")
    for topic in state.topics.values():
        if topic.step_id == step.id and (topic.slot, topic.space) == (cmd.slot, cmd.space):
            raise Conflict("cell_taken", f"{cmd.space} at {cmd.slot} already has {topic.title!r}", field="space")
    draft = Draft(state, actor, now)
    topic_id = f"t{draft.next_seq}"
    convener = actor.participant_id or "facilitator"
    draft.add(
        "topic.posted",
        {
            "topic_id": topic_id,
            "step_id": step.id,
            "title": title,
            "convener": convener,
            "slot": cmd.slot,
            "space": cmd.space,
        },
    )
    return Outcome(draft.entries, {"topic_id": topic_id})


def join(state: EventState, actor: Actor, cmd: JoinTopic, now: int) -> Outcome:
    if actor.participant_id is None:
        raise Forbidden("participants_only", "only participants sign up for topics")
    topic = state.topics.get(cmd.topic_id)
    if topic is None:
        raise NotFound("unknown_topic", f"there is no topic {cmd.topic_id}", field="topic_id")
    person = actor.participant_id
    draft = Draft(state, actor, now)
    if cmd.type == "topic.leave":
        if person not in topic.members:
            raise Conflict("not_signed_up", "you are not signed up for this topic", field="topic_id")
        draft.add("topic.left", {"topic_id": topic.id, "participant_id": person})
        return Outcome(draft.entries, {"topic_id": topic.id})
    if person in topic.members:
        return Outcome(result={"topic_id": topic.id, "unchanged": True})
    left = [
        t.id
        for t in state.topics.values()
        if t.slot == topic.slot and t.step_id == topic.step_id and person in t.members
    ]
    draft.add("topic.joined", {"topic_id": topic.id, "participant_id": person, "left": left})
    return Outcome(draft.entries, {"topic_id": topic.id, "left": left})
