// The client's chat: the standalone page and the widget's iframe (docs/protocol.md).
import { AttachComposer, attachmentLine, refreshAttachment, renderAttachment } from "../kohtaamo/attachments.js";
import { CallPanel, peerName } from "../kohtaamo/call.js";
import { sendOnEnter } from "../kohtaamo/composer.js";
import { icon } from "../kohtaamo/icons.js";
import { guestName, renderLine } from "../kohtaamo/lines.js";
import { Stream, newId } from "../kohtaamo/stream.js";
import { fill, node, readJSON, systemText as sysText, timeFormatter } from "../kohtaamo/text.js";
import { NOTIFY, SOUND, canNotify, createAttention } from "./attention.js";
import { createGuests } from "./guests.js";
import { installQuickExit } from "./quick-exit.js";
import * as store from "./store.js";

const $ = (id) => document.getElementById(id);
const config = readJSON("kohtaamo-config");
const T = readJSON("kohtaamo-i18n");
const lang = document.documentElement.lang || "fi";
const t = (key, args) => fill(T[key] || key, args);
const timeOf = timeFormatter(lang);
const dateTimeOf = timeFormatter(lang, { dateStyle: "short", timeStyle: "short" });

const el = {
  conn: $("k-conn"),
  start: $("k-start"),
  startForm: $("k-start-form"),
  nickname: $("k-nickname"),
  startError: $("k-start-error"),
  same: $("k-same"),
  sameCheck: $("k-same-check"),
  sameLabel: $("k-same-label"),
  sameHint: $("k-same-hint"),
  chat: $("k-chat"),
  title: $("k-chat-title"),
  who: $("k-chat-who"),
  queue: $("k-queue"),
  log: $("k-log"),
  list: $("k-list"),
  typing: $("k-typing"),
  composer: $("k-composer"),
  text: $("k-text"),
  count: $("k-count"),
  error: $("k-error"),
  ended: $("k-ended"),
  newChat: $("k-new"),
  confirm: $("k-confirm"),
  yes: $("k-confirm-yes"),
  no: $("k-confirm-no"),
  end: $("k-end"),
  download: $("k-download"),
  botbar: $("k-botbar"),
  handoff: $("k-handoff"),
  plainbar: $("k-plainbar"),
  plain: $("k-plain"),
  chatId: $("k-chat-id"),
  menuWrap: $("k-menu-wrap"),
  menuButton: $("k-menu-button"),
  menu: $("k-menu"),
  sound: $("k-sound"),
  notifybar: $("k-notifybar"),
  notify: $("k-notify"),
  notifyError: $("k-notify-error"),
  newer: $("k-newer"),
  newerText: $("k-newer-text"),
  announce: $("k-announce"),
  leave: $("k-leave"),
  leaveYes: $("k-leave-yes"),
  leaveNo: $("k-leave-no"),
  downloadConfirm: $("k-download-confirm"),
  downloadYes: $("k-download-yes"),
  downloadNo: $("k-download-no"),
  age: $("k-age"),
  municipality: $("k-municipality"),
  deleted: $("k-deleted"),
  del: $("k-delete"),
  deleteConfirm: $("k-delete-confirm"),
  deleteYes: $("k-delete-yes"),
  deleteNo: $("k-delete-no"),
  deleteError: $("k-delete-error"),
  feedback: $("k-feedback"),
  feedbackError: $("k-feedback-error"),
  feedbackSkip: $("k-feedback-skip"),
  feedbackDone: $("k-feedback-done"),
  comment: $("k-comment"),
  messageForm: $("k-message-form"),
  messageTitle: $("k-message-title"),
  messageText: $("k-message-text"),
  messageError: $("k-message-error"),
  messageCancel: $("k-message-cancel"),
  codeForm: $("k-code-form"),
  code: $("k-code"),
  codeError: $("k-code-error"),
  codebox: $("k-codebox"),
  messageLeft: $("k-message-left"),
  codeWords: $("k-code-words"),
  codeHelp: $("k-code-help"),
  codeGet: $("k-code-get"),
  codeGetError: $("k-code-get-error"),
  live: $("k-live"),
  attach: $("k-attach"),
};
const PLAIN = "kohtaamo.plain";
// The highest seq the client has had in view, {c: conversation, seq}: after a
// reload the log opens at the first line after it. Kept apart from the read
// receipts, which say only that the page was shown.
const SEEN = "kohtaamo.seen";

const S = {
  conv: null, // id of the conversation on screen
  state: null, // its latest `conversation` object
  msgs: new Map(), // seq -> message (each has .el)
  pending: new Map(), // client-made id -> {id, body, at, el, seq}: sent, its message not yet here
  staff: { delivered: 0, read: 0 }, // the counsellor's receipts
  seenSent: { delivered: 0, read: 0 },
  starting: false,
  same: null, // {desk, name}: the earlier counsellor the client may ask for again (offerSameCounsellor)
  typingOn: false,
  typingAt: 0,
  timers: {},
  placed: false, // the log has been put at its opening place (after the first `synced`)
  atBottom: true, // the reader is at the newest line: new lines keep it in view
  unseen: 0, // lines that arrived below while the reader was scrolled up
};

// In the widget, the host page's launcher shows the count while the chat is minimised.
const toLauncher = (count) => {
  if (config.embedded && window.parent !== window) window.parent.postMessage({ type: "kohtaamo:attention", count }, "*");
};
const attention = createAttention({ texts: T, icons: config.icons || {}, fill, onCount: toLauncher });

function later(name, ms, fn) {
  clearTimeout(S.timers[name]);
  S.timers[name] = setTimeout(fn, ms);
}

const isClosed = () => S.state?.status === "closed";

// --- Connection -----------------------------------------------------------------

// Messages not yet acknowledged by the server are kept across reloads: [{c, id, body, at}].
const conn = new Stream(config.wsPath, {
  hello: () => ({ type: "hello", token: store.get(store.TOKEN) || undefined, lang }),
  onEvent,
  onState,
  onRefused: failSend,
  outbox: store.get(store.OUTBOX) || [],
  save: (items) => store.set(store.OUTBOX, items.length ? items : null),
});
const synced = () => Boolean(conn.convs.get(S.conv)?.synced);
// A third participant (issue 14): the client's consent question and who else is here.
const guests = createGuests({ texts: T, roles: config.guestRoles, send: (f) => conn.send(f), current: () => S.conv });
const dropOutbox = (keep) => {
  for (const item of conn.outbox.values()) if (!keep(item)) conn.remove(item.id);
};

function onState(kind, detail = {}) {
  if (kind === "connected" || kind === "trouble") el.conn.textContent = kind === "trouble" ? t("trouble") : "";
  if (kind !== "reconnecting" && kind !== "offline") return;
  S.typingOn = false;
  el.typing.textContent = "";
  el.conn.textContent = t(detail.busy ? "busy" : "reconnecting");
  if (S.starting) setStarting(false);
  S.queuedStart = null;
}

