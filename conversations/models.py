"""Anonymous clients, their conversations with desks, and what was said.

The database is the truth of the real-time protocol: every message gets its
per-conversation sequence number here, in the same transaction that stores it,
and a party that missed an event reads it back from here by its cursor.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.expressions import Combinable
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from desks.models import Desk


class Client(models.Model):
    """An anonymous visitor, known only by a random token kept in their browser.

    Only a hash of the token is stored, so a copy of the database does not let
    anyone act as the client. No IP address, user agent or name is ever kept.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")

    def __str__(self) -> str:
        return f"client {self.pk}"


class Status(models.TextChoices):
    BOT = "bot", _("With the chatbot")
    QUEUED = "queued", _("In queue")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")
    # Left as a message when nobody answered live (conversations.actions.offline): it waits in
    # the desk's inbox, staff reply when they can, the client comes back with its code.
    MESSAGE = "message", _("Left as a message")


class HandoffReason(models.TextChoices):
    DIRECT = "direct", _("Asked for a person at the start")
    ASKED = "asked", _("Asked the chatbot for a person")
    BOT_UNSURE = "bot_unsure", _("The chatbot was not sure")
    CRISIS = "crisis", _("Possible crisis")


class Outcome(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    REFERRED = "referred", _("Referred to another service")
    FOLLOW_UP = "follow_up", _("Follow-up agreed")
    CLIENT_LEFT = "client_left", _("Client left")
    NO_REPLY = "no_reply", _("Client did not reply")
    INAPPROPRIATE = "inappropriate", _("Inappropriate contact")
    OTHER = "other", _("Other")


# The order a desk's queue is answered in: urgent first (those whose flag is
# fresh, see `fresh_crisis`, after the other urgent ones), then the longest
# waiting (the primary key breaks ties). Used by the queue, the desk snapshot,
# "take next" and every queue position.
QUEUE_ORDER = ("-urgent", "fresh_crisis", "queued_at", "pk")


def fresh_crisis() -> ExpressionWrapper[Combinable]:
    """True for a conversation whose crisis flag came from its only client message, seconds after its start.

    Why: a throwaway token can open a conversation and type alarming words in
    one breath; five of them raised five alerts that sorted above a real client
    in crisis. Such a flag is still raised (the client gets the guidance at
    once), but it waits after the urgent conversations with a history, and the
    console groups its alert. A flag more than `CHAT_CRISIS_FRESH_SECONDS` after
    the start, or any further client message, makes it an ordinary urgent
    conversation again. An expression, so that the queue's order and the alert
    read the same rule from the database.
    """
    window = dt.timedelta(seconds=settings.CHAT_CRISIS_FRESH_SECONDS)
    said_more = Exists(
        Message.objects.filter(conversation=OuterRef("pk"), sender_kind=SenderKind.CLIENT).order_by()[1:2]
    )
    return ExpressionWrapper(
        Q(crisis_at__isnull=False, crisis_at__lt=F("created_at") + window) & ~said_more,
        output_field=models.BooleanField(),
    )


class ConversationQuerySet(models.QuerySet["Conversation"]):
    def open(self) -> ConversationQuerySet:
        """Not closed: with the bot, waiting or being answered."""
        return self.exclude(status=Status.CLOSED)

    def waiting(self) -> ConversationQuerySet:
        """Waiting in a queue, in the order they will be answered."""
        return self.filter(status=Status.QUEUED).alias(fresh_crisis=fresh_crisis()).order_by(*QUEUE_ORDER)

    def offered_elsewhere(self, staff_id: int) -> ConversationQuerySet:
        """Those whose offer to a colleague of `staff_id` still holds (see `offer_holds`): not theirs to take."""
        return (
            self.filter(offered_to__isnull=False)
            .exclude(offered_to_id=staff_id)
            .filter(Q(offered_until__isnull=True) | Q(offered_until__gt=timezone.now()))
        )

    def with_fresh_crisis(self) -> ConversationQuerySet:
        """Annotated with `fresh_crisis` (see the function of that name)."""
        return self.annotate(fresh_crisis=fresh_crisis())


def staff_can_write(status: str, assigned_to_id: int | None, staff_id: int) -> bool:
    """Whether a staff member may write in a conversation: only its counsellor, while it is live or a message.

    A function of plain values, so that a staff socket can apply the same rule
    to a broadcast conversation state (realtime.consumers) as the actions do to
    a row.
    """
    return status in (Status.ACTIVE, Status.MESSAGE) and assigned_to_id == staff_id


class Conversation(models.Model):
    """One client's contact with a desk, from the queue to the closing."""

    desk = models.ForeignKey(Desk, verbose_name=_("desk"), on_delete=models.PROTECT, related_name="conversations")
    # Cleared when the messages are purged (conversations.retention), so that the
    # statistics that stay cannot be tied to a browser.
    client = models.ForeignKey(Client, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations")
    nickname = models.CharField(_("nickname"), max_length=settings.CHAT_MAX_NICKNAME_CHARS, blank=True)
    language = models.CharField(_("language"), max_length=5, default="fi")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("counsellor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
    )
    # Set when a transfer names a colleague: the conversation waits for that person.
    offered_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Until when `offered_to` holds (blank: until someone takes it). A returning client who
    # asked for their earlier counsellor waits for them only this long (SAME_COUNSELLOR_OFFER_SECONDS);
    # after it anyone of the desk may take the conversation (see `offer_holds`).
    offered_until = models.DateTimeField(null=True, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    # When a client message last matched the crisis patterns (bot.crisis); the
    # console flags the conversation for every counsellor of the desk.
    crisis_at = models.DateTimeField(_("possible crisis"), null=True, blank=True)
    # Why the conversation left the chatbot for the queue (blank: never with the bot).
    handoff_reason = models.CharField(_("hand-off reason"), max_length=20, choices=HandoffReason.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    # When a person first took the conversation (the wait a contact record reports ends here).
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    closed_by_client = models.BooleanField(default=False)
    # When the messages, notes and nickname were deleted after the retention period.
    purged_at = models.DateTimeField(null=True, blank=True)
    # When the client deleted the conversation themselves (purged at once; staff see only this).
    deleted_by_client_at = models.DateTimeField(null=True, blank=True)
    # The client's optional answers about themselves (common.demographics), copied into the contact
    # record; never required, and never shown beside the conversation's words.
    client_age_group = models.CharField(max_length=20, blank=True)
    client_municipality = models.CharField(max_length=5, blank=True)
    # When the client rated the conversation: one rating per conversation (stats.Feedback holds it).
    feedback_at = models.DateTimeField(null=True, blank=True)
    # The conversation code's HMAC (conversations.codewords.code_hash): the code itself is never
    # stored. Cleared by the purge, so a code expires with the conversation's words.
    code_hash = models.CharField(_("conversation code (hash)"), max_length=64, null=True, blank=True, unique=True)
    # The protocol's cursors. last_seq is the sequence number of the newest
    # message; the others are what each side has received and read.
    last_seq = models.PositiveIntegerField(default=0)
    client_delivered_seq = models.PositiveIntegerField(default=0)
    client_read_seq = models.PositiveIntegerField(default=0)
    staff_delivered_seq = models.PositiveIntegerField(default=0)
    staff_read_seq = models.PositiveIntegerField(default=0)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [models.Index(fields=["desk", "status", "queued_at"], name="conv_queue_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.desk}"

    def offer_holds(self) -> bool:
        """Whether the conversation still waits for the person it was offered to (`offered_to`).

        A transfer to a person holds until someone takes it; an offer to a
        returning client's earlier counsellor holds until `offered_until`.
        """
        return self.offered_to_id is not None and (self.offered_until is None or self.offered_until > timezone.now())

    def writable_by(self, staff_id: int) -> bool:
        return staff_can_write(self.status, self.assigned_to_id, staff_id)


class SenderKind(models.TextChoices):
    CLIENT = "client", _("Client")
    STAFF = "staff", _("Staff")
    SYSTEM = "system", _("System")
    BOT = "bot", _("Chatbot")
    # A third participant (Guest): an interpreter or another professional; args name the guest.
    GUEST = "guest", _("Guest")


class Message(models.Model):
    """A line of the transcript, visible to the client and the staff.

    System lines (joined, transferred, closed) carry a `code` and arguments
    instead of text, so each party renders them in its own language.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    sender_kind = models.CharField(max_length=10, choices=SenderKind.choices)
    sender_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sender_name = models.CharField(max_length=60, blank=True)
    client_msg_id = models.CharField(max_length=64, null=True, blank=True)
    body = models.TextField(blank=True)
    code = models.CharField(max_length=40, blank=True)
    args = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="unique_message_seq"),
            models.UniqueConstraint(
                fields=["conversation", "sender_kind", "client_msg_id"], name="unique_client_msg_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}:{self.seq}"


class Note(models.Model):
    """A private note on a conversation: staff only, never sent to the client."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField()  # its limit is a message's (conversations.actions.transcript.clean_body)
    client_msg_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the conversation moved to another organisation's desk without its
    # notes: only that organisation's staff read the note (conversations.actions.notes).
    kept_within = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "client_msg_id"], name="unique_note_client_msg_id")
        ]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.conversation_id}"


class Transfer(models.Model):
    """The history of a conversation's moves between desks and colleagues."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="transfers")
    from_staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    from_desk = models.ForeignKey(Desk, on_delete=models.PROTECT, related_name="+")
    to_desk = models.ForeignKey(Desk, on_delete=models.PROTECT, related_name="+")
    to_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    # To another organisation's desk: whether the private notes went along (else kept_within).
    notes_along = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"transfer of {self.conversation_id} to {self.to_desk_id}"


class Attachment(models.Model):
    """A file sent in a conversation (issue 14): a picture, a voice or video message, or a PDF.

    Uploaded first (`message` empty), then sent with a message that names it
    (conversations.actions.attachments). The file and its thumbnail are kept
    through the storage "attachments" under random names (media.files); this
    row is the only link between them and the conversation. Deleting the row
    deletes the files after the commit (`delete_files_with_rows`, connected in
    ConversationsConfig.ready), whatever deleted it: the purge, the client's
    deletion, the cleanup of uploads never sent, a cascade.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="attachments")
    # The line that sent it; empty until sent. The purge deletes attachments before messages.
    message = models.OneToOneField(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachment")
    # Who uploaded it, as a peer id: "client", "staff:<id>" or "guest:<id>" (docs/protocol.md).
    uploader = models.CharField(max_length=40)
    # The uploader's own id for the upload: the same id again is the same attachment, stored once.
    upload_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=10)
    mime = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True)
    file_name = models.CharField(max_length=200)
    thumb_name = models.CharField(max_length=200, blank=True)
    # What the readers see as its name: a PDF's own (cleaned), a generic one for the other kinds.
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "uploader", "upload_id"], name="unique_attachment_upload")
        ]
        indexes = [models.Index(fields=["message", "created_at"], name="attachment_unsent_idx")]

    def __str__(self) -> str:
        return f"attachment {self.pk} of {self.conversation_id}"


