// Canned replies: the picker of each conversation, and the list kept up to date
// by `canned` events (sent when a reply is made, edited or deleted; no reload needed).

import { state } from "./state.js";
import { el, t } from "./util.js";

/** A `canned` event: the same list as welcome.canned, for this staff member now. */
export function onCanned(event) {
  if (!state.welcome || !Array.isArray(event.canned)) return;
  state.welcome.canned = event.canned;
  for (const conv of state.convs.values()) conv.refreshCanned();
}

export class ConvCanned {
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
}
