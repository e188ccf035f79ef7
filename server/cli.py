"""The ``wholeroom`` command."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from pydantic import ValidationError

from . import __version__
from .domain.errors import DomainError
from .languages import DEFAULT as DEFAULT_LANGUAGE
from .languages import LANGUAGES
from .settings import DEFAULT_PUBLIC_URL, Settings

if TYPE_CHECKING:
    from .storage.store import Store

SERVED_URL = "served_url"  # the store's setting: the public address `wholeroom serve` last ran on


def _settings(database_url: str | None, public_url: str | None = None) -> Settings:
    given: dict[str, Any] = {"database_url": database_url, "public_url": public_url}
    try:
        return Settings(**{name: value for name, value in given.items() if value})
    except ValidationError as exc:
        raise click.BadParameter(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None


def _remember_database(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    ctx.meta["database_url"] = value  # for the commands a refusal names (Main.invoke)
    return value


database_option = click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    callback=_remember_database,
    help="SQLAlchemy URL (default: sqlite:///data/wholeroom.db).",
)


class Main(click.Group):
    """The command group; a refusal that names a `wholeroom ...` command names it as it runs here."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            except Exception as exc:
                from .storage.schema_head import SchemaError  # (here: storage is slow to import for --help)

                if isinstance(exc, SchemaError):  # storage knows nothing of click: said as any refusal
                    raise click.ClickException(exc.message) from None
                raise
        except click.ClickException as exc:
            vars(exc)["message"] = _runnable(exc.message, ctx.meta.get("database_url"))  # (Final to type checkers)
            raise


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wholeroom")
def main() -> None:
    """Wholeroom: a real-time facilitation server for whole-system events.

    Start with `wholeroom serve --demo`, then open the URLs it prints.
    """


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (0.0.0.0 for a LAN).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option(
    "--public-url",
    default=None,
    help="The address phones use, e.g. http://192.168.1.20:8000 (default: WHOLEROOM_PUBLIC_URL; "
    "on loopback http://127.0.0.1:PORT). Required beyond loopback.",
)
@click.option("--demo", is_flag=True, help="Create a demo event (15 tables) and print its URLs.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes. More than one needs PostgreSQL (DATABASE_URL) and Redis (BROKER_URL).",
)
@database_option
def serve(host: str, port: int, public_url: str | None, demo: bool, workers: int, database_url: str | None) -> None:
    """Serve Wholeroom: pages, JSON API and websockets (one process, or --workers behind one port)."""
    import uvicorn

    from .events import new_event
    from .web.app import admin_secret_hash, create_app, open_store

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # numpy work runs on worker threads: one BLAS thread each
    settings = _settings(database_url, public_url)
    if workers > 1 and (settings.sqlite_path() is not None or settings.broker_url.startswith("memory")):
        raise click.UsageError(
            "--workers above 1 needs a shared database and broker: set DATABASE_URL=postgresql+psycopg://... "
            "and BROKER_URL=redis://... (docs/operations.md)",
        )
    base = _public_url(settings, host, port)
    settings = settings.model_copy(update={"public_url": base})
    os.environ["WHOLEROOM_PUBLIC_URL"] = base  # the workers read their settings from the environment
    store = open_store(settings, prepare_apart=True)  # (Alembic, if needed, in a child: never in the server)
    store.replace_setting(SERVED_URL, base)  # `wholeroom event create` prints links to this server
    # a secret generated now is shown on an interactive terminal only, else written to a 0600 file
    admin_secret_hash(settings, store, sys.stdout if sys.stdout.isatty() else None)
    if demo:
        from .web.i18n import numbered_tables

        created = new_event(store, "Demo: our town in 2035", numbered_tables(15, "en"))
        _print_event(created.to_dict(base))
    elif not store.events():
        program, database = _command_line(), _database_option(settings)
        click.echo(
            "No events yet. Create one with:\n"
            f'  {program} event create --title "Our town in 2035" --tables 15{database}\n'
            f"or on {base}/admin (with the admin secret), or start with `{program} serve --demo{database}`.\n"
        )
    click.echo(f"Wholeroom will answer at {base}/ (phones join at {base}/join)\n")
    store.engine.dispose()
    options: dict[str, object] = {
        "host": host,
        "port": port,
        "ws_per_message_deflate": False,  # per-connection compression doubles memory; ideas are tiny
        "ws_max_size": 1024 * 1024,
        # keepalive pings cost ~10% of the CPU at 2,000 phones at uvicorn's 20 s; a dead phone is
        # still noticed within 80 s, and a phone that reconnects resumes by seq anyway
        "ws_ping_interval": 60.0,
        "log_level": "info",
        "log_config": _log_config(),
    }
    if settings.forwarded_allow_ips is not None:  # else uvicorn's own FORWARDED_ALLOW_IPS, or 127.0.0.1
        options["forwarded_allow_ips"] = settings.forwarded_allow_ips
    if workers == 1:
        uvicorn.run(create_app(settings), **options)  # type: ignore[arg-type]
        return
    if database_url:
        os.environ["DATABASE_URL"] = database_url  # the workers read their settings from the environment
    uvicorn.run("server.web.app:create_app", factory=True, workers=workers, **options)  # type: ignore[arg-type]


