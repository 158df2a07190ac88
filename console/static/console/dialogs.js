// The transfer and close dialogs (<dialog>, keyboard and focus handled by the browser;
// focus goes back to the button that opened them). A dialog stays open until the
// server answers its frame: an error is shown inside it (and cleared when it
// succeeds or opens again), success closes it.

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

const DIALOGS = { transfer: "transfer", close: "close" }; // a frame's kind -> its dialog's id prefix

function parts(kind) {
  const dialog = $(`${DIALOGS[kind]}-dialog`);
  return { dialog, error: $(`${DIALOGS[kind]}-error`), submit: dialog.querySelector("button[type=submit]") };
}

/** Show `message` inside the dialog of `kind` (or hide the error line with ""). */
function showDialogError(kind, message, focusTarget = null) {
  const { error, submit } = parts(kind);
  error.textContent = message;
  error.hidden = !message;
  submit.disabled = false;
  if (focusTarget) focusTarget.focus();
}

/** The server took the frame of a dialog (its `conversation` event came): clear and close it. */
export function dialogDone(context) {
  if (!DIALOGS[context.kind]) return;
  const { dialog } = parts(context.kind);
  showDialogError(context.kind, "");
  if (dialog.open && dialogConv && dialogConv.id === context.conversation) closeDialog(dialog);
}

/** The server refused a dialog's frame: said inside the dialog when it is still open (true), else not at all (false). */
export function dialogFailed(context, message) {
  if (!DIALOGS[context.kind]) return false;
  const { dialog, submit } = parts(context.kind);
  if (!dialog.open || !dialogConv || dialogConv.id !== context.conversation) return false;
  showDialogError(context.kind, t("errorPrefix", { message }), context.kind === "transfer" ? $("transfer-desk") : submit);
  return true;
}

/** The connection went: a dialog waiting for its answer may be sent again once it is back. */
export function releaseDialogs() {
  for (const kind of Object.keys(DIALOGS)) {
    const { dialog, submit } = parts(kind);
    if (dialog.open && submit.disabled) showDialogError(kind, t("notConnected"));
  }
}

for (const dialog of [$("transfer-dialog"), $("close-dialog")]) {
  dialog.querySelector(".dialog-cancel").addEventListener("click", () => closeDialog(dialog));
  dialog.addEventListener("close", () => {
    dialog.querySelector("button[type=submit]").disabled = false;
    // Back to where the counsellor was, if it still exists.
    if (dialogOpener && document.contains(dialogOpener) && !dialogOpener.hidden) dialogOpener.focus();
    dialogOpener = null;
  });
}

/** Fill a <select> with an empty first choice and one option per item ([value, label]). */
function fillSelect(select, first, items) {
  const options = [first, ...items].map(([value, label]) => {
    const option = el("option", null, label);
    option.value = value;
    return option;
  });
  select.replaceChildren(...options);
}

function transferDesk(id) {
  return state.welcome.transfer_desks.find((d) => d.id === id);
}

/** The organisation of the conversation's desk now: a desk of another one is marked, and its notes stay unless sent. */
function homeOrganisation(conv) {
  const desk = conv && conv.state ? transferDesk(conv.state.desk.id) : undefined;
  return desk ? desk.organisation : null;
}

/** A desk's option text: its name, and whether it is closed now or another organisation's. */
export function transferDeskLabel(desk, organisation) {
  const marks = [];
  if (!desk.open) marks.push(t("deskClosedNow"));
  if (organisation !== null && desk.organisation !== organisation) {
    marks.push(t("otherOrganisation", { organisation: desk.organisation_name }));
  }
  return marks.length ? `${desk.name} (${marks.join(", ")})` : desk.name;
}

