"""The call panel's words (static/kohtaamo/call.js), for the client page's and the console's JSON config.

One list for both pages: a call looks the same from either side. In clear,
plain language (the client may be fourteen).
"""

from __future__ import annotations

from django.utils.translation import pgettext


def call_texts() -> dict[str, str]:
    """Every text of the call panel, in the active language."""
    return {
        "startVoice": pgettext("call", "Voice call"),
        "startVideo": pgettext("call", "Video call"),
        "panel": pgettext("call", "Call"),
        "calling": pgettext("call", "Calling… Waiting for an answer."),
        "incomingAudio": pgettext("call", "Incoming voice call"),
        "incomingVideo": pgettext("call", "Incoming video call"),
        "incomingTitle": pgettext("call", "Someone is calling you in the chat"),
        "accept": pgettext("call", "Answer"),
        "decline": pgettext("call", "Decline"),
        "connecting": pgettext("call", "Connecting…"),
        "inCall": pgettext("call", "The call is on. You can keep writing too."),
        "mute": pgettext("call", "Mute microphone"),
        "unmute": pgettext("call", "Turn microphone on"),
        "cameraOff": pgettext("call", "Turn camera off"),
        "cameraOn": pgettext("call", "Turn camera on"),
        "switchCamera": pgettext("call", "Switch camera"),
        "hangUp": pgettext("call", "Hang up"),
        "ended": pgettext("call", "The call ended."),
        "lost": pgettext("call", "The call was cut off. You can call again."),
        "elsewhere": pgettext("call", "A call is going on in this conversation."),
        "noMedia": pgettext("call", "Your camera or microphone could not be started. Check the browser's permissions."),
        "remoteVideo": pgettext("call", "The other person's video"),
        "ownVideo": pgettext("call", "Your own video"),
        # A call of more than two (issue 14): joining one going on, and each person's tile.
        "join": pgettext("call", "Join the call"),
        "joinable": pgettext("call", "A call is going on in this conversation. You can join it."),
        "participant": pgettext("call", "Participant"),
        "videoOf": pgettext("call", "Video: %(name)s"),
        "asCounsellor": pgettext("call", "%(name)s (counsellor)"),
        "asClient": pgettext("call", "%(name)s (client)"),
    }