def _log_config() -> dict[str, object]:
    """uvicorn's logging, plus the server's own messages (``wholeroom.*``: the themes model loaded,
    a database upgraded, a failed commit) in the same format, in every worker process."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, object] = copy.deepcopy(LOGGING_CONFIG)
    loggers = config["loggers"]
    assert isinstance(loggers, dict)
    loggers["wholeroom"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def _public_url(settings: Settings, host: str, port: int) -> str:
    """The address phones use. Beyond loopback it must be configured: it goes into QR codes and links
    and is the websocket's allowed origin, and a request's Host header can be forged."""
    from .web.headers import is_loopback

    if settings.public_url:
        return settings.public_url
    if is_loopback(host):
        return f"http://127.0.0.1:{port}"
    raise click.UsageError(
        f"serving on {host} (beyond this machine) needs WHOLEROOM_PUBLIC_URL (or --public-url): the address "
        f"phones will use, e.g. WHOLEROOM_PUBLIC_URL=http://<this machine's address on the venue network>:{port} "
        "(it goes into QR codes and links, and only pages from there may open the websocket)"
    )


def _command_line() -> str:
    """This program as it can be typed again here: ``wholeroom`` when that is the one on the PATH,
    else its path (``.venv/bin/wholeroom`` after ``make run``), else ``python -m server.cli``."""
    program = Path(sys.argv[0])
    if program.name == "wholeroom" and program.is_file():
        on_path = shutil.which("wholeroom")
        if on_path is not None and Path(on_path).resolve() == program.resolve():
            return "wholeroom"
        return shlex.quote(_from_here(program))
    return f"{shlex.quote(_from_here(Path(sys.executable)))} -m server.cli"


def _from_here(path: Path) -> str:
    """``path`` relative to the working directory when it is inside it, else absolute."""
    absolute = path.absolute()
    try:
        relative = absolute.relative_to(Path.cwd())
    except ValueError:
        return str(absolute)
    return str(relative) if str(relative).startswith(".") else f"./{relative}"


def _database_option(settings: Settings) -> str:
    """The ``--database-url`` another command needs to reach this server's database (none for the
    default; the variable's name, not its value, when the URL holds a password)."""
    from sqlalchemy import make_url

    if settings.database_url == Settings.model_fields["database_url"].default:
        return ""
    if make_url(settings.database_url).password is not None:
        return ' --database-url "$DATABASE_URL"'
    return f" --database-url {shlex.quote(settings.database_url)}"


def _runnable(text: str, database_url: str | None) -> str:
    """``text`` with each `wholeroom ...` command in it spelled as it runs here, on the same database."""
    program = _command_line()
    try:
        database = _database_option(_settings(database_url))
    except click.BadParameter:
        database = ""
    return re.sub(r"`wholeroom ([^`]+)`", lambda m: f"`{program} {m[1]}{database}`", text)


def _links_base(settings: Settings, store: Store, base_url: str | None) -> str:
    """Where printed links point: --base-url, else WHOLEROOM_PUBLIC_URL, else the address the last
    `wholeroom serve` on this database answered at, else the default loopback address."""
    return (base_url or settings.public_url or store.setting(SERVED_URL) or DEFAULT_PUBLIC_URL).rstrip("/")


