// The desks' queues (waiting clients, conversations in progress) and, for a
// supervisor, the live conversations to watch or step into, from `desk` snapshots.

import { kindLabel } from "../kohtaamo/attachments.js";
import { endWatchesGone, openConversation, stepIn, take } from "./conversations.js";
import { refreshCrisisAlerts } from "./crisis.js";
import { announce, notify, updateTitle } from "./notices.js";
import { state } from "./state.js";
import { $, clock, el, focusElement, handoffLabel, t, topicTitle, visuallyHidden } from "./util.js";

// How long a crisis-flagged arrival in a queue waits for its crisis alert (onDesk).
const CRISIS_ALERT_WAIT_MS = 2000;

/**
 * The start of a waiting client's line (`preview`), after the kind of the file it sent
 * (`preview_file`: "[Picture]"), so a line that is only a file is not blank; null for none.
 */
function previewOf(item) {
  const words = [item.preview_file ? kindLabel(item.preview_file, t) : "", item.preview || ""].join(" ").trim();
  if (!words) return null;
  const preview = el("span", "waiting-preview");
  preview.append(visuallyHidden(`${t("previewLabel")} `), el("q", null, words));
  return preview;
}

export function renderDeskShells() {
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
    // The desk's inbox shows only while it holds messages (left when nobody answered live).
    const inboxHeading = el("h4", "sub-heading", t("inboxHeading"));
    const inbox = el("ul", "waiting-list inbox-list");
    inboxHeading.hidden = true;
    inbox.hidden = true;
    section.append(head, waitingHeading, waiting, activeHeading, active, inboxHeading, inbox);
    state.deskSections.set(desk.id, { section, count, takeNext, waiting, active, inboxHeading, inbox });
    list.append(section);
  }
}

export function colleagueName(id) {
  const colleagues = (state.welcome && state.welcome.colleagues) || [];
  const found = colleagues.find((c) => c.id === id);
  return found ? found.name : t("aColleague");
}

export function onDesk(snapshot) {
  const deskId = snapshot.desk.id;
  const previous = state.desks.get(deskId);
  state.desks.set(deskId, snapshot);
  const firstSnapshot = !state.snapshotsSeen.has(deskId);
  state.snapshotsSeen.add(deskId);
  const arrivals = snapshot.waiting.filter((w) => !state.seenWaiting.has(w.id));
  for (const w of snapshot.waiting) state.seenWaiting.add(w.id);
  renderDesk(snapshot);
  endWatchesGone(previous, snapshot);
  renderLive();
  refreshCrisisAlerts(snapshot);
  updateTitle();
  if (!firstSnapshot && arrivals.length > 0) {
    const text = t("newClient", { desk: snapshot.desk.name });
    announce(text);
    // No words of the client in a system notification: it may show on a screen others see.
    // A client whose crisis alert came is told of once, as a crisis: the alert and this
    // snapshot leave the server together in either order, so a flagged arrival waits a moment
    // for its alert before it is told of as an ordinary one.
    const tell = (waiting) => {
      const untold = waiting.filter((w) => !state.crisisTold.has(w.id));
      if (untold.length === 0) return;
      notify("queue", {
        title: text,
        body: t("waitingCount", { count: snapshot.waiting.length }),
        tag: `kohtaamo-queue-${deskId}`,
        open: () => focusWaiting(untold[0].id),
      });
    };
    tell(arrivals.filter((w) => !w.crisis));
    const flagged = arrivals.filter((w) => w.crisis);
    if (flagged.length > 0) setTimeout(() => tell(flagged), CRISIS_ALERT_WAIT_MS);
  }
}

/** Bring a waiting client's entry into view with the focus on its Take button (from a notification). */
export function focusWaiting(conversationId) {
  const button = document.querySelector(`.waiting-item[data-conversation="${conversationId}"] .take`);
  if (!button) return;
  button.scrollIntoView({ block: "center" });
  focusElement(button);
}

export function renderDesk(snapshot) {
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
    // Before taking: the start of what the client wrote, and what the chatbot answered them about.
    const preview = previewOf(w);
    if (preview) main.append(preview);
    if (w.topics && w.topics.length) {
      main.append(el("span", "waiting-topics", t("botTopics", { topics: w.topics.map(topicTitle).join(", ") })));
    }
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

  const messages = snapshot.messages || [];
  parts.inbox.replaceChildren(...renderInbox(messages));
  parts.inboxHeading.hidden = messages.length === 0;
  parts.inbox.hidden = messages.length === 0;

  if (focusKey) {
    const again = parts.section.querySelector(`[data-focus-key="${focusKey}"]`);
    focusElement(again && !again.disabled ? again : parts.takeNext.disabled ? $("queues-heading") : parts.takeNext);
  }
}

/** The desk's inbox: messages left for it, those waiting for an answer first with how long they have waited. */
function renderInbox(messages) {
  const items = messages.map((m) => {
    const li = el("li", "waiting-item inbox-item");
    li.classList.toggle("is-crisis", Boolean(m.crisis));
    li.classList.toggle("is-waiting", Boolean(m.waiting_since));
    li.dataset.conversation = String(m.id);
    const name = m.nickname || t("anonymous");
    const main = el("span", "waiting-main");
    main.append(el("span", "waiting-name", name));
    const flags = el("span", "flags");
    if (m.crisis) flags.append(el("span", "flag flag-crisis", t("crisis")));
    flags.append(el("span", m.waiting_since ? "flag flag-for-you" : "flag", t(m.waiting_since ? "messageWaits" : "messageAnswered")));
    if (m.assigned) flags.append(el("span", "flag", t("withName", { name: m.assigned.name })));
    main.append(flags);
    const preview = previewOf(m);
    if (preview) main.append(preview);
    // How long the client's newest lines have waited (empty when answered); the page's clock keeps it current.
    const wait = el("span", "wait-time");
    wait.dataset.since = m.waiting_since || "";
    if (m.waiting_since) wait.append(visuallyHidden(`${t("waitingTime")} `));
    wait.append(el("span", "wait-clock", waitClock(m.waiting_since)));
    li.append(main, wait);
    const button = el("button", "take", t("answerMessage"));
    button.type = "button";
    button.dataset.focusKey = `answer-${m.id}`;
    button.append(visuallyHidden(` ${name}`));
    button.addEventListener("click", () => take({ conversation: m.id }));
    li.append(button);
    return li;
  });
  return items;
}

export function waitClock(queuedAt) {
  if (!queuedAt) return "";
  return clock((Date.now() - new Date(queuedAt).getTime()) / 1000);
}

export function tick() {
  for (const span of document.querySelectorAll(".wait-time")) {
    const clockSpan = span.querySelector(".wait-clock");
    const text = waitClock(span.dataset.since);
    if (clockSpan && clockSpan.textContent !== text) clockSpan.textContent = text;
  }
}

export function renderLive() {
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
