// Notices: the alert line, polite announcements for screen readers, the count
// in the page title, and for each kind of event (a new client in the queue, a
// crisis alert, a reply in one's own conversations) a sound and a system
// notification, each on or off in the settings (remembered per browser).
//
// System notifications use the browser's Notification API: permission is asked
// only from the settings' button (a browser asks once and remembers), never on
// load, and a notification shows only while the console is hidden or not focused.
// Each carries a tag, so a repeat replaces the one before instead of piling up.

import { state } from "./state.js";
import { $, t } from "./util.js";

const SETTINGS_KEY = "kohtaamo.console.notify";
const OLD_SOUND_KEY = "kohtaamo.console.sound"; // the one sound setting before the kinds
const baseTitle = document.title;

let alertTimer = null;
export function showAlert(text) {
  const box = $("alert");
  $("alert-text").textContent = text;
  box.hidden = false;
  window.clearTimeout(alertTimer);
  alertTimer = window.setTimeout(() => {
    box.hidden = true;
  }, 20000);
}

$("alert-dismiss").addEventListener("click", () => {
  $("alert").hidden = true;
});

let announceTimer = null;
const announcements = [];
export function announce(text) {
  // Polite, and batched so that a burst is read as one line rather than lost.
  announcements.push(text);
  window.clearTimeout(announceTimer);
  announceTimer = window.setTimeout(() => {
    $("announcer").textContent = announcements.splice(0).join(" ");
  }, 150);
}

export function updateTitle() {
  const me = state.me ? state.me.id : null;
  let count = 0;
  for (const snapshot of state.desks.values()) {
    count += snapshot.waiting.filter((w) => !w.offered_to || w.offered_to === me).length;
  }
  for (const conv of state.convs.values()) count += conv.unreadCount();
  let title = count > 0 ? `(${count}) ${baseTitle}` : baseTitle;
  // An unanswered crisis alert puts "!" in the count, so it shows from another tab too.
  if (state.crisisAlerts.size > 0) title = count > 0 ? `(!${count}) ${baseTitle}` : `(!) ${baseTitle}`;
  if (document.title !== title) document.title = title;
}

// --- Sounds and system notifications ------------------------------------------------

/** The kinds, their defaults, and the tone each sounds with (so a counsellor can tell them apart). */
export const KINDS = {
  queue: { notify: true, sound: localStorage.getItem(OLD_SOUND_KEY) !== "off", tones: [880] },
  crisis: { notify: true, sound: true, tones: [660, 990, 660] },
  reply: { notify: true, sound: false, tones: [1175] },
};

function loadSettings() {
  let stored = {};
  try {
    stored = JSON.parse(localStorage.getItem(SETTINGS_KEY) || "{}") || {};
  } catch {
    stored = {};
  }
  const settings = {};
  for (const [kind, defaults] of Object.entries(KINDS)) {
    const saved = stored[kind] || {};
    settings[kind] = {
      notify: typeof saved.notify === "boolean" ? saved.notify : defaults.notify,
      sound: typeof saved.sound === "boolean" ? saved.sound : defaults.sound,
    };
  }
  return settings;
}

const settings = loadSettings();

function saveSettings() {
  try {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  } catch {
    // Storage disabled: the settings last until the page is closed.
  }
}

// The settings' checkboxes: data-kind and data-setting ("notify" or "sound").
for (const box of document.querySelectorAll("#notify-settings input[data-kind]")) {
  const { kind, setting } = box.dataset;
  box.checked = settings[kind][setting];
  box.addEventListener("change", () => {
    settings[kind][setting] = box.checked;
    saveSettings();
  });
}

function permission() {
  return "Notification" in window ? window.Notification.permission : "unsupported";
}

/** Say whether system notifications can show, and offer the button only when asking can help. */
export function showPermission() {
  const current = permission();
  const texts = {
    granted: t("notifyGranted"),
    denied: t("notifyDenied"),
    default: t("notifyDefault"),
    unsupported: t("notifyUnsupported"),
  };
  const status = $("notify-permission");
  const text = texts[current] || texts.default;
  if (status.textContent !== text) status.textContent = text;
  $("notify-allow").hidden = current !== "default";
}

$("notify-allow").addEventListener("click", async () => {
  if (!("Notification" in window)) return;
  try {
    await window.Notification.requestPermission();
  } catch {
    // An old browser without the promise form: the status below says what came of it.
  }
  showPermission();
  $("notify-permission").focus();
});
showPermission();

let audio = null;

export function unlockAudio() {
  // Browsers let a page play sound only after the user has done something on it.
  if (audio || !window.AudioContext) return;
  try {
    audio = new AudioContext();
  } catch (error) {
    audio = null;
  }
}
document.addEventListener("pointerdown", unlockAudio, { once: true });
document.addEventListener("keydown", unlockAudio, { once: true });

function playTones(tones) {
  if (!audio) return;
  try {
    if (audio.state === "suspended") audio.resume();
    tones.forEach((frequency, index) => {
      const start = audio.currentTime + index * 0.18;
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.3);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start);
      oscillator.stop(start + 0.35);
    });
  } catch (error) {
    // No sound is better than a broken console.
  }
}

/** The console is not what the counsellor is looking at: another tab or window is in front. */
export function consoleInBackground() {
  return document.visibilityState !== "visible" || !document.hasFocus();
}

/**
 * Something of `kind` happened: its sound, and (in the background, with permission)
 * a system notification. `tag` makes a repeat replace the one before; clicking it
 * brings the console to the front and calls `open` (e.g. opens the conversation).
 */
export function notify(kind, { title, body = "", tag, open = null }) {
  const chosen = settings[kind];
  if (!chosen) return;
  if (chosen.sound) playTones(KINDS[kind].tones);
  if (!chosen.notify || permission() !== "granted" || !consoleInBackground()) return;
  let notification;
  try {
    notification = new window.Notification(title, { body, tag, renotify: true, lang: document.documentElement.lang });
  } catch {
    return; // e.g. a browser that shows them only from a service worker
  }
  notification.addEventListener("click", () => {
    window.focus();
    notification.close();
    if (open) open();
  });
}
