// Voice and video calls, shared by the client page and the console (docs/protocol.md "Calls",
// docs/calls.md). One CallPanel per conversation: start buttons, the ring, and a resizable panel
// beside the chat (text goes on during a call) with mute, camera on/off, switch camera and hang-up.
// The server only relays the signals: this module builds the RTCPeerConnection with the `ice` of
// its own `call` event (relay only where the desk says so), gathers its candidates before sending
// its description (one frame, not a burst of candidates), and ends the call as lost when the
// connection fails or stays disconnected for a few seconds, so both sides can call again.

const GATHER_MS = 4000; // the longest wait for ICE candidates before sending a description
const DISCONNECTED_MS = 5000; // disconnected this long = lost
const RING_EVERY_MS = 1500;

/** A short two-tone ring with Web Audio (no file to fetch), repeated until `stop`; works in a background tab. */
function startRing() {
  let context = null;
  try {
    context = new AudioContext();
  } catch {
    return () => {};
  }
  const beep = () => {
    for (const [at, freq] of [
      [0, 660],
      [0.25, 880],
    ]) {
      const osc = context.createOscillator();
      const gain = context.createGain();
      gain.gain.value = 0.08;
      osc.frequency.value = freq;
      osc.connect(gain).connect(context.destination);
      osc.start(context.currentTime + at);
      osc.stop(context.currentTime + at + 0.2);
    }
  };
  beep();
  const timer = setInterval(beep, RING_EVERY_MS);
  return () => {
    clearInterval(timer);
    context.close().catch(() => {});
  };
}

/** The page title flashing with `text` until stopped (a ringing call in a background tab). */
function flashTitle(text) {
  const original = document.title;
  let on = false;
  const timer = setInterval(() => {
    on = !on;
    document.title = on ? text : original;
  }, 1000);
  return () => {
    clearInterval(timer);
    document.title = original;
  };
}

function button(text, className, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = className;
  b.textContent = text;
  b.addEventListener("click", onClick);
  return b;
}

export class CallPanel {
  /**
   * @param {object} o  conversation (id); me (this page's peer id, "client" or "staff:<id>");
   *   send(frame); texts (calls/texts.py); startMount (where the start buttons go);
   *   panelMount (where the call panel goes, beside the chat)
   */
  constructor({ conversation, me, send, texts, startMount, panelMount }) {
    this.conversation = conversation;
    this.me = me;
    this.send = send;
    this.t = texts;
    this.call = null; // the latest `call` state
    this.ice = null;
    this.joining = null; // the call id this page started or accepted (a reload has none)
    this.pc = null;
    this.local = null;
    this.facing = "user";
    this.stopRing = null;
    this.lostTimer = 0;
    this.build(startMount, panelMount);
    this.setAllowed(false);
  }

  build(startMount, panelMount) {
    const t = this.t;
    this.starts = document.createElement("div");
    this.starts.className = "k-call-start";
    this.startVoice = button(t.startVoice, "k-call-voice", () => this.start("audio"));
    this.startVideo = button(t.startVideo, "k-call-video", () => this.start("video"));
    this.starts.append(this.startVoice, this.startVideo);
    startMount.append(this.starts);

    const panel = document.createElement("section");
    panel.className = "k-call";
    panel.hidden = true;
    panel.setAttribute("aria-label", t.panel);
    this.status = document.createElement("p");
    this.status.className = "k-call-status";
    this.status.setAttribute("role", "status");
    const videos = document.createElement("div");
    videos.className = "k-call-videos";
    this.remote = document.createElement("video");
    this.remote.className = "k-call-remote";
    this.remote.autoplay = true;
    this.remote.playsInline = true;
    this.remote.setAttribute("aria-label", t.remoteVideo);
    this.own = document.createElement("video");
    this.own.className = "k-call-own";
    this.own.autoplay = true;
    this.own.playsInline = true;
    this.own.muted = true;
    this.own.setAttribute("aria-label", t.ownVideo);
    videos.append(this.remote, this.own);
    this.incoming = document.createElement("div");
    this.incoming.className = "k-call-buttons";
    this.incoming.append(
      button(t.accept, "k-call-accept primary", () => this.answer(true)),
      button(t.decline, "k-call-decline", () => this.answer(false)),
    );
    this.controls = document.createElement("div");
    this.controls.className = "k-call-buttons";
    this.muteButton = button(t.mute, "k-call-mute", () => this.toggleMute());
    this.muteButton.setAttribute("aria-pressed", "false");
    this.cameraButton = button(t.cameraOff, "k-call-camera", () => this.toggleCamera());
    this.cameraButton.setAttribute("aria-pressed", "false");
    this.switchButton = button(t.switchCamera, "k-call-switch", () => this.switchCamera());
    this.switchButton.hidden = true;
    this.hangButton = button(t.hangUp, "k-call-hangup danger", () => this.hangUp(false));
    this.controls.append(this.muteButton, this.cameraButton, this.switchButton, this.hangButton);
    panel.append(this.status, videos, this.incoming, this.controls);
    panelMount.append(panel);
    this.panel = panel;
  }

