// Presence: my status switch (available, busy = no new conversations, away) with my limit of
// simultaneous conversations, and who is on duty at each desk, from `duty` events
// (conversations/actions/duty.py, docs/protocol.md "Duty and availability").

import { announce } from "./notices.js";
import { sendNow, state } from "./state.js";
import { $, el, t } from "./util.js";

const duties = new Map(); // desk id -> its latest `duty` event

/** Show my stored status and limit in the switch (welcome.presence, or the answer to `presence`). */
export function showPresence(presence) {
  if (!presence) return;
  const form = $("presence-form");
  if (!form) return;
  for (const radio of form.querySelectorAll("input[name=presence-status]")) {
    radio.checked = radio.value === presence.status;
  }
  $("presence-max").value = String(presence.max_conversations);
  $("presence-now").textContent = t("presenceNow", { status: t(`presence_${presence.status}`) });
}

/** The answer to my `presence` frame: stored. */
export function onPresence(event) {
  showPresence(event.presence);
  $("presence-saved").textContent = t("presenceSaved");
  announce(t("presenceSaved"));
}

export function initPresence() {
  const form = $("presence-form");
  if (!form) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    $("presence-saved").textContent = "";
    const chosen = form.querySelector("input[name=presence-status]:checked");
    const max = Number($("presence-max").value);
    const frame = { type: "presence", status: chosen ? chosen.value : "available" };
    if (Number.isInteger(max) && max > 0) frame.max_conversations = max;
    sendNow(frame, { kind: "presence" });
  });
}

/** Who is on duty at a desk: a line under the desk's heading, written again on every `duty` event. */
export function onDuty(event) {
  duties.set(event.desk, event);
  renderDuty(event.desk);
}

/** Write a desk's duty line (also after the desk's section was built again). */
export function renderDuty(deskId) {
  const event = duties.get(deskId);
  const parts = state.deskSections.get(deskId);
  if (!event || !parts) return;
  let line = parts.section.querySelector(".desk-duty");
  if (!line) {
    line = el("p", "desk-duty small-text");
    parts.section.querySelector(".desk-head").after(line);
  }
  const people = event.staff.map((p) => t("dutyPerson", { name: p.name, status: t(`presence_${p.status}`) }));
  const who = people.length ? t("onDuty", { people: people.join(", ") }) : t("nobodyOnDuty");
  line.textContent = event.answering ? who : `${who} ${t("notAnswering")}`;
  line.classList.toggle("desk-duty-none", !event.answering);
}

export function renderAllDuty() {
  for (const id of duties.keys()) renderDuty(id);
}
