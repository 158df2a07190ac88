// One line of a conversation as the client page and a guest's page show it
// (a system line, or a person's message with who wrote it and when). The pages
// differ only in whose line is "mine" and how a writer is named, so those come
// in as functions; the chatbot's answers stay with the client page, which
// alone has their buttons.
import { icon } from "./icons.js";
import { node } from "./text.js";

/** Someone came into the conversation: a line of its own look that cannot be missed. */
export const JOIN_CODES = new Set(["joined", "guest_joined"]);

/**
 * A guest's name and role as everybody reads them: "Anna (interpreter)" or
 * "Anna (interpreter, City of Oulu)". `roles` maps a role code to its name in the page's language.
 */
export function guestName(guest, roles) {
  const role = roles?.[guest.role] || guest.role || "";
  const parts = [role, guest.organisation].filter(Boolean).join(", ");
  return parts ? `${guest.name} (${parts})` : guest.name;
}

/**
 * An <li> for message event `m`.
 * @param o  {who(m): the writer's name, system(m): a system line's text, time(iso): "14.05",
 *   mine(m): true for the reader's own lines (drawn on the other side),
 *   attachment(m): the element of a message's file (static/kohtaamo/attachments.js), its text the caption}
 */
export function renderLine(m, o) {
  const li = document.createElement("li");
  if (m.sender === "system") {
    li.className = "k-sys";
    if (JOIN_CODES.has(m.code)) {
      li.className = "k-sys k-sys--joined";
      li.append(icon("person"));
    }
    li.append(node("p", "", o.system(m)));
    return li;
  }
  li.className = `k-msg k-msg--${o.mine(m) ? "client" : "staff"}`;
  const meta = node("p", "k-meta");
  meta.append(node("span", "k-who", o.who(m)), " ");
  const time = node("time", "", o.time(m.at));
  if (m.at) time.dateTime = m.at;
  meta.append(time);
  li.append(meta);
  if (m.attachment && o.attachment) li.append(o.attachment(m));
  if (m.body || !m.attachment) li.append(node("p", "k-body", m.body));
  return li;
}
