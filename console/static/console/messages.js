// How a conversation shows its lines: messages, bot lines, receipts, votes and notes.
// Methods of Conv (conversation.js), kept here to keep each file about one thing.

import { icon as svgIcon } from "../kohtaamo/icons.js";
import { guestLabel } from "./guests.js";
import { state } from "./state.js";
import { el, formatTime, percentFormat, sysText, t, topicTitle, visuallyHidden } from "./util.js";

export class ConvLines {
  messageNode(message) {
    const li = el("li", `msg msg-${message.sender}`);
    li.dataset.seq = String(message.seq);
    const time = el("time", "msg-time", formatTime(message.at));
    time.dateTime = message.at || "";
    if (message.sender === "system") {
      const p = el("p", "msg-system-text", sysText(message));
      p.append(" ", time);
      li.append(p);
      return li;
    }
    if (message.sender === "bot") return this.botNode(li, message, time);
    const head = el("p", "msg-head");
    const author =
      message.sender === "client"
        ? this.name
        : message.sender === "guest"
          ? guestLabel({ name: message.name, role: message.args?.role })
          : message.name || "";
    head.append(el("span", "msg-author", author), " ", time);
    li.append(head);
    if (message.attachment) li.append(this.attachmentNode(message, message.attachment));
    if (message.body || !message.attachment) li.append(el("p", "msg-body", message.body));
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
    // An SVG thumb (the client page's own), not an emoji that depends on the workstation's fonts.
    const icon = el("span", "msg-vote-icon");
    icon.dataset.icon = helpful ? "thumb-up" : "thumb-down";
    icon.append(svgIcon(icon.dataset.icon, "msg-vote-svg"));
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
    li.append(head);
    if (item.file) li.append(this.attachmentNode(item, item.file));
    if (item.body || !item.file) li.append(el("p", "msg-body", item.body));
    li.append(el("p", "msg-receipt", t("sending")));
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
}
