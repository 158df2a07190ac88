// Where the client page keeps its few traces in this browser. Quick exit forgets them all.
export const TOKEN = "kohtaamo.token";
export const OUTBOX = "kohtaamo.outbox";
export const CONVERSATION = "kohtaamo.conversation";

// Storage can throw (private modes, blocked third-party storage): then we simply keep nothing.
function area(kind) {
  try {
    return window[kind];
  } catch {
    return null;
  }
}

export function get(key, session = false) {
  try {
    const raw = area(session ? "sessionStorage" : "localStorage")?.getItem(key);
    return raw == null ? null : JSON.parse(raw);
  } catch {
    return null;
  }
}

// After a quick exit nothing is written again: a timer or a socket event that
// fires while the page is leaving must not leave a trace behind.
let forgotten = false;

export function set(key, value, session = false) {
  if (forgotten) return;
  try {
    const store = area(session ? "sessionStorage" : "localStorage");
    if (value == null) store?.removeItem(key);
    else store?.setItem(key, JSON.stringify(value));
  } catch {
    /* full or blocked: nothing to do */
  }
}

export function forgetAll() {
  forgotten = true;
  for (const kind of ["localStorage", "sessionStorage"]) {
    const store = area(kind);
    if (!store) continue;
    try {
      for (let i = store.length - 1; i >= 0; i--) {
        const key = store.key(i);
        if (key && key.startsWith("kohtaamo.")) store.removeItem(key);
      }
    } catch {
      /* blocked */
    }
  }
}
