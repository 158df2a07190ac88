// A conversation's guests in the console (issue 14; docs/protocol.md: invite_guest, remove_guest,
// guest_link, guests): "Invite a participant…" opens a dialog (role, name, optional organisation);
// the client is asked first; once they agree, the one-time link comes to this console only, with a
// Copy button; the list shows each guest's state with Remove. The link is never stored: after a
// reload, "New link" makes a fresh one (the old one stops working).

import { guestName } from "../kohtaamo/lines.js";
import { send, state } from "./state.js";
import { $, config, el, formatTime, t } from "./util.js";

const links = new Map(); // guest id -> {url, expires_at}: links given to this console
const lists = new Map(); // conversation id -> the latest guest list
let dialogConv = null;
let dialogOpener = null;

const dialog = $("guest-dialog");
const form = $("guest-form");
const error = $("guest-error");
const submit = form.querySelector("button[type=submit]");

/** A guest's name and role as the client sees them. */
export const guestLabel = (guest) => guestName(guest, config.guestRoles);

function showError(message, focusTarget = null) {
  error.textContent = message;
  error.hidden = !message;
  submit.disabled = false;
  if (focusTarget) focusTarget.focus();
}

export function openGuestDialog(conv, opener) {
  dialogConv = conv;
  dialogOpener = opener;
  form.reset();
  showError("");
  dialog.showModal();
}

dialog.querySelector(".dialog-cancel").addEventListener("click", () => dialog.close());
dialog.addEventListener("close", () => {
  submit.disabled = false;
  if (dialogOpener && document.contains(dialogOpener) && !dialogOpener.hidden) dialogOpener.focus();
  dialogOpener = null;
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const name = $("guest-name").value.trim();
  if (!name) {
    $("guest-name").setAttribute("aria-invalid", "true");
    showError(t("guestNameNeeded"), $("guest-name"));
    return;
  }
  $("guest-name").removeAttribute("aria-invalid");
  if (!dialogConv) return;
  const frame = {
    type: "invite_guest",
    conversation: dialogConv.id,
    role: $("guest-role").value,
    name,
    organisation: $("guest-organisation").value.trim(),
  };
  submit.disabled = true;
  if (!send(frame, { kind: "invite", conversation: dialogConv.id })) showError(t("notConnected"));
});

/** The server refused an invitation, a removal or a new link: said in the dialog or beside the list (true). */
export function guestFailed(context, message) {
  if (context.kind === "invite" && dialog.open) {
    showError(t("errorPrefix", { message }), submit);
    return true;
  }
  if (context.kind === "guest") {
    const box = state.convs.get(context.conversation)?.ui.pane.querySelector(".guest-error");
    if (box) {
      box.textContent = t("errorPrefix", { message });
      box.hidden = false;
      return true;
    }
  }
  return false;
}

/** A `guests` event: the conversation's guests now (the answer to an invitation closes its dialog). */
/** The conversation's latest guest list (the call panel names its people from it). */
export const guestsOf = (conversation) => lists.get(conversation) || [];

export function onGuests(event) {
  const context = event.ref ? state.refs.get(event.ref) : undefined;
  if (context?.kind === "invite" && dialog.open) dialog.close();
  lists.set(event.conversation, event.guests);
  const conv = state.convs.get(event.conversation);
  if (conv) renderGuests(conv);
}

/** A `guest_link` event: the one-time link for a guest the client agreed to. */
export function onGuestLink(event) {
  links.set(event.guest, { url: new URL(event.url, location.origin).href, expires: event.expires_at });
  const conv = state.convs.get(event.conversation);
  if (conv) renderGuests(conv);
}

const STATE_KEYS = { asked: "guestAsked", accepted: "guestAccepted", joined: "guestJoined" };

function guestItem(conv, guest, writable) {
  const li = el("li", "guest");
  li.append(el("p", "guest-name", guestLabel(guest)), el("p", "guest-state small-text", t(STATE_KEYS[guest.state] || guest.state)));
  const link = links.get(guest.id);
  if (guest.state === "accepted" && writable) {
    if (link) {
      const id = `guest-link-${guest.id}`;
      const label = el("label", null, t("guestLink", { name: guest.name }));
      label.htmlFor = id;
      const input = el("input", "guest-link");
      input.id = id;
      input.readOnly = true;
      input.value = link.url;
      input.setAttribute("aria-describedby", `${id}-until`);
      const until = el("p", "small-text muted", t("guestLinkUntil", { time: formatTime(link.expires) }));
      until.id = `${id}-until`;
      const copy = el("button", null, t("copy"));
      copy.type = "button";
      copy.addEventListener("click", async () => {
        input.select();
        try {
          await navigator.clipboard.writeText(link.url);
          copy.textContent = t("copied");
        } catch {
          copy.textContent = t("copySelected"); // selected: Ctrl+C copies it
        }
      });
      li.append(label, input, copy, until);
    }
    const fresh = el("button", null, link ? t("guestNewLink") : t("guestGetLink"));
    fresh.type = "button";
    fresh.addEventListener("click", () =>
      send({ type: "guest_link", conversation: conv.id, guest: guest.id }, { kind: "guest", conversation: conv.id }),
    );
    li.append(fresh);
  }
  if (writable) {
    const remove = el("button", "guest-remove", guest.state === "joined" ? t("guestRemove") : t("guestCancel"));
    remove.type = "button";
    remove.setAttribute("aria-label", `${remove.textContent}: ${guest.name}`);
    remove.addEventListener("click", () =>
      send({ type: "remove_guest", conversation: conv.id, guest: guest.id }, { kind: "guest", conversation: conv.id }),
    );
    li.append(remove);
  }
  return li;
}

/** The conversation's guest panel and its invite button (called by Conv.render and on every `guests`). */
export function renderGuests(conv, writable = conv.canWrite && !conv.ended && conv.state?.status === "active") {
  const pane = conv.ui.pane;
  pane.querySelector(".act-invite").hidden = !writable;
  const guests = lists.get(conv.id) || [];
  const box = pane.querySelector(".conv-guests");
  box.hidden = guests.length === 0;
  const heading = box.querySelector(".guests-heading");
  heading.id = `conv-${conv.id}-guests`;
  box.setAttribute("aria-labelledby", heading.id);
  const errorLine = box.querySelector(".guest-error");
  errorLine.hidden = true;
  errorLine.textContent = "";
  box.querySelector(".guest-list").replaceChildren(...guests.map((g) => guestItem(conv, g, writable)));
}
