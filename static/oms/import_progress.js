// Import job page: poll the job's status every second, move the bar, reload when it ends.
(function () {
  "use strict";
  var root = document.querySelector("[data-status-url]");
  if (!root) { return; }
  var url = root.getAttribute("data-status-url");
  function set(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value; }
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (job) {
        var bar = document.getElementById("import-progress");
        if (bar) { bar.value = job.percent; }
        set("import-percent", job.percent + "%");
        set("import-rows", job.done_rows);
        set("import-status", job.status_label);
        set("import-new", job.new_orders);
        set("import-duplicate", job.duplicate_orders);
        set("import-invalid", job.invalid_orders);
        set("import-skipped", job.skipped_orders);
        if (job.status === "done" || job.status === "failed" || job.status === "previewed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
}());
