// A guest's page (issue 14): an interpreter or another professional in one conversation,
// from the moment they joined (docs/protocol.md: the guest party). The same stream as the
// client page and the console (kohtaamo/stream.js) and the client page's lines (kohtaamo/lines.js).
// When the guest leaves or is removed, or the conversation closes, the server closes the
// socket and the page keeps nothing readable: the lines are taken off the screen.
import { refreshAttachment, renderAttachment } from "../kohtaamo/attachments.js";
import { CallPanel, peerName } from "../kohtaamo/call.js";
import { sendOnEnter } from "../kohtaamo/composer.js";
import { guestName, renderLine } from "../kohtaamo/lines.js";
import { Stream, newId } from "../kohtaamo/stream.js";
import { fill, readJSON, systemText, timeFormatter } from "../kohtaamo/text.js";

const $ = (id) => document.getElementById(id);
const config = readJSON("kohtaamo-config");
const T = readJSON("kohtaamo-i18n");
const lang = document.documentElement.lang || "fi";
const t = (key, args) => fill(T[key] || key, args);
const timeOf = timeFormatter(lang);

const el = {
  conn: $("k-conn"),
  who: $("k-chat-who"),
  list: $("k-list"),
  log: $("k-log"),
  typing: $("k-typing"),
  composer: $("k-composer"),
  text: $("k-text"),
  error: $("k-error"),
  ended: $("k-guest-ended"),
  leave: $("k-guest-leave"),
  confirm: $("k-guest-confirm"),
  confirmText: $("k-guest-confirm-text"),
  yes: $("k-guest-leave-yes"),
  no: $("k-guest-leave-no"),
};

const S = { me: null, state: null, guests: [], seqs: new Set(), typingOn: false, typingAt: 0, typingTimer: 0, over: false };
const conversation = config.conversation;

// The conversation's call (issue 14): the guest is rung and joins it, or joins one going on, and leaves it.
// No start buttons: the client or the counsellor calls.
let call = null;

function callPanel() {
  if (!call && S.me) {
    call = new CallPanel({
      conversation,
      me: `guest:${S.me.id}`,
      send: (frame) => conn.send(frame),
      texts: config.callTexts,
      startMount: null,
      panelMount: $("k-call-area"),
      nameOf: (peer) =>
        peerName(peer, {
          texts: config.callTexts,
          guests: S.guests,
          roles: config.guestRoles,
          clientName: S.state?.nickname,
          counsellorName: S.state?.assigned?.name,
        }),
    });
    call.setAllowed(S.state?.status === "active");
  }
  return call;
}

function who(m) {
  if (m.sender === "guest") return guestName({ name: m.name, role: m.args?.role }, config.guestRoles);
  if (m.sender === "client") return S.state?.nickname || t("client");
  if (m.sender === "bot") return t("bot");
  return m.name || t("counsellor");
}

const lineOptions = {
  who,
  system: (m) => systemText(config.systemTexts, m, m.code || ""),
  time: timeOf,
  mine: (m) => m.sender === "guest" && m.args?.guest === S.me?.id,
  // A file sent after the guest joined; its links, once expired, are asked for again (`file_link`).
  attachment: (m) =>
    renderAttachment(m.attachment, {
      t,
      lang,
      caption: m.body || "",
      linkSeconds: config.mediaLinkSeconds,
      onExpired: (id) => conn.fileLink(conversation, id),
    }),
};

function onMessage(m) {
  if (m.conversation !== conversation || S.seqs.has(m.seq)) return;
  S.seqs.add(m.seq);
  if (m.sender !== "system") el.typing.textContent = "";
  const li = renderLine(m, lineOptions);
  li.dataset.seq = m.seq;
  const after = [...el.list.children].find((child) => Number(child.dataset.seq) > m.seq);
  el.list.insertBefore(li, after || null);
  el.log.scrollTop = el.log.scrollHeight;
}

function onTyping(event) {
  if (event.conversation !== conversation) return;
  if (!event.active) {
    el.typing.textContent = "";
    return;
  }
  const names = { guest: event.name, client: S.state?.nickname, staff: S.state?.assigned?.name };
  const name = names[event.sender];
  el.typing.textContent = name ? t("typing", { name }) : t("typingAnon");
  clearTimeout(S.typingTimer);
  S.typingTimer = setTimeout(() => (el.typing.textContent = ""), 15000);
}

