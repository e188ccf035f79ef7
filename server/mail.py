"""E-mailing invitations through the configured mail server (``WHOLEROOM_SMTP_*``): one message per
person, with their personal link, the event's join code and how to answer, in the event's language
(its messages are in client/locale's catalogues: ``make messages`` extracts this module's ``_()``).
Synchronous (run it in a worker thread); one connection for a batch, each refused recipient reported
by name.
"""

from __future__ import annotations

import gettext
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

from .domain.errors import Conflict
from .settings import Settings

TIMEOUT_S = 30


@dataclass(frozen=True, slots=True)
class Invitation:
    person_id: str
    name: str
    email: str
    link: str


@dataclass
class Sent:
    sent: list[str] = field(default_factory=list)  # person ids
    failed: list[dict[str, str]] = field(default_factory=list)  # {"id", "name", "reason"}


def configured(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.smtp_from)


def message(
    settings: Settings,
    title: str,
    join_code: str,
    join_url: str,
    invite: Invitation,
    translations: gettext.NullTranslations | None = None,
) -> EmailMessage:
    """The invitation to ``invite``, in the language of ``translations`` (English without)."""
    _ = (translations or gettext.NullTranslations()).gettext
    msg = EmailMessage()
    msg["Subject"] = _("Invitation: {title}").format(title=title)
    msg["From"] = settings.smtp_from or ""
    msg["To"] = invite.email
    msg["Message-ID"] = make_msgid(domain=(settings.smtp_from or "wholeroom").rpartition("@")[2].strip("> ") or None)
    paragraphs = [
        _("Dear {name},").format(name=invite.name),
        _("You are invited to {title}.").format(title=title),
        _("Your personal link:") + "\n" + invite.link,
        _(
            "Before the event, open it to say whether you are coming. On the day, open it again on your phone "
            "to join: your name is filled in and the organisers will see you have arrived."
        ),
        _("No link? Open {url} and type the join code {code}.").format(url=join_url, code=join_code),
        _("This link is yours: please do not pass it on."),
    ]
    msg.set_content("\n\n".join(paragraphs) + "\n")
    return msg


def send(
    settings: Settings,
    title: str,
    join_code: str,
    join_url: str,
    invitations: Sequence[Invitation],
    translations: gettext.NullTranslations | None = None,
) -> Sent:
    """Send each invitation (in the language of ``translations``); a recipient the server refuses
    is reported, the others still go.
    Raises ``Conflict("mail_off")`` when no mail server is configured, ``Conflict("mail_failed")``
    when it cannot be reached or refuses the login (then nothing was sent)."""
    if not configured(settings):
        raise Conflict("mail_off", "no mail server is configured (WHOLEROOM_SMTP_HOST and WHOLEROOM_SMTP_FROM)")
    host, port = settings.smtp_host or "", settings.smtp_port
    out = Sent()
    try:
        server: smtplib.SMTP
        if settings.smtp_security == "tls":
            server = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_S, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=TIMEOUT_S)
        with server:
            if settings.smtp_security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                server.login(settings.smtp_user, settings.smtp_password or "")
            for invite in invitations:
                try:
                    server.send_message(message(settings, title, join_code, join_url, invite, translations))
                    out.sent.append(invite.person_id)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
                    reason = _reason(exc)
                    out.failed.append({"id": invite.person_id, "name": invite.name, "reason": reason})
    except (OSError, smtplib.SMTPException) as exc:
        if out.sent:  # the connection broke halfway: say what went, and what did not
            gone = set(out.sent) | {f["id"] for f in out.failed}
            for invite in invitations:
                if invite.person_id not in gone:
                    out.failed.append({"id": invite.person_id, "name": invite.name, "reason": _reason(exc)})
            return out
        raise Conflict(
            "mail_failed", f"the mail server {host}:{port} did not take the invitations: {_reason(exc)}"
        ) from None
    return out


def _reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [f"{code} {msg.decode(errors='replace')}" for code, msg in exc.recipients.values()]
        return "; ".join(codes) or "refused"
    if isinstance(exc, smtplib.SMTPResponseException):
        said = exc.smtp_error
        return f"{exc.smtp_code} {said.decode(errors='replace') if isinstance(said, bytes) else said}"
    return str(exc) or type(exc).__name__