# --- Guests: a third participant (issue 14, item 3) ------------------------------------------------


class GuestRole(models.TextChoices):
    INTERPRETER = "interpreter", _("Interpreter")
    SIGN_LANGUAGE_INTERPRETER = "sign_language_interpreter", _("Sign language interpreter")
    PROFESSIONAL = "professional", _("Professional")


class GuestState(models.TextChoices):
    """asked (the client is asked) -> accepted (a link given) or declined -> joined -> left or removed.

    `cancelled`: the invitation ended before the guest joined (removed by the
    counsellor, or the conversation closed).
    """

    ASKED = "asked", _("Waiting for the client's consent")
    ACCEPTED = "accepted", _("Consented: link given")
    DECLINED = "declined", _("Declined by the client")
    JOINED = "joined", _("In the conversation")
    LEFT = "left", _("Left")
    REMOVED = "removed", _("Removed")
    CANCELLED = "cancelled", _("Cancelled")


class Guest(models.Model):
    """A third participant of one conversation: an interpreter or another professional.

    Invited by the conversation's counsellor, only after the client consents
    (conversations.actions.guests). The guest comes in by a one-time link whose
    token is kept only as a hash (like a client's), reads the conversation only
    from `first_seq` (the line before they joined is never theirs) and nothing
    after they leave or are removed. Their name, role and organisation are what
    the client sees: no staff account, no address, nothing else is kept.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="guests")
    role = models.CharField(_("role"), max_length=30, choices=GuestRole.choices)
    name = models.CharField(_("name"), max_length=60)
    organisation = models.CharField(_("organisation or title"), max_length=100, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(_("state"), max_length=10, choices=GuestState.choices, default=GuestState.ASKED)
    # The one-time link's token: only its hash (SHA-256), cleared once redeemed or ended.
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    # The first line the guest may read: the one after the conversation's last line when they joined.
    first_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["conversation", "pk"]
        verbose_name = _("guest")
        verbose_name_plural = _("guests")

    def __str__(self) -> str:
        return f"guest {self.pk} in {self.conversation_id}"

    @property
    def peer(self) -> str:
        """The guest's peer id in the protocol (docs/protocol.md: peers)."""
        return f"guest:{self.pk}"


