// Telling a client who looks elsewhere that a person joined or wrote: a young
// person who switches to another app while waiting should not miss the answer.
// While the page is hidden or not focused, each such event counts in the tab's
// title ("(2) New messages – ...") and puts a badge on the tab's icon; both are
// restored as soon as the page is seen. Two choices in the menu, both off until
// the client turns them on and remembered in this browser (quick exit forgets
// them with everything else): a sound with a vibration, and a system notification.
import * as store from "./store.js";

export const SOUND = "kohtaamo.sound";
export const NOTIFY = "kohtaamo.notify";

/** The page is framed by another site (the widget on a municipality's page). */
function crossOriginFrame() {
  if (window.top === window) return false;
  try {
    return window.top.location.origin !== location.origin;
  } catch {
    return true;
  }
}

/**
 * Notifications can be offered here: the API exists, the page is a secure
 * context, and it is not inside another site's frame (browsers refuse to ask
 * for the permission there, so the choice would only disappoint).
 */
export const canNotify = () => "Notification" in window && window.isSecureContext && !crossOriginFrame();

/**
 * @param {object} o  texts: {titleOne, titleMany, notifyTitle, notifyJoined, notifyMessage} (titles
 *   with %(count)s and %(title)s); icons: {svg, png, badgeSvg, badgePng} (the tab's icons); fill;
 *   onCount(count): told whenever the count changes (the widget's frame tells its launcher)
 */
export function createAttention({ texts, icons, fill, onCount }) {
  const baseTitle = document.title;
  let count = 0;
  let audio = null;
  let shown = null; // the last system notification, closed when the page is seen

  const away = () => document.visibilityState !== "visible" || !document.hasFocus();

  function setIcons(badge) {
    for (const link of document.querySelectorAll("link[rel~=icon]")) {
      const svg = link.type === "image/svg+xml";
      const href = badge ? (svg ? icons.badgeSvg : icons.badgePng) : svg ? icons.svg : icons.png;
      if (href && link.getAttribute("href") !== href) link.setAttribute("href", href);
    }
  }

  // A short two-note chime made on the spot: no sound file to load. Browsers let
  // a page play sound only after the reader has touched it, so the audio is
  // prepared on the first click or key press.
  function prepareAudio() {
    if (!audio && window.AudioContext) {
      try {
        audio = new AudioContext();
      } catch {
        audio = null;
      }
    }
    if (audio?.state === "suspended") audio.resume().catch(() => {});
  }

  function chime() {
    if (!audio || audio.state !== "running") return;
    const now = audio.currentTime;
    for (const [i, frequency] of [660, 880].entries()) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, now + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.2, now + i * 0.18 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.18 + 0.16);
      tone.connect(gain).connect(audio.destination);
      tone.start(now + i * 0.18);
      tone.stop(now + i * 0.18 + 0.17);
    }
  }

  function notify(kind) {
    if (!store.get(NOTIFY) || !canNotify() || Notification.permission !== "granted") return;
    try {
      // Never the message itself, nor the worker's name: the notification may
      // show on a screen that others see, and it says no more than that the
      // chat wants the client back.
      shown = new Notification(texts.notifyTitle, {
        body: kind === "joined" ? texts.notifyJoined : texts.notifyMessage,
        tag: "kohtaamo-chat",
        icon: icons.png,
      });
      shown.onclick = () => {
        window.focus();
        shown?.close();
      };
    } catch {
      /* some browsers allow notifications only from a service worker: the title and icon still tell */
    }
  }

  /** A person joined ("joined") or wrote ("message"): tell the client if they are not looking. */
  function notice(kind) {
    if (!away()) return;
    count += 1;
    document.title = fill(count === 1 ? texts.titleOne : texts.titleMany, { count, title: baseTitle });
    setIcons(true);
    onCount?.(count);
    if (store.get(SOUND)) {
      chime();
      navigator.vibrate?.([150, 100, 150]);
    }
    notify(kind);
  }

  function seen() {
    if (away() || !count) return;
    count = 0;
    document.title = baseTitle;
    setIcons(false);
    onCount?.(0);
    shown?.close();
    shown = null;
  }

  document.addEventListener("visibilitychange", seen);
  window.addEventListener("focus", seen);
  for (const type of ["pointerdown", "keydown"]) {
    document.addEventListener(type, () => store.get(SOUND) && prepareAudio(), { capture: true, passive: true });
  }

  /** The notification choice was turned on by a click: ask the browser (only now) and say if it refused. */
  async function askPermission() {
    if (!canNotify()) return false;
    let permission = Notification.permission;
    if (permission === "default") {
      try {
        permission = await Notification.requestPermission();
      } catch {
        permission = "denied";
      }
    }
    return permission === "granted";
  }

  return { notice, seen, prepareAudio, askPermission, get count() { return count; } };
}
