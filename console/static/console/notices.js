// Notices: the alert line, polite announcements for screen readers, the count
// in the page title and the sound when a client arrives.

import { state } from "./state.js";
import { $ } from "./util.js";

const SOUND_KEY = "kohtaamo.console.sound";
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

let audio = null;
const soundToggle = $("sound-toggle");
soundToggle.checked = localStorage.getItem(SOUND_KEY) !== "off";
soundToggle.addEventListener("change", () => {
  localStorage.setItem(SOUND_KEY, soundToggle.checked ? "on" : "off");
});

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

export function beep() {
  if (!soundToggle.checked || !audio) return;
  try {
    if (audio.state === "suspended") audio.resume();
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, audio.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.35);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.4);
  } catch (error) {
    // No sound is better than a broken console.
  }
}
