// The one real-time stream of both front ends, the client page and the staff
// console (docs/protocol.md). It owns what must behave the same on both:
// - the WebSocket: reconnect with jittered exponential backoff (0.5 s ... 15 s),
//   a ping every 25 s (silent for 60 s = dead), reconnect at once when the
//   network comes back or the page is shown again; close codes 4401/4403 are final;
//   4503 (the server process is full) is retried like a lost link, from 2 s on,
//   and the page is told so it can say that the service is very busy;
// - a cursor per conversation: every seq up to `cursor` is here, `maxSeq` is the
//   highest known (from a message or an ack). A message whose seq is known is
//   dropped (a resume and the live stream overlap by design); a gap
//   (maxSeq > cursor) is asked for with `resume` after GAP_DELAY;
// - the outbox: frames the server has not acknowledged, keyed by their
//   client-made id. They go (again, with the same id) whenever their
//   conversation is synced; an ack, or the message or note carrying the id,
//   removes them; `unavailable` keeps them and tries again with backoff
//   (1 s ... 15 s), as does a refused `resume` or `hello`; `rate_limited` waits
//   `retry_after`. Any other error hands the item back to the page (onRefused).
//   An item may carry an uploaded `attachment` id (attachments.js), sent with it every time.
// The page decides which conversations to resume after `welcome`.

export const RECONNECT_MS = [500, 15000]; // first and longest wait before reconnecting
export const RETRY_MS = [1000, 15000]; // the same after `unavailable`
export const GAP_DELAY_MS = 1000; // a seq missing this long is asked for
const BUSY_CLOSE_CODE = 4503; // realtime/capacity.py: this server process holds all the sockets it takes
const PING_MS = 25000;
const SILENCE_MS = 60000;

/** A wait that doubles from `first` to `cap`, with jitter so that pages do not come back in step. */
export function backoff(attempt, [first, cap]) {
  const base = Math.min(cap, first * 2 ** attempt);
  return Math.round(base / 2 + (Math.random() * base) / 2);
}

/** A client-made id (crypto.randomUUID needs a secure context; getRandomValues works everywhere). */
export function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const RESUME = "resume-";

