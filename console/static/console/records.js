// The prompt after a counsellor closes a conversation: a link to the conversation's contact
// record form (console/records_views.py), at the top of the console until it is followed or
// put off. The focus moves to the link and the close is announced, so the next step is one
// Enter away for a keyboard or screen reader user; "Later" leaves the record in the list of
// records to fill in (the header's count).

import { announce } from "./notices.js";
import { $, config, el, focusElement, t } from "./util.js";

function recordUrl(conversationId) {
  return config.recordUrl.replace("/0/", `/${conversationId}/`);
}

/** The header's count of records to fill in (console/_header.html): the closed conversation's is one more. */
function countOneMore() {
  const count = $("records-count");
  if (!count) return;
  const number = count.querySelector(".nav-count-number");
  number.textContent = String((Number(number.textContent) || 0) + 1);
  count.hidden = false;
}

/** Show the prompt for a closed conversation (one per conversation) and move the focus to its link. */
export function showRecordPrompt(conversationId, name) {
  const box = $("record-prompts");
  if (!box || !config.recordUrl) return;
  const id = `record-prompt-${conversationId}`;
  let prompt = document.getElementById(id);
  if (!prompt) {
    prompt = el("div", "record-prompt");
    prompt.id = id;
    const text = el("p", null, t("recordPrompt", { name }));
    text.id = `${id}-text`;
    const link = el("a", "button primary record-prompt-link", t("fillRecord"));
    link.href = recordUrl(conversationId);
    link.setAttribute("aria-describedby", text.id);
    const later = el("button", "small", t("fillLater"));
    later.type = "button";
    later.addEventListener("click", () => {
      prompt.remove();
      focusElement($("mine-heading"));
    });
    prompt.append(text, link, later);
    box.prepend(prompt);
    countOneMore();
  }
  announce(t("recordPrompt", { name }));
  focusElement(prompt.querySelector("a"));
}
