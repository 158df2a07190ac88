// One conversation on the console: its pane (built from #conversation-template),
// its tab in "My conversations", writing, typing and read receipts. Its lines
// are drawn by messages.js, its canned replies found by "/" by canned.js and its suggestions
// (the chatbot's topics and crisis signs for the client's latest lines) by suggestions.js.

import { CallPanel, peerName } from "../kohtaamo/call.js";
import { isSendKey } from "../kohtaamo/composer.js";
import { newId } from "../kohtaamo/stream.js";
import { ConvCanned } from "./canned.js";
import { ConvAttachments } from "./conv-attachments.js";
import { outcomeLabel, removeConv, select, stepIn } from "./conversations.js";
import { openCloseDialog, openTransferDialog } from "./dialogs.js";
import { guestsOf, openGuestDialog, renderGuests } from "./guests.js";
import { ConvLines } from "./messages.js";
import { showAlert, updateTitle } from "./notices.js";
import { saveStore, send, state, stream } from "./state.js";
import { ConvSuggestions } from "./suggestions.js";
import { $, config, el, formatDate, handoffBanner, mixin, t } from "./util.js";

export class Conv {
  constructor(id, mode) {
    this.id = id;
    this.mode = mode; // "mine" or "watching"
    this.state = null;
    this.messages = new Map();
    this.notes = new Map();
    this.readSent = 0;
    this.deliveredSent = 0;
    this.clientReceipt = { delivered: 0, read: 0 };
    this.ended = null; // "moved" or "taken_over" once it is no longer mine
    this.gone = false;
    this.typingActive = false;
    this.typingSentAt = 0;
    this.typingIdleTimer = null;
    this.clientTypingTimer = null;
    this.buildPane();
    this.buildListItem();
  }

  /** Its cursor in the stream: every seq up to `cursor` is here; `maxSeq`, `synced`, `resuming`. */
  get link() {
    return stream.track(this.id);
  }

  get maxSeq() {
    return this.link.maxSeq;
  }

  get synced() {
    return this.link.synced;
  }

  get resuming() {
    return this.link.resuming;
  }

  get name() {
    return (this.state && this.state.nickname) || t("anonymous");
  }

  get canWrite() {
    return Boolean(this.state && this.state.can_write);
  }