const handlers = {
  welcome: onWelcome,
  conversation: onConversation,
  message: onMessage,
  ack: onAck,
  synced: onSynced,
  queue: onQueue,
  typing: onTyping,
  receipt: onReceipt,
  voted: onVoted,
  done: onDone,
  code: onCode,
  deleted: onDeleted,
  desks: onDesks,
  desks_changed: onDesksChanged,
  guests: (event) => guests.update(event),
  file_link: (event) => event.attachment && refreshAttachment(event.attachment),
  error: onError,
  call: (event) => event.conversation === S.conv && callFor(event.conversation).onCall(event),
  call_signal: (event) => event.conversation === S.conv && callFor(event.conversation).onSignal(event),
};

// --- Calls (issue 14): one panel for the conversation shown (static/kohtaamo/call.js) ---------------
let callPanel = null;

function callFor(id) {
  if (!callPanel || callPanel.conversation !== id) {
    if (callPanel) callPanel.destroy();
    const area = $("k-call-area");
    callPanel = new CallPanel({
      conversation: id,
      me: "client",
      send: (frame) => conn.send(frame),
      texts: config.callTexts,
      startMount: area,
      panelMount: area,
      nameOf: (peer) =>
        peerName(peer, {
          texts: config.callTexts,
          guests: guests.list(),
          roles: config.guestRoles,
          counsellorName: S.state?.assigned?.name,
        }),
    });
  }
  return callPanel;
}

// A desk inside its hours with nobody available says so (conversations.actions.duty), live.
function onEvent(event) {
  handlers[event.type]?.(event);
}

function onWelcome(event) {
  askDesks(); // after every (re)connect: the socket follows the desks' state from now on
  const previous = store.get(store.TOKEN);
  store.set(store.TOKEN, event.token);
  const max = event.limits?.max_message_chars;
  if (max) el.text.maxLength = max;
  if (previous && previous !== event.token) {
    // The server no longer knows us (our data was purged): start afresh.
    dropOutbox(() => false);
    resetToStart();
  }
  let target = S.conv ?? store.get(store.CONVERSATION, true);
  const open = event.conversations || [];
  if (target == null && open.length) target = open[open.length - 1].id;
  const queuedStart = S.queuedStart;
  S.queuedStart = null;
  if (target != null) {
    setStarting(false);
    resume(target);
  } else if (queuedStart) {
    S.starting = false;
    startChat(queuedStart.desk, queuedStart.person);
  } else resetToStart();
}

// --- The desks' state on the start page (docs/protocol.md: desks, desks_changed) -----------------

// The longest wait for a desk's next change: a timer is not trusted for days (sleeping devices).
const DESKS_RECHECK_MAX_MS = 30 * 60 * 1000;

function askDesks() {
  conn.send({ type: "desks", ref: "desks" });
}

/** Show each desk's state as the server says it now, and ask again when the first of them changes. */
function onDesks(event) {
  let next = Infinity;
  for (const desk of event.desks || []) {
    const box = document.querySelector(`[data-desk-state="${CSS.escape(desk.slug)}"]`);
    if (!box) continue; // a desk this page does not offer
    const status = box.querySelector('[data-part="status"]');
    status.textContent = desk.status;
    status.classList.toggle("k-desk-closed", !desk.open);
    box.querySelector('[data-part="hours"]').textContent = (desk.hours || []).join("; ");
    box.hidden = !(desk.hours || []).length;
    for (const button of document.querySelectorAll(`button[data-person][data-desk="${CSS.escape(desk.slug)}"]`)) {
      button.hidden = !desk.open;
    }
    showDeskWait(desk.slug, desk.answering ? desk.wait_seconds : null);
    // Inside the hours with nobody available: said honestly (the client may still start and wait).
    const nobody = document.querySelector(`[data-desk-nobody="${CSS.escape(desk.slug)}"]`);
    if (nobody) nobody.hidden = !(desk.open && !desk.answering);
    if (desk.changes_at) next = Math.min(next, Date.parse(desk.changes_at));
  }
  if (next === Infinity) return;
  // A second or two after the moment, spread, so that every page open at 14:00 does not ask at once.
  const wait = Math.min(Math.max(next - Date.now(), 0), DESKS_RECHECK_MAX_MS) + 1000 + Math.random() * 2000;
  later("desks", wait, askDesks);
}

/** Someone changed a desk's hours: ask once, a moment later (one save may announce several changes).
 * With `waits`, only the estimated waits changed: shown at once, nothing to ask. */
function onDesksChanged(event) {
  if (event.waits) {
    for (const [slug, seconds] of Object.entries(event.waits)) showDeskWait(slug, seconds);
    return;
  }
  later("desks", 300 + Math.random() * 1500, askDesks);
}

/** A desk card's estimated wait for a client who starts now (hidden when nobody answers there). */
function showDeskWait(slug, seconds) {
  const line = document.querySelector(`[data-desk-wait="${CSS.escape(slug)}"]`);
  if (!line) return;
  line.hidden = seconds == null;
  if (seconds != null) line.textContent = waitText(seconds);
}

function resume(id) {
  if (S.conv !== id) clearChat();
  S.conv = id;
  store.set(store.CONVERSATION, id, true);
  conn.resume(id);
}

function onConversation(event) {
  const c = event.conversation;
  // `start`, a message left (`leave_message`) and a code typed (`resume_code`) all open a
  // conversation whose answer carries every message so far, then `synced`.
  if (event.ref === "start" || event.ref === "message" || event.ref === "code") {
    setStarting(false);
    clearChat();
    S.conv = c.id;
    conn.track(c.id);
    store.set(store.CONVERSATION, c.id, true);
    dropOutbox((item) => item.c === c.id);
    el.messageForm.hidden = true;
    el.messageText.value = "";
    el.code.value = "";
    showChat(event.ref === "start");
    if (event.ref !== "code") sendAbout(c.id);
  }
  if (c.id !== S.conv) return;
  if (event.ref?.startsWith("resume")) showChat(false);
  S.state = c;
  const receipts = c.receipts || {};
  if (receipts.client) {
    S.seenSent.delivered = Math.max(S.seenSent.delivered, receipts.client.delivered || 0);
    S.seenSent.read = Math.max(S.seenSent.read, receipts.client.read || 0);
  }
  if (receipts.staff) onReceipt({ conversation: c.id, side: "staff", ...receipts.staff });
  renderState();
  // Calls only while a person is chatting with the client.
  callFor(c.id).setAllowed(c.status === "active" && Boolean(c.assigned));
}

function onSynced(event) {
  if (event.conversation !== S.conv) return;
  // The stream sends the outbox now; show what it holds for this conversation.
  for (const item of conn.outbox.values()) if (item.c === S.conv && !S.pending.has(item.id)) showPending(item);
  if (!S.placed) openAtFirstUnread();
  scheduleSeen();
}

