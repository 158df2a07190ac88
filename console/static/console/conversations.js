// The conversations a staff member has open (their own, and those a supervisor
// watches): opening, selecting, removing, and the protocol events about them.

import { GAP_DELAY_MS } from "../kohtaamo/stream.js";
import { Conv } from "./conversation.js";
import { dismissCrisis } from "./crisis.js";
import { announce, consoleInBackground, notify, updateTitle } from "./notices.js";
import { renderLive } from "./queues.js";
import { showRecordPrompt } from "./records.js";
import { saveStore, send, sendNow, state, stream } from "./state.js";
import { SUGGEST_OPEN_DELAY_MS } from "./suggestions.js";
import { $, focusElement, sysText, t } from "./util.js";

export function outcomeLabel(value) {
  const outcomes = (state.welcome && state.welcome.outcomes) || [];
  const found = outcomes.find((o) => o.value === value);
  return found ? found.label : value || "";
}

export function ensureConv(id, mode) {
  let conv = state.convs.get(id);
  if (!conv) {
    conv = new Conv(id, mode);
    state.convs.set(id, conv);
    conv.render();
    renderMine();
    renderLive();
    saveStore();
  } else if (mode === "mine" && conv.mode !== "mine") {
    conv.mode = "mine";
    conv.render();
  }
  return conv;
}

/** Show a conversation that is (now) mine or that a supervisor watches, loading its history. */
export function openConversation(id, mode, { select: shouldSelect = false, focus = false } = {}) {
  const existing = state.convs.get(id);
  const conv = ensureConv(id, mode);
  if (!existing || (!conv.resuming && (conv.gone || conv.ended || !conv.synced))) {
    conv.gone = false;
    resume(conv);
  }
  if (shouldSelect) select(id, { focus });
  return conv;
}

export function removeConv(id, { leave = true, focusList = false } = {}) {
  const conv = state.convs.get(id);
  if (!conv) return;
  if (leave) send({ type: "leave", conversation: id });
  conv.gone = true;
  conv.typing(false);
  conv.call.destroy();
  state.convs.delete(id);
  stream.forget(id);
  for (const item of stream.outbox.values()) if (item.c === id) stream.remove(item.id);
  conv.ui.pane.remove();
  conv.item.li.remove();
  delete state.drafts[id];
  if (state.current === id) {
    state.current = null;
    const next = state.convs.values().next().value;
    if (next) select(next.id, { focus: false });
    else showEmpty();
  }
  if (focusList) {
    const target = state.current !== null ? state.convs.get(state.current).item.button : $("mine-heading");
    focusElement(target);
  }
  renderMine();
  renderLive();
  saveStore();
  updateTitle();
}

/** A watched conversation ended (closed, or gone from its desk's list in progress): it leaves the list. */
export function endWatch(conv) {
  announce(`${conv.name}: ${sysText({ code: "closed" })}`);
  removeConv(conv.id, { leave: true, focusList: conv.ui.pane.contains(document.activeElement) });
}

/** A new desk snapshot: a watched conversation in progress in the one before, and not now, has ended. */
export function endWatchesGone(previous, snapshot) {
  const ids = (list) => new Set((list || []).map((a) => a.id));
  const before = ids(previous?.active);
  const now = ids(snapshot.active);
  for (const conv of [...state.convs.values()]) {
    if (conv.mode === "watching" && before.has(conv.id) && !now.has(conv.id)) endWatch(conv);
  }
}

export function showEmpty() {
  $("no-conversation").hidden = false;
}

export function select(id, { focus = false } = {}) {
  const conv = state.convs.get(id);
  if (!conv) return;
  state.current = id;
  for (const other of state.convs.values()) {
    other.ui.pane.hidden = other !== conv;
    other.renderListItem();
  }
  $("no-conversation").hidden = true;
  if (!conv.synced && !conv.resuming && stream.ready) resume(conv);
  conv.scrollToEnd(true);
  conv.markSeen();
  conv.requestSuggestions(SUGGEST_OPEN_DELAY_MS);
  saveStore();
  if (focus) {
    if (!conv.ui.composer.hidden) conv.ui.input.focus();
    else conv.ui.pane.focus();
  }
}

export function renderMine() {
  $("mine-empty").hidden = state.convs.size > 0;
}

