// Small helpers both front ends share: the page's JSON blocks, texts with
// placeholders, system lines, DOM nodes and times.

/** A JSON block the template rendered with json_script (no inline script needed). */
export function readJSON(id) {
  try {
    return JSON.parse(document.getElementById(id).textContent);
  } catch {
    return {};
  }
}

/** Fill %(name)s placeholders, the form gettext catalogues use. */
export const fill = (text, args = {}) => String(text).replace(/%\((\w+)\)s/g, (_, name) => String(args[name] ?? ""));

/**
 * The text of a system line (sender "system": code and args), from the page's
 * `systemTexts` (conversations/system_texts.py, one map per audience).
 */
export function systemText(texts, m, fallback = "") {
  const text = texts?.[m.code];
  return text ? fill(text, m.args || {}) : m.body || fallback;
}

export function node(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text != null) element.textContent = text;
  return element;
}

/** "14.05" from an ISO time, in the page's language; "" for no or a bad time. */
export function timeFormatter(lang, options = { hour: "2-digit", minute: "2-digit" }) {
  const format = new Intl.DateTimeFormat(lang, options);
  return (iso) => {
    const date = iso ? new Date(iso) : new Date();
    return Number.isNaN(date.getTime()) ? "" : format.format(date);
  };
}