function onQueue(event) {
  if (event.conversation !== S.conv || (S.state && S.state.status !== "queued")) return;
  const position = document.createElement("p");
  position.className = "k-pos";
  position.textContent = t("queue", { position: event.position });
  const wait = document.createElement("p");
  wait.className = "k-wait";
  wait.textContent = waitText(event.wait_seconds);
  const hint = document.createElement("p");
  hint.textContent = t("queueHint");
  el.queue.replaceChildren(position, wait, hint);
}

/** The estimated wait in words: soon, about N minutes (by fives past ten), or none when nobody answers now. */
function waitText(seconds) {
  if (seconds == null) return t("queueNoEstimate");
  if (seconds < 90) return t("queueSoon");
  const minutes = Math.round(seconds / 60);
  return t("queueWait", { minutes: minutes > 10 ? Math.round(minutes / 5) * 5 : minutes });
}

function onTyping(event) {
  if (event.conversation !== S.conv || event.sender === "client") return;
  if (!event.active) {
    el.typing.textContent = "";
    return;
  }
  const name = event.sender === "guest" ? event.name : S.state?.assigned?.name;
  el.typing.textContent = name ? t("typing", { name }) : t("typingAnon");
  later("typingShown", 15000, () => (el.typing.textContent = ""));
}

function onReceipt(event) {
  if (event.conversation !== S.conv || event.side !== "staff") return;
  S.staff.delivered = Math.max(S.staff.delivered, event.delivered || 0);
  S.staff.read = Math.max(S.staff.read, event.read || 0);
  for (const m of S.msgs.values()) if (m.sender === "client") updateMark(m);
}

function onError(event) {
  if (event.ref?.startsWith("call:")) {
    if (callPanel) callPanel.onError(event); // a refused call frame: the call panel says it
    return;
  }
  const message = event.message || event.code;
  if (event.code === "unavailable") el.conn.textContent = t("trouble");
  if (event.ref === "hello") return; // the stream says hello again
  if (event.code === "unavailable" && (event.resumed != null || S.pending.has(event.ref))) {
    // Nothing was stored, and nothing is lost: the message stays in the outbox
    // (marked "not sent yet") and the stream sends it again when the server works again.
    const pending = S.pending.get(event.ref);
    if (pending) updateMark({ el: pending.el, waiting: true });
    return;
  }
  if (event.code === "unavailable" && !event.ref) return; // a receipt or typing: the notice says enough
  if (event.ref === "feedback") {
    el.feedbackError.textContent = message;
    if (event.code === "already_given") showFeedbackDone();
    return;
  }
  if (event.ref === "delete") {
    el.deleteError.textContent = message;
    return;
  }
  if (event.ref === "about") return; // optional answers: the chat goes on whatever happened to them
  if (event.ref?.startsWith("file-")) return; // fresh links refused (the file is gone): the picture's text stays
  if (event.ref === "code") {
    el.codeError.textContent = message;
    el.code.focus();
    return;
  }
  if (event.ref === "newcode") {
    el.codeGetError.textContent = message;
    return;
  }
  if (event.ref === "message") {
    el.messageError.textContent = message;
    setStarting(false);
    return;
  }
  if (event.ref === "start") {
    // Nobody answers there now: a message is the way on (its button is beside the desk's others).
    const instead = event.code === "desk_closed" ? ` ${t("leaveInstead")}` : "";
    el.startError.textContent = message + instead;
    if (event.code === "busy") {
      // The desk is taking too many new chats: the buttons wake up when it is worth trying again.
      later("startAgain", Math.max(1, event.retry_after || 1) * 1000, () => setStarting(false));
      return;
    }
    setStarting(false);
    return;
  }
  if (event.resumed != null && event.code === "not_found") {
    resetToStart();
    return;
  }
  (el.chat.hidden ? el.startError : el.error).textContent = message;
}

// --- Messages ---------------------------------------------------------------------

function onMessage(m) {
  if (m.conversation !== S.conv || S.msgs.has(m.seq)) return; // the stream passes each seq once
  const nearBottom = S.atBottom || isNearBottom();
  let element = null;
  if (m.sender === "client" && m.id) {
    const pending = S.pending.get(m.id);
    if (pending) {
      S.pending.delete(m.id);
      element = pending.el;
    }
  }
  if (m.sender === "staff") el.typing.textContent = "";
  m.el = element || renderMessage(m);
  remember(m);
  place(m.el, m.seq);
  if (m.sender === "bot" || m.sender === "staff" || m.code === "joined") updateBotControls();
  if (m.sender === "client") updateMark(m);
  else scheduleSeen();
  if (!S.placed) return; // the history of a resume: the log is placed once it is all here
  // A person joined or wrote while this page is hidden or not focused: the title, the icon and the chosen signals say so.
  if (m.sender === "staff") attention.notice("message");
  else if (m.sender === "system" && m.code === "joined") attention.notice("joined");
  if (nearBottom || m.sender === "client") scrollDown();
  else showNewer(1);
}

// Stored: placed at its seq and marked sent; its `message` (or a resume) replaces it.
function onAck(ack) {
  const pending = S.pending.get(ack.id);
  if (!pending || ack.conversation !== S.conv) return;
  if (S.msgs.has(ack.seq)) {
    S.pending.delete(ack.id);
    pending.el.remove();
    return;
  }
  pending.seq = ack.seq;
  place(pending.el, ack.seq);
  updateMark(pending);
}

function remember(m) {
  S.msgs.set(m.seq, m);
}

const systemText = (m) => sysText(config.systemTexts, m, m.code || "");

function whoOf(m) {
  if (m.sender === "bot") return t("bot");
  if (m.sender === "guest") return guestName({ name: m.name, role: m.args?.role }, config.guestRoles);
  return m.sender === "client" ? t("you") : m.name || t("counsellor");
}

function renderMessage(m) {
  if (m.sender === "bot") return renderBotMessage(m);
  const li = renderLine(m, {
    who: whoOf,
    system: systemText,
    time: timeOf,
    mine: (x) => x.sender === "client",
    attachment: attachmentOf,
  });
  if (m.sender === "client") li.append(node("p", "k-mark"));
  return li;
}

// --- Attachments (static/kohtaamo/attachments.js) -----------------------------------------

const attach = new AttachComposer(el.attach, {
  t,
  lang,
  upload: { url: config.uploadUrl, headers: () => ({ "X-Kohtaamo-Token": store.get(store.TOKEN) || "" }) },
  maxSeconds: config.maxRecordSeconds,
  limits: config.uploadLimits,
  onRetry: () => sendMessage(),
});
// The paper clip sits beside the send button; the tools and the chosen file open below the row.
el.composer.querySelector(".k-send").before(attach.toggle);

/** A message's attachment; its links, once expired, are asked for again (`file_link`). */
function attachmentOf(m) {
  const conversation = m.conversation ?? S.conv;
  return renderAttachment(m.attachment, {
    t,
    lang,
    caption: m.body || "",
    linkSeconds: config.mediaLinkSeconds,
    onExpired: (id) => conn.fileLink(conversation, id),
  });
}

