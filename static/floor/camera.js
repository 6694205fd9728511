// Floor pages: scanning with the phone's camera.
//
// Where the browser has a native BarcodeDetector (Chrome on Android, the usual warehouse phone)
// frames are read on the phone. Elsewhere (Safari on iPhone, many WeChat browsers, headless
// Chromium) one frame at a time is downscaled to an ~800 px JPEG and posted to the server, which
// reads it with zxing-cpp. The first code found is handed to the scan form (scan.js) as if a
// hardware scanner had typed it.
(function () {
  "use strict";

  var button = document.querySelector("[data-camera]");
  var view = document.querySelector("[data-camera-view]");
  if (!button || !view) { return; }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { button.hidden = true; return; }

  var video = view.querySelector("video");
  var status = view.querySelector("[data-camera-status]");
  var decodeUrl = document.body.getAttribute("data-decode-url");
  var LONG_SIDE = 800;
  var stream = null;
  var detector = null;
  var timer = null;
  var reading = false;

  function say(message) { if (status) { status.textContent = message; } }

  function nativeDetector() {
    if (!("BarcodeDetector" in window)) { return Promise.resolve(null); }
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      return formats.length ? new window.BarcodeDetector({formats: formats}) : null;
    }, function () { return null; });
  }

  function stop() {
    window.clearTimeout(timer);
    timer = null;
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    video.srcObject = null;
    view.hidden = true;
    window.floor.refocus();
  }

  function found(code) {
    stop();
    window.floor.scan(code);
  }

  function readOnPhone() {
    return detector.detect(video).then(function (codes) {
      return codes.length ? codes[0].rawValue : null;
    });
  }

  function readOnServer() {
    var width = video.videoWidth;
    var height = video.videoHeight;
    if (!width || !height) { return Promise.resolve(null); }
    var scale = Math.min(1, LONG_SIDE / Math.max(width, height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.8); }).then(function (blob) {
      if (!blob) { return null; }
      return fetch(decodeUrl, {
        method: "POST",
        body: blob,
        credentials: "same-origin",
        headers: {"Content-Type": "image/jpeg", "X-CSRFToken": window.floor.csrfToken(), "Accept": "application/json"}
      }).then(function (response) { return response.json(); }).then(function (payload) {
        if (payload.message) { say(payload.message); }
        return payload.codes && payload.codes.length ? payload.codes[0].text : null;
      });
    });
  }

  function tick() {
    if (!stream) { return; }
    if (reading) { timer = window.setTimeout(tick, 100); return; }
    reading = true;
    (detector ? readOnPhone() : readOnServer()).then(function (code) {
      reading = false;
      if (code && stream) { found(code); } else if (stream) { timer = window.setTimeout(tick, detector ? 200 : 400); }
    }, function () {
      reading = false;
      if (stream) { timer = window.setTimeout(tick, 1000); }
    });
  }

  function start() {
    view.hidden = false;
    say(window.floor.text("camera_starting"));
    nativeDetector().then(function (native) {
      detector = native;
      return navigator.mediaDevices.getUserMedia({
        video: {facingMode: {ideal: "environment"}, width: {ideal: 1280}, height: {ideal: 720}},
        audio: false
      });
    }).then(function (media) {
      stream = media;
      video.srcObject = media;
      return video.play();
    }).then(function () {
      say(window.floor.text(detector ? "camera_native" : "camera_server"));
      view.setAttribute("data-reader", detector ? "native" : "server");
      tick();
    }, function () {
      stop();
      window.floor.show(window.floor.text("camera_denied"), "error");
      window.floor.signal(false);
    });
  }

  button.addEventListener("click", start);
  view.querySelector("[data-camera-close]").addEventListener("click", stop);
}());