@main.group()
def event() -> None:
    """Create and list events."""


@event.command("create")
@click.option("--title", required=True, help="The event's title, shown on every screen.")
@click.option(
    "--tables", default="15", show_default=True, help="How many tables (numbered), or their names separated by commas."
)
@click.option(
    "--part",
    "parts",
    multiple=True,
    help='A part of the system wanted in the room, with how many hoped for: --part "Residents=40" '
    '--part "GPs=8" --part "Young people" (repeat; 1-30).',
)
@click.option(
    "--language",
    type=click.Choice(list(LANGUAGES)),
    default=DEFAULT_LANGUAGE,
    show_default=True,
    help="The language of the wall, console, printouts and invitation e-mail (each phone chooses its own).",
)
@click.option(
    "--themes-encoder",
    type=click.Choice(["default", "multilingual"]),
    default="default",
    show_default=True,
    help="multilingual: ideas in several languages about the same thing share a theme (docs/themes.md).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--base-url",
    default=None,
    help="Base URL for the printed links (default: WHOLEROOM_PUBLIC_URL, else the address `wholeroom serve` "
    "last ran on with this database, else http://127.0.0.1:8000).",
)
@database_option
def event_create(
    title: str,
    tables: str,
    parts: tuple[str, ...],
    language: str,
    themes_encoder: str,
    as_json: bool,
    base_url: str | None,
    database_url: str | None,
) -> None:
    """Create an event and print its join code and the console, organiser and wall URLs."""
    from .domain.parts import parse_spec
    from .events import new_event
    from .web.app import open_store
    from .web.i18n import numbered_tables

    settings = _settings(database_url)
    store = open_store(settings)
    try:
        if tables.strip().isdigit():  # numbered tables, named in the event's language
            spec = numbered_tables(int(tables), language)
        else:
            spec = [name.strip() for name in tables.split(",") if name.strip()]
        declared = [parse_spec(text, i) for i, text in enumerate(parts)]
        created = new_event(store, title, spec, declared, language, themes_encoder)
    except DomainError as exc:
        hint = "--part" if (exc.field or "").startswith("parts") else f"--{exc.field or 'title'}"
        raise click.BadParameter(exc.message, param_hint=hint) from None
    result = created.to_dict(_links_base(settings, store, base_url))
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        _print_event(result)


@event.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@database_option
def event_list(as_json: bool, database_url: str | None) -> None:
    """List the events in the database."""
    from .web.app import open_store

    rows = open_store(_settings(database_url)).events()
    items = [{"event_id": r.id, "title": r.title, "join_code": r.join_code, "last_seq": r.last_seq} for r in rows]
    if as_json:
        click.echo(json.dumps(items, indent=2))
        return
    if not items:
        click.echo("No events yet.")
    for item in items:
        click.echo(f"{item['event_id']}  {item['join_code']}  {item['last_seq']:>7} entries  {item['title']}")


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []})
@click.pass_context
def bench(ctx: click.Context) -> None:
    """Load-test a real server over real websockets (`wholeroom bench --help` for the options)."""
    from bench.load import command

    command.main(ctx.args, prog_name="wholeroom bench")