// --- The chatbot ------------------------------------------------------------------------

const withBot = () => S.state?.status === "bot";
const plainOn = () => Boolean(store.get(PLAIN));

// The server sends bot answers as sanitised HTML (bot.markdown: a few tags, safe links).
function setBotBody(body, m) {
  const html = plainOn() && m.plain_html ? m.plain_html : m.html;
  body.innerHTML = html || "";
  if (!html) body.textContent = m.body || "";
  for (const link of body.querySelectorAll("a[href]")) {
    // Links open beside the chat, so the conversation is not lost.
    link.target = "_blank";
    link.rel = "noopener noreferrer";
  }
}

// --- The topic's help services (args.referrals: [{name, url, phone?, hours?}]) ---------------
// They come from the brain, which the admin can edit too, so nothing of them becomes markup:
// text nodes and attributes only, a link only to an http(s) address, and a tel: address of
// digits, spaces and + alone.

const textOf = (value) => (typeof value === "string" ? value.trim() : "");

/** The address as a link may point to it, or "" when it is not an http(s) address. */
function webAddress(value) {
  try {
    const url = new URL(textOf(value));
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : "";
  } catch {
    return "";
  }
}

/** "tel:+358 9 123" from a phone number as written, or "" when it has no digit. */
function phoneAddress(value) {
  const number = textOf(value).replace(/[^0-9 +]/g, "").trim();
  return /[0-9]/.test(number) ? `tel:${number}` : "";
}

function link(href, text) {
  const a = node("a", "", text);
  a.setAttribute("href", href);
  return a;
}

// The services are written in the answer's language, which may not be the page's.
function inLang(element, lang) {
  if (lang) element.lang = lang;
  return element;
}

/** A line "Label: value" of a service; `value` is a node or text. */
function serviceLine(className, label, value) {
  const line = node("p", `k-help-line ${className}`);
  line.append(node("span", "k-help-label", label), " ", value);
  return line;
}

function renderService(referral, lang) {
  const name = textOf(referral.name);
  const address = textOf(referral.url);
  const href = webAddress(address);
  const phone = textOf(referral.phone);
  const hours = textOf(referral.hours);
  if (!name && !address && !phone) return null;
  const item = node("li", "k-help-item");
  if (href) {
    // Opens beside the chat, so the conversation is not lost (as the answers' own links).
    const a = link(href);
    a.className = "k-help-name";
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.append(inLang(node("span", "", name || address), lang), node("span", "k-vh", ` ${t("newTab")}`));
    item.append(a);
  } else {
    if (name) item.append(inLang(node("p", "k-help-name", name), lang));
    // Not a web address: shown as it is, for the reader to copy if it is of use.
    if (address) item.append(node("p", "k-help-address", address));
  }
  if (phone) {
    const tel = phoneAddress(phone);
    item.append(serviceLine("k-help-phone", t("phone"), tel ? link(tel, phone) : phone));
  }
  if (hours) {
    item.append(serviceLine("k-help-hours", t("hours"), inLang(node("span", "", hours), lang)));
  }
  return item;
}

/** The card "Where to get help" under an answer, or null when it names no service. */
function renderReferrals(referrals, answerLang) {
  const lang = /^[a-z]{2,3}$/.test(answerLang || "") && answerLang !== document.documentElement.lang ? answerLang : "";
  const items = (Array.isArray(referrals) ? referrals : [])
    .filter((r) => r && typeof r === "object")
    .map((r) => renderService(r, lang))
    .filter(Boolean);
  if (!items.length) return null;
  const card = node("div", "k-help");
  const list = node("ul", "k-help-list");
  list.append(...items);
  card.append(node("h2", "k-help-title", t("referralsTitle")), list);
  return card;
}

function renderBotMessage(m) {
  const li = node("li", `k-msg k-msg--bot${m.code === "crisis" ? " k-msg--crisis" : ""}`);
  const meta = node("p", "k-meta");
  meta.append(node("span", "k-who", whoOf(m)), " ");
  const time = node("time", "", timeOf(m.at));
  if (m.at) time.dateTime = m.at;
  meta.append(time);
  const body = node("div", "k-body k-rich");
  setBotBody(body, m);
  li.append(meta, body);
  const args = m.args || {};
  if (m.code === "crisis") li.append(node("p", "k-crisis-note", t("crisisNote")));
  // A sibling of the body, so that switching to easy-to-read answers (setBotBody) keeps it.
  const help = renderReferrals(args.referrals, args.lang);
  if (help) li.append(help);
  const suggestions = args.suggestions || [];
  if (suggestions.length) {
    const group = node("div", "k-suggest");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", t("moreTopics"));
    for (const s of suggestions) {
      const button = node("button", "k-chip", s.title);
      button.type = "button";
      button.dataset.topic = s.slug;
      group.append(button);
    }
    li.append(group);
  }
  if (args.offer_human && m.code !== "greeting") {
    const button = node("button", "k-secondary k-offer", t("talkToPerson"));
    button.type = "button";
    button.dataset.handoff = m.code === "not_sure" ? "bot_unsure" : "asked";
    li.append(button);
  }
  if (m.code === "answer") {
    const votes = node("div", "k-votes");
    for (const [helpful, key] of [
      [true, "helpful"],
      [false, "notHelpful"],
    ]) {
      const button = node("button", "k-vote");
      button.append(icon(helpful ? "thumb-up" : "thumb-down"), node("span", "", t(key)));
      button.type = "button";
      button.dataset.vote = helpful ? "1" : "0";
      button.setAttribute("aria-pressed", String(args.vote === helpful));
      votes.append(button);
    }
    votes.append(node("span", "k-vote-thanks", args.vote == null ? "" : t("voteThanks")));
    li.append(votes);
  }
  updateBotControls(li);
  return li;
}

// Suggestion and hand-off buttons work only while the bot (or the queue) is where the client is.
function updateBotControls(scope = el.list) {
  const status = S.state?.status;
  for (const button of scope.querySelectorAll(".k-chip")) button.disabled = !(status === "bot" || status === "queued");
  for (const button of scope.querySelectorAll(".k-offer")) button.hidden = status !== "bot";
  // Easy-to-read answers are the chatbot's: once a person has taken over, the choice goes away.
  const anyPlain = [...S.msgs.values()].some((m) => m.plain_html);
  el.plainbar.hidden = !anyPlain || personJoined();
  el.plain.checked = plainOn();
}

function personJoined() {
  if (S.state?.status === "active" || S.state?.assigned) return true;
  return [...S.msgs.values()].some((m) => m.sender === "staff" || (m.sender === "system" && m.code === "joined"));
}

function rerenderBotBodies() {
  for (const m of S.msgs.values()) {
    if (m.sender === "bot" && m.el) setBotBody(m.el.querySelector(".k-body"), m);
  }
}

