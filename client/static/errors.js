// What the server's refusals say to a person, in their language. The server writes its messages in
// English (with details: the code, a limit, a table); a page in another language shows instead the
// message here for the error's code, when it has one (docs/architecture.md, "Interface languages").
import { lang, t } from "./i18n.js";

const MESSAGES = {
  unknown_code: t("No event has this join code: check it on the wall."),
  unknown_table: t("This event has no such table."),
  event_closed: t("This event has ended."),
  text_too_long: t("This is too long: make it shorter."),
  empty_text: t("Write something first."),
  step_closed: t("That step has ended: your idea was not added."),
  not_your_step: t("That step was not for your table."),
  rate_limited: t("Too many tries at once: wait a moment and try again."),
  removed: t("The facilitator removed you from this event."),
  token_expired: t("This phone's link has expired: join again."),
  link_revoked: t("The organiser revoked this link; ask them for a new one."),
  unknown_invitation: t("This personal link does not work here: join without it."),
  role_taken: t("Your table already has someone in this role."),
  too_many_dots: t("Too many dots on one option."),
  wrong_table: t("You sit at another table."),
  bad_email: t("That does not look like an email address (name@example.org)."),
};

/** The words for a refusal {code, message}: this page's language when it has them, else the server's. */
export function errorText(code, message) {
  return lang !== "en" && MESSAGES[code] ? MESSAGES[code] : message;
}
