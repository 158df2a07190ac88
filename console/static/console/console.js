// The staff console: queues, several conversations at once, notes, transfers,
// closing and supervision, over the staff WebSocket (docs/protocol.md).
//
// Rules this script follows:
// - every text comes from the page (#console-i18n); the script has none of its own;
// - everything from the network is shown with textContent, never as HTML; the one
//   exception is a bot line's `html`, which the server renders from the brain's
//   Markdown and sanitises (only p/ul/ol/li/strong/em/a/br/h3/h4/blockquote/code);
// - a message is known by its seq: one already shown is ignored, and after a
//   reconnect each open conversation resumes from the highest seq it has;
// - a send waits in the outbox until its ack; the outbox is sent again after
//   every reconnect and the server ignores an id it already stored.

import { Connection } from "./connection.js";

const config = JSON.parse(document.getElementById("console-config").textContent);
const strings = JSON.parse(document.getElementById("console-i18n").textContent);

/** A translated string with {placeholders} filled in. */
function t(key, args = {}) {
  const text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in args ? String(args[name]) : match));
}

const $ = (id) => document.getElementById(id);
const timeFormat = new Intl.DateTimeFormat(config.lang, { hour: "2-digit", minute: "2-digit" });
const percentFormat = new Intl.NumberFormat(config.lang, { style: "percent", maximumFractionDigits: 0 });

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function visuallyHidden(text) {
  return el("span", "visually-hidden", text);
}