  buildPane() {
    const fragment = $("conversation-template").content.cloneNode(true);
    const pane = fragment.querySelector(".conversation");
    const id = this.id;
    pane.id = `conv-${id}`;
    pane.hidden = true;
    const q = (selector) => pane.querySelector(selector);
    const ui = {
      pane,
      name: q(".conv-name"),
      desk: q(".conv-desk"),
      status: q(".conv-status"),
      watching: q(".badge-watching"),
      crisis: q(".conv-crisis"),
      banner: q(".conv-banner"),
      handoff: q(".conv-handoff"),
      earlier: q(".conv-earlier"),
      earlierList: q(".earlier-list"),
      transfer: q(".act-transfer"),
      close: q(".act-close"),
      stepIn: q(".act-step-in"),
      dismiss: q(".act-dismiss"),
      log: q(".log-list"),
      logBox: q(".log"),
      typing: q(".typing"),
      composer: q(".composer"),
      input: q(".composer-input"),
      noteList: q(".note-list"),
      noteForm: q(".note-form"),
      noteInput: q(".note-input"),
    };
    ui.name.id = `conv-${id}-name`;
    const earlierHeading = q(".earlier-heading");
    earlierHeading.id = `conv-${id}-earlier`;
    ui.earlier.setAttribute("aria-labelledby", earlierHeading.id);
    pane.setAttribute("aria-labelledby", ui.name.id);
    ui.logBox.setAttribute("aria-labelledby", ui.name.id);
    const bind = (labelSelector, field, fieldId) => {
      field.id = fieldId;
      q(labelSelector).htmlFor = fieldId;
    };
    bind(".composer-label", ui.input, `composer-${id}`);
    bind(".note-label", ui.noteInput, `note-${id}`);
    const hint = q(".composer-hint");
    hint.id = `composer-${id}-hint`;
    ui.input.setAttribute("aria-describedby", hint.id);
    ui.input.maxLength = config.maxMessageChars;
    const notesHeading = q(".notes-heading");
    notesHeading.id = `notes-${id}-heading`;
    q(".notes").setAttribute("aria-labelledby", notesHeading.id);
    ui.noteList.setAttribute("aria-labelledby", notesHeading.id);
    ui.input.value = state.drafts[id] || "";

    ui.composer.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submitMessage();
    });
    ui.input.addEventListener("keydown", (event) => {
      if (this.cannedKeydown(event)) return; // the canned-reply list's keys while it is open
      if (isSendKey(event)) {
        event.preventDefault();
        this.submitMessage();
      }
    });
    ui.input.addEventListener("input", () => {
      state.drafts[id] = ui.input.value;
      saveStore();
      this.typing(ui.input.value.trim() !== "");
    });
    ui.noteForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submitNote();
    });
    ui.transfer.addEventListener("click", () => openTransferDialog(this, ui.transfer));
    const invite = q(".act-invite");
    invite.addEventListener("click", () => openGuestDialog(this, invite));
    ui.close.addEventListener("click", () => openCloseDialog(this, ui.close));
    ui.stepIn.addEventListener("click", () => stepIn(this.id));
    ui.dismiss.addEventListener("click", () => removeConv(this.id, { leave: true, focusList: true }));
    this.ui = ui;
    // Calls (issue 14): start buttons beside Transfer/Close, the panel above the log (static/kohtaamo/call.js).
    this.call = new CallPanel({
      conversation: id,
      me: `staff:${config.staffId}`,
      send: (frame) => send(frame),
      texts: config.callTexts,
      startMount: q(".conversation-actions"),
      panelMount: q(".call-area"),
      nameOf: (peer) =>
        peerName(peer, { texts: config.callTexts, guests: guestsOf(id), roles: config.guestRoles, clientName: this.name }),
    });
    this.setupSuggestions(q);
    this.setupCanned(q);
    this.setupAttachments(q);
    $("conversation-area").append(pane);
  }

  buildListItem() {
    const li = el("li");
    const button = el("button", "conv-tab");
    button.type = "button";
    const name = el("span", "tab-name");
    const meta = el("span", "tab-meta");
    const unread = el("span", "badge badge-unread");
    unread.hidden = true;
    const crisis = el("span", "flag flag-crisis", t("crisis"));
    crisis.hidden = true;
    button.append(name, crisis, meta, unread);
    button.addEventListener("click", () => select(this.id, { focus: true }));
    li.append(button);
    this.item = { li, button, name, meta, unread, crisis };
    $("my-list").append(li);
  }

  submitMessage() {
    if (this.attach.draft) {
      this.submitAttachment();
      return;
    }
    const input = this.ui.input;
    const body = input.value.trim();
    if (!body || !this.canWrite) return;
    if (body.length > config.maxMessageChars) {
      showAlert(t("tooLong", { count: body.length, max: config.maxMessageChars }));
      return;
    }
    const item = { c: this.id, id: newId(), type: "send", body };
    input.value = "";
    state.drafts[this.id] = "";
    this.typing(false);
    this.renderPending(item);
    stream.submit(item);
  }

  submitNote() {
    const body = this.ui.noteInput.value.trim();
    if (!body) return;
    const item = { c: this.id, id: newId(), type: "note", body };
    this.ui.noteInput.value = "";
    this.renderPendingNote(item);
    stream.submit(item);
  }

  restoreText(item) {
    const input = item.type === "note" ? this.ui.noteInput : this.ui.input;
    // A file's message may have had no caption: nothing to give back then.
    if (item.body) input.value = input.value ? `${item.body}\n${input.value}` : item.body;
    if (item.type === "send") state.drafts[this.id] = input.value;
    const pending = this.findPending(item.type, item.id);
    if (pending) pending.remove();
    saveStore();
  }

  typing(active) {
    if (!this.canWrite) return;
    window.clearTimeout(this.typingIdleTimer);
    const now = Date.now();
    if (active) {
      if (!this.typingActive || now - this.typingSentAt > 3000) {
        send({ type: "typing", conversation: this.id, active: true });
        this.typingActive = true;
        this.typingSentAt = now;
      }
      this.typingIdleTimer = window.setTimeout(() => this.typing(false), 5000);
    } else if (this.typingActive) {
      this.typingActive = false;
      send({ type: "typing", conversation: this.id, active: false });
    }
  }

  // --- rendering

  findPending(kind, id) {
    const list = kind === "note" ? this.ui.noteList : this.ui.log;
    return [...list.children].find((node) => node.dataset.pending === id) || null;
  }

  addMessage(message) {
    if (this.messages.has(message.seq)) return false;
    this.messages.set(message.seq, message);
    if (message.sender === "staff" && message.id) this.findPending("send", message.id)?.remove();
    const node = this.messageNode(message);
    const log = this.ui.log;
    const after = [...log.children].find((child) => child.dataset.pending || Number(child.dataset.seq) > message.seq);
    log.insertBefore(node, after || null);
    if (message.sender === "client") this.showClientTyping(false);
    return true;
  }

  showClientTyping(active) {
    window.clearTimeout(this.clientTypingTimer);
    this.ui.typing.textContent = active ? t("typing", { name: this.name }) : "";
    if (active) this.clientTypingTimer = window.setTimeout(() => this.showClientTyping(false), 8000);
  }

  scrollToEnd(force) {
    const log = this.ui.logBox;
    const scroller = log.scrollHeight > log.clientHeight ? log : null;
    if (scroller && (force || scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120)) {
      scroller.scrollTop = scroller.scrollHeight;
    }
  }

  /** Links to the same client's earlier conversations in the history (the `earlier` event), newest first. */
  showEarlier(earlier) {
    const links = earlier.map((item) => {
      const link = el("a", "", t("earlierLink", { date: formatDate(item.at), desk: item.desk }));
      link.href = config.historyUrl.replace("/0/", `/${item.id}/`);
      link.target = "_blank";
      link.rel = "noopener";
      const li = el("li");
      li.append(link);
      return li;
    });
    this.ui.earlierList.replaceChildren(...links);
    this.ui.earlier.hidden = links.length === 0;
  }

  unreadCount() {
    if (this.mode !== "mine") return 0;
    let count = 0;
    for (const message of this.messages.values()) {
      if (message.sender === "client" && message.seq > this.readSent) count += 1;
    }
    return count;
  }

  render() {
    const ui = this.ui;
    const s = this.state;
    ui.name.textContent = this.name;
    ui.desk.textContent = s ? s.desk.name : "";
    const statusKey = s
      ? {
          bot: "statusBot",
          queued: "statusQueued",
          active: "statusActive",
          closed: "statusClosed",
          message: "statusMessage",
        }[s.status]
      : null;
    ui.status.textContent = statusKey ? t(statusKey) : t("connecting");
    const watching = this.mode === "watching";
    ui.watching.hidden = !watching;
    ui.pane.classList.toggle("is-watching", watching);
    const crisis = Boolean(s && s.crisis);
    ui.crisis.hidden = !crisis;
    ui.pane.classList.toggle("is-crisis", crisis);
    const reason = s ? s.handoff_reason || "" : "";
    const handoff = reason ? handoffBanner(reason) : "";
    ui.handoff.textContent = handoff;
    ui.handoff.hidden = !handoff;
    ui.handoff.classList.toggle("is-crisis", reason === "crisis");
    const closed = Boolean(s && s.status === "closed");
    const needsOutcome = closed && !s.outcome && this.mode === "mine" && !this.ended;
    let banner = "";
    if (this.ended === "moved" && s) banner = t("movedAway", { desk: s.desk.name });
    else if (this.ended === "taken_over" && s) banner = t("takenOver", { name: s.assigned ? s.assigned.name : "" });
    else if (needsOutcome) banner = t("closedByClient");
    else if (closed) banner = t("closedOutcome", { outcome: outcomeLabel(s.outcome) });
    else if (watching) banner = t("watchingHelp");
    ui.banner.textContent = banner;
    ui.banner.hidden = !banner;
    ui.banner.classList.toggle("is-attention", needsOutcome);
    const writable = this.canWrite && !this.ended;
    ui.composer.hidden = !writable;
    const live = Boolean(s && s.status !== "closed") && !this.ended;
    ui.transfer.hidden = !(live && (writable || (watching && state.me && state.me.supervisor)));
    ui.close.hidden = !((live && writable) || needsOutcome);
    ui.close.textContent = needsOutcome ? t("recordOutcome") : t("close");
    ui.stepIn.hidden = !(watching && live && state.me && state.me.supervisor);
    // A message answered for now goes back to the desk's inbox: it stays open for the client's reply.
    const message = Boolean(s && s.status === "message");
    ui.dismiss.hidden = live && !watching && !message;
    ui.dismiss.textContent = message ? t("backToInbox") : watching && live ? t("stopWatching") : t("removeFromList");
    ui.noteForm.hidden = !live && !needsOutcome;
    this.renderSuggestionTools();
    renderGuests(this);
    this.renderListItem();
  }

  renderListItem() {
    const item = this.item;
    const s = this.state;
    item.name.textContent = this.name;
    item.crisis.hidden = !(s && s.crisis);
    item.button.classList.toggle("is-crisis", Boolean(s && s.crisis));
    const parts = [];
    if (s) parts.push(s.desk.name);
    if (this.mode === "watching") parts.push(t("watching"));
    if (s && s.status === "closed") parts.push(t("statusClosed"));
    else if (this.ended) parts.push(t("statusQueued"));
    item.meta.textContent = parts.filter(Boolean).join(" · ");
    const unread = this.unreadCount();
    item.unread.hidden = unread === 0;
    item.unread.textContent = unread > 0 ? t("unread", { count: unread }) : "";
    item.button.classList.toggle("has-unread", unread > 0);
    item.button.classList.toggle("is-closed", Boolean(s && s.status === "closed") || Boolean(this.ended));
    if (state.current === this.id) item.button.setAttribute("aria-current", "true");
    else item.button.removeAttribute("aria-current");
  }

  isVisible() {
    return state.current === this.id && document.visibilityState === "visible";
  }

  /** Tell the server how far the counsellor has got: read when on screen, else delivered. */
  markSeen() {
    if (this.mode !== "mine" || !this.state || this.state.assigned?.id !== state.me?.id) return;
    if (!stream.ready) return;
    let hasClient = false;
    for (const message of this.messages.values()) {
      if (message.sender === "client" && message.seq > this.deliveredSent) {
        hasClient = true;
        break;
      }
    }
    if (this.isVisible()) {
      if (this.maxSeq > this.readSent && (hasClient || this.unreadCount() > 0)) {
        send({ type: "seen", conversation: this.id, delivered: this.maxSeq, read: this.maxSeq });
        this.readSent = this.maxSeq;
        this.deliveredSent = Math.max(this.deliveredSent, this.maxSeq);
      }
    } else if (hasClient && this.maxSeq > this.deliveredSent) {
      send({ type: "seen", conversation: this.id, delivered: this.maxSeq });
      this.deliveredSent = this.maxSeq;
    }
    this.renderListItem();
    updateTitle();
  }
}

mixin(Conv, ConvLines);
mixin(Conv, ConvCanned);
mixin(Conv, ConvSuggestions);
mixin(Conv, ConvAttachments);