function onVoted(event) {
  if (event.conversation !== S.conv) return;
  const m = S.msgs.get(event.seq);
  if (!m || !m.el) return;
  m.args = { ...(m.args || {}), vote: event.helpful };
  for (const button of m.el.querySelectorAll(".k-vote")) {
    button.setAttribute("aria-pressed", String((button.dataset.vote === "1") === event.helpful));
  }
  const thanks = m.el.querySelector(".k-vote-thanks");
  if (thanks) thanks.textContent = t("voteThanks");
}

function handOff(reason) {
  if (S.conv == null || !withBot()) return;
  if (!conn.send({ type: "handoff", conversation: S.conv, reason, ref: "handoff" })) el.error.textContent = t("offline");
}

function chooseTopic(slug) {
  if (S.conv == null) return;
  const id = newId();
  if (!conn.send({ type: "choose", conversation: S.conv, id, topic: slug, ref: id })) {
    el.error.textContent = t("offline");
  }
}

function onListClick(event) {
  const chip = event.target.closest("button.k-chip");
  if (chip) return chooseTopic(chip.dataset.topic);
  const offer = event.target.closest("button.k-offer");
  if (offer) return handOff(offer.dataset.handoff);
  const vote = event.target.closest("button.k-vote");
  if (vote) {
    const seq = Number(vote.closest("li")?.dataset.seq);
    if (seq && S.conv != null) conn.send({ type: "vote", conversation: S.conv, seq, helpful: vote.dataset.vote === "1", ref: "vote" });
  }
}

function updateMark(m) {
  const mark = m.el?.querySelector(".k-mark");
  if (!mark) return;
  let state = "sending";
  if (m.failed) state = "failed";
  else if (m.waiting) state = "waiting";
  else if (m.seq) state = S.staff.read >= m.seq ? "read" : S.staff.delivered >= m.seq ? "delivered" : "sent";
  if (mark.dataset.state === state) return;
  mark.dataset.state = state;
  const keys = { sending: "sending", waiting: "notSentYet", failed: "notSent", sent: "sent", delivered: "delivered", read: "read" };
  mark.textContent = t(keys[state]);
}

function place(element, seq) {
  element.dataset.seq = seq ?? "";
  if (seq != null) {
    for (const child of el.list.children) {
      if (child === element) continue;
      const other = child.dataset.seq;
      if (!other || Number(other) > seq) {
        el.list.insertBefore(element, child);
        return;
      }
    }
  }
  el.list.append(element);
}

// --- Keeping the newest lines in view ---------------------------------------------
// The log follows new lines only while the reader is at its end, and it jumps
// there at once: a smooth scroll still under way when the next line arrives
// used to stop short of it. Scrolled up, the reader gets a button "2 new
// messages" instead, and a reload opens the log at the first line they have
// not had in view (SEEN).

function isNearBottom() {
  return el.log.scrollHeight - el.log.scrollTop - el.log.clientHeight < 40;
}

function scrollDown() {
  el.log.scrollTop = el.log.scrollHeight;
  S.atBottom = true;
  hideNewer();
  noteSeen();
}

function showNewer(count) {
  S.unseen += count;
  const text = S.unseen === 1 ? t("newOne") : t("newMany", { count: S.unseen });
  el.newerText.textContent = text;
  el.newer.hidden = false;
  el.announce.textContent = text;
}

function hideNewer() {
  if (el.newer.hidden && !S.unseen) return;
  S.unseen = 0;
  el.newer.hidden = true;
  el.announce.textContent = "";
}

const sortedMessages = () => [...S.msgs.values()].sort((a, b) => a.seq - b.seq);

/** Remember the newest line the client has had in view (only while the page is shown). */
function noteSeen() {
  const keep = (top) => {
    const kept = store.get(SEEN);
    if (top && !(kept?.c === S.conv && kept.seq >= top)) store.set(SEEN, { c: S.conv, seq: top });
  };
  if (S.conv == null || !S.placed || document.visibilityState !== "visible" || !S.msgs.size) return;
  clearTimeout(S.timers.noteSeen);
  if (S.atBottom) {
    keep(Math.max(...S.msgs.keys()));
    return;
  }
  // Scrolled up: the lines above the log's lower edge, measured once the scrolling rests.
  later("noteSeen", 150, () => {
    if (S.conv == null || document.visibilityState !== "visible") return;
    const bottom = el.log.getBoundingClientRect().bottom;
    let top = 0;
    for (const m of sortedMessages()) if (m.el?.isConnected && m.el.getBoundingClientRect().top < bottom) top = m.seq;
    keep(top);
  });
}

function openAtFirstUnread() {
  S.placed = true;
  const kept = store.get(SEEN);
  const after = kept?.c === S.conv ? kept.seq : null;
  const unread = after == null ? [] : sortedMessages().filter((m) => m.seq > after && m.sender !== "client");
  const first = unread[0]?.el;
  if (!first) {
    scrollDown();
    return;
  }
  el.log.scrollTop += first.getBoundingClientRect().top - el.log.getBoundingClientRect().top - 8;
  S.atBottom = isNearBottom();
  if (S.atBottom) scrollDown();
  else showNewer(unread.length);
}

function onLogScroll() {
  S.atBottom = isNearBottom();
  if (S.atBottom) hideNewer();
  noteSeen();
}

// --- Sending ------------------------------------------------------------------------

function showPending(item) {
  const m = { sender: "client", body: item.body, at: item.at, attachment: item.file, conversation: item.c };
  const pending = { ...item, el: renderMessage(m) };
  S.pending.set(item.id, pending);
  place(pending.el, null);
  updateMark({ el: pending.el });
  scrollDown();
}

async function sendMessage() {
  el.error.textContent = "";
  if (attach.draft) {
    await sendAttachment();
    return;
  }
  const body = el.text.value.trim();
  if (!body) {
    el.error.textContent = t("empty");
    return;
  }
  if (!S.conv || isClosed()) return;
  submitMessage({ c: S.conv, id: newId(), body, at: new Date().toISOString() });
}

/** Upload the chosen or recorded file (the panel shows progress, errors and Retry), then send it with the caption. */
async function sendAttachment() {
  const conv = S.conv;
  if (conv == null || isClosed() || attach.busy) return;
  const info = await attach.upload(conv);
  if (!info || S.conv !== conv || isClosed()) return;
  attach.clear();
  submitMessage({ c: conv, id: newId(), body: el.text.value.trim(), attachment: info.id, file: info, at: new Date().toISOString() });
  el.text.focus();
}

function submitMessage(item) {
  showPending(item);
  conn.submit(item);
  el.text.value = "";
  fitTextBox();
  updateCount();
  stopTyping();
  if (!conn.ready) el.conn.textContent = t("reconnecting");
}

// The server refused the message for good: give its text back.
function failSend(item, error) {
  const pending = S.pending.get(item.id);
  const message = error.message || error.code;
  S.pending.delete(item.id);
  if (!pending) return;
  pending.el.remove();
  // Keep the text: put it back into the composer.
  if (pending.body) el.text.value = el.text.value ? `${pending.body}\n${el.text.value}` : pending.body;
  fitTextBox();
  updateCount();
  el.error.textContent = message;
}

