// Attachments in both front ends, the client page and the staff console
// (docs/protocol.md, "Attachments"): choosing a picture, video or PDF, taking a
// photo, recording a voice or video message, uploading it with a visible
// progress (XHR: fetch cannot report an upload's progress), retrying a failed
// upload with the same upload id (the server stores it once), and drawing an
// attachment in a transcript. The message itself goes through the stream's
// outbox (stream.js), so a resend keeps its client-made id.
//
// The page gives every text through `t(key)` (its own catalogue: the keys are
// listed in TEXT_KEYS, with no placeholders, so the two pages' placeholder
// styles never meet here) and every server address through `upload`.

import { icon } from "./icons.js";
import { newId } from "./stream.js";
import { node } from "./text.js";

/** The texts this module asks its page for (widget/views.py client_texts, console/views.py console_strings). */
export const TEXT_KEYS = [
  "attMenu",
  "attFile",
  "attPhoto",
  "attVoice",
  "attVideo",
  "attRecording",
  "attStop",
  "attListen",
  "attWatch",
  "attRemove",
  "attCancel",
  "attRetry",
  "attUploading",
  "attFailed",
  "attNoDevice",
  "attPicture",
  "attVoiceMessage",
  "attVideoMessage",
  "attPdf",
  "attClose",
  "attCamera",
  "attAttached",
];

// What the file choices offer (the server decides the type from the content: this only filters the list).
// No HEIC: the server takes JPEG, PNG, WebP and GIF, and an iPhone hands a JPEG to a page that asks for one.
export const ACCEPT_FILE = "image/jpeg,image/png,image/webp,image/gif,video/mp4,video/webm,video/quicktime,application/pdf";
export const ACCEPT_PHOTO = "image/*";

// Recording formats, best first: Opus in WebM (Chromium, Firefox) or Ogg, else MP4/AAC (Safari).
const RECORD_TYPES = {
  audio: ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4;codecs=mp4a.40.2", "audio/mp4"],
  video: ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4;codecs=avc1,mp4a.40.2", "video/mp4"],
};
const EXTENSIONS = { "audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a", "video/webm": "webm", "video/mp4": "mp4" };

/** The recording format this browser supports for `kind` ("audio" or "video"), or "" when it records neither. */
export function recorderType(kind) {
  if (typeof MediaRecorder === "undefined" || !navigator.mediaDevices?.getUserMedia) return "";
  return RECORD_TYPES[kind].find((type) => MediaRecorder.isTypeSupported(type)) || "";
}

