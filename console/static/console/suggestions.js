// Suggestions while chatting: the chatbot's topics for the client's latest lines, with
// their answers and referrals, and the crisis signs in those lines (the staff frame
// `suggest` and its `suggestions` event, docs/protocol.md). Methods of Conv
// (conversation.js). Everything shown is text (textContent), never HTML; "Insert" only
// puts the text into the reply box, where the counsellor edits it and sends it.

import { send, state, stream } from "./state.js";
import { el, t } from "./util.js";

/** After a new client line: wait for more lines before asking (the client often writes several). */
export const SUGGEST_DELAY_MS = 1000;
/** When a conversation is opened or synced: soon, but once for a quick run of tabs or resumes. */
export const SUGGEST_OPEN_DELAY_MS = 250;

const SIGN_KEYS = {
  wish_to_die: "signWishToDie",
  plan: "signPlan",
  means_at_hand: "signMeansAtHand",
  goodbye: "signGoodbye",
  burden: "signBurden",
  self_harm: "signSelfHarm",
  violence_now: "signViolenceNow",
  danger_now: "signDangerNow",
  example: "signExample",
};

/** A warning sign's readable name; a sign newer than this script by its name. */
export function signName(sign) {
  return SIGN_KEYS[sign] ? t(SIGN_KEYS[sign]) : String(sign).replace(/_/g, " ");
}

/** A `suggestions` event: shown if it answers the conversation's latest request. */
export function onSuggestions(event) {
  const conv = state.convs.get(event.conversation);
  if (!conv || event.ref !== conv.suggestRef) return; // an older request's answer, or a closed pane
  conv.renderSuggestions(event);
}

/** The text "Insert" puts into the reply box: the answer, then each referral on a line of its own. */
export function suggestionText(topic) {
  const referrals = (topic.referrals || [])
    .map((r) => [r.name, r.url, r.phone].filter(Boolean).join(", "))
    .filter(Boolean);
  return [topic.answer || "", referrals.join("\n")].filter(Boolean).join("\n\n");
}

export class ConvSuggestions {
  setupSuggestions(q) {
    const ui = this.ui;
    ui.suggestions = q(".suggestions");
    ui.suggestStatus = q(".suggest-status");
    ui.suggestList = q(".suggest-list");
    ui.suggestSignals = q(".suggest-signals");
    ui.suggestSignalList = q(".suggest-signal-list");
    const heading = q(".suggestions-heading");
    heading.id = `suggestions-${this.id}-heading`;
    ui.suggestions.setAttribute("aria-labelledby", heading.id);
    const signsHeading = q(".suggest-signals-heading");
    signsHeading.id = `suggestions-${this.id}-signs`;
    ui.suggestSignalList.setAttribute("aria-labelledby", signsHeading.id);
    ui.suggestList.setAttribute("aria-labelledby", heading.id);
    this.suggestTimer = null;
    this.suggestRef = null;
    this.suggestTopics = [];
  }

  /** Ask for fresh suggestions after `delay` ms; a newer call replaces a pending one. */
  requestSuggestions(delay = SUGGEST_DELAY_MS) {
    window.clearTimeout(this.suggestTimer);
    this.suggestTimer = window.setTimeout(() => this.askSuggestions(), delay);
  }

  askSuggestions() {
    // Only for the conversation on screen: opening another one asks for it then.
    if (this.gone || state.current !== this.id || !stream.ready || !this.suggestionsShown()) return;
    const frame = { type: "suggest", conversation: this.id };
    if (!send(frame, { kind: "suggest", conversation: this.id })) return;
    this.suggestRef = frame.ref;
    if (this.suggestTopics.length === 0 && this.ui.suggestSignals.hidden) {
      this.ui.suggestStatus.textContent = t("suggestLoading");
    }
  }

  /** Suggestions belong to a conversation in progress that this console still follows. */
  suggestionsShown() {
    return Boolean(this.state && this.state.status !== "closed") && !this.ended;
  }