function stopTyping() {
  clearTimeout(S.timers.typing);
  if (S.typingOn && S.conv) conn.send({ type: "typing", conversation: S.conv, active: false });
  S.typingOn = false;
}

function onInput() {
  updateCount();
  if (!S.conv || isClosed() || !conn.ready) return;
  if (!el.text.value) {
    stopTyping();
    return;
  }
  const now = Date.now();
  if ((!S.typingOn || now - S.typingAt > 3000) && conn.send({ type: "typing", conversation: S.conv, active: true })) {
    S.typingOn = true;
    S.typingAt = now;
  }
  later("typing", 4000, stopTyping);
}

function updateCount() {
  const left = el.text.maxLength - el.text.value.length;
  el.count.textContent = el.text.maxLength > 0 && left <= 200 ? t("charsLeft", { count: left }) : "";
}

function scheduleSeen() {
  later("seen", 300, () => {
    if (!conn.ready || !S.conv || !synced()) return;
    const top = conn.convs.get(S.conv).cursor;
    const frame = { type: "seen", conversation: S.conv };
    if (top > S.seenSent.delivered) frame.delivered = top;
    if (document.visibilityState === "visible" && top > S.seenSent.read) frame.read = top;
    if (frame.delivered == null && frame.read == null) return;
    if (conn.send(frame)) {
      S.seenSent.delivered = Math.max(S.seenSent.delivered, frame.delivered || 0, frame.read || 0);
      S.seenSent.read = Math.max(S.seenSent.read, frame.read || 0);
    }
  });
}

// --- Views --------------------------------------------------------------------------

function showChat(focus) {
  el.start.hidden = true;
  el.chat.hidden = false;
  el.chatId.hidden = false;
  el.menuWrap.hidden = false;
  document.body.classList.add("k-chatting");
  fitViewport();
  if (focus) el.text.focus();
}

function clearChat() {
  if (S.conv != null) conn.forget(S.conv);
  S.state = null;
  S.msgs.clear();
  S.pending.clear();
  S.staff = { delivered: 0, read: 0 };
  S.seenSent = { delivered: 0, read: 0 };
  S.typingOn = false;
  S.placed = false;
  S.atBottom = true;
  hideNewer();
  el.list.replaceChildren();
  el.queue.replaceChildren();
  for (const e of [el.typing, el.error, el.title, el.who]) e.textContent = "";
  attach.clear();
  el.composer.hidden = false;
  el.end.hidden = false;
  el.ended.hidden = true;
  el.botbar.hidden = true;
  el.plainbar.hidden = true;
  el.confirm.hidden = true;
  el.downloadConfirm.hidden = true;
  el.deleteConfirm.hidden = true;
  el.deleteError.textContent = "";
  S.feedbackShown = false;
  el.feedback.hidden = true;
  el.feedback.reset();
  el.feedbackError.textContent = "";
  el.feedbackDone.hidden = true;
  el.codebox.hidden = true;
  el.codeWords.textContent = "";
  el.codeHelp.hidden = true;
  el.codeGet.hidden = false;
  el.codeGetError.textContent = "";
  guests.clear();
}

/**
 * Offer "Ask for <name> again" on the start page when the conversation just left had a counsellor
 * (one brought back with a code too); otherwise hide it.
 */
function offerSameCounsellor(state) {
  const name = state?.assigned?.name;
  S.same = name && state.desk ? { desk: state.desk.slug, name } : null;
  el.same.hidden = !S.same;
  el.sameCheck.checked = false;
  if (!S.same) return;
  el.sameLabel.textContent = t("sameAgain", { name });
  el.sameHint.textContent = t("sameHint", { name, desk: state.desk.name });
}

function resetToStart() {
  offerSameCounsellor(null);
  clearChat();
  S.conv = null;
  store.set(store.CONVERSATION, null, true);
  el.chat.hidden = true;
  el.start.hidden = false;
  el.chatId.hidden = true;
  setMenu(false, false);
  el.menuWrap.hidden = true;
  document.body.classList.remove("k-chatting");
}

function renderState() {
  const c = S.state;
  el.title.textContent = c.desk?.name || "";
  const who = [];
  if (c.status === "active" && c.assigned?.name) who.push(t("chattingWith", { name: c.assigned.name }));
  if (c.nickname) who.push(t("nickname", { nickname: c.nickname }));
  el.who.textContent = who.join(" · ");
  if (c.status !== "queued") el.queue.replaceChildren();
  const closed = c.status === "closed";
  if (closed) {
    // Focus in what the close hides (the message box, the question of ending) goes to what comes next.
    const active = document.activeElement;
    const focusLost = !active || active === document.body || el.confirm.contains(active) || el.composer.contains(active);
    el.typing.textContent = "";
    attach.clear(); // a file or recording that can no longer be sent (and the microphone off)
    for (const [id, pending] of S.pending) {
      if (pending.seq) continue; // stored; its line comes with the history
      conn.remove(id);
      updateMark({ el: pending.el, failed: true });
      S.pending.delete(id);
    }
    if (focusLost) queueMicrotask(() => (c.rated ? el.newChat : el.feedback.querySelector("input"))?.focus());
  }
  el.botbar.hidden = c.status !== "bot";
  attach.setAvailable(c.status !== "bot"); // files go to a person, never to the chatbot
  // A message, or an ended chat, can be come back to with a code (given at once for a message).
  el.codebox.hidden = !(closed || c.status === "message");
  el.messageLeft.hidden = c.status !== "message";
  el.live.hidden = c.status !== "message"; // into the live queue, when people answer at the desk now
  updateBotControls();
  el.composer.hidden = closed;
  el.end.hidden = closed;
  el.ended.hidden = !closed;
  if (closed && !S.feedbackShown) {
    // Once per chat on screen: the form, or the thanks when it was rated already (from another tab too).
    S.feedbackShown = true;
    el.feedback.hidden = Boolean(c.rated);
    el.feedbackDone.hidden = !c.rated;
  }
  if (closed) el.confirm.hidden = true;
  if (closed) closeLeave();
}

function setStarting(busy) {
  S.starting = busy;
  for (const button of el.startForm.querySelectorAll("button")) button.disabled = busy;
}

function startChat(desk, person = false) {
  el.startError.textContent = "";
  el.deleted.hidden = true;
  if (S.starting) return;
  setStarting(true);
  if (!conn.ready) {
    // Still connecting: start as soon as the server has said welcome.
    S.queuedStart = { desk, person };
    if (!conn.ws) {
      setStarting(false);
      el.startError.textContent = t("offline");
    }
    return;
  }
  const nickname = el.nickname.value.trim();
  // Asked for the earlier counsellor: only at the desk where they answered (the server finds them there).
  const same = person && S.same?.desk === desk && el.sameCheck.checked ? true : undefined;
  conn.send({ type: "start", desk, person: person || undefined, same_counsellor: same, nickname: nickname || undefined, lang, ref: "start" });
}