@main.command("export")
@click.argument("event_id")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "md", "html", "xlsx"]),
    default="jsonl",
    show_default=True,
    help="jsonl: the complete transcript; csv: ideas (or reactions); md/html: the harvest report; "
    "xlsx: a workbook of ideas, themes, common ground, votes and the timeline.",
)
@click.option(
    "--audience",
    type=click.Choice(["shared", "staff"]),
    default=None,
    help="Who the file is for: shared (people who took part; the default for md and html) quotes only what "
    "the room saw; staff (the default for csv and xlsx) quotes everything the facilitator saw.",
)
@click.option(
    "--csv-table",
    type=click.Choice(["ideas", "reactions"]),
    default="ideas",
    show_default=True,
    help="Which table a CSV export holds.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to this file instead of standard output.",
)
@click.option(
    "--no-vectors",
    is_flag=True,
    default=False,
    help="jsonl: leave out the ideas' vectors (about 3.6 kB per idea); the importing server embeds them again,"
    " and its themes may group differently.",
)
@database_option
def export_command(
    event_id: str,
    fmt: str,
    audience: str | None,
    csv_table: str,
    output: str | None,
    no_vectors: bool,
    database_url: str | None,
) -> None:
    """Export an event: its transcript, its ideas as CSV, or a harvest report people can read and print."""
    from .security import open_private, write_private
    from .transcript_cli import export_lines, write_out
    from .web.app import open_store

    settings = _settings(database_url)
    store = open_store(settings)
    encoder = settings.encoder if settings.themes else None  # the event's setting may choose another
    lines = export_lines(
        store,
        event_id,
        fmt,
        csv_table,
        audience=audience,
        encoder=encoder,
        progress=output is not None,
        with_vectors=not no_vectors,
    )
    if isinstance(lines, bytes):  # the workbook
        if output is None:
            if sys.stdout.isatty():
                raise click.ClickException("an .xlsx workbook is binary: write it to a file with -o")
            sys.stdout.buffer.write(lines)
            return
        write_private(output, lines)
    elif output is None:
        write_out(lines, sys.stdout)
        return
    else:
        with open_private(output) as handle:  # people's words: readable by this user only
            write_out(lines, handle)
    click.echo(f"Wrote {output}", err=True)


@main.command("erase")
@click.argument("event_id")
@click.argument("participant_id")
@database_option
def erase_command(event_id: str, participant_id: str, database_url: str | None) -> None:
    """Erase one person on request: their name and every text they wrote are replaced, in the
    stored transcript and every output; exported transcripts still verify (docs/privacy.md).

    While the event is live, prefer the organiser's `participant.erase` command (every screen
    updates at once); this command is for a server that is stopped.
    """
    from .domain.errors import DomainError
    from .domain.model import Actor, Role
    from .domain.privacy import EraseParticipant, erase
    from .hub.room import now_ms
    from .transcript_cli import load_state
    from .web.app import open_store

    store = open_store(_settings(database_url))
    state, _ = load_state(store, event_id)
    command = EraseParticipant(type="participant.erase", participant_id=participant_id)
    try:
        outcome = erase(state, Actor(Role.ORGANISER), command, now_ms())
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    store.append(event_id, state.seq, outcome.entries, [])
    click.echo(f"Erased participant {participant_id} of event {event_id} (entry {outcome.entries[0].seq}).")


@main.group("participants")
def participants_group() -> None:
    """The participant list: import it from CSV, list it, print personal links, erase people
    (docs/participants.md). Emails and access needs stay in their own table, never in the transcript."""


def _roster_failure(exc: DomainError) -> click.ClickException:
    lines = [exc.message]
    for problem in exc.details or []:
        where = f"line {problem['line']}" + (f", column {problem['column']}" if problem.get("column") else "")
        lines.append(f"  {where}: {problem['message']}")
    return click.ClickException("\n".join(lines))


@participants_group.command("import")
@click.argument("event_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change; keep nothing.")
@database_option
def participants_import(event_id: str, file: str, dry_run: bool, database_url: str | None) -> None:
    """Import the participant list from FILE.csv (UTF-8). Its first line names the columns:
    name (required), email, parts (several separated by ';', by name or id), access_needs.

    The whole file is checked first: any problem is reported with its line and column and nothing
    is imported. Importing again updates people: the same email updates that person; a row
    without an email updates the listed person of the same name who has none. Nobody is removed.
    """
    from . import participant_list
    from .hub.room import now_ms
    from .transcript_cli import load_state
    from .web.app import open_store

    store = open_store(_settings(database_url))
    state, _ = load_state(store, event_id)
    try:
        text = Path(file).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file} is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8") from None
    try:
        done = participant_list.import_csv(store, state, text, now_ms(), dry_run=dry_run)
    except DomainError as exc:
        raise _roster_failure(exc) from None
    verb = "Would add" if dry_run else "Added"
    click.echo(
        f"{verb} {done['added']}, {'would update' if dry_run else 'updated'} {done['updated']}, "
        f"{done['unchanged']} unchanged: {done['listed']} people on the list of {state.title!r}."
    )


