// Leader pages. A form shows that it is sending and a second tap does not send it again (the
// server would make one order of it anyway: the form carries its own token). The payment photo
// (a phone screenshot or camera photo, often several MB) is redrawn with its long side at most
// 1600 px and sent as a JPEG of a few hundred KB; the server checks it again with Pillow.
(function () {
  "use strict";
  var LONG_SIDE = 1600;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sending) { event.preventDefault(); return; }
    form.dataset.sending = "1";
    var button = form.querySelector("button[type=submit], button:not([type])");
    if (button && form.dataset.sendingText) { button.textContent = form.dataset.sendingText; }
    if (button) { setTimeout(function () { button.disabled = true; }, 0); }
  });

  function shrink(file) {
    if (!window.createImageBitmap || !window.DataTransfer) { return Promise.reject(new Error("old browser")); }
    return window.createImageBitmap(file, {imageOrientation: "from-image"}).then(function (image) {
      var scale = Math.min(1, LONG_SIDE / Math.max(image.width, image.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(image.width * scale);
      canvas.height = Math.round(image.height * scale);
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve, reject) {
        canvas.toBlob(function (blob) { if (blob) { resolve(blob); } else { reject(new Error("no blob")); } }, "image/jpeg", 0.85);
      });
    });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-shrink]") || !input.files || !input.files.length) { return; }
    var preview = document.querySelector("[data-preview]");
    shrink(input.files[0]).then(function (blob) {
      var files = new DataTransfer();
      files.items.add(new File([blob], "photo.jpg", {type: "image/jpeg"}));
      input.files = files.files;
      if (preview) { preview.src = URL.createObjectURL(blob); preview.hidden = false; }
    }, function () { /* sent as it is; the server says if it is no image */ });
  });
}());