// --- The optional questions, feedback and deleting (docs/protocol.md: about, feedback, delete) ---------

/** The answers chosen beside the nickname, sent once the conversation exists; none chosen, nothing sent. */
function sendAbout(id) {
  const age = el.age.value;
  const municipality = el.municipality.value;
  if (!age && !municipality) return;
  conn.send({ type: "about", conversation: id, age_group: age || undefined, municipality: municipality || undefined, ref: "about" });
}

function sendFeedback() {
  el.feedbackError.textContent = "";
  const data = new FormData(el.feedback);
  const rating = data.get("rating");
  const helped = data.get("helped");
  const comment = el.comment.value.trim();
  if (!rating && !helped && !comment) {
    el.feedbackError.textContent = t("feedbackEmpty");
    return;
  }
  if (comment.length > (config.maxCommentChars || 1000)) {
    el.feedbackError.textContent = t("commentTooLong");
    return;
  }
  const frame = { type: "feedback", conversation: S.conv, ref: "feedback" };
  if (rating) frame.rating = Number(rating);
  if (helped) frame.helped = helped === "yes";
  if (comment) frame.comment = comment;
  if (!conn.send(frame)) el.feedbackError.textContent = t("offline");
}

function showFeedbackDone() {
  el.feedback.hidden = true;
  el.feedbackDone.hidden = false;
  el.feedbackDone.focus();
}

/** The conversation's code (after leaving a message, or asked for): shown until the chat is left. */
function onCode(event) {
  if (event.conversation !== S.conv) return;
  el.codebox.hidden = false;
  el.codeWords.textContent = event.code;
  el.codeHelp.hidden = false;
  el.codeGet.hidden = true;
  el.codeGetError.textContent = "";
  if (event.ref === "message") queueMicrotask(() => el.text.focus());
}

function openMessageForm(desk, name) {
  S.messageDesk = desk;
  el.startError.textContent = "";
  el.messageError.textContent = "";
  el.messageTitle.textContent = t("messageFor", { desk: name });
  el.messageForm.hidden = false;
  el.messageText.focus();
}

function leaveMessage() {
  el.messageError.textContent = "";
  const body = el.messageText.value.trim();
  if (!body) {
    el.messageError.textContent = t("empty");
    el.messageText.focus();
    return;
  }
  if (S.starting) return;
  if (!conn.ready) {
    el.messageError.textContent = t("offline");
    return;
  }
  setStarting(true);
  const nickname = el.nickname.value.trim() || undefined;
  conn.send({ type: "leave_message", desk: S.messageDesk, id: newId(), body, nickname, lang, ref: "message" });
}

function openByCode() {
  el.codeError.textContent = "";
  const code = el.code.value.trim();
  if (!code) {
    el.codeError.textContent = t("codeEmpty");
    el.code.focus();
    return;
  }
  if (!conn.ready || !conn.send({ type: "resume_code", code, ref: "code" })) el.codeError.textContent = t("offline");
}

function onDone(event) {
  if (event.frame === "feedback" && event.conversation === S.conv) showFeedbackDone();
  if (event.frame === "delete") onDeleted(event);
}

/** The conversation is deleted (here or in another tab): forget it in this browser and say so plainly. */
function onDeleted(event) {
  const id = event.conversation;
  dropOutbox((item) => item.c !== id);
  conn.forget(id);
  if (store.get(SEEN)?.c === id) store.set(SEEN, null);
  if (S.conv !== id) return;
  resetToStart();
  el.deleted.hidden = false;
  el.deleted.focus();
}

// --- Transcript -----------------------------------------------------------------------

function transcript() {
  const lines = [`Kohtaamo – ${S.state?.desk?.name || ""}`, `${t("transcriptTitle")}, ${dateTimeOf()}`, ""];
  const when = (at) => (at ? dateTimeOf(at) : "");
  const items = [...S.msgs.values()].sort((a, b) => a.seq - b.seq);
  for (const m of items) {
    if (m.sender === "system") lines.push(`[${when(m.at)}] — ${systemText(m)}`);
    else lines.push(`[${when(m.at)}] ${whoOf(m)}: ${withFile(m.body, m.attachment).replace(/\n/g, "\n    ")}`);
  }
  for (const p of S.pending.values()) lines.push(`[${when(p.at)}] ${t("you")}: ${withFile(p.body, p.file)}${p.seq ? "" : ` (${t("notSent")})`}`);
  return `${lines.join("\n")}\n`;
}

/** A line's text in the transcript, its attachment named after it. */
function withFile(body, info) {
  return info ? [body, attachmentLine(info, t)].filter(Boolean).join(" ") : body;
}

