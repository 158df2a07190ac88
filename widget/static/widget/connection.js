// One WebSocket to the server that comes back by itself when it drops.
export class Connection {
  constructor(url, { onOpen, onEvent, onDown }) {
    this.url = url;
    this.onOpen = onOpen;
    this.onEvent = onEvent;
    this.onDown = onDown;
    this.ws = null;
    this.ready = false; // true after welcome (the page sets it)
    this.attempt = 0;
    this.timer = 0;
    this.lastHeard = 0;
    this.stopped = false;
    setInterval(() => this.keepAlive(), 25000);
    window.addEventListener("online", () => this.reconnectNow());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.reconnectNow();
    });
  }

  connect() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.lastHeard = Date.now();
      this.onOpen();
    };
    ws.onmessage = (event) => {
      this.lastHeard = Date.now();
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (data && typeof data === "object") this.onEvent(data);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.ready = false;
      this.onDown();
      this.scheduleReconnect();
    };
  }

  scheduleReconnect() {
    if (this.stopped) return;
    // 0.5 s, 1 s, 2 s ... at most 15 s, with some randomness so that many
    // clients do not all come back at the same moment after a restart.
    const base = Math.min(15000, 500 * 2 ** this.attempt);
    this.attempt += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), base / 2 + Math.random() * (base / 2));
  }

  reconnectNow() {
    if (this.stopped || this.ws) return;
    this.attempt = 0;
    this.connect();
  }

  connected() {
    this.attempt = 0;
  }

  keepAlive() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastHeard > 60000) {
      this.drop(); // silent for too long: assume it is dead and reconnect
      return;
    }
    this.send({ type: "ping" });
  }

  drop() {
    const ws = this.ws;
    if (!ws) return;
    ws.onclose = null;
    ws.close();
    this.ws = null;
    this.ready = false;
    this.onDown();
    this.scheduleReconnect();
  }

  send(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    this.ready = false;
    if (ws) ws.close();
  }
}
