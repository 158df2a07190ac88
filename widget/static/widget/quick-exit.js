// Quick exit: leave at once, leaving as little behind as possible. Everything
// here is synchronous: nothing waits for the network.
import { forgetAll } from "./store.js";

export function installQuickExit({ url, embedded, button, beforeExit }) {
  let lastEscape = 0;
  const exit = () => {
    try {
      beforeExit?.();
    } catch {
      /* leaving anyway */
    }
    forgetAll();
    document.title = "";
    document.body.replaceChildren();
    if (embedded && window.parent !== window) {
      // The host page's widget script replaces the host page itself (and with
      // it this frame). The frame does not navigate away on its own: the host
      // could then no longer tell that the message came from this frame.
      window.parent.postMessage({ type: "kohtaamo:quick-exit", url }, "*");
    } else {
      location.replace(url);
    }
  };
  button.addEventListener("click", exit);
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const now = Date.now();
    if (now - lastEscape < 800) exit();
    lastEscape = now;
  });
  return exit;
}
