"""Database tables. ``entry`` is the transcript; the others are read tables kept in step with it."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


class EventRow(SQLModel, table=True):
    __tablename__ = "event"

    id: str = Field(primary_key=True, max_length=32)
    title: str
    join_code: str = Field(unique=True, index=True, max_length=16)
    created_at: int = Field(sa_type=BigInteger)  # epoch milliseconds
    last_seq: int = 0  # the per-event counter that makes seq gapless (compare-and-set on append)
    closed_at: int | None = Field(default=None, sa_type=BigInteger)  # epoch ms; phone links expire after it
    # the interface language of the event's wall and console (server/languages.py)
    language: str = Field(default="en", max_length=8, sa_column_kwargs={"server_default": "en"})


class EntryRow(SQLModel, table=True):
    __tablename__ = "entry"

    event_id: str = Field(primary_key=True, foreign_key="event.id", max_length=32)
    seq: int = Field(primary_key=True)
    at: int = Field(sa_type=BigInteger)  # epoch milliseconds
    kind: str = Field(max_length=40)
    actor: str = Field(max_length=64)
    payload: str  # JSON text


class TokenRow(SQLModel, table=True):
    """Access tokens, stored as SHA-256 hashes; the plain token is shown once and never stored."""

    __tablename__ = "token"

    hash: str = Field(primary_key=True, max_length=64)
    event_id: str = Field(foreign_key="event.id", index=True, max_length=32)
    role: str = Field(max_length=16)
    participant_id: str | None = Field(default=None, max_length=32)
    created_at: int = Field(sa_type=BigInteger)  # epoch milliseconds
    expires_at: int | None = Field(default=None, sa_type=BigInteger)
    revoked_at: int | None = Field(default=None, sa_type=BigInteger)  # the participant was removed, or the link revoked
    label: str | None = Field(default=None, max_length=64)  # a facilitator link's name ("Ana – co-facilitator")


class ParticipantRow(SQLModel, table=True):
    __tablename__ = "participant"

    event_id: str = Field(primary_key=True, foreign_key="event.id", max_length=32)
    id: str = Field(primary_key=True, max_length=32)
    name: str | None = None
    table_id: str = Field(max_length=16)
    role: str = Field(max_length=16)
    joined_at: int = Field(sa_type=BigInteger)  # epoch milliseconds


class IdeaRow(SQLModel, table=True):
    __tablename__ = "idea"
    __table_args__ = (
        UniqueConstraint("event_id", "participant_id", "client_id", name="uq_idea_client"),
        Index("ix_idea_table", "event_id", "table_id"),
    )

    event_id: str = Field(primary_key=True, foreign_key="event.id", max_length=32)
    id: str = Field(primary_key=True, max_length=32)
    seq: int
    participant_id: str = Field(max_length=32)
    client_id: str = Field(max_length=64)
    table_id: str = Field(max_length=16)
    step_id: str = Field(max_length=32)
    text: str
    at: int = Field(sa_type=BigInteger)  # epoch milliseconds
    hidden: bool = False


class IdeaVectorRow(SQLModel, table=True):
    """A cache of each idea's sentence embedding (derived from its text; not part of the transcript)."""

    __tablename__ = "idea_vector"

    event_id: str = Field(primary_key=True, foreign_key="event.id", max_length=32)
    idea_id: str = Field(primary_key=True, max_length=32)
    model: str = Field(primary_key=True, max_length=64)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class SettingRow(SQLModel, table=True):
    __tablename__ = "setting"

    key: str = Field(primary_key=True, max_length=64)
    value: str


class ActionContactRow(SQLModel, table=True):
    """An email a participant shared with their action group (domain/follow.py): personal data, kept
    out of the transcript (which says only that they shared one). Read by their group's members; the
    row goes when they withdraw it, leave the group, are removed or erased."""

    __tablename__ = "action_contact"

    event_id: str = Field(primary_key=True, foreign_key="event.id", max_length=32)
    participant_id: str = Field(primary_key=True, max_length=32)
    email: str = Field(max_length=254)
    at: int = Field(sa_type=BigInteger)  # epoch milliseconds


class InviteeRow(SQLModel, table=True):
    """The participant list (docs/participants.md): who the organiser invites. Personal data kept
    apart from the event: never in the transcript, an export, the replay or the wall; erased by
    deleting the row. The personal link's token is never stored, only its hash."""

    __tablename__ = "invitee"

    event_id: str = Field(primary_key=True, foreign_key="event.id", max_length=32)
    id: str = Field(primary_key=True, max_length=16)
    position: int  # the order of the list (as imported)
    name: str = Field(max_length=64)
    email: str | None = Field(default=None, max_length=254)
    parts: str = "[]"  # JSON list of part ids
    access_needs: str | None = Field(default=None, max_length=300)
    table_id: str | None = Field(default=None, max_length=16)  # the home table the planning group gave
    rsvp: str | None = Field(default=None, max_length=8)  # "yes" / "no", said on the personal link
    rsvp_at: int | None = Field(default=None, sa_type=BigInteger)
    link_hash: str | None = Field(default=None, unique=True, index=True, max_length=64)  # None: revoked
    link_gen: int = 0  # the personal link's generation (a new link: one more)
    invited_at: int | None = Field(default=None, sa_type=BigInteger)  # when the invitation was last emailed
    created_at: int = Field(sa_type=BigInteger)
    updated_at: int = Field(sa_type=BigInteger)


class CheckinRow(SQLModel, table=True):
    """A listed person who joined with their personal link: who they became. Written in the same
    transaction as their ``participant.joined`` entry, so whoever reads that entry reads this too."""

    __tablename__ = "invitee_checkin"

    event_id: str = Field(primary_key=True, foreign_key="event.id", max_length=32)
    participant_id: str = Field(primary_key=True, max_length=32)
    invitee_id: str = Field(max_length=16)
    at: int = Field(sa_type=BigInteger)


Beside = TokenRow | CheckinRow  # rows a command writes beside its entries, in their transaction
