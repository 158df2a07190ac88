// Canned replies found by typing: "/" at the start of the reply box opens a list
// of the replies whose title or text has the letters typed after it (case and
// accents ignored); arrow keys move, Enter or a click puts the reply in place
// of "/…", Escape closes. The list is kept up to date by `canned` events (sent
// when a reply is made, edited or deleted; no reload needed).
//
// The reply box is a <textarea>, which may not take role="combobox" (ARIA in
// HTML); it keeps its textbox role with the combobox's properties instead:
// aria-autocomplete="list", aria-haspopup, aria-controls and aria-activedescendant
// pointing into the role="listbox" below it, as ARIA 1.2's editable combobox does.

import { announce } from "./notices.js";
import { state } from "./state.js";
import { el, t } from "./util.js";

/** A `canned` event: the same list as welcome.canned, for this staff member now. */
export function onCanned(event) {
  if (!state.welcome || !Array.isArray(event.canned)) return;
  state.welcome.canned = event.canned;
  for (const conv of state.convs.values()) conv.refreshCanned();
}

/** Lower case without accents: "Tervehdys" and "tervehdys", "Café" and "cafe" match. */
export function fold(text) {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

function deskName(id) {
  const all = (state.welcome && state.welcome.transfer_desks) || [];
  const found = all.find((d) => d.id === id);
  return found ? found.name : "";
}

export class ConvCanned {
  setupCanned(q) {
    const input = this.ui.input;
    const list = q(".canned-list");
    list.id = `canned-${this.id}-list`;
    list.setAttribute("aria-label", t("cannedListLabel"));
    this.canned = { list, open: false, matches: [], active: -1, query: "" };
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-haspopup", "listbox");
    input.setAttribute("aria-controls", list.id);
    input.addEventListener("input", () => this.cannedFromInput());
    input.addEventListener("blur", () => this.closeCanned());
    input.addEventListener("click", () => this.cannedFromInput());
    // A click on an option must not take the focus from the reply box first.
    list.addEventListener("pointerdown", (event) => event.preventDefault());
    q(".canned-open").addEventListener("click", () => this.startCannedSearch());
  }

  /** The replies this staff member may use: mine first, then this desk's, then other desks'. */
  cannedReplies() {
    const replies = (state.welcome && state.welcome.canned) || [];
    const deskId = this.state ? this.state.desk.id : null;
    const rank = (r) => (r.personal ? 0 : r.desk === deskId ? 1 : 2);
    return [...replies].sort((a, b) => rank(a) - rank(b));
  }

  /** A `canned` event or a change of desk: the open list shows the replies as they are now. */
  refreshCanned() {
    if (this.canned && this.canned.open) this.openCanned(this.canned.query);
  }

  /** The "/query" before the caret, or null when the reply box does not start a search there. */
  cannedQuery() {
    const input = this.ui.input;
    const caret = input.selectionStart ?? input.value.length;
    if (!input.value.startsWith("/") || caret < 1) return null;
    const typed = input.value.slice(1, caret);
    return typed.includes("\n") ? null : typed;
  }

  cannedFromInput() {
    const query = this.cannedQuery();
    if (query === null) this.closeCanned();
    else this.openCanned(query);
  }

  /** The button beside the reply box: a "/" at its start, and the list open. */
  startCannedSearch() {
    const input = this.ui.input;
    if (!input.value.startsWith("/")) {
      input.value = `/${input.value}`;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }
    input.focus();
    input.setSelectionRange(1, 1);
    this.openCanned("");
  }

  openCanned(query) {
    const words = fold(query).split(/\s+/).filter(Boolean);
    this.canned.query = query;
    this.canned.matches = this.cannedReplies().filter((reply) => {
      const text = fold(`${reply.title} ${reply.body}`);
      return words.every((word) => text.includes(word));
    });
    const wasOpen = this.canned.open;
    this.canned.open = true;
    this.canned.active = this.canned.matches.length ? 0 : -1;
    this.renderCanned();
    if (!wasOpen) announce(t("cannedHelp"));
  }

  closeCanned() {
    if (!this.canned || !this.canned.open) return;
    this.canned.open = false;
    this.canned.list.hidden = true;
    this.canned.list.replaceChildren();
    this.ui.input.removeAttribute("aria-activedescendant");
    this.ui.pane.classList.remove("has-canned-list");
  }

  renderCanned() {
    const { list, matches, active } = this.canned;
    const options = matches.map((reply, index) => {
      const option = el("li", "canned-option");
      option.id = `canned-${this.id}-option-${reply.id}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", index === active ? "true" : "false");
      const group = reply.personal ? t("cannedMine") : t("cannedShared", { desk: deskName(reply.desk) });
      option.append(el("span", "canned-title", reply.title), el("span", "canned-group", group));
      option.append(el("span", "canned-body", reply.body));
      option.addEventListener("click", () => this.insertCanned(reply));
      return option;
    });
    if (options.length === 0) {
      const replies = (state.welcome && state.welcome.canned) || [];
      const empty = el("li", "canned-empty", replies.length ? t("cannedNoMatch") : t("cannedNone"));
      empty.setAttribute("role", "presentation");
      options.push(empty);
    }
    list.replaceChildren(...options);
    list.hidden = false;
    this.ui.pane.classList.add("has-canned-list");
    const input = this.ui.input;
    if (active >= 0) {
      const current = list.children[active];
      input.setAttribute("aria-activedescendant", current.id);
      current.scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  }

  /** Keys in the reply box while the list is open; true when the key was the list's. */
  cannedKeydown(event) {
    if (!this.canned || !this.canned.open || event.isComposing) return false;
    const count = this.canned.matches.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (count === 0) return true;
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.canned.active = (this.canned.active + step + count) % count;
      this.renderCanned();
      return true;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.altKey) {
      // While the list is open Enter never sends: it puts the chosen reply in (Escape first to send "/…").
      event.preventDefault();
      const reply = this.canned.matches[this.canned.active];
      if (reply) this.insertCanned(reply);
      return true;
    }
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      this.closeCanned();
      return true;
    }
    return false;
  }

  /** Put a reply in place of "/query"; it can be edited before sending. */
  insertCanned(reply) {
    const input = this.ui.input;
    const query = this.cannedQuery();
    const end = query === null ? 0 : query.length + 1;
    input.setRangeText(reply.body, 0, end, "end");
    this.closeCanned();
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
  }
}