function onGuests(event) {
  if (event.conversation !== conversation) return;
  S.guests = event.guests;
  const others = event.guests.filter((g) => g.state === "joined" && g.id !== S.me?.id);
  el.who.textContent = others.length
    ? t("alsoHere", { names: others.map((g) => guestName(g, config.guestRoles)).join("; ") })
    : "";
}

/** The guest's part ended (left, removed, the conversation closed): nothing of it stays readable. */
function over(text) {
  if (S.over) return;
  S.over = true;
  conn.stop();
  if (call) call.destroy(); // the call ends with the guest's part: camera and microphone go
  call = null;
  el.list.replaceChildren();
  el.typing.textContent = "";
  el.who.textContent = "";
  el.conn.textContent = "";
  el.composer.hidden = true;
  el.leave.hidden = true;
  el.confirm.hidden = true;
  el.log.hidden = true;
  el.ended.textContent = text;
  el.ended.hidden = false;
  el.ended.focus();
}

const handlers = {
  welcome: (event) => {
    S.me = event.guest;
    conn.resume(conversation);
  },
  conversation: (event) => {
    if (event.conversation.id !== conversation) return;
    S.state = event.conversation;
    if (call) call.setAllowed(S.state.status === "active");
  },
  call: (event) => event.conversation === conversation && !S.over && callPanel()?.onCall(event),
  call_signal: (event) => event.conversation === conversation && call?.onSignal(event),
  message: onMessage,
  typing: onTyping,
  guests: onGuests,
  file_link: (event) => event.attachment && refreshAttachment(event.attachment),
  synced: () => (el.conn.textContent = ""),
  guest_ended: (event) => over(event.reason === "left" ? t("left") : t("gone")),
  error: (event) => {
    if (event.code === "not_found" && (event.resumed != null || event.ref === "hello" || event.ref === "leave")) {
      over(t("gone"));
      return;
    }
    if (call && event.ref === call.ref) call.onError(event); // a refused call frame: the call panel says it
    else if (event.ref !== "hello") el.error.textContent = event.message || event.code;
  },
};

const conn = new Stream(config.wsPath, {
  hello: () => ({ type: "hello", lang }),
  onEvent: (event) => handlers[event.type]?.(event),
  onState: (kind, detail) => {
    if (kind === "fatal") over(t("gone"));
    else if (kind === "reconnecting" || kind === "offline") el.conn.textContent = t("reconnecting");
    else if (kind === "connecting" && !S.me) el.conn.textContent = t("connecting");
    else if (kind === "trouble") el.conn.textContent = t("trouble");
    else if (kind === "connected") el.conn.textContent = "";
    return detail;
  },
  onRefused: (item, error) => {
    el.text.value = el.text.value || item.body;
    el.error.textContent = t("notSent", { reason: error.message || error.code });
  },
});
conn.track(conversation);

function setTyping(active) {
  if (S.typingOn === active) return;
  S.typingOn = active;
  S.typingAt = Date.now();
  conn.send({ type: "typing", conversation, active });
}

function send() {
  const body = el.text.value.trim();
  if (!body || S.over) return;
  el.error.textContent = "";
  conn.submit({ c: conversation, id: newId(), body });
  el.text.value = "";
  setTyping(false);
}

sendOnEnter(el.composer, el.text, send);
el.text.addEventListener("input", () => {
  if (el.text.value.trim() && (!S.typingOn || Date.now() - S.typingAt > 10000)) {
    S.typingOn = false;
    setTyping(true);
  } else if (!el.text.value.trim()) setTyping(false);
});
el.leave.addEventListener("click", () => {
  el.confirmText.textContent = t("leaveConfirm");
  el.confirm.hidden = false;
  el.no.focus();
});
el.no.addEventListener("click", () => {
  el.confirm.hidden = true;
  el.leave.focus();
});
el.yes.addEventListener("click", () => conn.send({ type: "leave", conversation, ref: "leave" }));
conn.connect();