  /** Start buttons only in an open conversation with a person, and while no call is going on. */
  setAllowed(allowed) {
    this.allowed = allowed;
    this.starts.hidden = !allowed || Boolean(this.call && this.call.state !== "ended");
  }

  async start(media) {
    if (!(await this.getMedia(media))) return;
    this.send({ type: "call_start", conversation: this.conversation, media, ref: this.ref });
  }

  /** The ref of this panel's frames: an error with it is the panel's (see `onError`). */
  get ref() {
    return `call:${this.conversation}`;
  }

  /** The server refused a call frame (e.g. `call_unavailable`, `busy`): say so, and let the devices go. */
  onError(event) {
    const ours = this.call && this.call.state !== "ended" && this.joining === this.call.id;
    if (!ours) this.teardown();
    this.panel.hidden = false;
    this.incoming.hidden = true;
    this.controls.hidden = !ours;
    this.show(event.message || event.code);
  }

  async answer(accept) {
    const call = this.call;
    if (!call) return;
    this.ringOff();
    if (accept) {
      if (!(await this.getMedia(call.media))) return this.send(this.frame("call_answer", { accept: false }));
      this.joining = call.id;
    }
    this.send(this.frame("call_answer", { accept }));
  }

  hangUp(lost) {
    if (this.call && this.call.state !== "ended") this.send(this.frame("call_end", lost ? { lost: true } : {}));
    this.teardown();
  }

  frame(type, fields) {
    return { type, conversation: this.conversation, call: this.call.id, ref: this.ref, ...fields };
  }

