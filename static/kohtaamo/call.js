// Voice and video calls, shared by the client page, the console and the guest's page (docs/protocol.md
// "Calls", docs/calls.md). One CallPanel per conversation: start buttons, the ring (or, for a call going
// on, a Join button), and a resizable panel beside the chat (text goes on during a call) with a tile per
// other participant (their video and name), the own preview, mute, camera on/off, switch camera, hang-up.
// A call of more than two is a small mesh: one RTCPeerConnection per other participant; of each pair the
// one later in the call's `participants` (the newcomer) offers, so two never offer to each other. The
// server only relays the signals: each connection is built with the `ice` of this page's own `call`
// event (relay only where the desk says so) and gathers its candidates before sending its description
// (one frame, not a burst of candidates). A connection that fails or stays disconnected for a few
// seconds is dropped; when it was the only one, the call ends as lost, so everybody can call again.

import { guestName } from "./lines.js";

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

/** "Anna (interpreter)": the page's name of a peer, or a plain word when it has none. */
function fillName(text, name) {
  return text.replace("%(name)s", name);
}

/**
 * A call participant's name and role for their tile, the same on every page: "Mira (client)",
 * "Leena (counsellor)", "Anna (interpreter)".
 * @param o  {texts, guests (the latest `guests` list), roles (role code -> name), clientName, counsellorName}
 */
