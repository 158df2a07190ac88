// Quick exit: leave at once, leaving as little behind as possible. Everything
// here is synchronous: nothing waits for the network.
import { forgetAll } from "./store.js";

/**
 * The quick-exit button always leaves at once, and so does Esc pressed twice,
 * with one exception: while the client is writing in the message box
 * (`shouldAsk()`), an Esc pressed twice may well be meant for the box (closing
 * the phone keyboard's suggestions, an old habit), so `ask()` shows a question
 * first. A third Esc then leaves without any further step, so a young person
 * who must hide the chat quickly still does it with the keys alone; the
 * button stays instant in every case.
 */
export function installQuickExit({ url, embedded, button, beforeExit, shouldAsk, ask }) {
  let lastEscape = 0;
  let asking = false;
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
    if (asking) {
      exit();
      return;
    }
    const now = Date.now();
    const twice = now - lastEscape < 800;
    lastEscape = now;
    if (!twice) return;
    if (shouldAsk?.() && ask) {
      asking = true;
      lastEscape = 0;
      ask();
      return;
    }
    exit();
  });
  return {
    exit,
    /** The client chose to stay: the next Esc pressed twice asks again if they are still writing. */
    stay() {
      asking = false;
      lastEscape = 0;
    },
  };
}