  async getMedia(media) {
    try {
      this.local = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: media === "video" ? { facingMode: this.facing } : false,
      });
    } catch {
      this.show(this.t.noMedia);
      this.panel.hidden = false;
      this.incoming.hidden = true;
      this.controls.hidden = true;
      return false;
    }
    this.own.srcObject = this.local;
    this.own.hidden = media !== "video";
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
    this.switchButton.hidden = media !== "video" || devices.filter((d) => d.kind === "videoinput").length < 2;
    this.cameraButton.hidden = media !== "video";
    return true;
  }

  show(text) {
    this.status.textContent = text;
  }

  /** A `call` event: the conversation's call as it is now (or null). */
  onCall(event) {
    if (event.ice) this.ice = event.ice;
    const call = event.call;
    const previous = this.call;
    this.call = call;
    this.setAllowed(this.allowed);
    if (!call || call.state === "ended") {
      // The same end told twice (the answer to my frame, and the broadcast): shown once.
      if (call && previous && previous.id === call.id && previous.state === "ended") return;
      const wasOurs = previous && previous.state !== "ended";
      this.teardown();
      if (call && wasOurs) {
        this.panel.classList.remove("k-call--video");
        this.panel.hidden = false;
        this.incoming.hidden = true;
        this.controls.hidden = true;
        this.show(call.end_reason === "lost" ? this.t.lost : this.t.ended);
      }
      return;
    }
    const mine = call.started_by === this.me;
    const participant = mine || call.answered_by === this.me;
    this.panel.hidden = false;
    this.panel.classList.toggle("k-call--video", call.media === "video");
    if (call.state === "ringing") {
      // Only the side being rung answers: a page that may not call here (a supervisor watching) only sees it.
      const rungHere = !mine && this.allowed;
      this.incoming.hidden = !rungHere;
      this.controls.hidden = !mine;
      if (mine) {
        this.joining = call.id;
        this.show(this.t.calling);
      } else if (rungHere) {
        this.show(call.media === "video" ? this.t.incomingVideo : this.t.incomingAudio);
        this.ringOn();
      } else this.show(this.t.elsewhere);
      return;
    }
    this.ringOff();
    this.incoming.hidden = true;
    if (!participant) {
      this.controls.hidden = true;
      this.show(this.t.elsewhere);
      return;
    }
    this.controls.hidden = false;
    if (this.joining !== call.id) {
      // A reload (or another tab) in the middle of a call: the media are gone; end it, so either side can call again.
      this.hangUp(true);
      return;
    }
    if (!this.pc) this.connect(mine);
  }

  ringOn() {
    if (this.stopRing) return;
    const stopSound = startRing();
    const stopTitle = flashTitle(this.call.media === "video" ? this.t.incomingVideo : this.t.incomingAudio);
    let note = null;
    if (document.hidden && "Notification" in window && Notification.permission === "granted") {
      // Names no one and shows nothing written: the screen may be shared.
      note = new Notification(this.t.incomingTitle, { tag: `kohtaamo-call-${this.conversation}` });
      note.onclick = () => window.focus();
    }
    this.stopRing = () => {
      stopSound();
      stopTitle();
      if (note) note.close();
    };
  }

  ringOff() {
    if (this.stopRing) this.stopRing();
    this.stopRing = null;
  }

  async connect(offering) {
    const pc = new RTCPeerConnection(this.ice || {});
    this.pc = pc;
    for (const track of this.local ? this.local.getTracks() : []) pc.addTrack(track, this.local);
    pc.ontrack = (event) => {
      this.remote.srcObject = event.streams[0] || new MediaStream([event.track]);
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc) return;
      const s = pc.connectionState;
      if (s === "connected") {
        clearTimeout(this.lostTimer);
        this.show(this.t.inCall);
      } else if (s === "failed") this.hangUp(true);
      else if (s === "disconnected") {
        clearTimeout(this.lostTimer);
        this.lostTimer = setTimeout(() => pc === this.pc && pc.connectionState !== "connected" && this.hangUp(true), DISCONNECTED_MS);
      }
    };
    this.show(this.t.connecting);
    if (offering) {
      await pc.setLocalDescription(await pc.createOffer());
      await this.gathered(pc);
      this.signal(this.call.answered_by, { sdp: { type: "offer", sdp: pc.localDescription.sdp } });
    }
  }

  /** Wait until the candidates are in the description (or GATHER_MS has passed). */
  gathered(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, GATHER_MS);
      pc.addEventListener("icegatheringstatechange", () => {
        if (pc.iceGatheringState === "complete") {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  signal(to, signal) {
    this.send({ type: "call_signal", conversation: this.conversation, call: this.call.id, to, signal, ref: this.ref });
  }

  /** A `call_signal` event from the other participant. */
  async onSignal(event) {
    const pc = this.pc;
    if (!pc || !this.call || event.call !== this.call.id) return;
    const { sdp, candidate } = event.signal;
    if (sdp) {
      await pc.setRemoteDescription(sdp);
      if (sdp.type === "offer") {
        await pc.setLocalDescription(await pc.createAnswer());
        await this.gathered(pc);
        this.signal(event.from, { sdp: { type: "answer", sdp: pc.localDescription.sdp } });
      }
    } else if (candidate) await pc.addIceCandidate(candidate).catch(() => {});
  }

  toggleMute() {
    const tracks = this.local ? this.local.getAudioTracks() : [];
    const muted = !(tracks[0] && !tracks[0].enabled);
    for (const track of tracks) track.enabled = !muted;
    this.muteButton.setAttribute("aria-pressed", String(muted));
    this.muteButton.textContent = muted ? this.t.unmute : this.t.mute;
  }

  toggleCamera() {
    const tracks = this.local ? this.local.getVideoTracks() : [];
    const off = !(tracks[0] && !tracks[0].enabled);
    for (const track of tracks) track.enabled = !off;
    this.cameraButton.setAttribute("aria-pressed", String(off));
    this.cameraButton.textContent = off ? this.t.cameraOn : this.t.cameraOff;
  }

  /** Phones: the other camera (facingMode), swapped into the call without renegotiating. */
  async switchCamera() {
    this.facing = this.facing === "user" ? "environment" : "user";
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: this.facing } });
    } catch {
      return;
    }
    const [track] = stream.getVideoTracks();
    const sender = this.pc && this.pc.getSenders().find((s) => s.track && s.track.kind === "video");
    if (sender) await sender.replaceTrack(track);
    for (const old of this.local.getVideoTracks()) {
      this.local.removeTrack(old);
      old.stop();
    }
    this.local.addTrack(track);
    this.own.srcObject = this.local;
  }

  teardown() {
    this.ringOff();
    clearTimeout(this.lostTimer);
    if (this.pc) this.pc.close();
    this.pc = null;
    if (this.local) for (const track of this.local.getTracks()) track.stop();
    this.local = null;
    this.joining = null;
    this.remote.srcObject = null;
    this.own.srcObject = null;
    this.panel.hidden = true;
    this.setAllowed(this.allowed);
  }

  destroy() {
    this.teardown();
    this.starts.remove();
    this.panel.remove();
  }
}
