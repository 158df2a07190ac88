// The staff console: queues, several conversations at once, notes, transfers,
// closing and supervision, over the staff WebSocket (docs/protocol.md).
//
// This file dispatches the server's events and wires the page; the modules beside it
// each own one part (docs/architecture.md, "Front end"):
// - state.js: the state, sessionStorage, and the stream (static/kohtaamo/stream.js:
//   socket, reconnects, per-conversation cursors, gaps, outbox and resume);
// - conversation.js, messages.js, canned.js, suggestions.js: one conversation's pane;
// - conversations.js: open conversations and their events; queues.js: desks and live list;
// - dialogs.js, crisis.js, notices.js; util.js: texts, DOM nodes, times.

import { onCanned } from "./canned.js";
import {
  ensureConv,
  onAck,
  onConversation,
  onEarlier,
  onMessage,
  onNote,
  onReceipt,
  onSynced,
  onTyping,
  onVoted,
  openConversation,
  removeConv,
  renderMine,
  resume,
  select,
  take,
} from "./conversations.js";
import { onFileLink } from "./conv-attachments.js";
import { onAlert } from "./crisis.js";
import { dialogDone, dialogFailed, onTransferDesks, releaseDialogs } from "./dialogs.js";
import { initPresence, onDuty, onPresence, renderAllDuty, showPresence } from "./duty.js";
import { guestFailed, onGuestLink, onGuests } from "./guests.js";
import { announce, notify, showAlert } from "./notices.js";
import { focusWaiting, onDesk, renderDeskShells, tick } from "./queues.js";
import { STORE_KEY, loadStore, state, stream } from "./state.js";
import { onSuggestions } from "./suggestions.js";
import { $, config, t } from "./util.js";

let countdownTimer = null;

/** The stream's state on the status line: connecting, connected, reconnecting (with a countdown) ... */
export function showConnectionState(kind, detail = {}) {
  if (kind === "fatal") kind = detail.code === 4403 ? "forbidden" : "ended";
  if (kind === "trouble") kind = "connected"; // the socket works; the alert line tells the rest
  const status = $("connection-status");
  status.dataset.state = kind;
  const texts = {
    connecting: t("connecting"),
    connected: t("connected"),
    reconnecting: t(detail.busy ? "busy" : "reconnecting"),
    offline: t("offline"),
    ended: t("sessionEnded"),
    forbidden: t("forbiddenRole"),
  };
  const text = texts[kind] || kind;
  // Only a change of state is announced; the countdown beside it is for the eyes.
  if (status.textContent !== text) status.textContent = text;
  const countdown = $("connection-countdown");
  window.clearInterval(countdownTimer);
  const tell = () => {
    const seconds = Math.max(0, Math.ceil((detail.due - Date.now()) / 1000));
    countdown.textContent = t("retryIn", { seconds });
  };
  if (kind === "reconnecting") {
    tell();
    countdownTimer = window.setInterval(tell, 1000);
  } else countdown.textContent = "";
  $("session-ended").hidden = kind !== "ended";
  if (kind !== "connected" && kind !== "connecting") releaseDialogs();
  document.body.classList.toggle("is-offline", kind !== "connected");
}

// --- Events -------------------------------------------------------------------------

const HANDLERS = {
  welcome: onWelcome,
  desk: onDesk,
  message: onMessage,
  synced: onSynced,
  ack: onAck,
  note: onNote,
  earlier: onEarlier,
  receipt: onReceipt,
  typing: onTyping,
  alert: onAlert,
  voted: onVoted,
  canned: onCanned,
  suggestions: onSuggestions,
  transfer_desks: onTransferDesks,
  duty: onDuty,
  presence: onPresence,
  guests: onGuests,
  guest_link: onGuestLink,
  file_link: onFileLink,
  // Calls (static/kohtaamo/call.js): each conversation's panel.
  call: (event) => state.convs.get(event.conversation)?.call.onCall(event),
  call_signal: (event) => state.convs.get(event.conversation)?.call.onSignal(event),
};

export function handleEvent(event) {
  const context = event.ref ? state.refs.get(event.ref) : undefined;
  if (event.type === "conversation" && event.conversation.deleted) onDeleted({ conversation: event.conversation.id });
  else if (event.type === "conversation") {
    if (context) dialogDone(context);
    onConversation(event.conversation, context);
  } else if (event.type === "deleted") onDeleted(event);
  else if (event.type === "assigned") openConversation(event.conversation, "mine", { select: false });
  else if (event.type === "offered") {
    const text = event.returning ? t("offeredReturning") : t("offered");
    announce(text);
    notify("queue", {
      title: text,
      tag: `kohtaamo-offered-${event.conversation}`,
      open: () => focusWaiting(event.conversation),
    });
  } else if (event.type === "gone") onGone(event);
  else if (event.type === "error" && event.ref?.startsWith("call:")) {
    state.convs.get(Number(event.ref.slice(5)))?.call.onError(event); // a refused call frame: its panel says it
  } else if (event.type === "error") onError(event, context);
  else HANDLERS[event.type]?.(event); // pong, and event types newer than this script, do nothing
}

