/* Kohtaamo chat widget. Add to any web page:
 *   <script src="https://CHAT-HOST/static/widget/kohtaamo-widget.js" async></script>
 * It adds a button that opens the chat (served from CHAT-HOST) in an iframe.
 * It sets no cookies and sends nothing anywhere until the button is pressed.
 * Its words are in the host page's language (<html lang>), or in the one the
 * script tag names with data-lang="fi|sv|en". They live here, not in the chat's
 * catalogs: the host page shows the button before anything is asked from CHAT-HOST.
 * Which desks the chat lists: data-desks="youth,homework" (desk slugs),
 * data-organisation="jokilaakso" (its desks, when no desk is named) or
 * data-desk="homework" (one desk); see docs/widget.md. The chat checks them and
 * warns in the browser's console about any it does not know. */
(function () {
  "use strict";
  if (window.kohtaamoWidget) return;
  window.kohtaamoWidget = true;
  var script =
    document.currentScript ||
    [].filter
      .call(document.getElementsByTagName("script"), function (s) {
        return /\/kohtaamo-widget\.js(\?|#|$)/.test(s.src);
      })
      .pop();
  if (!script) return;
  var base = new URL(script.src, location.href);
  var origin = base.origin;
  var WORDS = {
    // "Minimise", not "close": the chat goes on behind the button, and a client
    // must not think that the button ends it.
    fi: { open: "Avaa chat", minimise: "Pienennä chat", title: "Kohtaamo-chat", news: "uusia viestejä" },
    sv: { open: "Öppna chatten", minimise: "Minimera chatten", title: "Kohtaamo-chatt", news: "nya meddelanden" },
    en: { open: "Open chat", minimise: "Minimise chat", title: "Kohtaamo chat", news: "new messages" },
  };
  var lang = ((script.getAttribute("data-lang") || document.documentElement.lang || "fi") + "")
    .slice(0, 2)
    .toLowerCase();
  if (!WORDS[lang]) lang = "en";
  var words = WORDS[lang];
  // The site's choice of desks, passed on to the chat (which checks every value: desks.selection).
  var query = "lang=" + encodeURIComponent(lang);
  [
    ["org", "data-organisation"],
    ["desks", "data-desks"],
    ["desk", "data-desk"],
  ].forEach(function (pair) {
    var value = script.getAttribute(pair[1]);
    if (value) query += "&" + pair[0] + "=" + encodeURIComponent(value.slice(0, 1100));
  });
  var launcher, panel, frame, mounted;

  function make(tag, className, text) {
    var el = document.createElement(tag);
    el.className = className;
    if (text) el.textContent = text;
    return el;
  }

  function mount() {
    if (mounted || !document.body) return;
    mounted = true;
    launcher = make("button", "kohtaamo-w-launcher", words.open);
    launcher.lang = lang;
    launcher.type = "button";
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "kohtaamo-w-panel");
    panel = make("div", "kohtaamo-w-panel");
    panel.id = "kohtaamo-w-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", words.title);
    panel.lang = lang;
    var bar = make("div", "kohtaamo-w-bar");
    var close = make("button", "kohtaamo-w-close", words.minimise);
    close.type = "button";
    bar.appendChild(make("span", "kohtaamo-w-title", "Kohtaamo"));
    bar.appendChild(close);
    panel.appendChild(bar);
    launcher.addEventListener("click", open);
    close.addEventListener("click", hide);
    document.body.appendChild(launcher);
    document.body.appendChild(panel);
  }

  function open() {
    if (!frame) {
      frame = make("iframe", "kohtaamo-w-frame");
      frame.title = words.title;
      // The chat server need not know which page the client came from.
      frame.referrerPolicy = "no-referrer";
      // Voice and video messages and calls: the chat's own microphone and camera (kohtaamo/headers.py).
      frame.allow = "camera; microphone";
      // The chat opens in the widget's language (the host page's, or English
      // for a language the chat does not speak), the same as the button's.
      frame.src = origin + "/embed/?" + query;
      panel.appendChild(frame);
    }
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    frame.focus();
  }

  function hide() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  function safeUrl(value) {
    try {
      var url = new URL(value);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : "about:blank";
    } catch (e) {
      return "about:blank";
    }
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !frame || event.source !== frame.contentWindow) return;
    var data = event.data || {};
    if (data.type === "kohtaamo:quick-exit") {
      // Leave at once: the chat goes first, then the whole page is replaced.
      panel.remove();
      launcher.remove();
      location.replace(safeUrl(data.url));
    } else if (data.type === "kohtaamo:close") {
      hide();
    } else if (data.type === "kohtaamo:attention") {
      // Someone answered while the chat was minimised: the button says so (a dot, and in its name).
      var news = data.count > 0;
      launcher.textContent = news ? words.open + " – " + words.news : words.open;
      launcher.className = news ? "kohtaamo-w-launcher kohtaamo-w-news" : "kohtaamo-w-launcher";
    }
  });

  var link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = new URL("kohtaamo-widget.css", base).href;
  link.onload = link.onerror = function () {
    if (document.body) mount();
    else document.addEventListener("DOMContentLoaded", mount);
  };
  document.head.appendChild(link);
})();
