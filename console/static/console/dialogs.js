// The transfer and close dialogs (<dialog>, keyboard and focus handled by the browser;
// focus goes back to the button that opened them).

import { send, state, stream } from "./state.js";
import { $, el, t } from "./util.js";

let dialogConv = null;
let dialogOpener = null;

export function openDialog(dialog, conv, opener) {
  dialogConv = conv;
  dialogOpener = opener;
  dialog.showModal();
}

export function closeDialog(dialog) {
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

/** Fill a <select> with an empty first choice and one option per item ({id, name}). */
function fillSelect(select, first, items) {
  const options = [first, ...items].map(([value, label]) => {
    const option = el("option", null, label);
    option.value = value;
    return option;
  });
  select.replaceChildren(...options);
}

export function openTransferDialog(conv, opener) {
  const deskSelect = $("transfer-desk");
  const desks = state.welcome.transfer_desks.map((desk) => [String(desk.id), desk.name]);
  fillSelect(deskSelect, ["", t("chooseDesk")], desks);
  $("transfer-note").value = "";
  $("transfer-error").hidden = true;
  deskSelect.removeAttribute("aria-invalid");
  fillColleagues();
  openDialog($("transfer-dialog"), conv, opener);
}

export function fillColleagues() {
  const deskId = Number($("transfer-desk").value);
  const staffSelect = $("transfer-staff");
  const colleagues = state.welcome.colleagues.filter((c) => deskId && c.desks.includes(deskId));
  fillSelect(staffSelect, ["", t("anyone")], colleagues.map((c) => [String(c.id), c.name]));
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
  if (!stream.ready) {
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

export function openCloseDialog(conv, opener) {
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
  if (!stream.ready) {
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
