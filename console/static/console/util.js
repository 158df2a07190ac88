// Small helpers of the console: its config and texts, DOM nodes, times and labels.
//
// Every text comes from the page (#console-i18n, #console-config): the scripts
// have none of their own. Everything from the network is shown with
// textContent, never as HTML; the one exception is a bot line's `html`, which
// the server renders from the brain's Markdown and sanitises.

import { node, readJSON, systemText, timeFormatter } from "../kohtaamo/text.js";

export const config = readJSON("console-config");
const strings = readJSON("console-i18n");

/** A translated string with {placeholders} filled in. */
export function t(key, args = {}) {
  const text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in args ? String(args[name]) : match));
}

export const $ = (id) => document.getElementById(id);
export const el = node;
export const formatTime = timeFormatter(config.lang);
/** An ISO time as a day and time ("7.12.2026 14.05"), as the history pages show when a conversation started. */
export const formatDate = timeFormatter(config.lang, { dateStyle: "short" });
export const percentFormat = new Intl.NumberFormat(config.lang, { style: "percent", maximumFractionDigits: 0 });

export function visuallyHidden(text) {
  return el("span", "visually-hidden", text);
}

export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(s / 60);
  return `${String(minutes).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

export function focusElement(target) {
  if (!target) return;
  if (!target.hasAttribute("tabindex") && !/^(BUTTON|INPUT|SELECT|TEXTAREA|A)$/.test(target.tagName)) {
    target.setAttribute("tabindex", "-1");
  }
  target.focus();
}

/** A system line (started, joined ...) in the console's words (conversations/system_texts.py). */
export const sysText = (message) => systemText(config.systemTexts, message, t("sysOther"));

export function topicTitle(slug) {
  const titles = config.topicTitles || {};
  return Object.prototype.hasOwnProperty.call(titles, slug) ? titles[slug] : slug;
}

const HANDOFF_KEYS = {
  direct: "handoffDirect",
  asked: "handoffAsked",
  bot_unsure: "handoffBotUnsure",
  crisis: "handoffCrisis",
};

/** The short label of why a conversation came from the chatbot to a person. */
export function handoffLabel(reason) {
  return HANDOFF_KEYS[reason] ? t(HANDOFF_KEYS[reason]) : "";
}

export function handoffBanner(reason) {
  const label = handoffLabel(reason);
  return label ? t("handoffBanner", { reason: label }) : "";
}

/** Copy the methods of `source` (a class) onto `target` (a class): one class, written in several files. */
export function mixin(target, source) {
  for (const name of Object.getOwnPropertyNames(source.prototype)) {
    if (name !== "constructor") Object.defineProperty(target.prototype, name, Object.getOwnPropertyDescriptor(source.prototype, name));
  }
}