/** "0:07", "2:00" */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds || 0));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** "350 kB", "4.2 MB" in the page's language. */
export function fileSize(bytes, lang) {
  const mb = bytes >= 1e6;
  const value = mb ? bytes / 1e6 : Math.max(1, Math.round(bytes / 1e3));
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: mb ? 1 : 0 }).format(value)} ${mb ? "MB" : "kB"}`;
}

/**
 * POST one file (multipart: conversation, id, lang, file) with XHR.
 * Resolves {attachment} (201 stored now, 200 stored before under the same id),
 * {error: {code, message, retry}} (retry: worth trying again, the same id), or
 * {cancelled: true}. `cancel()` aborts it.
 */
export function uploadFile({ url, headers = {}, fields, file, name, onProgress }) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve) => {
    xhr.open("POST", url);
    for (const [key, value] of Object.entries(headers)) xhr.setRequestHeader(key, value);
    xhr.responseType = "json";
    xhr.upload.onprogress = (event) => event.lengthComputable && onProgress?.(event.loaded / event.total);
    xhr.onload = () => {
      const data = xhr.response && typeof xhr.response === "object" ? xhr.response : {};
      if ((xhr.status === 200 || xhr.status === 201) && data.attachment) resolve({ attachment: data.attachment });
      else {
        const error = data.error && typeof data.error === "object" ? data.error : {};
        // A refusal of the file itself will not change; a server in trouble or a full limit may.
        const retry = xhr.status >= 500 || xhr.status === 429 || !error.message;
        resolve({ error: { code: error.code || String(xhr.status), message: error.message || "", retry } });
      }
    };
    xhr.onerror = () => resolve({ error: { code: "network", message: "", retry: true } });
    xhr.onabort = () => resolve({ cancelled: true });
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) form.append(key, String(value));
    form.append("file", file, name);
    xhr.send(form);
  });
  return { promise, cancel: () => xhr.abort() };
}

function button(text, className = "") {
  const b = node("button", className, text);
  b.type = "button";
  return b;
}

function fileInput(accept, capture) {
  const input = node("input", "k-att-input");
  input.type = "file";
  input.accept = accept;
  if (capture) input.setAttribute("capture", "environment");
  input.tabIndex = -1; // reached through its button
  input.setAttribute("aria-hidden", "true");
  return input;
}

/** The kind whose size limit applies to a file the browser says is `type`; "any" when it cannot tell. */
function limitKind(type) {
  if (type === "application/pdf") return "pdf";
  const family = type.split("/")[0];
  return ["image", "audio", "video"].includes(family) ? family : "any";
}

function kindOf(type) {
  if (type.startsWith("image/")) return "image";
  if (type.startsWith("audio/")) return "audio";
  if (type.startsWith("video/")) return "video";
  return "pdf";
}

let instances = 0;

/**
 * The composer's attachment tools and its one draft attachment, built into `root`.
 * `toggle` (a paper clip button that shows the tools) goes where the page puts it, by default first in `root`.
 * Options: t(key); lang; upload: {url, headers()} (headers read at each upload: a token may change);
 * maxSeconds: {audio, video} (the server's length limits, shown while recording);
 * limits: {maxBytes, tooLarge} by kind and "any" (the server's size limits and its words for a file
 * over one: such a file is refused at once, never uploaded);
 * onChange(): the draft came or went (the page may enable its send button).
 * The page's send calls `upload(conversation)`: the attachment's info once stored, else null
 * (the panel then says why and offers Retry when trying again may help).
 */
export class AttachComposer {
  constructor(root, options) {
    this.o = options;
    this.t = options.t;
    this.draft = null; // {blob, name, kind, uploadId, url (blob: for the preview), info once stored}
    this.job = null;
    this.recording = null;
    this.root = root;
    root.classList.add("k-att");
    const t = this.t;
    instances += 1;
    this.tools = node("div", "k-att-tools");
    this.tools.id = `k-att-tools-${instances}`;
    this.tools.hidden = true;
    this.tools.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return; // still counts toward the client page's quick exit (Esc twice)
      this.showTools(false);
      this.toggle.focus();
    });
    this.toggle = button("", "k-att-toggle");
    this.toggle.append(icon("clip"));
    this.toggle.setAttribute("aria-label", t("attMenu"));
    this.toggle.title = t("attMenu");
    this.toggle.setAttribute("aria-expanded", "false");
    this.toggle.setAttribute("aria-controls", this.tools.id);
    this.toggle.addEventListener("click", () => {
      this.showTools(this.tools.hidden);
      if (!this.tools.hidden) this.tools.querySelector("button")?.focus();
    });
    const choose = (accept, capture, label) => {
      const input = fileInput(accept, capture);
      const open = button(label, "k-att-tool");
      open.addEventListener("click", () => {
        this.showTools(false);
        input.click();
      });
      input.addEventListener("change", () => {
        const file = input.files?.[0];
        input.value = "";
        if (file) this.setDraft(file, file.name, kindOf(file.type || ""));
      });
      this.tools.append(open, input);
    };
    choose(ACCEPT_FILE, false, t("attFile"));
    // The phone's camera: `capture` opens it at once (a computer shows its file choice instead).
    choose(ACCEPT_PHOTO, true, t("attPhoto"));
    for (const kind of ["audio", "video"]) {
      if (!recorderType(kind)) continue;
      const record = button(t(kind === "audio" ? "attVoice" : "attVideo"), "k-att-tool");
      record.addEventListener("click", () => {
        this.showTools(false);
        this.record(kind);
      });
      this.tools.append(record);
    }
    this.panel = node("div", "k-att-panel");
    this.panel.setAttribute("role", "group");
    this.panel.setAttribute("aria-label", t("attAttached"));
    this.panel.hidden = true;
    // Progress and errors are announced; the rest of the panel is read when reached.
    this.status = node("p", "k-att-status");
    this.status.setAttribute("role", "status");
    this.error = node("p", "k-att-error");
    this.error.setAttribute("role", "alert");
    root.append(this.toggle, this.tools, this.panel, this.status, this.error);
  }

  /** Files are for people (the server refuses them while the chatbot answers): hidden, and any draft dropped, when off. */
  setAvailable(on) {
    if (!on && (this.draft || this.recording || this.job)) this.clear();
    this.toggle.hidden = !on;
    if (!on) this.showTools(false);
  }

  showTools(open) {
    this.tools.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
  }

  get busy() {
    return Boolean(this.job || this.recording || this.asking);
  }

  setDisabled(disabled) {
    this.toggle.disabled = disabled;
    if (disabled) this.showTools(false);
  }

  /**
   * The server's own words for a file over its kind's size limit (options.limits, from the server's
   * `uploadLimits`), or null: such a file is refused before it is uploaded. The server stays the rule.
   */
  tooLarge(blob) {
    const limits = this.o.limits;
    if (!limits) return null;
    const kind = limitKind(blob.type || "");
    const max = limits.maxBytes[kind] ?? limits.maxBytes.any;
    return blob.size > max ? limits.tooLarge[kind] ?? limits.tooLarge.any : null;
  }

  setDraft(blob, name, kind) {
    const refused = this.tooLarge(blob);
    this.clear();
    if (refused) {
      this.error.textContent = refused;
      this.toggle.focus();
      return;
    }
    this.draft = { blob, name, kind, uploadId: newId(), url: URL.createObjectURL(blob), info: null };
    this.showDraft();
    this.o.onChange?.();
  }

  /** Forget the draft (sent, removed, or the chat changed); stops a recording too. */
  clear() {
    this.asking = null; // a camera or microphone still being asked for is let go when it comes
    this.stopRecording(false);
    this.job?.cancel();
    this.job = null;
    if (this.draft) URL.revokeObjectURL(this.draft.url);
    this.draft = null;
    this.panel.replaceChildren();
    this.panel.hidden = true;
    this.status.textContent = "";
    this.error.textContent = "";
    this.setDisabled(false);
    this.o.onChange?.();
  }

  showDraft() {
    const d = this.draft;
    const t = this.t;
    let preview;
    if (d.kind === "image") {
      preview = node("img", "k-att-thumb");
      preview.src = d.url;
      preview.alt = d.name;
    } else if (d.kind === "audio" || d.kind === "video") {
      preview = node(d.kind, "k-att-media");
      preview.controls = true;
      if (d.kind === "video") preview.playsInline = true;
      preview.src = d.url;
      preview.setAttribute("aria-label", t(d.kind === "audio" ? "attVoiceMessage" : "attVideoMessage"));
    } else preview = node("p", "k-att-name", d.name);
    const hint = d.recorded ? node("p", "k-hint", t(d.kind === "audio" ? "attListen" : "attWatch")) : null;
    const remove = button(t("attRemove"), "k-att-remove");
    remove.addEventListener("click", () => {
      this.clear();
      this.toggle.focus();
    });
    const actions = node("div", "k-att-actions");
    actions.append(remove);
    this.panel.replaceChildren(...[hint, preview, node("p", "k-att-size", fileSize(d.blob.size, this.o.lang)), actions].filter(Boolean));
    this.panel.hidden = false;
    this.error.textContent = "";
  }

  /**
   * Upload the draft to `conversation` (again with the same id after a failure): its info, or null.
   * While it runs the panel shows a <progress> and a Cancel button.
   */
  async upload(conversation) {
    const d = this.draft;
    if (!d) return null;
    if (d.info) return d.info;
    if (this.job) return null;
    const t = this.t;
    this.error.textContent = "";
    const progress = node("progress", "k-att-progress");
    progress.max = 1;
    progress.value = 0;
    progress.setAttribute("aria-label", t("attUploading"));
    const cancel = button(t("attCancel"), "k-att-cancel");
    const row = node("div", "k-att-uploading");
    row.append(progress, cancel);
    this.panel.querySelector(".k-att-actions")?.replaceChildren(row);
    this.setDisabled(true);
    this.status.textContent = t("attUploading");
    const job = uploadFile({
      url: this.o.upload.url,
      headers: this.o.upload.headers?.() || {},
      fields: { conversation, id: d.uploadId, lang: this.o.lang },
      file: d.blob,
      name: d.name,
      onProgress: (share) => (progress.value = share),
    });
    this.job = job;
    cancel.addEventListener("click", () => job.cancel());
    const result = await job.promise;
    if (this.job !== job) return null; // cleared meanwhile
    this.job = null;
    this.setDisabled(false);
    this.status.textContent = "";
    if (result.attachment) {
      d.info = result.attachment;
      return d.info;
    }
    this.showDraft();
    if (result.cancelled) {
      this.panel.querySelector(".k-att-remove")?.focus();
      return null;
    }
    this.error.textContent = result.error.message || t("attFailed");
    if (result.error.retry) {
      const retry = button(t("attRetry"), "k-att-retry");
      retry.addEventListener("click", () => this.o.onRetry?.());
      this.panel.querySelector(".k-att-actions").prepend(retry);
      retry.focus();
    } else this.panel.querySelector(".k-att-remove")?.focus();
    return null;
  }

  // --- recording

  /** Record a voice (`audio`) or video message: a live timer, Stop, then the recording to listen to first. */
  async record(kind) {
    if (this.busy) return;
    const t = this.t;
    this.clear();
    const type = recorderType(kind);
    const asking = {};
    this.asking = asking;
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(kind === "audio" ? { audio: true } : { audio: true, video: { facingMode: "user" } });
    } catch {
      if (this.asking === asking) this.error.textContent = t("attNoDevice");
      this.asking = null;
      return;
    }
    if (this.asking !== asking) {
      // Cleared while the browser asked (the chat closed, another choice): nothing may keep recording.
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    this.asking = null;
    const chunks = [];
    const recorder = new MediaRecorder(stream, { mimeType: type });
    const max = this.o.maxSeconds?.[kind] || 120;
    const started = Date.now();
    const timer = node("span", "k-att-timer", duration(0));
    timer.setAttribute("role", "timer");
    const line = node("p", "k-att-recording");
    line.append(node("span", "k-att-dot"), `${t("attRecording")} `, timer, ` / ${duration(max)}`);
    const stop = button(t("attStop"), "k-att-stop");
    stop.addEventListener("click", () => this.stopRecording(true));
    const parts = [line];
    if (kind === "video") {
      const live = node("video", "k-att-media k-att-live");
      live.muted = true;
      live.playsInline = true;
      live.autoplay = true;
      live.srcObject = stream;
      live.setAttribute("aria-label", t("attCamera"));
      parts.push(live);
    }
    const actions = node("div", "k-att-actions");
    actions.append(stop);
    parts.push(actions);
    this.panel.replaceChildren(...parts);
    this.panel.hidden = false;
    this.setDisabled(true);
    // Stopped half a second short of the limit: what the recorder has written by then can run a
    // little longer than the clock says, and the server refuses a recording over its limit.
    const stopAt = Math.max(1, max - 0.5);
    const tick = setInterval(() => {
      const seconds = (Date.now() - started) / 1000;
      timer.textContent = duration(Math.min(seconds, max));
      if (seconds >= stopAt) {
        clearInterval(tick);
        this.stopRecording(true); // the length limit: stopped, kept
      }
    }, 250);
    const recording = { recorder, stream, tick };
    this.recording = recording;
    recorder.ondataavailable = (event) => event.data.size && chunks.push(event.data);
    recorder.onstop = () => {
      for (const track of stream.getTracks()) track.stop();
      clearInterval(tick);
      if (this.recording !== recording) return; // thrown away (clear): the panel is another's now
      this.recording = null;
      this.setDisabled(false);
      if (!chunks.length) {
        this.clear();
        return;
      }
      const base = type.split(";")[0];
      const blob = new Blob(chunks, { type: base });
      const name = `${kind === "audio" ? "voice" : "video"}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-")}.${EXTENSIONS[base] || "webm"}`;
      this.setDraft(blob, name, kind);
      this.draft.recorded = true;
      this.showDraft();
      this.panel.querySelector(".k-att-media")?.focus();
    };
    recorder.start(1000);
    stop.focus();
  }

  /** Stop a recording: `keep` it as the draft, or throw it away (its camera and microphone stop either way). */
  stopRecording(keep) {
    const r = this.recording;
    if (!r) return;
    if (!keep) this.recording = null;
    // Its `onstop` comes after the last data: the recording is made into the draft there.
    if (r.recorder.state !== "inactive") r.recorder.stop();
  }
}

