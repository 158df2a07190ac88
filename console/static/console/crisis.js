// Crisis alerts: a banner per conversation where a client's message looked like
// acute risk, kept until the counsellor acts on it. Alerts marked `fresh` (the
// flag came from a new conversation's only message, conversations.models.fresh_crisis)
// share one banner below the others, so a burst of throwaway conversations cannot
// bury a real client's alert; a later, non-fresh alert of one of them gets its own.

import { openConversation, select, take } from "./conversations.js";
import { notify, updateTitle } from "./notices.js";
import { colleagueName } from "./queues.js";
import { state } from "./state.js";
import { $, el, focusElement, t, visuallyHidden } from "./util.js";

export function crisisText(alert) {
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
export function refreshCrisisAlerts(snapshot) {
  let groupChanged = false;
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
    if (entry.grouped) groupChanged = groupChanged || text !== crisisText(alert);
    else if (entry.text.textContent !== text) entry.text.textContent = text;
  }
  if (groupChanged) renderGroup();
}

/** A client's message looked like acute risk: a banner that stays until the counsellor acts on it. */
export function onAlert(alert) {
  if (alert.kind !== "crisis") return;
  state.crisisTold.add(alert.conversation);
  let existing = state.crisisAlerts.get(alert.conversation);
  if (existing && existing.grouped && !alert.fresh) {
    // It said more since: out of the group, into a banner of its own.
    removeFromGroup(alert.conversation);
    existing = undefined;
  }
  const newGroup = !existing && alert.fresh && !groupNode;
  if (existing && existing.grouped) {
    existing.alert = alert;
  } else if (alert.fresh && !existing) {
    state.crisisAlerts.set(alert.conversation, { alert, grouped: true });
    renderGroup();
  } else if (existing) {
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
  // The group sounds when it appears, not for each conversation that joins it.
  if (!alert.fresh || newGroup) {
    const grouped = alert.fresh && newGroup;
    notify("crisis", {
      title: crisisText(alert),
      tag: grouped ? "kohtaamo-crisis-group" : `kohtaamo-crisis-${alert.conversation}`,
      open: () => openCrisis(grouped ? firstGrouped() : alert.conversation),
    });
  }
  updateTitle();
}

// The one banner of the fresh alerts (null while there are none).
let groupNode = null;

function groupedIds() {
  return [...state.crisisAlerts.entries()].filter(([, entry]) => entry.grouped).map(([id]) => id);
}

/**
 * The banner of the fresh alerts, below every banner of its own: one alert reads as any
 * other, several as one line with their count. It goes when none is left.
 */
function renderGroup() {
  const ids = groupedIds();
  if (groupNode) groupNode.remove();
  groupNode = null;
  if (ids.length === 0) return;
  const single = ids.length === 1 ? state.crisisAlerts.get(ids[0]).alert : null;
  const name = single ? single.nickname || t("aClient") : "";
  groupNode = el("div", "crisis-alert crisis-alert-group");
  groupNode.setAttribute("role", "alert");
  const text = el("p", "crisis-alert-text", single ? crisisText(single) : t("crisisAlertGroup", { count: ids.length }));
  const actions = el("p", "crisis-alert-actions");
  const open = el("button", "crisis-open primary small", single ? t("open") : t("openFirst"));
  open.type = "button";
  if (single) open.append(visuallyHidden(` ${name}`));
  // The first of them in the queue's order (the server's), else the oldest alert.
  open.addEventListener("click", () => openCrisis(firstGrouped()));
  const dismiss = el("button", "crisis-dismiss small", t("dismiss"));
  dismiss.type = "button";
  if (single) dismiss.append(visuallyHidden(` ${name}`));
  dismiss.addEventListener("click", () => {
    for (const id of groupedIds()) state.crisisAlerts.delete(id);
    renderGroup();
    updateTitle();
    focusElement($("crisis-alerts").querySelector(".crisis-open") || $("main"));
  });
  actions.append(open, dismiss);
  groupNode.append(text, actions);
  // Banners of their own are prepended: the group stays last.
  $("crisis-alerts").append(groupNode);
}

function firstGrouped() {
  const ids = groupedIds();
  for (const snapshot of state.desks.values()) {
    const first = snapshot.waiting.find((w) => ids.includes(w.id));
    if (first) return first.id;
  }
  return ids[0];
}

function removeFromGroup(id) {
  state.crisisAlerts.delete(id);
  renderGroup();
}

export function dismissCrisis(id, { moveFocus = false } = {}) {
  const entry = state.crisisAlerts.get(id);
  if (!entry) return;
  if (entry.grouped) {
    removeFromGroup(id);
    updateTitle();
    return;
  }
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
export function openCrisis(id) {
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
