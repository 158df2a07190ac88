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

// A Finnish service keeps Finland's conventions in every language version: a
// 24-hour clock and the day before the month (as the server's formats,
// kohtaamo/formats). Finnish and Swedish write 14.05, English 14:05; dates are
// 7.12.2026 in all three. The parts come from Intl (the browser's clock and
// time zone); the order and the separators are ours, so no locale's own
// habits (12-hour clocks, month first) can slip in.
const TIME_SEPARATOR = { fi: ".", sv: ".", en: ":" };

/**
 * A function from an ISO time to "14.05" (or "7.12.2026 14.05" when `options`
 * asks for a date: `dateStyle`, `day` or `month`) in the page's language;
 * "" for a bad time, now for none.
 */
export function timeFormatter(lang, options = {}) {
  const withDate = Boolean(options.dateStyle || options.day || options.month);
  const format = new Intl.DateTimeFormat("en-GB", {
    hourCycle: "h23",
    hour: "2-digit",
    minute: "2-digit",
    ...(withDate ? { day: "numeric", month: "numeric", year: "numeric" } : {}),
  });
  const base = String(lang || "fi").split("-")[0];
  const separator = TIME_SEPARATOR[base] || ".";
  return (iso) => {
    const date = iso ? new Date(iso) : new Date();
    if (Number.isNaN(date.getTime())) return "";
    const part = {};
    for (const { type, value } of format.formatToParts(date)) part[type] = value;
    // Finnish writes the hour without a leading zero (9.05), as Django's "G.i".
    const hour = base === "fi" ? String(Number(part.hour)) : part.hour;
    const time = `${hour}${separator}${part.minute}`;
    return withDate ? `${Number(part.day)}.${Number(part.month)}.${part.year} ${time}` : time;
  };
}