function downloadTranscript() {
  const blob = new Blob([transcript()], { type: "text/plain;charset=utf-8" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `kohtaamo-${t("transcriptFile")}-${new Date().toISOString().slice(0, 10)}.txt`;
  link.className = "k-vh";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 30000);
}

// --- The menu, the questions and the viewport ---------------------------------------------

// A disclosure: the button says whether the menu is open; Esc closes it and
// focus goes back to the button (Esc still counts toward a quick exit).
function setMenu(open, focusButton = true) {
  const wasOpen = !el.menu.hidden;
  el.menu.hidden = !open;
  el.menuButton.setAttribute("aria-expanded", String(open));
  if (open) {
    el.notifyError.textContent = "";
    el.menu.querySelector(".k-check:not([hidden]) input, button")?.focus();
  } else if (wasOpen && focusButton) el.menuButton.focus();
}

/** Close the menu and show one of the chat's questions (end, download), focus on its first answer. */
function askInChat(box, focus) {
  setMenu(false, false);
  el.confirm.hidden = box !== el.confirm;
  el.downloadConfirm.hidden = box !== el.downloadConfirm;
  el.deleteConfirm.hidden = box !== el.deleteConfirm;
  box.hidden = false;
  focus.focus();
}

function closeQuestion(box) {
  box.hidden = true;
  el.menuButton.focus();
}

function closeLeave() {
  if (el.leave.hidden) return;
  el.leave.hidden = true;
  quickExit.stay();
}

// The page is made exactly as tall as the visual viewport, which shrinks when
// the on-screen keyboard opens (on iOS the layout viewport does not): the
// message box stays above the keyboard. While pinch-zoomed the visual viewport
// is a magnified part of the page, so the page keeps its own height then.
// (A custom property set through the CSSOM, which the CSP allows.)
function fitViewport() {
  const vv = window.visualViewport;
  if (!vv) return;
  const height = vv.scale > 1.01 ? window.innerHeight : vv.height;
  document.documentElement.style.setProperty("--k-vvh", `${Math.round(height)}px`);
  document.documentElement.classList.add("k-vv");
  // A browser that scrolled the page to show the focused box puts it back: only the log scrolls.
  if (document.body.classList.contains("k-chatting") && vv.scale <= 1.01 && window.scrollY) window.scrollTo(0, 0);
}

/** The message box grows with its text up to five lines (its CSS max-height), then scrolls. */
function fitTextBox() {
  el.text.rows = 1;
  while (el.text.rows < 5 && el.text.scrollHeight > el.text.clientHeight + 1) el.text.rows += 1;
}

// --- Wiring -----------------------------------------------------------------------------

const quickExit = installQuickExit({
  url: config.quickExitUrl,
  embedded: Boolean(config.embedded),
  button: $("k-exit"),
  beforeExit() {
    if (conn.ready && S.conv && !isClosed()) conn.send({ type: "end", conversation: S.conv });
    conn.stop();
  },
  shouldAsk: () => document.activeElement === el.text && el.text.value.trim() !== "" && !el.chat.hidden,
  ask() {
    setMenu(false, false);
    el.leave.hidden = false;
    el.leaveYes.focus();
  },
});
el.leaveYes.addEventListener("click", () => quickExit.exit());
el.leaveNo.addEventListener("click", () => {
  closeLeave();
  el.text.focus();
});

// The desk buttons are plain buttons, not a form: a click before this script
// has loaded does nothing, rather than putting the nickname into a URL.
el.startForm.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-desk]");
  if (button?.dataset.message) openMessageForm(button.dataset.desk, button.dataset.deskName);
  else if (button) startChat(button.dataset.desk, Boolean(button.dataset.person));
});
el.messageForm.addEventListener("submit", (event) => {
  event.preventDefault();
  leaveMessage();
});
el.messageCancel.addEventListener("click", () => {
  el.messageForm.hidden = true;
  el.startForm.querySelector(`button[data-message][data-desk="${S.messageDesk}"]`)?.focus();
});
el.codeForm.addEventListener("submit", (event) => {
  event.preventDefault();
  openByCode();
});
el.live.addEventListener("click", () => {
  el.error.textContent = "";
  if (!conn.send({ type: "handoff", conversation: S.conv, ref: "live" })) el.error.textContent = t("offline");
});
el.codeGet.addEventListener("click", () => {
  el.codeGetError.textContent = "";
  if (!conn.send({ type: "new_code", conversation: S.conv, ref: "newcode" })) el.codeGetError.textContent = t("offline");
});
sendOnEnter(el.composer, el.text, sendMessage);
el.text.addEventListener("input", () => {
  closeLeave(); // writing on: the question of leaving is no longer the one asked
  fitTextBox();
  onInput();
});
el.end.addEventListener("click", () => askInChat(el.confirm, el.no));
el.del.addEventListener("click", () => askInChat(el.deleteConfirm, el.deleteNo));
el.deleteNo.addEventListener("click", () => closeQuestion(el.deleteConfirm));
el.deleteYes.addEventListener("click", () => {
  el.deleteError.textContent = "";
  if (!conn.send({ type: "delete", conversation: S.conv, ref: "delete" })) el.deleteError.textContent = t("offline");
  else stopTyping();
});
el.feedback.addEventListener("submit", (event) => {
  event.preventDefault();
  sendFeedback();
});
el.feedbackSkip.addEventListener("click", () => {
  el.feedback.hidden = true;
  el.newChat.focus();
});
el.no.addEventListener("click", () => closeQuestion(el.confirm));
el.yes.addEventListener("click", () => {
  if (!conn.send({ type: "end", conversation: S.conv, ref: "end" })) {
    el.error.textContent = t("offline");
    closeQuestion(el.confirm);
    return;
  }
  stopTyping();
});
el.newChat.addEventListener("click", () => {
  dropOutbox((item) => item.c !== S.conv);
  const earlier = S.state;
  resetToStart();
  offerSameCounsellor(earlier);
  el.nickname.focus();
});
// A downloaded transcript stays on the device (and in its downloads list): the client is told before it is saved.
el.download.addEventListener("click", () => askInChat(el.downloadConfirm, el.downloadYes));
el.downloadYes.addEventListener("click", () => {
  downloadTranscript();
  closeQuestion(el.downloadConfirm);
});
el.downloadNo.addEventListener("click", () => closeQuestion(el.downloadConfirm));
el.menuButton.addEventListener("click", () => setMenu(el.menu.hidden));
el.menu.addEventListener("keydown", (event) => {
  if (event.key === "Escape") setMenu(false);
});
el.menuWrap.addEventListener("focusout", (event) => {
  if (event.relatedTarget && !el.menuWrap.contains(event.relatedTarget)) setMenu(false, false);
});
document.addEventListener("pointerdown", (event) => {
  if (!el.menu.hidden && !el.menuWrap.contains(event.target)) setMenu(false, false);
});
el.sound.checked = Boolean(store.get(SOUND));
el.sound.addEventListener("change", () => {
  store.set(SOUND, el.sound.checked || null);
  if (el.sound.checked) attention.prepareAudio();
});
el.notifybar.hidden = !canNotify();
el.notify.checked = canNotify() && Boolean(store.get(NOTIFY)) && Notification.permission === "granted";
el.notify.addEventListener("change", async () => {
  el.notifyError.textContent = "";
  if (!el.notify.checked) {
    store.set(NOTIFY, null);
    return;
  }
  // Permission is asked only now, on the client's own click.
  const granted = await attention.askPermission();
  store.set(NOTIFY, granted || null);
  el.notify.checked = granted;
  if (!granted) el.notifyError.textContent = t("notifyBlocked");
});
el.newer.addEventListener("click", () => {
  scrollDown();
  el.log.focus();
});
el.log.addEventListener("scroll", onLogScroll, { passive: true });
// The log keeps its newest line in view while it changes size (the keyboard
// opens, the typing line comes and goes) or its lines grow.
const pinned = new ResizeObserver(() => {
  if (S.placed && S.atBottom) el.log.scrollTop = el.log.scrollHeight;
});
pinned.observe(el.list);
pinned.observe(el.log);
window.visualViewport?.addEventListener("resize", fitViewport);
window.visualViewport?.addEventListener("scroll", fitViewport);
fitViewport();
el.list.addEventListener("click", onListClick);
el.handoff.addEventListener("click", () => handOff("asked"));
el.plain.addEventListener("change", () => {
  store.set(PLAIN, el.plain.checked || null);
  rerenderBotBodies();
});
document.addEventListener("visibilitychange", () => {
  scheduleSeen();
  noteSeen();
});
window.addEventListener("focus", scheduleSeen);

/** Desks the site's embed or link asked for that the server left out (desks.selection): told to the site's developer. */
function warnAboutDeskChoice() {
  for (const warning of config.deskWarnings || []) console.warn(warning);
}

warnAboutDeskChoice();
setStarting(false); // the desk buttons are disabled until this script runs
if (store.get(store.CONVERSATION, true) != null) {
  showChat(false);
  el.conn.textContent = t("connecting");
}
conn.connect();
