// A conversation's attachments on the console: the composer's tools (pictures, a
// photo, voice and video messages, PDFs: static/kohtaamo/attachments.js, the same
// module as the client page's), sending one with the reply box's text as its
// caption, and drawing attachments in the log. Methods of Conv (conversation.js).

import { AttachComposer, refreshAttachment, renderAttachment } from "../kohtaamo/attachments.js";
import { newId } from "../kohtaamo/stream.js";
import { saveStore, state, stream } from "./state.js";
import { config, t } from "./util.js";

const csrfToken = () => document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";

/** The `file_link` event: fresh links of an attachment whose links had expired. */
export function onFileLink(event) {
  if (event.attachment) refreshAttachment(event.attachment);
}

export class ConvAttachments {
  setupAttachments(q) {
    this.attach = new AttachComposer(q(".composer-attach"), {
      t,
      lang: config.lang,
      upload: { url: config.uploadUrl, headers: () => ({ "X-CSRFToken": csrfToken() }) },
      maxSeconds: config.maxRecordSeconds,
      limits: config.uploadLimits,
      onRetry: () => this.submitMessage(),
    });
    // The paper clip sits first among the composer's buttons; the tools and the chosen file open above them.
    q(".composer-tools").prepend(this.attach.toggle);
  }

  /** Upload the draft (progress, errors and Retry in its panel), then send it with the reply box's text. */
  async submitAttachment() {
    if (!this.canWrite || this.attach.busy) return;
    const info = await this.attach.upload(this.id);
    if (!info || !this.canWrite) return;
    const input = this.ui.input;
    const item = { c: this.id, id: newId(), type: "send", body: input.value.trim(), attachment: info.id, file: info };
    this.attach.clear();
    input.value = "";
    state.drafts[this.id] = "";
    saveStore();
    this.typing(false);
    this.renderPending(item);
    stream.submit(item);
    input.focus();
  }

  /** A message's attachment; expired links are asked for again (`file_link`). */
  attachmentNode(message, info) {
    return renderAttachment(info, {
      t,
      lang: config.lang,
      caption: message.body || "",
      linkSeconds: config.mediaLinkSeconds,
      onExpired: (id) => stream.fileLink(this.id, id),
    });
  }
}