export function onConversation(s, context) {
  let conv = state.convs.get(s.id);
  const claimed = context && (context.kind === "take" || context.kind === "step_in");
  if (claimed) {
    conv = openConversation(s.id, "mine");
  } else if (!conv) {
    if (!s.can_write) return;
    conv = openConversation(s.id, "mine");
  }
  const before = conv.state;
  conv.state = s;
  conv.call.setAllowed(Boolean(s.can_write) && s.status === "active");
  if (s.receipts) {
    conv.clientReceipt = {
      delivered: Math.max(conv.clientReceipt.delivered, s.receipts.client.delivered || 0),
      read: Math.max(conv.clientReceipt.read, s.receipts.client.read || 0),
    };
    conv.readSent = Math.max(conv.readSent, s.receipts.staff.read || 0);
    conv.deliveredSent = Math.max(conv.deliveredSent, s.receipts.staff.delivered || 0);
    conv.updateReceipts();
  }
  if (s.can_write) {
    conv.mode = "mine";
    conv.ended = null;
  } else if (conv.mode === "mine" && s.status !== "closed") {
    conv.ended = s.status === "queued" ? "moved" : "taken_over";
  }
  if (state.pendingTransfers.has(s.id) && s.status === "queued") {
    const desk = state.pendingTransfers.get(s.id);
    state.pendingTransfers.delete(s.id);
    announce(t("transferDone", { desk: desk || s.desk.name }));
    removeConv(s.id, { leave: true, focusList: true });
    return;
  }
  if (state.pendingCloses.has(s.id) && s.status === "closed" && s.outcome) {
    state.pendingCloses.delete(s.id);
    announce(t("closeDone"));
    const name = conv.name;
    removeConv(s.id, { leave: true, focusList: false });
    showRecordPrompt(s.id, name);
    return;
  }
  if (conv.mode === "watching" && s.status === "closed") {
    endWatch(conv);
    return;
  }
  if (before && before.status !== "closed" && s.status === "closed" && s.closed_by_client) {
    announce(`${conv.name}: ${sysText({ code: "client_left" })}`);
  }
  if (before && before.desk.id !== s.desk.id) conv.refreshCanned();
  if (!before) conv.refreshCanned();
  conv.render();
  if (claimed) dismissCrisis(s.id);
  if (claimed) select(s.id, { focus: true });
  conv.markSeen();
}

export function onMessage(message) {
  const conv = state.convs.get(message.conversation);
  if (!conv) return;
  if (!conv.addMessage(message)) return; // the stream passes each seq once; a gap it asks for itself
  conv.scrollToEnd(message.sender === "staff");
  if (message.sender === "client" && conv.mode === "mine" && !conv.resuming) {
    const unseen = !conv.isVisible() || consoleInBackground();
    if (!conv.isVisible()) announce(t("newMessage", { name: conv.name }));
    // Only who wrote, never what: a system notification may show on a screen others see.
    if (unseen) {
      notify("reply", {
        title: t("newMessage", { name: conv.name }),
        tag: `kohtaamo-reply-${conv.id}`,
        open: () => select(conv.id, { focus: true }),
      });
    }
  }
  // A new client line in the conversation on screen: fresh suggestions once the client pauses.
  if (message.sender === "client" && state.current === conv.id && !conv.resuming) conv.requestSuggestions();
  caughtUp(conv, false);
}

export function onSynced(event) {
  const conv = state.convs.get(event.conversation);
  if (!conv) return;
  conv.updateReceipts();
  conv.scrollToEnd(true);
  caughtUp(conv, true);
  if (state.current === conv.id) conv.requestSuggestions(SUGGEST_OPEN_DELAY_MS);
}

/** New lines are in: receipts to the server, then the pane (or only its tab) and the title. */
function caughtUp(conv, whole) {
  conv.markSeen();
  if (whole) conv.render();
  else conv.renderListItem();
  updateTitle();
}

export function onAck(event) {
  const conv = state.convs.get(event.conversation);
  if (!conv) return;
  if (typeof event.note === "number") {
    // Notes have no seq: when the note event was lost, a resume brings every note again.
    window.setTimeout(() => {
      if (!conv.gone && !conv.notes.has(event.note) && !conv.resuming) resume(conv);
    }, GAP_DELAY_MS);
    return;
  }
  const pending = conv.findPending("send", event.id);
  if (!pending || typeof event.seq !== "number") return;
  if (conv.messages.has(event.seq)) pending.remove();
  else pending.querySelector(".msg-receipt").textContent = t("sent"); // its message follows, or the stream asks for it
}

export function onNote(event) {
  const conv = state.convs.get(event.conversation);
  if (conv) conv.addNote(event.note);
}

export function onEarlier(event) {
  const conv = state.convs.get(event.conversation);
  if (conv) conv.showEarlier(event.earlier);
}

export function onReceipt(event) {
  const conv = state.convs.get(event.conversation);
  if (!conv) return;
  if (event.side === "client") {
    conv.clientReceipt = {
      delivered: Math.max(conv.clientReceipt.delivered, event.delivered || 0),
      read: Math.max(conv.clientReceipt.read, event.read || 0),
    };
    conv.updateReceipts();
  } else {
    // My own cursors, perhaps moved by my console in another tab.
    conv.readSent = Math.max(conv.readSent, event.read || 0);
    conv.deliveredSent = Math.max(conv.deliveredSent, event.delivered || 0);
    conv.renderListItem();
    updateTitle();
  }
}

export function onTyping(event) {
  const conv = state.convs.get(event.conversation);
  if (conv && event.sender === "client") conv.showClientTyping(Boolean(event.active));
}

export function resume(conv) {
  stream.resume(conv.id);
}

export function take(frame) {
  sendNow({ type: "take", ...frame }, { kind: "take", conversation: frame.conversation ?? null });
}

export function stepIn(id) {
  sendNow({ type: "step_in", conversation: id }, { kind: "step_in", conversation: id });
}
export function onVoted(event) {
  const conv = state.convs.get(event.conversation);
  if (conv) conv.setVote(event.seq, Boolean(event.helpful));
}