// --- In a transcript --------------------------------------------------------------------------------------

let viewer = null;
let viewerExpired = null;
const asked = new Map(); // attachment id -> when fresh links were last asked for

/** The full picture in a modal dialog (Esc or Close shuts it, and focus returns to the thumbnail). */
function showPicture(box, alt, t, expired) {
  if (!viewer) {
    viewer = node("dialog", "k-att-viewer");
    const img = node("img", "k-att-full");
    img.addEventListener("error", () => viewerExpired?.());
    const close = button(t("attClose"), "k-att-close");
    close.addEventListener("click", () => viewer.close());
    viewer.addEventListener("click", (event) => event.target === viewer && viewer.close());
    viewer.append(close, img);
    document.body.append(viewer);
  }
  viewerExpired = expired;
  viewer.dataset.attachment = box.dataset.attachment; // refreshAttachment renews it too
  const img = viewer.querySelector("img");
  img.src = box.info.url;
  img.alt = alt;
  viewer.setAttribute("aria-label", alt);
  viewer.showModal();
}

/**
 * An attachment drawn in a transcript: a picture's thumbnail (opens the full picture), a voice message's
 * <audio controls>, a video's <video controls playsinline>, a PDF's link with its name and size.
 * Options: t(key), lang, caption (the message's text: a picture's alt), onExpired(id): ask fresh
 * links (`file_link`), at most once in 30 s per attachment; `refreshAttachment` then puts them in;
 * linkSeconds: how long a link lasts (a PDF's link is renewed when pointed at or focused after that).
 */