@participants_group.command("list")
@click.argument("event_id")
@click.option("--links", is_flag=True, help="Print each person's personal link (secret: anyone with it joins as them).")
@click.option("--base-url", default=None, help="Base URL for the links (default: as for `wholeroom event create`).")
@database_option
def participants_list(event_id: str, links: bool, base_url: str | None, database_url: str | None) -> None:
    """The participant list: id, name, answer (coming / not coming), arrived, parts."""
    from . import participant_list
    from .transcript_cli import load_state
    from .web.app import open_store

    settings = _settings(database_url)
    store = open_store(settings)
    state, _ = load_state(store, event_id)
    rows, checkins = store.invitees(event_id), store.checkins(event_id)
    if not rows:
        click.echo("Nobody is on the list yet: `wholeroom participants import EVENT FILE.csv`.")
    base = _links_base(settings, store, base_url)
    for row in rows:
        said = {"yes": "coming", "no": "not coming", None: "no answer"}[row.rsvp]
        here = "arrived" if participant_list.arrived(state, checkins, row) else ""
        parts = ", ".join(state.parts[p].name for p in participant_list.parts_of(row) if p in state.parts)
        click.echo(f"{row.id}  {row.name:<30}  {said:<10}  {here:<7}  {parts}")
        if links:
            token = participant_list.token_of(store, row)
            link = participant_list.personal_link(base, state.join_code, token) if token else "(link revoked)"
            click.echo(f"    {link}")


@participants_group.command("invite")
@click.argument("event_id")
@click.argument("person_ids", nargs=-1)
@click.option("--again", is_flag=True, help="Send again to people already sent one.")
@click.option("--base-url", default=None, help="Base URL for the links (default: as for `wholeroom event create`).")
@database_option
def participants_invite(
    event_id: str, person_ids: tuple[str, ...], again: bool, base_url: str | None, database_url: str | None
) -> None:
    """E-mail each person their invitation with their personal link, through the mail server of
    WHOLEROOM_SMTP_HOST (docs/operations.md): everyone with an e-mail not sent one yet, or PERSON_IDS."""
    from . import participant_list
    from .hub.room import now_ms
    from .transcript_cli import load_state
    from .web import i18n
    from .web.app import open_store

    settings = _settings(database_url)
    store = open_store(settings)
    state, _ = load_state(store, event_id)
    base = _links_base(settings, store, base_url)
    try:
        done = participant_list.email_invitations(
            store,
            settings,
            state,
            base,
            now_ms(),
            person_ids=list(person_ids) or None,
            again=again,
            translations=i18n.language(state.language).translations,  # the event's language
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    skipped = done["skipped"]
    click.echo(
        f"Sent {done['sent']} invitation(s); skipped {skipped['no_email']} without an e-mail, "
        f"{skipped['no_link']} without a working link, {skipped['already_sent']} sent before (--again)."
    )
    for failed in done["failed"]:
        click.echo(f"  Not sent to {failed['name']} ({failed['id']}): {failed['reason']}", err=True)
    if done["failed"]:
        raise SystemExit(1)


@participants_group.command("erase")
@click.argument("event_id")
@click.argument("person_ids", nargs=-1)
@click.option("--email", "emails", multiple=True, help="Erase the person with this email (repeat).")
@click.option("--all", "everyone", is_flag=True, help="Erase the whole list (after the event, say).")
@database_option
def participants_erase(
    event_id: str, person_ids: tuple[str, ...], emails: tuple[str, ...], everyone: bool, database_url: str | None
) -> None:
    """Erase people from the list on request, with everything held about them (name, email,
    access needs, answer, link). What they said in the event is erased with `wholeroom erase`."""
    from .domain.roster import normal_email
    from .web.app import open_store

    if everyone == bool(person_ids or emails):
        raise click.UsageError("name the people (ids or --email), or give --all")
    store = open_store(_settings(database_url))
    if store.last_seq(event_id) is None:
        raise click.ClickException(f"there is no event {event_id!r} (see `wholeroom event list`)")
    if everyone:
        click.echo(f"Erased {store.erase_invitees(event_id)} people from the list of event {event_id}.")
        return
    rows = store.invitees(event_id)
    by_id = {r.id: r for r in rows}
    by_email = {normal_email(r.email): r for r in rows if r.email}
    chosen = []
    for pid in person_ids:
        if pid not in by_id:
            raise click.ClickException(f"the list of event {event_id} has nobody {pid!r} (see `participants list`)")
        chosen.append(pid)
    for email in emails:
        found = by_email.get(normal_email(email))
        if found is None:
            raise click.ClickException(f"the list of event {event_id} has nobody with the email {email!r}")
        chosen.append(found.id)
    erased = store.erase_invitees(event_id, chosen)
    click.echo(f"Erased {erased} {'person' if erased == 1 else 'people'} from the list of event {event_id}.")


@main.group("import")
def import_group() -> None:
    """Bring an event in from a file."""


@import_group.command("transcript")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--base-url", default=None, help="Base URL for the printed links (default: as for `wholeroom event create`)."
)
@database_option
def import_transcript_command(file: str, base_url: str | None, database_url: str | None) -> None:
    """Rebuild an event from `wholeroom export --format jsonl`; a damaged file changes nothing.

    The event keeps its id, join code and every entry; it gets new facilitator, organiser and
    wall links (tokens are never exported). Participants join again on their phones.
    """

    from .transcript_cli import import_transcript
    from .web.app import open_store

    settings = _settings(database_url)
    encoder = settings.encoder if settings.themes else None  # the event's setting may choose another
    store = open_store(settings)
    event_id, tokens, digest, vectors = import_transcript(store, Path(file), encoder=encoder)
    base = _links_base(settings, store, base_url)
    click.echo(f"Imported event {event_id} ({digest})")
    click.echo(f"  Themes: {vectors}.")
    click.echo(f"  Facilitator console:  {base}/e/{event_id}/console#token={tokens['facilitator']}")
    click.echo(f"  Projector wall:       {base}/e/{event_id}/wall#token={tokens['wall']}")
    click.echo(f"  Organiser (read-only): {base}/e/{event_id}/organiser#token={tokens['organiser']}")


