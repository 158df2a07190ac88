// The staff WebSocket: connects, reconnects with backoff and keeps the link alive.
//
// It knows nothing of conversations: the console gives it callbacks. Frames sent
// while the socket is down are refused (send returns false); the console keeps
// its own outbox and sends it again after the next `welcome` (docs/protocol.md).

const BACKOFF_SECONDS = [1, 2, 4, 8, 15, 30];
const PING_EVERY_MS = 25000;
const SILENCE_LIMIT_MS = 60000;

export class Connection {
  /**
   * @param {string} url  ws:// or wss:// URL of /ws/staff/
   * @param {object} handlers  onOpen(), onEvent(event), onState(state, detail), onFatal(code)
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    this.ws = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.countdownTimer = null;
    this.stopped = false;
    this.lastFrameAt = 0;
    this.lastPingAt = 0;
    this.watchdog = window.setInterval(() => this.checkAlive(), 5000);
    window.addEventListener("online", () => this.connectNow());
    window.addEventListener("offline", () => this.handlers.onState("offline", {}));
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  open() {
    window.clearTimeout(this.retryTimer);
    window.clearInterval(this.countdownTimer);
    this.handlers.onState("connecting", {});
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (error) {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => {
      if (this.ws !== ws) return;
      this.lastFrameAt = Date.now();
      this.handlers.onOpen();
    });
    ws.addEventListener("message", (message) => {
      if (this.ws !== ws) return;
      this.lastFrameAt = Date.now();
      let event;
      try {
        event = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      if (event && typeof event === "object") this.handlers.onEvent(event);
    });
    ws.addEventListener("close", (closeEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (closeEvent.code === 4401 || closeEvent.code === 4403) {
        // No session, no second factor or a role that does not chat: retrying cannot help.
        this.stopped = true;
        this.handlers.onFatal(closeEvent.code);
        return;
      }
      if (!this.stopped) this.scheduleRetry();
    });
  }

  /** The welcome arrived: the link works, so the next loss starts the backoff afresh. */
  markHealthy() {
    this.attempt = 0;
    this.handlers.onState("connected", {});
  }

  scheduleRetry() {
    if (this.stopped) return;
    if (navigator.onLine === false) {
      this.handlers.onState("offline", {});
      return; // the "online" event reconnects
    }
    const base = BACKOFF_SECONDS[Math.min(this.attempt, BACKOFF_SECONDS.length - 1)];
    this.attempt += 1;
    // Jitter, so that a room of consoles does not reconnect in step after a restart.
    const delay = Math.round(base * 1000 * (0.8 + Math.random() * 0.4));
    const due = Date.now() + delay;
    const tell = () => {
      const seconds = Math.max(0, Math.ceil((due - Date.now()) / 1000));
      this.handlers.onState("reconnecting", { seconds });
    };
    tell();
    this.countdownTimer = window.setInterval(tell, 1000);
    this.retryTimer = window.setTimeout(() => this.open(), delay);
  }

  connectNow() {
    if (this.stopped || this.isOpen) return;
    if (this.ws && this.ws.readyState === WebSocket.CONNECTING) return;
    this.open();
  }

  checkAlive() {
    if (!this.isOpen) return;
    const now = Date.now();
    if (now - this.lastFrameAt > SILENCE_LIMIT_MS) {
      // Nothing heard, not even a pong: the link is dead without having said so.
      this.ws.close();
      this.ws = null;
      this.scheduleRetry();
      return;
    }
    if (now - this.lastPingAt > PING_EVERY_MS && now - this.lastFrameAt > PING_EVERY_MS / 2) {
      this.lastPingAt = now;
      this.send({ type: "ping" });
    }
  }

  /** Send a frame now; false when the socket is not open (nothing is queued here). */
  send(frame) {
    if (!this.isOpen) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch (error) {
      return false;
    }
  }
}