  renderSuggestions(event) {
    const ui = this.ui;
    const signals = Array.isArray(event.signals) ? event.signals : [];
    ui.suggestSignalList.replaceChildren(
      ...signals.map((signal) => {
        const li = el("li", "suggest-signal");
        li.append(el("strong", "suggest-sign", signName(signal.sign)));
        if (signal.phrase) li.append(" ", el("span", "suggest-phrase", t("matchedWords", { phrase: signal.phrase })));
        return li;
      }),
    );
    ui.suggestSignals.hidden = signals.length === 0;
    this.suggestTopics = Array.isArray(event.topics) ? event.topics : [];
    ui.suggestList.replaceChildren(...this.suggestTopics.map((topic, index) => this.topicNode(topic, index)));
    ui.suggestStatus.textContent = this.suggestTopics.length === 0 ? t("suggestNone") : "";
    this.renderSuggestionTools();
  }

  topicNode(topic, index) {
    const li = el("li", "suggest-topic");
    const title = el("h4", "suggest-title", topic.title || topic.slug || "");
    const answer = el("p", "suggest-answer", topic.answer || "");
    answer.id = `suggestion-${this.id}-${index}`;
    li.append(title, answer);
    if ((topic.answer || "").length > 180 || (topic.answer || "").split("\n").length > 3) {
      answer.classList.add("is-collapsed");
      const toggle = el("button", "suggest-more small", t("showAll"));
      toggle.type = "button";
      toggle.setAttribute("aria-expanded", "false");
      toggle.setAttribute("aria-controls", answer.id);
      toggle.addEventListener("click", () => {
        const open = answer.classList.toggle("is-collapsed") === false;
        toggle.setAttribute("aria-expanded", String(open));
        toggle.textContent = open ? t("showLess") : t("showAll");
      });
      li.append(toggle);
    }
    const referrals = topic.referrals || [];
    if (referrals.length > 0) {
      li.append(el("p", "suggest-referrals-label", t("referrals")));
      const list = el("ul", "suggest-referrals");
      for (const referral of referrals) {
        const item = el("li", null, referral.name || "");
        if (referral.url) {
          // Only web addresses become links (the brain allows no others; this is the second check).
          const link = /^https?:\/\//i.test(referral.url) ? el("a", null, referral.url) : el("span", null, referral.url);
          if (link.tagName === "A") {
            link.href = referral.url;
            link.target = "_blank";
            link.rel = "noopener noreferrer";
          }
          item.append(", ", link);
        }
        for (const extra of [referral.phone, referral.hours]) if (extra) item.append(`, ${extra}`);
        list.append(item);
      }
      li.append(list);
    }
    const insert = el("button", "suggest-insert small", t("insert"));
    insert.type = "button";
    // "Insert" on screen; which topic for a screen reader, which lists every topic's button.
    insert.setAttribute("aria-label", t("insertTopic", { title: topic.title || topic.slug || "" }));
    insert.addEventListener("click", () => this.insertSuggestion(topic));
    li.append(insert);
    return li;
  }

  /** Insert buttons only where the counsellor writes; the panel only while the conversation is in progress. */
  renderSuggestionTools() {
    const ui = this.ui;
    const writable = this.canWrite && !this.ended;
    for (const button of ui.suggestList.querySelectorAll(".suggest-insert")) button.hidden = !writable;
    ui.suggestions.hidden = !this.suggestionsShown();
  }

  suggestionsFailed() {
    this.ui.suggestStatus.textContent = t("suggestFailed");
  }

  /** Put a topic's text where the cursor is in the reply box, without sending it. */
  insertSuggestion(topic) {
    const input = this.ui.input;
    if (this.ui.composer.hidden) return;
    const text = suggestionText(topic);
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    input.setRangeText(text, start, end, "end");
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
  }
}