@import_group.command("polis")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--title", default=None, help="Title of the new event (default: the conversation's topic).")
@click.option(
    "--base-url", default=None, help="Base URL for the printed links (default: as for `wholeroom event create`)."
)
@database_option
def import_polis_command(folder: str, title: str | None, base_url: str | None, database_url: str | None) -> None:
    """Load a Pol.is open-data export (comments.csv, votes.csv) into a new event.

    Every comment becomes an idea (moderated-out ones hidden), every vote a reaction, in the
    order they happened, at one table; the common-ground views then show the conversation.
    """

    from .transcript_cli import import_polis
    from .web.app import open_store

    settings = _settings(database_url)
    store = open_store(settings)
    imported, tokens = import_polis(store, Path(folder), title)
    state = imported.state
    base = _links_base(settings, store, base_url)
    click.echo(
        f"Imported {state.title!r} as event {state.id}: {len(state.participants)} participants, "
        f"{len(state.ideas)} ideas, {sum(len(r) for r in state.reacted.values())} reactions"
    )
    click.echo(f"  Facilitator console:  {base}/e/{state.id}/console#token={tokens['facilitator']}")
    click.echo(f"  Projector wall:       {base}/e/{state.id}/wall#token={tokens['wall']}")
    click.echo(f"  Organiser (read-only): {base}/e/{state.id}/organiser#token={tokens['organiser']}")


@main.group()
def script() -> None:
    """Check facilitation scripts and print their JSON Schema."""


@script.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--tables",
    type=click.IntRange(1, 500),
    default=None,
    help="Also check against an event with this many tables (rotations need enough of them).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print problems only, not the run sheet of valid scripts.")
