// The after-sales form: photos from a phone camera (often 4000 px, several MB each) are redrawn
// on a canvas, long side at most 1600 px, and sent as JPEGs of a few hundred KB. Without this
// script the form still posts the files as chosen; the server checks every photo either way.
(function () {
  "use strict";
  var LONG_SIDE = 1600;

  function shrink(file) {
    return window.createImageBitmap(file).then(function (image) {
      var scale = Math.min(1, LONG_SIDE / Math.max(image.width, image.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(image.width * scale);
      canvas.height = Math.round(image.height * scale);
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.85); });
    }).catch(function () { return file; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-shrink-photos]") || form.dataset.sending || !window.createImageBitmap || !window.fetch) { return; }
    var input = form.querySelector("input[type=file]");
    if (!input || !input.files.length) { return; }
    event.preventDefault();
    form.dataset.sending = "1";
    var status = form.querySelector("[data-photo-status]");
    if (status) { status.hidden = false; status.textContent = "…"; }
    Promise.all(Array.prototype.map.call(input.files, shrink)).then(function (blobs) {
      var data = new FormData(form);
      data.delete(input.name);
      blobs.forEach(function (blob, i) { data.append(input.name, blob, "photo" + i + ".jpg"); });
      return fetch(form.action || window.location.href, {method: "POST", body: data, credentials: "same-origin"});
    }).then(function (response) {
      return response.text().then(function (html) {
        // The page the post led to (its one-time message included), at its own address.
        if (response.redirected) { window.history.replaceState(null, "", response.url); }
        document.open(); document.write(html); document.close();
      });
    }).catch(function () { delete form.dataset.sending; form.submit(); });
  });
}());
