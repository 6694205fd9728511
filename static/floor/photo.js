// Floor pages: photo evidence. The phone's camera photo (often 4000 px, 3-6 MB) is redrawn on a
// canvas with its long side at most 1600 px and sent as a JPEG of a few hundred KB, through the
// same queue as the scans (scan.js), so a dropped upload is retried without being stored twice.
// The server checks the image again: a client can send anything.
(function () {
  "use strict";

  var LONG_SIDE = 1600;
  var QUALITY = 0.85;

  function load(file) {
    if (window.createImageBitmap) {
      return window.createImageBitmap(file, {imageOrientation: "from-image"}).catch(function () {
        return window.createImageBitmap(file);
      });
    }
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.onload = function () { URL.revokeObjectURL(url); resolve(image); };
      image.onerror = function () { URL.revokeObjectURL(url); reject(new Error("not an image")); };
      image.src = url;
    });
  }

  function resize(file) {
    return load(file).then(function (image) {
      var width = image.width;
      var height = image.height;
      var scale = Math.min(1, LONG_SIDE / Math.max(width, height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve, reject) {
        canvas.toBlob(function (blob) { if (blob) { resolve(blob); } else { reject(new Error("no blob")); } }, "image/jpeg", QUALITY);
      });
    });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-photo-input]") || !input.files || !input.files.length) { return; }
    var form = input.form;
    var file = input.files[0];
    window.floor.show(window.floor.text("photo_preparing"), "info");
    resize(file).then(function (blob) {
      var data = new FormData(form);
      data.set(input.name, blob, "photo.jpg");
      input.value = "";
      window.floor.send(form, data);
    }, function () {
      input.value = "";
      window.floor.show(window.floor.text("photo_unreadable"), "error");
      window.floor.signal(false);
    });
  });
}());