def script_check(files: tuple[str, ...], tables: int | None, quiet: bool) -> None:
    """Validate scripts; print every problem as FILE:LINE:COLUMN: message. Exit 1 if any script has one."""

    from .domain.scripts.durations import format_duration
    from .domain.scripts.loader import ScriptError, load_script

    failed = 0
    for name in files:
        try:
            loaded = load_script(Path(name).read_text(encoding="utf-8"), name, tables=tables)
        except ScriptError as exc:
            failed += 1
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            continue
        except UnicodeDecodeError as exc:
            failed += 1
            click.echo(f"{name}:1:1: not UTF-8 text ({exc.reason})", err=True)
            continue
        total = sum(s.duration or 0 for s in loaded.steps)
        languages = f", in {', '.join(loaded.languages)}" if len(loaded.languages) > 1 else ""
        click.echo(f"{name}: ok ({len(loaded.steps)} steps, {format_duration(total)}{languages})")
        if not quiet:
            offset = 0
            for step in loaded.steps:
                length = format_duration(step.duration) if step.duration else "-"
                click.echo(
                    f"  +{format_duration(offset):>8}  {length:>6}  {step.kind:8s} {step.id:14s} {step.audience}"
                )
                offset += step.duration or 0
    if failed:
        raise SystemExit(1)


@script.command("schema")
def script_schema() -> None:
    """Print the JSON Schema of the script format (for editors with YAML schema support)."""
    from .domain.scripts.format import Script

    schema = Script.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Wholeroom facilitation script"
    click.echo(json.dumps(schema, indent=2))


@main.group()
def db() -> None:
    """Upgrade the database schema and show its revision.

    The server creates the schema in an empty database by itself, but refuses to start on a database
    made by an older version: back it up, then run `wholeroom db upgrade`.
    """


def _shown(database_url: str) -> str:
    from sqlalchemy import make_url

    return make_url(database_url).render_as_string(hide_password=True)


@db.command("upgrade")
@database_option
def db_upgrade(database_url: str | None) -> None:
    """Migrate the database to the schema this version needs (creating it in an empty database).

    Every event and entry is kept. Safe to run again (it does nothing at the newest revision) and
    while other workers start (they wait for it). Take a backup first: docs/operations.md.
    """
    from .storage import schema_version

    url = _settings(database_url).database_url
    before, after = schema_version.upgrade(url)
    if before == after:
        click.echo(f"{_shown(url)} is already at revision {after} (head): nothing to do.")
        return
    steps = schema_version.revisions()
    start = steps.index(before) + 1 if before in steps else 0
    click.echo(f"Upgraded {_shown(url)} from {before or 'an empty database'} to {after}:")
    for revision in steps[start : steps.index(after) + 1 if after in steps else len(steps)]:
        click.echo(f"  {revision}  {schema_version.describe(revision)}")


@db.command("current")
@database_option
def db_current(database_url: str | None) -> None:
    """Print the database's schema revision, and whether this version needs an upgrade."""
    from .storage import schema_version
    from .storage.store import make_engine

    settings = _settings(database_url)
    path = settings.sqlite_path()
    if path is not None and not path.exists():
        click.echo(f"none (no database at {path} yet: the server creates it at first start)")
        return
    engine = make_engine(settings.database_url)
    try:
        found = schema_version.status(engine)
    finally:
        engine.dispose()
    head = schema_version.head()
    if found.empty:
        click.echo(f"none (an empty database: the server creates the schema, revision {head}, at first start)")
    elif found.legacy and found.revision is not None:
        hint = "stamped at first start" if found.revision == head else f"behind {head}: run `wholeroom db upgrade`"
        click.echo(_runnable(f"{found.revision} (made before migrations, not stamped yet; {hint})", database_url))
    elif found.legacy:
        click.echo(f"none (tables that are not a Wholeroom schema: {found.difference})")
        raise SystemExit(1)
    elif found.revision == head:
        click.echo(f"{head} (head)")
    elif found.revision in schema_version.revisions():
        click.echo(_runnable(f"{found.revision} (behind {head}: run `wholeroom db upgrade`)", database_url))
    else:
        click.echo(f"{found.revision} (unknown to this version, whose head is {head})")
        raise SystemExit(1)


def _print_event(result: dict[str, object]) -> None:
    urls = result["urls"]
    assert isinstance(urls, dict)
    click.echo(f"\nEvent {result['event_id']}: {result['title']}")
    click.echo(f"  Join code:            {result['join_code']}")
    click.echo(f"  Participants join at: {urls['join']}")
    click.echo(f"  Facilitator console:  {urls['console']}")
    click.echo(f"  Projector wall:       {urls['wall']}")
    click.echo(f"  Organiser (read-only): {urls['organiser']}")
    click.echo("  Keep the console and organiser links private: they carry secret tokens.\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