function onWelcome(welcome) {
  const first = state.welcome === null;
  const deskIds = welcome.desks.map((d) => d.id);
  const desksChanged = !first && deskIds.join() !== state.deskOrder.join();
  state.welcome = welcome;
  state.me = welcome.staff;
  if (desksChanged) {
    // Sent again, unasked, when this staff member's desks changed: show only the desks they work at now.
    state.deskOrder = deskIds;
    state.deskSections.clear();
    for (const id of [...state.desks.keys()]) if (!deskIds.includes(id)) state.desks.delete(id);
    renderDeskShells();
    renderAllDuty();
    announce(t("desksChanged"));
  }
  showPresence(welcome.presence);
  if (first) {
    state.deskOrder = deskIds;
    renderDeskShells();
    initPresence();
    const stored = loadStore();
    state.drafts = stored.drafts || {};
    for (const item of stored.open || []) ensureConv(item.id, item.mode === "watching" ? "watching" : "mine");
    for (const item of stream.outbox.values()) {
      const conv = state.convs.get(item.c);
      if (conv && item.type === "note") conv.renderPendingNote(item);
      else if (conv) conv.renderPending(item);
    }
    if (stored.current && state.convs.has(stored.current)) select(stored.current, { focus: false });
  }
  for (const id of welcome.conversations) ensureConv(id, "mine");
  // Each resumes; its outbox goes (again, with the same ids) when it is synced.
  for (const conv of state.convs.values()) {
    conv.refreshCanned();
    if (!conv.gone) resume(conv);
  }
  renderMine();
  if (state.current === null) {
    const firstConv = state.convs.values().next().value;
    if (firstConv) select(firstConv.id, { focus: false });
  }
}

/** The client deleted the conversation: its lines are gone from the server, so they leave the console too,
 * and the alert line says so (the history shows only that it was deleted). */
function onDeleted(event) {
  if (!state.convs.has(event.conversation)) return;
  const conv = state.convs.get(event.conversation);
  const name = conv.name;
  removeConv(event.conversation, { leave: true, focusList: conv.ui.pane.contains(document.activeElement) });
  announce(`${name}: ${t("convDeleted")}`);
  showAlert(`${name}: ${t("convDeleted")}`);
}

/** The staff member may no longer see this conversation (moved to another desk, or their access changed). */
function onGone(event) {
  if (!state.convs.has(event.conversation)) return; // e.g. their own transfer, already closed
  removeConv(event.conversation, { leave: false });
  announce(t("convGone"));
}

function onError(event, context) {
  const message = event.message || event.code;
  if (event.retryIn) {
    // Kept and tried again by the stream: the server was busy or could not store.
    const seconds = Math.ceil(event.retryIn / 1000);
    showAlert(`${t("errorPrefix", { message })} ${t("retrying", { seconds })}`);
    return;
  }
  if (context && context.kind === "suggest") {
    // Only help: said in the panel, not in the alert line.
    state.convs.get(context.conversation)?.suggestionsFailed();
    return;
  }
  if (event.resumed != null && event.code === "not_found") {
    // Moved somewhere this staff member cannot see: drop it quietly.
    removeConv(event.resumed, { leave: false });
    return;
  }
  if (event.code === "unavailable" && !event.ref) return; // typing or a receipt: nothing to redo
  if (context && context.kind === "transfer") state.pendingTransfers.delete(context.conversation);
  if (context && context.kind === "close") state.pendingCloses.delete(context.conversation);
  if (context && dialogFailed(context, message)) return; // said inside the dialog that sent it
  if (context && guestFailed(context, message)) return; // an invitation's dialog, or beside the guest list
  showAlert(t("errorPrefix", { message }));
}

/** The server refused a message or note for good: give the text back to its writer. */
export function onRefused(item, error) {
  state.convs.get(item.c)?.restoreText(item);
  showAlert(t("errorPrefix", { message: error.message || error.code }));
}

// --- Page life ------------------------------------------------------------------------------

document.addEventListener("visibilitychange", () => {
  const conv = state.convs.get(state.current);
  if (conv) conv.markSeen();
});

document.addEventListener("keydown", (event) => {
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.code === "KeyN") {
    const deskId = state.deskOrder.find((id) => {
      const snapshot = state.desks.get(id);
      return snapshot && snapshot.waiting.some((w) => !w.offered_to || w.offered_to === state.me.id);
    });
    if (deskId !== undefined) {
      event.preventDefault();
      take({ desk: deskId });
    }
    return;
  }
  const digit = /^Digit([1-9])$/.exec(event.code);
  if (digit) {
    const conv = [...state.convs.values()][Number(digit[1]) - 1];
    if (conv) {
      event.preventDefault();
      select(conv.id, { focus: true });
    }
  }
});

for (const form of document.querySelectorAll(".logout-form")) {
  form.addEventListener("submit", () => sessionStorage.removeItem(STORE_KEY));
}

// Keep the session of a counsellor who is working alive: the socket alone does not.
let activeSinceKeepalive = false;
for (const type of ["keydown", "pointerdown"]) {
  document.addEventListener(type, () => {
    activeSinceKeepalive = true;
  });
}
window.setInterval(
  () => {
    if (!activeSinceKeepalive) return;
    activeSinceKeepalive = false;
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(config.keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" },
      redirect: "manual",
    }).catch(() => {});
  },
  5 * 60 * 1000,
);

window.setInterval(tick, 1000);
stream.connect();

// For people debugging the console from the browser's developer tools (and for the tests).
window.kohtaamoConsole = { connection: stream, state };
