// A conversation's guests on the client page (issue 14; docs/protocol.md: `guests`, `guest_consent`):
// the question when the counsellor invites an interpreter or another professional (nobody joins
// before the client says yes), and the line that says who else is in the chat and in what role.
import { guestName } from "../kohtaamo/lines.js";
import { fill } from "../kohtaamo/text.js";

/**
 * @param o  {texts: the page's texts, roles: role code -> name, send(frame), current(): the conversation on screen}
 */
export function createGuests(o) {
  const $ = (id) => document.getElementById(id);
  const box = $("k-guest-ask");
  const text = $("k-guest-ask-text");
  const line = $("k-guests-line");
  let asked = null; // {conversation, guest}: the invitation the question is about
  let latest = [];

  function answer(accept) {
    if (!asked) return;
    o.send({ type: "guest_consent", conversation: asked.conversation, guest: asked.guest, accept, ref: "guest_consent" });
    box.hidden = true;
    asked = null;
  }
  $("k-guest-yes").addEventListener("click", () => answer(true));
  $("k-guest-no").addEventListener("click", () => answer(false));

  /** A `guests` event: who is here, and the question about the first one waiting for the client's answer. */
  function update(event) {
    if (event.conversation !== o.current()) return;
    latest = event.guests;
    const here = event.guests.filter((g) => g.state === "joined");
    line.textContent = here.length
      ? fill(o.texts.guestsHere, { names: here.map((g) => guestName(g, o.roles)).join("; ") })
      : "";
    line.hidden = !here.length;
    const waiting = event.guests.find((g) => g.state === "asked");
    if (!waiting) {
      box.hidden = true;
      asked = null;
      return;
    }
    const name = waiting.organisation ? `${waiting.name}, ${waiting.organisation}` : waiting.name;
    const question = o.texts[`guestAsk_${waiting.role}`] || o.texts.guestAsk_professional;
    text.textContent = fill(question, { name });
    asked = { conversation: event.conversation, guest: waiting.id };
    box.hidden = false;
  }

  function clear() {
    box.hidden = true;
    line.hidden = true;
    line.textContent = "";
    asked = null;
    latest = [];
  }

  /** The latest guest list of the conversation on screen (the call panel names its people from it). */
  const list = () => latest;

  return { update, clear, list };
}