/** The desks as options, marked; the chosen one stays chosen. */
function fillDesks() {
  const deskSelect = $("transfer-desk");
  const chosen = deskSelect.value;
  const organisation = homeOrganisation(dialogConv);
  const desks = state.welcome.transfer_desks.map((desk) => [String(desk.id), transferDeskLabel(desk, organisation)]);
  fillSelect(deskSelect, ["", t("chooseDesk")], desks);
  deskSelect.value = chosen;
  if (deskSelect.value !== chosen) deskSelect.value = "";
}

/** A `transfer_desks` event: which desks are open now (asked each time the dialog opens). */
export function onTransferDesks(event) {
  if (!state.welcome || !Array.isArray(event.desks)) return;
  state.welcome.transfer_desks = event.desks;
  if ($("transfer-dialog").open) fillDesks();
}

export function openTransferDialog(conv, opener) {
  const deskSelect = $("transfer-desk");
  dialogConv = conv;
  deskSelect.value = "";
  fillDesks();
  // The welcome's "closed now" marks may be hours old: the desks as they are now follow at once.
  send({ type: "transfer_desks" });
  $("transfer-note").value = "";
  $("transfer-share-notes").checked = false;
  showDialogError("transfer", "");
  deskSelect.removeAttribute("aria-invalid");
  openDialog($("transfer-dialog"), conv, opener);
  deskChanged();
}

/** A desk was chosen: its colleagues, and the notes' choice when it is another organisation's. */
function deskChanged() {
  const deskId = Number($("transfer-desk").value);
  const staffSelect = $("transfer-staff");
  const colleagues = state.welcome.colleagues.filter((c) => deskId && c.desks.includes(deskId));
  fillSelect(staffSelect, ["", t("anyone")], colleagues.map((c) => [String(c.id), c.name]));
  staffSelect.disabled = !deskId;
  $("transfer-notes-field").hidden = !crossesOrganisations(deskId);
  if (deskId) {
    $("transfer-desk").removeAttribute("aria-invalid");
    showDialogError("transfer", "");
  }
}

function crossesOrganisations(deskId) {
  const desk = deskId ? transferDesk(deskId) : undefined;
  const organisation = homeOrganisation(dialogConv);
  return Boolean(desk && organisation !== null && desk.organisation !== organisation);
}

$("transfer-desk").addEventListener("change", deskChanged);

$("transfer-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const conv = dialogConv;
  const deskSelect = $("transfer-desk");
  const deskId = Number(deskSelect.value);
  if (!deskId) {
    deskSelect.setAttribute("aria-invalid", "true");
    showDialogError("transfer", t("chooseDesk"), deskSelect);
    return;
  }
  if (!conv) return;
  const frame = { type: "transfer", conversation: conv.id, desk: deskId };
  const staffId = Number($("transfer-staff").value);
  if (staffId) frame.staff = staffId;
  const note = $("transfer-note").value.trim();
  if (note) frame.note = note;
  if (crossesOrganisations(deskId)) frame.share_notes = $("transfer-share-notes").checked;
  if (!stream.ready) {
    showDialogError("transfer", t("notConnected"));
    return;
  }
  const desk = transferDesk(deskId);
  state.pendingTransfers.set(conv.id, desk ? desk.name : "");
  conv.typing(false);
  parts("transfer").submit.disabled = true;
  send(frame, { kind: "transfer", conversation: conv.id });
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
  showDialogError("close", "");
  openDialog($("close-dialog"), conv, opener);
}

$("close-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const conv = dialogConv;
  const chosen = $("close-form").querySelector("input[name=outcome]:checked");
  if (!chosen) {
    showDialogError("close", t("chooseOutcome"), $("close-form").querySelector("input[name=outcome]"));
    return;
  }
  if (!conv) return;
  if (!stream.ready) {
    showDialogError("close", t("notConnected"));
    return;
  }
  state.pendingCloses.add(conv.id);
  conv.typing(false);
  parts("close").submit.disabled = true;
  send({ type: "close", conversation: conv.id, outcome: chosen.value }, { kind: "close", conversation: conv.id });
});
