// The console's state, what it keeps in sessionStorage across reloads, and its
// stream (static/kohtaamo/stream.js: socket, cursors, outbox and resume).

import { Stream } from "../kohtaamo/stream.js";
import { handleEvent, onRefused, showConnectionState } from "./console.js";
import { showAlert } from "./notices.js";
import { config, t } from "./util.js";

export const state = {
  me: null,
  welcome: null,
  desks: new Map(), // desk id -> latest `desk` snapshot
  deskOrder: [],
  deskSections: new Map(),
  convs: new Map(), // conversation id -> Conv
  current: null,
  refs: new Map(), // ref -> what the frame was, to place its answer or error
  seenWaiting: new Set(),
  snapshotsSeen: new Set(),
  pendingTransfers: new Map(), // conversation id -> desk name
  pendingCloses: new Set(),
  drafts: {},
  crisisAlerts: new Map(), // conversation id -> {alert, node} of a crisis banner still shown
  crisisTold: new Set(), // conversations whose crisis alert came: their arrival in a queue is not notified again
};

export const STORE_KEY = `kohtaamo.console.${config.staffId}`;

export function loadStore() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE_KEY) || "{}") || {};
  } catch {
    return {};
  }
}

let saveTimer = null;
export function saveStore() {
  window.clearTimeout(saveTimer);
  saveTimer = window.setTimeout(() => {
    const open = [...state.convs.values()].filter((c) => !c.gone).map((c) => ({ id: c.id, mode: c.mode }));
    try {
      sessionStorage.setItem(
        STORE_KEY,
        JSON.stringify({ open, current: state.current, outbox: [...stream.outbox.values()], drafts: state.drafts }),
      );
    } catch {
      // Storage full or disabled: the console still works, it only forgets on reload.
    }
  }, 200);
}

// A send or note waits in the stream's outbox ({c, id, type, body}) until its ack.
export const stream = new Stream(config.wsPath, {
  hello: () => ({ type: "hello", lang: config.lang }),
  onEvent: (event) => handleEvent(event),
  onState: (kind, detail) => showConnectionState(kind, detail),
  onRefused: (item, error) => onRefused(item, error),
  outbox: (loadStore().outbox || []).filter((item) => item.c != null),
  save: () => saveStore(),
});

let refCounter = 0;

/** Send a frame; with a context, its answer or error finds it again by `ref`. */
export function send(frame, context) {
  if (context) {
    refCounter += 1;
    frame.ref = `${context.kind}-${refCounter}`;
    state.refs.set(frame.ref, context);
    if (state.refs.size > 500) state.refs.delete(state.refs.keys().next().value);
  }
  return stream.send(frame);
}

/** Send a frame the counsellor asked for; when offline, say so instead of losing it silently. */
export function sendNow(frame, context) {
  if (send(frame, context)) return true;
  showAlert(t("notConnected"));
  return false;
}
