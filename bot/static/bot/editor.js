// The brain editor's enhancements (bot/templates/bot/topic_form.html, unanswered.html). Without
// this script every part still works: the language sections stand one under another, the preview
// shows the saved answer, and topics are chosen from a plain list.
//
// 1. Language tabs (WAI-ARIA tabs: arrow keys, Home, End); a tab with errors opens first.
// 2. A live preview of the answer being written: the server renders it with the bot's own Markdown
//    (POST /brain/preview/), so it never differs from what the client sees.
// 3. A search-as-you-type topic picker (WAI-ARIA combobox with a listbox) over a <select>, which
//    stays the form's field: choosing in the picker selects its option.

import { fill, node, readJSON } from "../kohtaamo/text.js";

const texts = readJSON("picker-texts");
// Slug -> the topic's titles in every language: a topic is found by any of them.
const searchIndex = readJSON("topic-search");

// --- 1. Tabs ------------------------------------------------------------------------------

function setUpTabs() {
  const tablist = document.querySelector(".lang-tabs[role=tablist]");
  if (!tablist) return;
  const tabs = [...tablist.querySelectorAll("[role=tab]")];
  const panels = tabs.map((tab) => document.getElementById(tab.getAttribute("aria-controls")));
  const select = (index, focus) => {
    tabs.forEach((tab, i) => {
      const on = i === index;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      panels[i].hidden = !on;
    });
    if (focus) tabs[index].focus();
  };
  panels.forEach((panel, i) => {
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", tabs[i].id);
    panel.tabIndex = 0;
    panel.querySelector(".lang-heading")?.classList.add("visually-hidden");
  });
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(i, false));
    tab.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      select((moves[event.key] + tabs.length) % tabs.length, true);
    });
  });
  panels.forEach((panel, i) => {
    const update = () => markMissing(tabs[i], panel);
    panel.addEventListener("input", update);
    panel.addEventListener("change", update);
  });
  tablist.hidden = false;
  const withErrors = tabs.findIndex((tab) => tab.dataset.errors);
  select(withErrors >= 0 ? withErrors : 0, false);
}

/** The tab's mark of what its language still lacks, as the server marks it (bot.forms.missing_parts). */
function markMissing(tab, panel) {
  const filled = (selector) => [...panel.querySelectorAll(selector)].some((field) => field.value.trim());
  const questions = [...panel.querySelectorAll('input[name$="-text"]')].some(
    (field) =>
      field.value.trim() && !field.closest(".inline-row")?.querySelector('[name$="-DELETE"]')?.checked,
  );
  const missing = [];
  if (!filled('input[name$="-title"]')) missing.push(texts.title);
  if (!filled('textarea[name$="-answer"]:not([name$="plain_answer"])')) missing.push(texts.answer);
  if (!questions) missing.push(texts.questions);
  let mark = tab.querySelector(".tab-missing");
  if (!mark) {
    mark = node("span", "tab-missing");
    tab.append(mark);
  }
  mark.textContent = missing.join(", ");
  mark.hidden = !missing.length;
}

// --- 2. The live preview --------------------------------------------------------------------

const PREVIEW_DELAY_MS = 400;

function referralsOf(container) {
  // The referral rows of the formset: name, url, phone, hours; rows ticked for removal left out.
  const rows = [];
  for (const row of container?.querySelectorAll(".inline-row") || []) {
    const value = (name) => row.querySelector(`[name$="-${name}"]`)?.value || "";
    if (row.querySelector('[name$="-DELETE"]')?.checked) continue;
    rows.push({ name: value("name"), url: value("url"), phone: value("phone"), hours: value("hours") });
  }
  return rows;
}

function setUpPreview(preview) {
  const panel = preview.closest(".lang-panel");
  const answer = panel?.querySelector("textarea[data-preview]");
  const referrals = panel?.querySelector("[data-referrals]");
  const body = preview.querySelector(".preview-body");
  const token = document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
  if (!answer || !body) return;
  let timer = 0;
  let asked = 0;
  const refresh = async () => {
    const mine = ++asked;
    const form = new FormData();
    form.append("lang", preview.dataset.previewLang);
    form.append("answer", answer.value);
    form.append("referrals", JSON.stringify(referralsOf(referrals)));
    try {
      const response = await fetch(preview.dataset.previewUrl, {
        method: "POST",
        body: form,
        headers: { "X-CSRFToken": token },
        credentials: "same-origin",
      });
      // Only the newest answer is shown: an older request finishing late is dropped.
      if (response.ok && mine === asked) body.innerHTML = await response.text();
    } catch {
      // Offline for a moment: the next keystroke tries again.
    }
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, PREVIEW_DELAY_MS);
  };
  answer.addEventListener("input", later);
  referrals?.addEventListener("input", later);
  referrals?.addEventListener("change", later);
}