export function renderAttachment(info, { t, lang, caption = "", onExpired, linkSeconds = 0 }) {
  const box = node("div", `k-attachment k-attachment--${info.kind}`);
  box.dataset.attachment = String(info.id);
  const expired = () => {
    const last = asked.get(info.id) || 0;
    if (Date.now() - last < 30000) return;
    asked.set(info.id, Date.now());
    onExpired?.(info.id);
  };
  if (info.kind === "image") {
    const alt = caption.trim() || t("attPicture");
    const open = button("", "k-att-open");
    const img = node("img", "k-att-thumb");
    img.alt = alt;
    if (info.width && info.height) {
      img.width = info.width;
      img.height = info.height;
    }
    img.src = info.thumb || info.url;
    img.addEventListener("error", expired);
    open.append(img);
    open.addEventListener("click", () => showPicture(box, alt, t, expired));
    box.append(open);
  } else if (info.kind === "audio" || info.kind === "video") {
    const label = t(info.kind === "audio" ? "attVoiceMessage" : "attVideoMessage");
    const media = node(info.kind, "k-att-media");
    media.controls = true;
    media.preload = "metadata";
    if (info.kind === "video") {
      media.playsInline = true;
      if (info.thumb) media.poster = info.thumb;
    }
    media.setAttribute("aria-label", info.duration ? `${label}, ${duration(info.duration)}` : label);
    media.src = info.url;
    media.addEventListener("error", expired);
    box.append(media);
  } else {
    const a = node("a", "k-att-link");
    a.href = info.url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.append(node("span", "k-att-name", info.name || t("attPdf")), node("span", "k-att-size", ` (${t("attPdf")}, ${fileSize(info.size || 0, lang)})`));
    // A link does not fail where the page could see it: its address is renewed when it is about to be used.
    const renew = () => box.expires && Date.now() > box.expires && expired();
    a.addEventListener("pointerenter", renew);
    a.addEventListener("focus", renew);
    box.append(a);
  }
  box.info = info;
  box.linkSeconds = linkSeconds;
  if (linkSeconds) box.expires = Date.now() + linkSeconds * 900; // a tenth early
  return box;
}

