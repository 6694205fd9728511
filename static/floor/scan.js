// Floor pages: the scan field, sending each action exactly once, and the answer the picker gets
// (message, sound, vibration).
//
// Every action form carries `data-floor` and a hidden `request_id`. The script sends it with
// fetch, a fresh request id per scan, and keeps that id while it retries a request the patchy
// Wi-Fi dropped: the server applies an id once, so a retry never applies a scan twice. Scans
// queue while one is being sent, and go out in order. A hardware scanner (keyboard wedge) types
// into the focused scan field and presses Enter; the same code again within ~2 s is a double read
// and is ignored. The scan field gets focus back after every step. Without JavaScript the forms
// still post and the server answers with a redirect and a message.
(function () {
  "use strict";

  var REPEAT_MS = 2000;
  var TIMEOUT_MS = 15000;
  var RETRY_STATUSES = [502, 503, 504];
  var body = document.body;
  var text = function (key) { return body.getAttribute("data-t-" + key) || key; };

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function newRequestId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- the answer: message, sound, vibration -------------------------------------------------
  var audio = null;
  function tone(frequency, ms, type) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.type = type;
      oscillator.frequency.value = frequency;
      gain.gain.value = 0.25;
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start();
      oscillator.stop(audio.currentTime + ms / 1000);
    } catch (e) { /* no sound on this browser: the message and vibration still show */ }
  }

  function signal(ok) {
    if (ok) {
      tone(1320, 90, "sine");
    } else {
      tone(200, 450, "square");
      if (navigator.vibrate) { navigator.vibrate([250, 100, 250]); }
    }
  }

  function show(message, level) {
    var box = document.querySelector("[data-feedback]");
    if (!box) { return; }
    box.textContent = message || "";
    box.className = "feedback" + (message ? " " + level : "");
    box.setAttribute("data-level", message ? level : "");
  }

  function sendingLine(message) {
    var line = document.querySelector("[data-sending]");
    if (!line) { return; }
    line.textContent = message || "";
    line.hidden = !message;
  }

  // --- focus: the scan field is always ready for the next code ---------------------------------
  function scanField() { return document.querySelector("[data-scan-field]"); }

  function editingElsewhere() {
    var active = document.activeElement;
    if (!active || active === body || active === scanField()) { return false; }
    var tag = active.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") { return true; }
    return tag === "INPUT" && ["hidden", "button", "submit", "file"].indexOf(active.type) < 0;
  }

  function refocus() {
    var field = scanField();
    if (field && !editingElsewhere() && !document.querySelector("[data-camera-view]:not([hidden])")) {
      field.focus({preventScroll: true});
    }
  }

  document.addEventListener("focusout", function () { window.setTimeout(refocus, 60); });
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-keyboard]");
    if (toggle) {
      var field = scanField();
      if (field) {
        var typing = field.getAttribute("inputmode") === "none";
        field.setAttribute("inputmode", typing ? (field.getAttribute("data-typing-mode") || "text") : "none");
        toggle.setAttribute("aria-pressed", typing ? "true" : "false");
        field.blur();
        field.focus();
      }
    }
    var amount = event.target.closest("[data-quantity]");
    if (amount) { setQuantity(amount.getAttribute("data-quantity")); }
  });

  // Several units of one item in one scan: a button sets the quantity the next scan carries.
  function setQuantity(value) {
    var input = document.querySelector("[data-quantity-input]");
    if (!input) { return; }
    input.value = value;
    Array.prototype.forEach.call(document.querySelectorAll("[data-quantity]"), function (button) {
      button.setAttribute("aria-pressed", button.getAttribute("data-quantity") === value ? "true" : "false");
    });
    refocus();
  }

  // --- sending: one at a time, in order, retried with the same request id ----------------------
  var queue = [];
  var busy = false;

  function enqueue(form, data) {
    data.set("request_id", newRequestId());
    queue.push({url: form.getAttribute("action") || window.location.href, data: data, attempt: 0});
    body.setAttribute("data-queue", String(queue.length));
    if (!busy) { next(); }
  }

  function next() {
    var job = queue[0];
    body.setAttribute("data-queue", String(queue.length));
    if (!job) {
      busy = false;
      body.classList.remove("is-sending");
      sendingLine("");
      refocus();
      return;
    }
    busy = true;
    body.classList.add("is-sending");
    var slow = window.setTimeout(function () {
      sendingLine(job.attempt ? text("retrying").replace("%s", job.attempt) : text("sending"));
    }, 300);
    var controller = window.AbortController ? new AbortController() : null;
    var timer = window.setTimeout(function () { if (controller) { controller.abort(); } }, TIMEOUT_MS);
    fetch(job.url, {
      method: "POST",
      body: job.data,
      credentials: "same-origin",
      headers: {"X-Floor-Fetch": "1", "X-CSRFToken": csrfToken(), "Accept": "application/json"},
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (RETRY_STATUSES.indexOf(response.status) >= 0) { throw new Error("retry"); }
      return response.json().then(function (payload) { return payload; }, function () {
        return {ok: false, message: text("unreadable"), code: "unreadable"};
      });
    }).then(function (payload) {
      window.clearTimeout(slow);
      window.clearTimeout(timer);
      queue.shift();
      answer(payload);
      next();
    }, function () {
      window.clearTimeout(slow);
      window.clearTimeout(timer);
      job.attempt += 1;
      sendingLine(text("retrying").replace("%s", job.attempt));
      window.setTimeout(next, Math.min(1000 * Math.pow(2, job.attempt - 1), 10000));
    });
  }

  function answer(payload) {
    if (payload.panel !== undefined) {
      var panel = document.querySelector("[data-panel]");
      if (panel) { panel.innerHTML = payload.panel; }
    }
    var banner = document.querySelector("[data-banner]");
    if (banner && payload.code === "order_cancelled") {
      banner.textContent = text("cancelled");
      banner.hidden = false;
    }
    if (payload.thumbnail) {
      var photos = document.querySelector("[data-photos]");
      if (photos) {
        var image = document.createElement("img");
        image.src = payload.thumbnail;
        image.alt = "";
        photos.appendChild(image);
      }
    }
    show(payload.message, payload.ok ? "ok" : "error");
    signal(!!payload.ok);
    document.dispatchEvent(new CustomEvent("floor:answer", {detail: payload}));
    if (payload.redirect) {
      queue.length = 0;
      window.location.assign(payload.redirect);
    }
  }

  // --- forms ------------------------------------------------------------------------------------
  var lastCode = "";
  var lastAt = 0;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-floor") || !window.fetch || !window.FormData) { return; }
    event.preventDefault();
    var data = new FormData(form);
    var submitter = event.submitter;
    if (submitter && submitter.name) { data.set(submitter.name, submitter.value); }
    var field = form.querySelector("[data-scan-field]");
    if (field) {
      var code = field.value.trim();
      field.value = "";
      if (!code) { refocus(); return; }
      var now = Date.now();
      if (code === lastCode && now - lastAt < REPEAT_MS) {
        lastAt = now;
        show(text("repeat"), "info");
        refocus();
        return;
      }
      lastCode = code;
      lastAt = now;
      data.set(field.name, code);
    }
    if (form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) { return; }
    enqueue(form, data);
    if (form.querySelector("[data-quantity-input]")) { setQuantity("1"); }
    refocus();
  });

  // The camera (camera.js) hands a code over as if it had been typed and Enter pressed.
  function scan(code) {
    var field = scanField();
    if (!field || !field.form) { return; }
    field.value = code;
    if (field.form.requestSubmit) { field.form.requestSubmit(); } else { field.form.dispatchEvent(new Event("submit", {cancelable: true})); }
  }

  window.floor = {send: enqueue, scan: scan, show: show, signal: signal, csrfToken: csrfToken, text: text, refocus: refocus};
  refocus();
}());