// --- 3. The topic picker --------------------------------------------------------------------

let pickers = 0;

function setUpPicker(select) {
  const multiple = select.multiple;
  const id = `picker-${++pickers}`;
  const options = [...select.options].filter((o) => o.value);
  const wrap = node("div", "picker");
  const chips = node("ul", "picker-chips");
  chips.setAttribute("aria-label", texts.chosen || "");
  const input = node("input", "picker-input");
  input.type = "text";
  input.id = `${id}-input`;
  input.autocomplete = "off";
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", `${id}-list`);
  const list = node("ul", "picker-list");
  list.id = `${id}-list`;
  list.setAttribute("role", "listbox");
  list.hidden = true;
  const status = node("p", "visually-hidden");
  status.setAttribute("role", "status");
  // The select's label names the search field; the select itself leaves the page's flow.
  const label = select.id ? document.querySelector(`label[for="${select.id}"]`) : null;
  if (label) label.htmlFor = input.id;
  else input.setAttribute("aria-label", select.getAttribute("aria-label") || texts.search || "");
  if (select.getAttribute("aria-describedby")) input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
  const help = select.id ? document.getElementById(`${select.id}_helptext`) : null;
  if (help) input.setAttribute("aria-describedby", help.id);
  input.placeholder = texts.search || "";
  select.hidden = true;
  select.after(wrap);
  wrap.append(...(multiple ? [chips] : []), input, list, status);

  let shown = [];
  let active = -1;

  const renderChips = () => {
    if (!multiple) return;
    chips.replaceChildren(
      ...options
        .filter((o) => o.selected)
        .map((o) => {
          const li = node("li", "picker-chip");
          const remove = node("button", "small", "×");
          remove.type = "button";
          remove.setAttribute("aria-label", fill(texts.remove, { title: o.textContent }));
          remove.addEventListener("click", () => {
            o.selected = false;
            renderChips();
            status.textContent = fill(texts.removed, { title: o.textContent });
            input.focus();
          });
          li.append(node("span", "", o.textContent), " ", remove);
          return li;
        }),
    );
    chips.hidden = !chips.children.length;
  };

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };

  const highlight = (index) => {
    active = index;
    [...list.children].forEach((li, i) => li.classList.toggle("is-active", i === index));
    if (index >= 0 && list.children[index]) {
      input.setAttribute("aria-activedescendant", list.children[index].id);
      list.children[index].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  };

  const choose = (option) => {
    if (multiple) {
      option.selected = true;
      input.value = "";
      renderChips();
    } else {
      select.value = option.value;
      input.value = option.textContent;
    }
    status.textContent = fill(texts.added, { title: option.textContent });
    close();
  };

  const open = () => {
    const words = input.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    const haystack = (o) => `${o.textContent} ${searchIndex[o.value] || ""}`.toLocaleLowerCase();
    shown = options.filter((o) => !(multiple && o.selected) && words.every((w) => haystack(o).includes(w)));
    list.replaceChildren(
      ...shown.map((o, i) => {
        const li = node("li", "picker-option", o.textContent);
        li.id = `${id}-option-${i}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.addEventListener("mousedown", (event) => event.preventDefault());
        li.addEventListener("click", () => choose(o));
        return li;
      }),
    );
    list.hidden = !shown.length;
    input.setAttribute("aria-expanded", String(shown.length > 0));
    status.textContent = shown.length ? fill(texts.found, { count: shown.length }) : texts.none || "";
    highlight(-1);
  };

  input.addEventListener("input", open);
  input.addEventListener("focus", () => {
    if (!multiple && select.value) input.select();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) open();
      if (!shown.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + shown.length) % shown.length);
    } else if (event.key === "Enter") {
      if (!list.hidden && active >= 0) {
        event.preventDefault();
        choose(shown[active]);
      } else if (!list.hidden) event.preventDefault();
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", close);
  if (!multiple && select.value) input.value = select.selectedOptions[0]?.textContent || "";
  if (!multiple) {
    // Text that names no topic chooses none: the form then says to choose one.
    input.addEventListener("change", () => {
      const match = options.find((o) => o.textContent === input.value);
      select.value = match ? match.value : "";
    });
  }
  renderChips();
}

setUpTabs();
document.querySelectorAll(".answer-preview[data-preview-url]").forEach(setUpPreview);
document.querySelectorAll("select[data-combobox]").forEach(setUpPicker);