function randomId() {
  // crypto.randomUUID needs a secure context; getRandomValues works everywhere.
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(s / 60);
  return `${String(minutes).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

function formatTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : timeFormat.format(date);
}

// --- State ----------------------------------------------------------------------

const state = {
  me: null,
  welcome: null,
  desks: new Map(), // desk id -> latest `desk` snapshot
  deskOrder: [],
  deskSections: new Map(),
  convs: new Map(), // conversation id -> Conv
  current: null,
  outbox: new Map(), // client-made id -> {kind, conversation, id, body}
  refs: new Map(), // ref -> what the frame was, to place its answer or error
  seenWaiting: new Set(),
  snapshotsSeen: new Set(),
  pendingTransfers: new Map(), // conversation id -> desk name
  pendingCloses: new Set(),
  drafts: {},
  crisisAlerts: new Map(), // conversation id -> {alert, node} of a crisis banner still shown
};

const STORE_KEY = `kohtaamo.console.${config.staffId}`;
const SOUND_KEY = "kohtaamo.console.sound";
const baseTitle = document.title;
let refCounter = 0;

function loadStore() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE_KEY) || "{}") || {};
  } catch (error) {
    return {};
  }
}

let saveTimer = null;
function saveStore() {
  window.clearTimeout(saveTimer);
  saveTimer = window.setTimeout(() => {
    const open = [...state.convs.values()].filter((c) => !c.gone).map((c) => ({ id: c.id, mode: c.mode }));
    try {
      sessionStorage.setItem(
        STORE_KEY,
        JSON.stringify({ open, current: state.current, outbox: [...state.outbox.values()], drafts: state.drafts }),
      );
    } catch (error) {
      // Storage full or disabled: the console still works, it only forgets on reload.
    }
  }, 200);
}

// --- Connection -------------------------------------------------------------------

const wsUrl = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${config.wsPath}`;
const connection = new Connection(wsUrl, {
  onOpen() {
    send({ type: "hello", lang: config.lang });
  },
  onEvent: handleEvent,
  onState: showConnectionState,
  onFatal(code) {
    showConnectionState(code === 4403 ? "forbidden" : "ended", {});
  },
});

function send(frame, context) {
  if (context) {
    refCounter += 1;
    frame.ref = `${context.kind}-${refCounter}`;
    state.refs.set(frame.ref, context);
    if (state.refs.size > 500) state.refs.delete(state.refs.keys().next().value);
  }
  return connection.send(frame);
}

function showConnectionState(kind, detail) {
  const status = $("connection-status");
  status.dataset.state = kind;
  const texts = {
    connecting: t("connecting"),
    connected: t("connected"),
    reconnecting: t("reconnecting"),
    offline: t("offline"),
    ended: t("sessionEnded"),
    forbidden: t("forbiddenRole"),
  };
  const text = texts[kind] || kind;
  // Only a change of state is announced; the countdown beside it is for the eyes.
  if (status.textContent !== text) status.textContent = text;
  const countdown = $("connection-countdown");
  countdown.textContent = kind === "reconnecting" ? t("retryIn", { seconds: detail.seconds ?? 1 }) : "";
  $("session-ended").hidden = kind !== "ended";
  document.body.classList.toggle("is-offline", kind !== "connected");
}

// --- Events -------------------------------------------------------------------------

function handleEvent(event) {
  const context = event.ref ? state.refs.get(event.ref) : undefined;
  switch (event.type) {
    case "welcome":
      onWelcome(event);
      break;
    case "desk":
      onDesk(event);
      break;
    case "conversation":
      onConversation(event.conversation, context);
      break;
    case "message":
      onMessage(event);
      break;
    case "synced":
      onSynced(event);
      break;
    case "ack":
      onAck(event);
      break;
    case "note":
      onNote(event);
      break;
    case "receipt":
      onReceipt(event);
      break;
    case "typing":
      onTyping(event);
      break;
    case "assigned":
      openConversation(event.conversation, "mine", { select: false });
      break;
    case "offered":
      announce(t("offered"));
      beep();
      break;
    case "alert":
      onAlert(event);
      break;
    case "voted":
      onVoted(event);
      break;
    case "error":
      onError(event, context);
      break;
    default:
      break; // pong, and event types newer than this script
  }
}

function onWelcome(welcome) {
  const first = state.welcome === null;
  state.welcome = welcome;
  state.me = welcome.staff;
  connection.markHealthy();
  if (first) {
    state.deskOrder = welcome.desks.map((d) => d.id);
    renderDeskShells();
    const stored = loadStore();
    state.drafts = stored.drafts || {};
    for (const item of stored.outbox || []) state.outbox.set(item.id, item);
    for (const item of stored.open || []) ensureConv(item.id, item.mode === "watching" ? "watching" : "mine");
    for (const item of state.outbox.values()) {
      const conv = state.convs.get(item.conversation);
      if (conv && item.kind === "note") conv.renderPendingNote(item);
      else if (conv) conv.renderPending(item);
    }
    if (stored.current && state.convs.has(stored.current)) select(stored.current, { focus: false });
  }
  for (const id of welcome.conversations) ensureConv(id, "mine");
  for (const conv of state.convs.values()) {
    conv.refreshCanned();
    if (!conv.gone) resume(conv);
  }
  // Resend what never got an ack; a resend of a stored message changes nothing.
  for (const item of state.outbox.values()) transmit(item);
  renderMine();
  if (state.current === null) {
    const firstConv = state.convs.values().next().value;
    if (firstConv) select(firstConv.id, { focus: false });
  }
}

let retryTimer = null;
let outageAttempt = 0; // `unavailable` answers in a row: the wait before trying again grows
function outageDelay() {
  const seconds = [2, 4, 8, 15, 30][Math.min(outageAttempt, 4)];
  outageAttempt += 1;
  return seconds;
}
function retryUnanswered() {
  for (const conv of state.convs.values()) if (conv.resuming && !conv.gone) resume(conv);
  for (const item of state.outbox.values()) transmit(item);
}

/** Send a frame the counsellor asked for; when offline, say so instead of losing it silently. */
function sendNow(frame, context) {
  if (send(frame, context)) return true;
  showAlert(t("notConnected"));
  return false;
}

function resume(conv) {
  conv.resuming = true;
  send({ type: "resume", conversation: conv.id, after: conv.cursor }, { kind: "resume", conversation: conv.id });
}

function onError(event, context) {
  const message = event.message || event.code;
  if (event.code === "rate_limited" && !context) {
    // The server drops a frame over the limit unread (its ref is lost with it): after the
    // wait, send again everything still unanswered. Resends of stored things change nothing.
    const seconds = Math.max(1, Math.ceil(event.retry_after || 1));
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(retryUnanswered, seconds * 1000);
    showAlert(`${t("errorPrefix", { message })} ${t("retrying", { seconds })}`);
    return;
  }
  if (event.code === "unavailable" && context && context.kind === "resume") {
    // The server cannot reach its database (or Redis) just now: ask again, less and less often.
    const seconds = outageDelay();
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(retryUnanswered, seconds * 1000);
    showAlert(`${t("errorPrefix", { message })} ${t("retrying", { seconds })}`);
    return;
  }
  if (context && context.kind === "resume" && event.code === "not_found") {
    // Moved somewhere this staff member cannot see: drop it quietly.
    removeConv(context.conversation, { leave: false });
    return;
  }
  if (context && (context.kind === "send" || context.kind === "note")) {
    const item = state.outbox.get(context.id);
    if (item && (event.code === "rate_limited" || event.code === "unavailable")) {
      // Kept in the outbox and sent again; an outage backs off (2, 4, 8 ... 30 s).
      const seconds = event.code === "unavailable" ? outageDelay() : Math.max(1, Math.ceil(event.retry_after || 3));
      window.setTimeout(() => state.outbox.has(item.id) && transmit(item), seconds * 1000);
      showAlert(`${t("errorPrefix", { message })} ${t("retrying", { seconds })}`);
      return;
    }
    if (item) {
      // Not stored and never will be: give the text back to the writer.
      state.outbox.delete(item.id);
      saveStore();
      const conv = state.convs.get(item.conversation);
      if (conv) conv.restoreText(item);
    }
  }
  if (context && context.kind === "transfer") state.pendingTransfers.delete(context.conversation);
  if (context && context.kind === "close") state.pendingCloses.delete(context.conversation);
  showAlert(t("errorPrefix", { message }));
}

// --- Conversations --------------------------------------------------------------------

class Conv {
  constructor(id, mode) {
    this.id = id;
    this.mode = mode; // "mine" or "watching"
    this.state = null;
    this.messages = new Map();
    this.cursor = 0; // every message up to this seq is here
    this.maxSeq = 0;
    this.notes = new Map();
    this.readSent = 0;
    this.deliveredSent = 0;
    this.clientReceipt = { delivered: 0, read: 0 };
    this.resuming = false;
    this.synced = false;
    this.ended = null; // "moved" or "taken_over" once it is no longer mine
    this.gone = false;
    this.typingActive = false;
    this.typingSentAt = 0;
    this.typingIdleTimer = null;
    this.clientTypingTimer = null;
    this.buildPane();
    this.buildListItem();
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
      transfer: q(".act-transfer"),
      close: q(".act-close"),
      stepIn: q(".act-step-in"),
      dismiss: q(".act-dismiss"),
      log: q(".log-list"),
      logBox: q(".log"),
      typing: q(".typing"),
      composer: q(".composer"),
      input: q(".composer-input"),
      cannedSelect: q(".canned-select"),
      cannedInsert: q(".canned-insert"),
      noteList: q(".note-list"),
      noteForm: q(".note-form"),
      noteInput: q(".note-input"),
    };
    ui.name.id = `conv-${id}-name`;
    pane.setAttribute("aria-labelledby", ui.name.id);
    ui.logBox.setAttribute("aria-labelledby", ui.name.id);
    const bind = (labelSelector, field, fieldId) => {
      field.id = fieldId;
      q(labelSelector).htmlFor = fieldId;
    };
    bind(".composer-label", ui.input, `composer-${id}`);
    bind(".canned-label", ui.cannedSelect, `canned-${id}`);
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
      if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.isComposing) {
        event.preventDefault();
        this.submitMessage();
      }
    });
    ui.input.addEventListener("input", () => {
      state.drafts[id] = ui.input.value;
      saveStore();
      this.typing(ui.input.value.trim() !== "");
    });
    ui.cannedInsert.addEventListener("click", () => this.insertCanned());
    ui.noteForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submitNote();
    });
    ui.transfer.addEventListener("click", () => openTransferDialog(this, ui.transfer));
    ui.close.addEventListener("click", () => openCloseDialog(this, ui.close));
    ui.stepIn.addEventListener("click", () => stepIn(this.id));
    ui.dismiss.addEventListener("click", () => removeConv(this.id, { leave: true, focusList: true }));
    this.ui = ui;
    this.refreshCanned();
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

  refreshCanned() {
    const select = this.ui.cannedSelect;
    const previous = select.value;
    select.replaceChildren();
    const replies = (state.welcome && state.welcome.canned) || [];
    const placeholder = el("option", null, replies.length ? t("cannedChoose") : t("cannedNone"));
    placeholder.value = "";
    select.append(placeholder);
    const deskId = this.state ? this.state.desk.id : null;
    const groups = new Map();
    for (const reply of replies) {
      const key = reply.personal ? "mine" : `desk-${reply.desk}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(reply);
    }
    const deskName = (id) => {
      const all = (state.welcome && state.welcome.transfer_desks) || [];
      const found = all.find((d) => d.id === id);
      return found ? found.name : "";
    };
    const keys = [...groups.keys()].sort((a, b) => {
      const rank = (k) => (k === "mine" ? 0 : k === `desk-${deskId}` ? 1 : 2);
      return rank(a) - rank(b);
    });
    for (const key of keys) {
      const group = el("optgroup");
      const sample = groups.get(key)[0];
      group.label = key === "mine" ? t("cannedMine") : t("cannedShared", { desk: deskName(sample.desk) });
      for (const reply of groups.get(key)) {
        const option = el("option", null, reply.title);
        option.value = String(reply.id);
        group.append(option);
      }
      select.append(group);
    }
    select.value = previous;
    if (select.value !== previous) select.value = "";
    this.ui.cannedInsert.disabled = replies.length === 0;
  }

  insertCanned() {
    const id = Number(this.ui.cannedSelect.value);
    const reply = ((state.welcome && state.welcome.canned) || []).find((r) => r.id === id);
    const input = this.ui.input;
    if (!reply) {
      this.ui.cannedSelect.focus();
      return;
    }
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    input.setRangeText(reply.body, start, end, "end");
    input.dispatchEvent(new Event("input", { bubbles: true }));
    this.ui.cannedSelect.value = "";
    input.focus();
  }

  submitMessage() {
    const input = this.ui.input;
    const body = input.value.trim();
    if (!body || !this.canWrite) return;
    if (body.length > config.maxMessageChars) {
      showAlert(t("tooLong", { count: body.length, max: config.maxMessageChars }));
      return;
    }
    const item = { kind: "send", conversation: this.id, id: randomId(), body };
    state.outbox.set(item.id, item);
    input.value = "";
    state.drafts[this.id] = "";
    this.typing(false);
    saveStore();
    this.renderPending(item);
    transmit(item);
  }

  submitNote() {
    const body = this.ui.noteInput.value.trim();
    if (!body) return;
    const item = { kind: "note", conversation: this.id, id: randomId(), body };
    state.outbox.set(item.id, item);
    this.ui.noteInput.value = "";
    saveStore();
    this.renderPendingNote(item);
    transmit(item);
  }

  restoreText(item) {
    const input = item.kind === "note" ? this.ui.noteInput : this.ui.input;
    input.value = input.value ? `${item.body}\n${input.value}` : item.body;
    if (item.kind === "send") state.drafts[this.id] = input.value;
    const pending = this.findPending(item.kind, item.id);
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
    this.maxSeq = Math.max(this.maxSeq, message.seq);
    while (this.messages.has(this.cursor + 1)) this.cursor += 1;
    if (message.sender === "staff" && message.id) {
      const pending = this.findPending("send", message.id);
      if (pending) pending.remove();
      if (state.outbox.delete(message.id)) saveStore();
    }
    const node = this.messageNode(message);
    const log = this.ui.log;
    const after = [...log.children].find((child) => child.dataset.pending || Number(child.dataset.seq) > message.seq);
    log.insertBefore(node, after || null);
    if (message.sender === "client") this.showClientTyping(false);
    return true;
  }

  messageNode(message) {
    const li = el("li", `msg msg-${message.sender}`);
    li.dataset.seq = String(message.seq);
    const time = el("time", "msg-time", formatTime(message.at));
    time.dateTime = message.at || "";
    if (message.sender === "system") {
      const p = el("p", "msg-system-text", systemText(message));
      p.append(" ", time);
      li.append(p);
      return li;
    }
    if (message.sender === "bot") return this.botNode(li, message, time);
    const head = el("p", "msg-head");
    const author = message.sender === "client" ? this.name : message.name || "";
    head.append(el("span", "msg-author", author), " ", time);
    li.append(head, el("p", "msg-body", message.body));
    if (message.sender === "staff") {
      const receipt = el("p", "msg-receipt");
      li.append(receipt);
      this.updateReceiptNode(li);
    }
    return li;
  }

  /** A chatbot line: what the client was told, as the server rendered it, shortened until asked. */
  botNode(li, message, time) {
    const args = message.args || {};
    const crisis = message.code === "crisis" || Boolean(args.crisis);
    li.classList.toggle("msg-bot-crisis", crisis);
    const head = el("p", "msg-head");
    const label = [t("bot")];
    if (crisis) label.push(t("botCrisis"));
    else if (message.code === "greeting") label.push(t("botGreeting"));
    else if (message.code === "desk_closed") label.push(t("botDeskClosed"));
    else if (message.code === "not_sure" || args.topic === "unknown") label.push(t("botNotSure"));
    else if (args.topic) label.push(topicTitle(args.topic));
    const confident = typeof args.confidence === "number" && !crisis && message.code !== "greeting";
    head.append(el("span", "msg-author", label.join(" · ")));
    if (confident) {
      // "76 %" for the eyes, "confidence 76 %" for screen readers.
      const percent = percentFormat.format(args.confidence);
      const shown = el("span", null, percent);
      shown.setAttribute("aria-hidden", "true");
      const confidence = el("span", "msg-confidence");
      confidence.append(shown, visuallyHidden(t("botConfidence", { percent })));
      head.append(" · ", confidence);
    }
    head.append(" ", time);
    li.append(head);

    const content = el("div", "msg-html");
    content.id = `msg-${this.id}-${message.seq}`;
    // The server's sanitised rendering (see the rule at the top of this file).
    content.innerHTML = message.html || "";
    for (const link of content.querySelectorAll("a")) {
      link.target = "_blank";
      link.rel = "noopener noreferrer";
    }
    li.append(content);
    const blocks = content.querySelectorAll("p, li, h3, h4, blockquote").length;
    const long = blocks > 3 || (content.textContent || "").length > 220;
    if (long) {
      content.classList.add("is-collapsed");
      const toggle = el("button", "msg-more small", t("showAll"));
      toggle.type = "button";
      toggle.setAttribute("aria-expanded", "false");
      toggle.setAttribute("aria-controls", content.id);
      const expand = (open) => {
        content.classList.toggle("is-collapsed", !open);
        toggle.setAttribute("aria-expanded", String(open));
        toggle.textContent = open ? t("showLess") : t("showAll");
      };
      toggle.addEventListener("click", () => expand(content.classList.contains("is-collapsed")));
      // A keyboard user who tabs to a link in the hidden part gets to see it.
      content.addEventListener("focusin", () => expand(true));
      li.append(toggle);
    }
    const suggestions = Array.isArray(args.suggestions) ? args.suggestions : [];
    if (suggestions.length > 0) {
      const titles = suggestions.map((s) => s.title || topicTitle(s.slug)).filter(Boolean);
      if (titles.length > 0) li.append(el("p", "msg-extra", t("botSuggested", { topics: titles.join(", ") })));
    }
    if (args.offer_human) li.append(el("p", "msg-extra", t("botOfferedPerson")));
    const vote = el("p", "msg-vote");
    li.append(vote);
    this.updateVoteNode(li, args.vote);
    return li;
  }

  updateVoteNode(li, helpful) {
    const vote = li.querySelector(".msg-vote");
    if (!vote) return;
    if (helpful !== true && helpful !== false) {
      vote.hidden = true;
      vote.replaceChildren();
      return;
    }
    const icon = el("span", "msg-vote-icon", helpful ? "👍" : "👎");
    icon.setAttribute("aria-hidden", "true");
    vote.replaceChildren(icon, visuallyHidden(t(helpful ? "votedHelpful" : "votedNotHelpful")));
    vote.dataset.vote = helpful ? "helpful" : "not-helpful";
    vote.hidden = false;
  }

  setVote(seq, helpful) {
    const message = this.messages.get(seq);
    if (message) message.args = { ...(message.args || {}), vote: helpful };
    const li = this.ui.log.querySelector(`.msg-bot[data-seq="${seq}"]`);
    if (li) this.updateVoteNode(li, helpful);
  }

  renderPending(item) {
    const li = el("li", "msg msg-staff msg-pending");
    li.dataset.pending = item.id;
    const head = el("p", "msg-head");
    head.append(el("span", "msg-author", (state.me && state.me.name) || ""));
    li.append(head, el("p", "msg-body", item.body), el("p", "msg-receipt", t("sending")));
    this.ui.log.append(li);
    this.scrollToEnd(true);
  }

  updateReceiptNode(li) {
    const seq = Number(li.dataset.seq);
    const receipt = li.querySelector(".msg-receipt");
    if (!receipt) return;
    let key = "sent";
    if (seq <= this.clientReceipt.read) key = "read";
    else if (seq <= this.clientReceipt.delivered) key = "delivered";
    if (receipt.dataset.state !== key) {
      receipt.dataset.state = key;
      receipt.textContent = t(key);
    }
  }

  updateReceipts() {
    for (const li of this.ui.log.querySelectorAll(".msg-staff[data-seq]")) this.updateReceiptNode(li);
  }

  addNote(note) {
    if (this.notes.has(note.id)) return;
    this.notes.set(note.id, note);
    if (note.client_id) {
      const pending = this.findPending("note", note.client_id);
      if (pending) pending.remove();
      if (state.outbox.delete(note.client_id)) saveStore();
    }
    const li = el("li", "note");
    li.dataset.id = String(note.id);
    const head = el("p", "note-head");
    const time = el("time", "note-time", formatTime(note.at));
    time.dateTime = note.at || "";
    head.append(el("span", "note-author", note.author || ""), " ", time);
    li.append(head, el("p", "note-body", note.body));
    const list = this.ui.noteList;
    const after = [...list.children].find((child) => child.dataset.pending || Number(child.dataset.id) > note.id);
    list.insertBefore(li, after || null);
  }

  renderPendingNote(item) {
    const li = el("li", "note note-pending");
    li.dataset.pending = item.id;
    li.append(el("p", "note-head", t("saving")), el("p", "note-body", item.body));
    this.ui.noteList.append(li);
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
      ? { bot: "statusBot", queued: "statusQueued", active: "statusActive", closed: "statusClosed" }[s.status]
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
    ui.dismiss.hidden = live && !watching;
    ui.dismiss.textContent = watching && live ? t("stopWatching") : t("removeFromList");
    ui.noteForm.hidden = !live && !needsOutcome;
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
    if (!connection.isOpen) return;
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

function systemText(message) {
  const args = message.args || {};
  switch (message.code) {
    case "started":
      return t("sysStarted", { desk: args.desk || "" });
    case "joined":
      return t("sysJoined", { name: args.name || "" });
    case "transferred":
      return t("sysTransferred", { desk: args.desk || "" });
    case "closed":
      return t("sysClosed");
    case "client_left":
      return t("sysClientLeft");
    case "handed_off":
      return t("sysHandedOff", { desk: args.desk || "" });
    default:
      return message.body || t("sysOther");
  }
}

function topicTitle(slug) {
  const titles = config.topicTitles || {};
  return Object.prototype.hasOwnProperty.call(titles, slug) ? titles[slug] : slug;
}

const HANDOFF_KEYS = {
  direct: "handoffDirect",
  asked: "handoffAsked",
  bot_unsure: "handoffBotUnsure",
  crisis: "handoffCrisis",
};

/** The short label of why a conversation came from the chatbot to a person. */
function handoffLabel(reason) {
  return HANDOFF_KEYS[reason] ? t(HANDOFF_KEYS[reason]) : "";
}

function handoffBanner(reason) {
  const label = handoffLabel(reason);
  return label ? t("handoffBanner", { reason: label }) : "";
}

function outcomeLabel(value) {
  const outcomes = (state.welcome && state.welcome.outcomes) || [];
  const found = outcomes.find((o) => o.value === value);
  return found ? found.label : value || "";
}

function ensureConv(id, mode) {
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
function openConversation(id, mode, { select: shouldSelect = false, focus = false } = {}) {
  const existing = state.convs.get(id);
  const conv = ensureConv(id, mode);
  if (!existing || (!conv.resuming && (conv.gone || conv.ended || !conv.synced))) {
    conv.gone = false;
    resume(conv);
  }
  if (shouldSelect) select(id, { focus });
  return conv;
}

function removeConv(id, { leave = true, focusList = false } = {}) {
  const conv = state.convs.get(id);
  if (!conv) return;
  if (leave) send({ type: "leave", conversation: id });
  conv.gone = true;
  conv.typing(false);
  state.convs.delete(id);
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

function showEmpty() {
  $("no-conversation").hidden = false;
}

function focusElement(node) {
  if (!node) return;
  if (!node.hasAttribute("tabindex") && !/^(BUTTON|INPUT|SELECT|TEXTAREA|A)$/.test(node.tagName)) {
    node.setAttribute("tabindex", "-1");
  }
  node.focus();
}

function select(id, { focus = false } = {}) {
  const conv = state.convs.get(id);
  if (!conv) return;
  state.current = id;
  for (const other of state.convs.values()) {
    other.ui.pane.hidden = other !== conv;
    other.renderListItem();
  }
  $("no-conversation").hidden = true;
  if (!conv.synced && !conv.resuming && connection.isOpen) resume(conv);
  conv.scrollToEnd(true);
  conv.markSeen();
  saveStore();
  if (focus) {
    if (!conv.ui.composer.hidden) conv.ui.input.focus();
    else conv.ui.pane.focus();
  }
}

function renderMine() {
  $("mine-empty").hidden = state.convs.size > 0;
}

function onConversation(s, context) {
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
    removeConv(s.id, { leave: true, focusList: true });
    return;
  }
  if (before && before.status !== "closed" && s.status === "closed" && s.closed_by_client) {
    announce(`${conv.name}: ${t("sysClientLeft")}`);
  }
  if (before && before.desk.id !== s.desk.id) conv.refreshCanned();
  if (!before) conv.refreshCanned();
  conv.render();
  if (claimed) dismissCrisis(s.id);
  if (claimed) select(s.id, { focus: true });
  conv.markSeen();
}

function onMessage(message) {
  const conv = state.convs.get(message.conversation);
  if (!conv) return;
  if (!conv.addMessage(message)) return; // already shown: resume and live stream overlap by design
  if (conv.synced && !conv.resuming && message.seq > conv.cursor) {
    resume(conv); // a gap: the layer dropped something, the database has it
  }
  conv.scrollToEnd(message.sender === "staff");
  if (message.sender === "client" && conv.mode === "mine" && !conv.isVisible() && !conv.resuming) {
    announce(t("newMessage", { name: conv.name }));
  }
  conv.markSeen();
  conv.renderListItem();
  updateTitle();
}

function onSynced(event) {
  outageAttempt = 0; // the server reads again
  const conv = state.convs.get(event.conversation);
  if (!conv) return;
  conv.cursor = Math.max(conv.cursor, event.last_seq);
  conv.maxSeq = Math.max(conv.maxSeq, event.last_seq);
  conv.resuming = false;
  conv.synced = true;
  conv.updateReceipts();
  conv.scrollToEnd(true);
  conv.markSeen();
  conv.render();
  updateTitle();
}

function onAck(event) {
  outageAttempt = 0; // the server stores again
  const item = state.outbox.get(event.id);
  if (!item) return;
  state.outbox.delete(event.id);
  saveStore();
  const conv = state.convs.get(item.conversation);
  if (!conv) return;
  if (item.kind === "note" && typeof event.note === "number") {
    window.setTimeout(() => {
      if (!conv.notes.has(event.note) && !conv.resuming && !conv.gone) resume(conv);
    }, 2000);
  }
  if (item.kind === "send") {
    const pending = conv.findPending("send", item.id);
    if (pending && typeof event.seq === "number") {
      if (conv.messages.has(event.seq)) {
        pending.remove();
      } else {
        pending.querySelector(".msg-receipt").textContent = t("sent");
        // The message event should follow; if the layer lost it, fetch it.
        window.setTimeout(() => {
          if (!conv.messages.has(event.seq) && !conv.resuming && !conv.gone) resume(conv);
        }, 2000);
      }
    }
  }
}

function onNote(event) {
  const conv = state.convs.get(event.conversation);
  if (conv) conv.addNote(event.note);
}

function onReceipt(event) {
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

function onTyping(event) {
  const conv = state.convs.get(event.conversation);
  if (conv && event.sender === "client") conv.showClientTyping(Boolean(event.active));
}

function transmit(item) {
  const frame = { type: item.kind === "note" ? "note" : "send", conversation: item.conversation, id: item.id, body: item.body };
  send(frame, { kind: item.kind, conversation: item.conversation, id: item.id });
}

function take(frame) {
  sendNow({ type: "take", ...frame }, { kind: "take", conversation: frame.conversation ?? null });
}

function stepIn(id) {
  sendNow({ type: "step_in", conversation: id }, { kind: "step_in", conversation: id });
}

// --- Crisis alerts and votes -------------------------------------------------------------

function onVoted(event) {
  const conv = state.convs.get(event.conversation);
  if (conv) conv.setVote(event.seq, Boolean(event.helpful));
}

function crisisText(alert) {
  const name = alert.nickname || t("aClient");
  const desk = (alert.desk && alert.desk.name) || "";
  const me = state.me ? state.me.id : null;
  if (alert.assigned && alert.assigned === me) return t("crisisAlertYours", { name, desk });
  if (alert.assigned) {
    const counsellor = alert.assignedName || colleagueName(alert.assigned);
    return t("crisisAlertWith", { name, desk, counsellor });
  }
  return t("crisisAlert", { name, desk });
}

/** Keep the crisis banners of a desk up to date with who answers each conversation now. */
function refreshCrisisAlerts(snapshot) {
  for (const entry of state.crisisAlerts.values()) {
    const alert = entry.alert;
    if (!alert.desk || alert.desk.id !== snapshot.desk.id) continue;
    const active = snapshot.active.find((a) => a.id === alert.conversation);
    const waiting = snapshot.waiting.find((w) => w.id === alert.conversation);
    if (!active && !waiting) continue;
    const assigned = active && active.assigned ? active.assigned : null;
    entry.alert = {
      ...alert,
      status: active ? "active" : "queued",
      assigned: assigned ? assigned.id : null,
      assignedName: assigned ? assigned.name : "",
    };
    const text = crisisText(entry.alert);
    if (entry.text.textContent !== text) entry.text.textContent = text;
  }
}

/** A client's message looked like acute risk: a banner that stays until the counsellor acts on it. */
function onAlert(alert) {
  if (alert.kind !== "crisis") return;
  const existing = state.crisisAlerts.get(alert.conversation);
  if (existing) {
    // Again in the same conversation: the same banner, its text brought up to date (and read out again).
    existing.alert = alert;
    existing.text.textContent = crisisText(alert);
  } else {
    const node = el("div", "crisis-alert");
    node.setAttribute("role", "alert");
    node.dataset.conversation = String(alert.conversation);
    const text = el("p", "crisis-alert-text", crisisText(alert));
    const actions = el("p", "crisis-alert-actions");
    const name = alert.nickname || t("aClient");
    const open = el("button", "crisis-open primary small", t("open"));
    open.type = "button";
    open.append(visuallyHidden(` ${name}`));
    open.addEventListener("click", () => openCrisis(alert.conversation));
    const dismiss = el("button", "crisis-dismiss small", t("dismiss"));
    dismiss.type = "button";
    dismiss.append(visuallyHidden(` ${name}`));
    dismiss.addEventListener("click", () => dismissCrisis(alert.conversation, { moveFocus: true }));
    actions.append(open, dismiss);
    node.append(text, actions);
    $("crisis-alerts").prepend(node);
    state.crisisAlerts.set(alert.conversation, { alert, node, text });
  }
  const conv = state.convs.get(alert.conversation);
  if (conv && conv.state && !conv.state.crisis) {
    conv.state = { ...conv.state, crisis: true };
    conv.render();
  }
  beep();
  updateTitle();
}

function dismissCrisis(id, { moveFocus = false } = {}) {
  const entry = state.crisisAlerts.get(id);
  if (!entry) return;
  const hadFocus = entry.node.contains(document.activeElement);
  entry.node.remove();
  state.crisisAlerts.delete(id);
  updateTitle();
  if (moveFocus || hadFocus) {
    const next = $("crisis-alerts").querySelector(".crisis-open");
    focusElement(next || $("main"));
  }
}

/** Open the conversation of a crisis alert: take it when it waits for anyone, else show it. */
function openCrisis(id) {
  const entry = state.crisisAlerts.get(id);
  if (!entry) return;
  const me = state.me ? state.me.id : null;
  const deskId = entry.alert.desk ? entry.alert.desk.id : null;
  const snapshot = deskId !== null ? state.desks.get(deskId) : undefined;
  const waiting = snapshot ? snapshot.waiting.find((w) => w.id === id) : undefined;
  const active = snapshot ? snapshot.active.find((a) => a.id === id) : undefined;
  const conv = state.convs.get(id);
  dismissCrisis(id);
  if (conv && conv.mode === "mine" && conv.canWrite && !conv.ended) {
    select(id, { focus: true });
  } else if (waiting ? !waiting.offered_to || waiting.offered_to === me : !active && entry.alert.status === "queued") {
    take({ conversation: id });
  } else if (active && active.assigned && active.assigned.id === me) {
    openConversation(id, "mine", { select: true, focus: true });
  } else {
    // A colleague's conversation (or one offered to a colleague): read-only, as a supervisor watches.
    openConversation(id, "watching", { select: true, focus: true });
  }
}

// --- Queues -----------------------------------------------------------------------------

function renderDeskShells() {
  const list = $("desk-list");
  list.replaceChildren();
  if (state.deskOrder.length === 0) {
    list.append(el("p", "muted", t("noDesks")));
    return;
  }
  for (const desk of state.welcome.desks) {
    const section = el("section", "desk");
    section.dataset.desk = String(desk.id);
    const head = el("div", "desk-head");
    const heading = el("h3", null, desk.name);
    heading.id = `desk-${desk.id}-heading`;
    section.setAttribute("aria-labelledby", heading.id);
    const count = el("span", "desk-count");
    const takeNext = el("button", "take-next", t("takeNext"));
    takeNext.type = "button";
    takeNext.dataset.focusKey = `next-${desk.id}`;
    takeNext.append(visuallyHidden(` (${desk.name})`));
    takeNext.addEventListener("click", () => take({ desk: desk.id }));
    head.append(heading, count, takeNext);
    const waitingHeading = el("h4", "sub-heading", t("waitingHeading"));
    const waiting = el("ul", "waiting-list");
    const activeHeading = el("h4", "sub-heading", t("activeHeading"));
    const active = el("ul", "active-list");
    section.append(head, waitingHeading, waiting, activeHeading, active);
    state.deskSections.set(desk.id, { section, count, takeNext, waiting, active });
    list.append(section);
  }
}

function colleagueName(id) {
  const colleagues = (state.welcome && state.welcome.colleagues) || [];
  const found = colleagues.find((c) => c.id === id);
  return found ? found.name : t("aColleague");
}

function onDesk(snapshot) {
  const deskId = snapshot.desk.id;
  state.desks.set(deskId, snapshot);
  const firstSnapshot = !state.snapshotsSeen.has(deskId);
  state.snapshotsSeen.add(deskId);
  const arrivals = snapshot.waiting.filter((w) => !state.seenWaiting.has(w.id));
  for (const w of snapshot.waiting) state.seenWaiting.add(w.id);
  renderDesk(snapshot);
  renderLive();
  refreshCrisisAlerts(snapshot);
  updateTitle();
  if (!firstSnapshot && arrivals.length > 0) {
    announce(t("newClient", { desk: snapshot.desk.name }));
    beep();
  }
}

function renderDesk(snapshot) {
  const parts = state.deskSections.get(snapshot.desk.id);
  if (!parts) return;
  const active = document.activeElement;
  const focusKey = active && parts.section.contains(active) ? active.dataset.focusKey : null;
  const me = state.me ? state.me.id : null;
  const available = snapshot.waiting.filter((w) => !w.offered_to || w.offered_to === me);
  parts.count.textContent = t("waitingCount", { count: snapshot.waiting.length });
  parts.takeNext.disabled = available.length === 0;
  parts.section.classList.toggle("has-waiting", available.length > 0);

  const waiting = snapshot.waiting.map((w) => {
    const li = el("li", "waiting-item");
    li.classList.toggle("is-urgent", Boolean(w.urgent || w.crisis));
    li.classList.toggle("is-crisis", Boolean(w.crisis));
    li.dataset.conversation = String(w.id);
    const name = w.nickname || t("anonymous");
    const main = el("span", "waiting-main");
    main.append(el("span", "waiting-name", name));
    const flags = el("span", "flags");
    if (w.crisis) flags.append(el("span", "flag flag-crisis", t("crisis")));
    else if (w.urgent) flags.append(el("span", "flag flag-urgent", t("urgent")));
    const reason = w.handoff_reason && w.handoff_reason !== "crisis" ? handoffLabel(w.handoff_reason) : "";
    if (reason) flags.append(el("span", "flag flag-handoff", reason));
    if (w.transferred) flags.append(el("span", "flag flag-transferred", t("transferred")));
    if (w.offered_to && w.offered_to === me) flags.append(el("span", "flag flag-for-you", t("forYou")));
    else if (w.offered_to) flags.append(el("span", "flag", t("forColleague", { name: colleagueName(w.offered_to) })));
    main.append(flags);
    const wait = el("span", "wait-time");
    wait.dataset.since = w.queued_at || "";
    wait.append(visuallyHidden(`${t("waitingTime")} `), el("span", "wait-clock", waitClock(w.queued_at)));
    const button = el("button", "take", t("take"));
    button.type = "button";
    button.dataset.focusKey = `take-${w.id}`;
    button.append(visuallyHidden(` ${name}`));
    button.disabled = Boolean(w.offered_to && w.offered_to !== me);
    button.addEventListener("click", () => take({ conversation: w.id }));
    li.append(main, wait, button);
    return li;
  });
  if (waiting.length === 0) waiting.push(el("li", "muted empty", t("nobodyWaiting")));
  parts.waiting.replaceChildren(...waiting);

  const activeItems = snapshot.active.map((a) => {
    const li = el("li", "active-item");
    li.classList.toggle("is-crisis", Boolean(a.crisis));
    li.dataset.conversation = String(a.id);
    li.append(el("span", "active-name", a.nickname || t("anonymous")));
    if (a.crisis) li.append(" ", el("span", "flag flag-crisis", t("crisis")));
    li.append(
      " ",
      el("span", "active-with", a.assigned ? t("withName", { name: a.assigned.name }) : t("withNobody")),
    );
    return li;
  });
  if (activeItems.length === 0) activeItems.push(el("li", "muted empty", t("noActive")));
  parts.active.replaceChildren(...activeItems);

  if (focusKey) {
    const again = parts.section.querySelector(`[data-focus-key="${focusKey}"]`);
    focusElement(again && !again.disabled ? again : parts.takeNext.disabled ? $("queues-heading") : parts.takeNext);
  }
}

function waitClock(queuedAt) {
  if (!queuedAt) return "";
  return clock((Date.now() - new Date(queuedAt).getTime()) / 1000);
}

function tick() {
  for (const span of document.querySelectorAll(".wait-time")) {
    const clockSpan = span.querySelector(".wait-clock");
    const text = waitClock(span.dataset.since);
    if (clockSpan && clockSpan.textContent !== text) clockSpan.textContent = text;
  }
}

function renderLive() {
  const list = $("live-list");
  if (!list || !state.me || !state.me.supervisor) return;
  const active = document.activeElement;
  const focusKey = active && list.contains(active) ? active.dataset.focusKey : null;
  const items = [];
  for (const deskId of state.deskOrder) {
    const snapshot = state.desks.get(deskId);
    if (!snapshot) continue;
    for (const a of snapshot.active) {
      if (a.assigned && a.assigned.id === state.me.id) continue;
      const name = a.nickname || t("anonymous");
      const li = el("li", "live-item");
      const text = el("span", "live-text");
      const withWhom = a.assigned ? t("withName", { name: a.assigned.name }) : t("withNobody");
      text.append(el("span", "live-name", name));
      if (a.crisis) text.append(" ", el("span", "flag flag-crisis", t("crisis")));
      text.append(" ", el("span", "live-meta", `${snapshot.desk.name} · ${withWhom}`));
      const actions = el("span", "live-actions");
      const open = state.convs.has(a.id);
      const watch = el("button", "watch", open ? t("open") : t("watch"));
      watch.type = "button";
      watch.dataset.focusKey = `watch-${a.id}`;
      watch.append(visuallyHidden(` ${name}`));
      watch.addEventListener("click", () => openConversation(a.id, "watching", { select: true, focus: true }));
      const step = el("button", "step-in", t("stepIn"));
      step.type = "button";
      step.dataset.focusKey = `step-${a.id}`;
      step.append(visuallyHidden(` ${name}`));
      step.addEventListener("click", () => stepIn(a.id));
      actions.append(watch, step);
      li.append(text, actions);
      items.push(li);
    }
  }
  if (items.length === 0) items.push(el("li", "muted empty", t("noLive")));
  list.replaceChildren(...items);
  if (focusKey) {
    const again = list.querySelector(`[data-focus-key="${focusKey}"]`);
    focusElement(again || $("live-heading"));
  }
}

// --- Dialogs -----------------------------------------------------------------------------

let dialogConv = null;
let dialogOpener = null;

function openDialog(dialog, conv, opener) {
  dialogConv = conv;
  dialogOpener = opener;
  dialog.showModal();
}

function closeDialog(dialog) {
  dialog.close();
}

for (const dialog of [$("transfer-dialog"), $("close-dialog")]) {
  dialog.querySelector(".dialog-cancel").addEventListener("click", () => closeDialog(dialog));
  dialog.addEventListener("close", () => {
    // Back to where the counsellor was, if it still exists.
    if (dialogOpener && document.contains(dialogOpener) && !dialogOpener.hidden) dialogOpener.focus();
    dialogOpener = null;
  });
}

function openTransferDialog(conv, opener) {
  const deskSelect = $("transfer-desk");
  deskSelect.replaceChildren();
  const placeholder = el("option", null, t("chooseDesk"));
  placeholder.value = "";
  deskSelect.append(placeholder);
  for (const desk of state.welcome.transfer_desks) {
    const option = el("option", null, desk.name);
    option.value = String(desk.id);
    deskSelect.append(option);
  }
  $("transfer-note").value = "";
  $("transfer-error").hidden = true;
  deskSelect.removeAttribute("aria-invalid");
  fillColleagues();
  openDialog($("transfer-dialog"), conv, opener);
}

function fillColleagues() {
  const deskId = Number($("transfer-desk").value);
  const staffSelect = $("transfer-staff");
  staffSelect.replaceChildren();
  const anyone = el("option", null, t("anyone"));
  anyone.value = "";
  staffSelect.append(anyone);
  for (const colleague of state.welcome.colleagues) {
    if (!deskId || !colleague.desks.includes(deskId)) continue;
    const option = el("option", null, colleague.name);
    option.value = String(colleague.id);
    staffSelect.append(option);
  }
  staffSelect.disabled = !deskId;
}

$("transfer-desk").addEventListener("change", fillColleagues);

$("transfer-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const conv = dialogConv;
  const deskSelect = $("transfer-desk");
  const deskId = Number(deskSelect.value);
  if (!deskId) {
    const error = $("transfer-error");
    error.textContent = t("chooseDesk");
    error.hidden = false;
    deskSelect.setAttribute("aria-invalid", "true");
    deskSelect.focus();
    return;
  }
  if (!conv) return;
  const frame = { type: "transfer", conversation: conv.id, desk: deskId };
  const staffId = Number($("transfer-staff").value);
  if (staffId) frame.staff = staffId;
  const note = $("transfer-note").value.trim();
  if (note) frame.note = note;
  if (!connection.isOpen) {
    const error = $("transfer-error");
    error.textContent = t("notConnected");
    error.hidden = false;
    return;
  }
  const desk = state.welcome.transfer_desks.find((d) => d.id === deskId);
  state.pendingTransfers.set(conv.id, desk ? desk.name : "");
  conv.typing(false);
  send(frame, { kind: "transfer", conversation: conv.id });
  closeDialog($("transfer-dialog"));
});

function openCloseDialog(conv, opener) {
  const box = $("outcome-options");
  box.replaceChildren();
  for (const outcome of state.welcome.outcomes) {
    const id = `outcome-${outcome.value}`;
    const row = el("p", "choice");
    const input = el("input");
    input.type = "radio";
    input.name = "outcome";
    input.value = outcome.value;
    input.id = id;
    input.required = true;
    const label = el("label", null, outcome.label);
    label.htmlFor = id;
    row.append(input, label);
    box.append(row);
  }
  $("close-error").hidden = true;
  openDialog($("close-dialog"), conv, opener);
}

$("close-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const conv = dialogConv;
  const chosen = $("close-form").querySelector("input[name=outcome]:checked");
  if (!chosen) {
    const error = $("close-error");
    error.textContent = t("chooseOutcome");
    error.hidden = false;
    const firstRadio = $("close-form").querySelector("input[name=outcome]");
    if (firstRadio) firstRadio.focus();
    return;
  }
  if (!conv) return;
  if (!connection.isOpen) {
    const error = $("close-error");
    error.textContent = t("notConnected");
    error.hidden = false;
    return;
  }
  state.pendingCloses.add(conv.id);
  conv.typing(false);
  send({ type: "close", conversation: conv.id, outcome: chosen.value }, { kind: "close", conversation: conv.id });
  closeDialog($("close-dialog"));
});

// --- Notices: alert, announcements, title, sound --------------------------------------------

let alertTimer = null;
function showAlert(text) {
  const box = $("alert");
  $("alert-text").textContent = text;
  box.hidden = false;
  window.clearTimeout(alertTimer);
  alertTimer = window.setTimeout(() => {
    box.hidden = true;
  }, 20000);
}

$("alert-dismiss").addEventListener("click", () => {
  $("alert").hidden = true;
});

let announceTimer = null;
const announcements = [];
function announce(text) {
  // Polite, and batched so that a burst is read as one line rather than lost.
  announcements.push(text);
  window.clearTimeout(announceTimer);
  announceTimer = window.setTimeout(() => {
    $("announcer").textContent = announcements.splice(0).join(" ");
  }, 150);
}

function updateTitle() {
  const me = state.me ? state.me.id : null;
  let count = 0;
  for (const snapshot of state.desks.values()) {
    count += snapshot.waiting.filter((w) => !w.offered_to || w.offered_to === me).length;
  }
  for (const conv of state.convs.values()) count += conv.unreadCount();
  let title = count > 0 ? `(${count}) ${baseTitle}` : baseTitle;
  // An unanswered crisis alert puts "!" in the count, so it shows from another tab too.
  if (state.crisisAlerts.size > 0) title = count > 0 ? `(!${count}) ${baseTitle}` : `(!) ${baseTitle}`;
  if (document.title !== title) document.title = title;
}

let audio = null;
const soundToggle = $("sound-toggle");
soundToggle.checked = localStorage.getItem(SOUND_KEY) !== "off";
soundToggle.addEventListener("change", () => {
  localStorage.setItem(SOUND_KEY, soundToggle.checked ? "on" : "off");
});

function unlockAudio() {
  // Browsers let a page play sound only after the user has done something on it.
  if (audio || !window.AudioContext) return;
  try {
    audio = new AudioContext();
  } catch (error) {
    audio = null;
  }
}
document.addEventListener("pointerdown", unlockAudio, { once: true });
document.addEventListener("keydown", unlockAudio, { once: true });

function beep() {
  if (!soundToggle.checked || !audio) return;
  try {
    if (audio.state === "suspended") audio.resume();
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, audio.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.35);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.4);
  } catch (error) {
    // No sound is better than a broken console.
  }
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
connection.start();

// For people debugging the console from the browser's developer tools (and for the tests).
window.kohtaamoConsole = { connection, state };