# --- Calls (issue 14, item 2; conversations.actions.calls, docs/calls.md) -----------------


class CallMedia(models.TextChoices):
    AUDIO = "audio", _("Voice call")
    VIDEO = "video", _("Video call")


class CallState(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class CallEnd(models.TextChoices):
    HANGUP = "hangup", _("Hung up")
    DECLINED = "declined", _("Declined")
    MISSED = "missed", _("Not answered")
    LOST = "lost", _("Connection lost")
    CLOSED = "closed", _("The conversation ended")


class Call(models.Model):
    """A voice or video call inside a conversation: who, when and how it ended, never what was said or shown.

    Parties are named by peer id ("client", "staff:<id>", "guest:<id>", see
    realtime.consumers peer_id). The media flow between the browsers
    (through the TURN relay when `relay_only`); the server only relays the
    signals. At most one call of a conversation is not ended (a constraint).
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="calls")
    media = models.CharField(max_length=5, choices=CallMedia.choices)
    started_by = models.CharField(max_length=40)
    # The first who accepted (blank while ringing, or when nobody did).
    answered_by = models.CharField(max_length=40, blank=True)
    # Who is in the call now, in the order they came in: the starter, then each who accepted (a guest
    # who left or was removed is taken out; conversations.actions.calls.do_answer_call, leave_call).
    participants = models.JSONField(default=list, blank=True)
    # Fixed when the call starts, from its desk and whether TURN is configured (calls.ice.turn_configured).
    relay_only = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=CallState.choices, default=CallState.RINGING)
    rung_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=10, choices=CallEnd.choices, blank=True)
    # The participants whose socket closed, and when ({peer: ISO time}): each is out of the call (a guest)
    # or the call ends as lost (the client, the counsellor) unless they come back within
    # CALL_LOST_SECONDS (conversations.actions.calls.do_peer_gone, do_peer_back).
    gone = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["conversation", "rung_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["conversation"], condition=~Q(state="ended"), name="one_call_at_a_time")
        ]
        # The sweep (conversations.actions.calls.do_sweep_calls) reads the calls not ended every second.
        indexes = [models.Index(fields=["state"], condition=~Q(state="ended"), name="open_calls_idx")]

    def __str__(self) -> str:
        return f"call {self.pk} in {self.conversation_id}"

    def peers(self) -> tuple[str, ...]:
        """The call's participants now: who started it and everybody who accepted and is still in it."""
        return tuple(self.participants)


class CallPresence(models.Model):
    """A call participant's last sign of life: a server process held a socket of theirs in the call then.

    A process that dies without running its sockets' `disconnect` (killed, out
    of memory) never records them as gone, so the call would stay active for
    ever. Each process renews the rows of the participants it holds sockets
    of, and a participant not seen for `CALL_LOST_SECONDS` ends the call as
    lost (conversations.actions.call_presence). It says nothing of the call's
    content; it goes with its call.
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="presence")
    peer = models.CharField(max_length=40)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "peer"], name="one_presence_per_call_peer")]

    def __str__(self) -> str:
        return f"{self.peer} in call {self.call_id}"