/** Fresh links (the `file_link` event) into every drawing of the attachment; a media element tries again. */
export function refreshAttachment(info, root = document) {
  for (const box of root.querySelectorAll(`[data-attachment="${Number(info.id)}"]`)) {
    box.info = info;
    if (box.linkSeconds) box.expires = Date.now() + box.linkSeconds * 900;
    if (box === viewer) {
      box.querySelector("img").src = info.url;
      continue;
    }
    const img = box.querySelector("img");
    if (img) img.src = info.thumb || info.url;
    const media = box.querySelector("audio, video");
    if (media) {
      media.src = info.url;
      if (info.thumb && media.tagName === "VIDEO") media.poster = info.thumb;
      media.load();
    }
    const link = box.querySelector("a");
    if (link) link.href = info.url;
  }
}

// Each kind's name among the texts (conversations/attachment_texts.py KIND_TEXT_KEYS holds the same).
const KIND_TEXT_KEYS = { image: "attPicture", audio: "attVoiceMessage", video: "attVideoMessage", pdf: "attPdf" };

/** A file's kind where a line's first words go (the console's queue): "[Picture]". */
export function kindLabel(kind, t) {
  return `[${t(KIND_TEXT_KEYS[kind] || "attAttached")}]`;
}

/** A line of a text transcript for the attachment: "[Picture: name]". */
export function attachmentLine(info, t) {
  return `[${t(KIND_TEXT_KEYS[info.kind] || "attPdf")}: ${info.name || ""}]`;
}