export function peerName(peer, { texts, guests = [], roles = {}, clientName = "", counsellorName = "" }) {
  if (peer === "client") return fillName(texts.asClient, clientName || texts.participant);
  if (peer.startsWith("staff")) return fillName(texts.asCounsellor, counsellorName || texts.participant);
  const guest = guests.find((g) => `guest:${g.id}` === peer);
  return guest ? guestName(guest, roles) : texts.participant;
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
   * @param {object} o  conversation (id); me (this page's peer id: "client", "staff:<id>", "guest:<id>");
   *   send(frame); texts (calls/texts.py); startMount (where the start buttons go, or null: none);
   *   panelMount (where the call panel goes, beside the chat); nameOf(peer) (the person's name and role,
   *   for their tile; optional)
   */
  constructor({ conversation, me, send, texts, startMount, panelMount, nameOf }) {
    this.conversation = conversation;
    this.me = me;
    this.send = send;
    this.t = texts;
    this.nameOf = nameOf || (() => texts.participant);
    this.call = null; // the latest `call` state
    this.ice = null;
    this.joining = null; // the call id this page started or joined (a reload has none)
    this.declined = null; // the call id this page said no to (a guest's no leaves the call ringing for others)
    this.links = new Map(); // peer id -> {pc, tile, video, caption, lostTimer}
    this.local = null;
    this.facing = "user";
    this.stopRing = null;
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
    if (startMount) startMount.append(this.starts);

    const panel = document.createElement("section");
    panel.className = "k-call";
    panel.hidden = true;
    panel.setAttribute("aria-label", t.panel);
    this.status = document.createElement("p");
    this.status.className = "k-call-status";
    this.status.setAttribute("role", "status");
    this.videos = document.createElement("div");
    this.videos.className = "k-call-videos";
    this.own = document.createElement("video");
    this.own.className = "k-call-own";
    this.own.autoplay = true;
    this.own.playsInline = true;
    this.own.muted = true;
    this.own.setAttribute("aria-label", t.ownVideo);
    this.videos.append(this.own);
    this.incoming = document.createElement("div");
    this.incoming.className = "k-call-buttons";
    this.acceptButton = button(t.accept, "k-call-accept primary", () => this.answer(true));
    this.declineButton = button(t.decline, "k-call-decline", () => this.answer(false));
    this.incoming.append(this.acceptButton, this.declineButton);
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
    panel.append(this.status, this.videos, this.incoming, this.controls);
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
    const ours = this.inCall();
    if (!ours) this.teardown();
    this.panel.hidden = false;
    this.incoming.hidden = true;
    this.controls.hidden = !ours;
    this.show(event.message || event.code);
  }

  /** Whether this page is in the conversation's call now (started or joined it here). */
  inCall() {
    const call = this.call;
    return Boolean(call && call.state !== "ended" && this.joining === call.id && call.participants.includes(this.me));
  }

  async answer(accept) {
    const call = this.call;
    if (!call) return;
    this.ringOff();
    if (accept) {
      if (!(await this.getMedia(call.media))) return this.send(this.frame("call_answer", { accept: false }));
      this.joining = call.id;
    } else {
      this.declined = call.id;
      this.incoming.hidden = true;
      this.show(this.t.elsewhere);
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
      const wasOurs = previous && previous.state !== "ended" && previous.participants.includes(this.me);
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
    const participant = call.participants.includes(this.me);
    if (!participant && this.joining === call.id) {
      // Out of the call (a guest removed, or cut off): the devices go, the others go on.
      this.teardown();
    }
    this.panel.hidden = false;
    this.panel.classList.toggle("k-call--video", call.media === "video");
    if (!participant) {
      // Not in it: may join while it rings (unless this page said no) or goes on (a page that may not
      // call here, a supervisor watching, only sees it).
      const ringing = call.state === "ringing";
      const offered = this.allowed && !(ringing && this.declined === call.id);
      this.incoming.hidden = !offered;
      this.controls.hidden = true;
      this.acceptButton.textContent = ringing ? this.t.accept : this.t.join;
      this.declineButton.hidden = !ringing;
      if (offered && ringing) {
        this.show(call.media === "video" ? this.t.incomingVideo : this.t.incomingAudio);
        this.ringOn();
      } else {
        this.ringOff();
        this.show(offered ? this.t.joinable : this.t.elsewhere);
      }
      return;
    }
    this.ringOff();
    this.incoming.hidden = true;
    this.controls.hidden = false;
    if (call.state === "ringing") {
      this.joining = call.id;
      this.show(this.t.calling);
      return;
    }
    if (this.joining !== call.id) {
      // A reload (or another tab) in the middle of a call: the media are gone; leave it, so it can go on or start again.
      this.hangUp(true);
      return;
    }
    this.connectAll();
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

  /** One connection per other participant; the ones who left are dropped. */
  connectAll() {
    const peers = this.call.participants;
    const mine = peers.indexOf(this.me);
    for (const peer of [...this.links.keys()]) if (!peers.includes(peer)) this.drop(peer);
    peers.forEach((peer, index) => {
      if (peer === this.me) return;
      const link = this.links.get(peer) || this.link(peer);
      link.caption.textContent = this.nameOf(peer);
      if (index < mine && !link.offered) this.offer(peer, link);
    });
    if (!this.links.size) this.show(this.t.calling);
  }

  /** The connection to `peer`, and its tile (its video, with the person's name). */
  link(peer) {
    const pc = new RTCPeerConnection(this.ice || {});
    for (const track of this.local ? this.local.getTracks() : []) pc.addTrack(track, this.local);
    const tile = document.createElement("figure");
    tile.className = "k-call-tile";
    const video = document.createElement("video");
    video.className = "k-call-remote";
    video.autoplay = true;
    video.playsInline = true;
    const caption = document.createElement("figcaption");
    caption.textContent = this.nameOf(peer);
    video.setAttribute("aria-label", fillName(this.t.videoOf, caption.textContent));
    tile.dataset.peer = peer;
    tile.append(video, caption);
    this.videos.insertBefore(tile, this.own);
    const link = { pc, tile, video, caption, lostTimer: 0, offered: false };
    this.links.set(peer, link);
    pc.ontrack = (event) => {
      video.srcObject = event.streams[0] || new MediaStream([event.track]);
    };
    pc.onconnectionstatechange = () => {
      if (this.links.get(peer) !== link) return;
      const s = pc.connectionState;
      if (s === "connected") {
        clearTimeout(link.lostTimer);
        this.show(this.t.inCall);
      } else if (s === "failed") this.lose(peer);
      else if (s === "disconnected") {
        clearTimeout(link.lostTimer);
        link.lostTimer = setTimeout(() => pc.connectionState !== "connected" && this.lose(peer), DISCONNECTED_MS);
      }
    };
    this.show(this.t.connecting);
    return link;
  }

  /** A connection lost for good: the only one ends the call as lost for this page; else that tile goes. */
  lose(peer) {
    if (this.links.get(peer) === undefined) return;
    if (this.links.size <= 1) this.hangUp(true);
    else this.drop(peer);
  }

  drop(peer) {
    const link = this.links.get(peer);
    if (!link) return;
    clearTimeout(link.lostTimer);
    link.pc.close();
    link.video.srcObject = null;
    link.tile.remove();
    this.links.delete(peer);
  }

  async offer(peer, link) {
    link.offered = true;
    const pc = link.pc;
    await pc.setLocalDescription(await pc.createOffer());
    await this.gathered(pc);
    if (this.links.get(peer) === link) this.signal(peer, { sdp: { type: "offer", sdp: pc.localDescription.sdp } });
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

  /** A `call_signal` event from another participant (an offer may come before the `call` that names them). */
  async onSignal(event) {
    if (!this.inCall() || event.call !== this.call.id || event.from === this.me) return;
    const link = this.links.get(event.from) || this.link(event.from);
    const pc = link.pc;
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

  /** Phones: the other camera (facingMode), swapped into every connection without renegotiating. */
  async switchCamera() {
    this.facing = this.facing === "user" ? "environment" : "user";
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: this.facing } });
    } catch {
      return;
    }
    const [track] = stream.getVideoTracks();
    for (const { pc } of this.links.values()) {
      const sender = pc.getSenders().find((s) => s.track && s.track.kind === "video");
      if (sender) await sender.replaceTrack(track);
    }
    for (const old of this.local.getVideoTracks()) {
      this.local.removeTrack(old);
      old.stop();
    }
    this.local.addTrack(track);
    this.own.srcObject = this.local;
  }

  teardown() {
    this.ringOff();
    for (const peer of [...this.links.keys()]) this.drop(peer);
    if (this.local) for (const track of this.local.getTracks()) track.stop();
    this.local = null;
    this.joining = null;
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
