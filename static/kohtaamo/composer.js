// The message box of every page that writes into a conversation (the client page, a guest's
// page, the console): Enter sends, Shift+Enter starts a new line, and nothing is sent while an
// input method is still composing a word (Japanese, Chinese, ... keyboards confirm with Enter).

/** Whether a keydown in the message box sends the message. */
export function isSendKey(event) {
  return event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.isComposing;
}

/** Send on the form's submit (the Send button) and on Enter in its text box. */
export function sendOnEnter(form, text, send) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  text.addEventListener("keydown", (event) => {
    if (isSendKey(event)) {
      event.preventDefault();
      send();
    }
  });
}