export class Stream {
  /**
   * @param {string} path  /ws/client/ or /ws/staff/
   * @param {object} h  hello(): the hello frame; onEvent(event); onState(kind, detail) with kind
   *   connecting, connected, trouble (connected, but the server cannot store), reconnecting {due, busy}
   *   (busy: the server turned the socket away because it is full),
   *   offline or fatal {code}; onRefused(item, error); outbox: items kept from before;
   *   save(items): keep the outbox
   */
  constructor(path, h) {
    this.url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
    this.h = h;
    this.ws = null;
    this.ready = false; // after welcome
    this.stopped = false;
    this.trouble = false;
    this.attempt = 0;
    this.retryAttempt = 0;
    this.timer = 0;
    this.retryTimer = 0;
    this.lastHeard = 0;
    this.convs = new Map();
    this.outbox = new Map((h.outbox || []).map((item) => [item.id, item]));
    setInterval(() => this.keepAlive(), PING_MS);
    addEventListener("online", () => this.now());
    addEventListener("offline", () => this.ws || this.state("offline"));
    document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && this.now());
  }

  state(kind, detail = {}) {
    this.h.onState?.(kind, detail);
  }

  // --- the socket

  connect() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.state("connecting");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.down();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.lastHeard = Date.now();
      this.hello();
    };
    ws.onmessage = (message) => {
      this.lastHeard = Date.now();
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event && typeof event === "object") this.receive(event);
    };
    ws.onclose = (close) => {
      if (this.ws !== ws) return;
      if (close.code === 4401 || close.code === 4403) {
        // No session, no second factor, or a role that does not chat: retrying cannot help.
        this.stop();
        this.state("fatal", { code: close.code });
        return;
      }
      this.down(close.code === BUSY_CLOSE_CODE);
    };
  }

  hello() {
    this.send({ ...this.h.hello(), ref: "hello" });
  }

  /** The socket is gone: try again after a backoff (`busy`: the server was full, so wait at least 1-2 s). */
  down(busy = false) {
    this.ws = null;
    this.ready = false;
    for (const c of this.convs.values()) c.synced = c.resuming = false;
    if (this.stopped) return;
    if (navigator.onLine === false) {
      this.state("offline"); // the "online" event reconnects
      return;
    }
    if (busy) this.attempt = Math.max(this.attempt, 2);
    const delay = backoff(this.attempt++, RECONNECT_MS);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
    this.state("reconnecting", { due: Date.now() + delay, busy });
  }

  /** Reconnect now (network back, page shown again), unless connected or connecting. */
  now() {
    if (this.stopped || this.ws) return;
    this.attempt = 0;
    this.connect();
  }

  keepAlive() {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastHeard > SILENCE_MS) {
      // Nothing heard, not even a pong: the link is dead without having said so.
      ws.onclose = null;
      ws.close();
      this.down();
    } else this.send({ type: "ping" });
  }

  /** Send a frame now; false when the socket is not open (nothing is queued here). */
  send(frame) {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    const ws = this.ws;
    this.ws = null;
    this.ready = false;
    if (ws) {
      ws.onclose = null;
      ws.close();
    }
  }

  // --- cursors

  track(id) {
    let c = this.convs.get(id);
    if (!c) {
      c = { id, cursor: 0, maxSeq: 0, above: new Set(), synced: false, resuming: false, gap: 0 };
      this.convs.set(id, c);
    }
    return c;
  }

  forget(id) {
    clearTimeout(this.convs.get(id)?.gap);
    this.convs.delete(id);
  }

  has(c, seq) {
    return seq <= c.cursor || c.above.has(seq);
  }

  advance(c, upTo) {
    c.cursor = Math.max(c.cursor, upTo);
    for (const seq of c.above) if (seq <= c.cursor) c.above.delete(seq);
    while (c.above.delete(c.cursor + 1)) c.cursor += 1;
    c.maxSeq = Math.max(c.maxSeq, c.cursor);
  }

  checkGap(c) {
    if (c.maxSeq <= c.cursor || c.gap) return;
    c.gap = setTimeout(() => {
      c.gap = 0;
      if (c.maxSeq > c.cursor && this.ready && c.synced && !c.resuming) this.resume(c.id);
    }, GAP_DELAY_MS);
  }

  /** Ask for everything after the cursor; the outbox of the conversation follows its `synced`. */
  resume(id) {
    const c = this.track(id);
    c.resuming = true;
    c.synced = false;
    return this.send({ type: "resume", conversation: id, after: c.cursor, ref: RESUME + id });
  }

  // --- the outbox

  save() {
    this.h.save?.([...this.outbox.values()]);
  }

  /** Keep an item ({c, id, type, body, ...}) until it is acknowledged, and send it when possible. */
  submit(item) {
    this.outbox.set(item.id, item);
    this.save();
    this.transmit(item);
  }

  remove(id) {
    if (this.outbox.delete(id)) this.save();
  }

  transmit(item) {
    if (!this.ready || !this.convs.get(item.c)?.synced) return false;
    const { c, id, type = "send", body, attachment } = item;
    const frame = { type, conversation: c, id, body, ref: id };
    // A message with an attachment (attachments.js): the file is stored already, under `attachment`.
    if (attachment != null) frame.attachment = attachment;
    return this.send(frame);
  }

  /** Fresh links of an attachment whose links expired (answered by the event `file_link`). */
  fileLink(conversation, attachment) {
    return this.send({ type: "file_link", conversation, attachment, ref: `file-${attachment}` });
  }

  flush(id) {
    for (const item of this.outbox.values()) if (item.c === id) this.transmit(item);
  }

  /** After `unavailable` or `rate_limited`: hello, resumes and the outbox again, once, later. */
  retryLater(ms) {
    if (this.retryTimer) return this.retryDue - Date.now();
    this.retryDue = Date.now() + ms;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = 0;
      if (!this.ws) return; // the reconnect says hello, resumes and resends anyway
      if (!this.ready) return this.hello();
      for (const c of this.convs.values()) if (!c.synced) this.resume(c.id);
      for (const item of this.outbox.values()) this.transmit(item);
    }, ms);
    return ms;
  }

  setTrouble(on) {
    if (on === this.trouble) return;
    this.trouble = on;
    if (this.ready) this.state(on ? "trouble" : "connected");
  }

  settled() {
    this.retryAttempt = 0;
    if (![...this.outbox.values()].some((item) => item.waiting)) this.setTrouble(false);
  }

  // --- frames from the server

  receive(e) {
    const c = typeof e.conversation === "number" ? this.convs.get(e.conversation) : undefined;
    switch (e.type) {
      case "welcome":
        this.ready = true;
        this.attempt = 0;
        this.state(this.trouble ? "trouble" : "connected");
        break;
      case "message":
        if (!c || this.has(c, e.seq)) return; // each seq once
        c.above.add(e.seq);
        c.maxSeq = Math.max(c.maxSeq, e.seq);
        this.advance(c, 0);
        if (e.id) this.remove(e.id);
        if (c.synced) this.checkGap(c);
        break;
      case "synced":
        if (!c) return;
        this.advance(c, e.last_seq || 0);
        c.resuming = false;
        c.synced = true;
        this.settled();
        this.flush(c.id);
        break;
      case "ack":
        this.remove(e.id);
        this.settled();
        if (c && typeof e.seq === "number" && !this.has(c, e.seq)) {
          // The message event should follow; if the layer lost it, the gap fetches it.
          c.maxSeq = Math.max(c.maxSeq, e.seq);
          if (c.synced) this.checkGap(c);
        }
        break;
      case "note":
        if (e.note?.client_id) this.remove(e.note.client_id);
        break;
      case "error":
        if (this.error(e)) return;
        break;
    }
    this.h.onEvent(e);
  }

  /** True when the error was about an outbox item that the page got back through onRefused. */
  error(e) {
    const ref = e.ref || "";
    const item = this.outbox.get(ref);
    const resumed = ref.startsWith(RESUME) ? this.convs.get(Number(ref.slice(RESUME.length))) : undefined;
    if (resumed) e.resumed = resumed.id;
    if (e.code === "rate_limited") {
      // The frame was dropped unread: after the wait, everything unanswered goes again.
      e.retryIn = this.retryLater(Math.max(1, e.retry_after || 1) * 1000);
      return false;
    }
    if (e.code === "unavailable") {
      // Nothing was stored, nothing is lost: try again, less and less often.
      this.setTrouble(true);
      if (item) item.waiting = true;
      if (item || resumed || ref === "hello") e.retryIn = this.retryLater(backoff(this.retryAttempt++, RETRY_MS));
      return false;
    }
    if (ref === "hello") {
      e.retryIn = this.retryLater((e.retry_after || 2) * 1000);
      return false;
    }
    if (resumed) resumed.resuming = false;
    if (!item) return false;
    // Not stored and never will be: the page gives the text back to its writer.
    this.remove(item.id);
    this.h.onRefused?.(item, e);
    return true;
  }
}
