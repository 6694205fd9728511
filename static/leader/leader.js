// Leader pages: a form shows that it is sending and cannot be sent twice by a second tap (the
// server would make one order of it anyway: the form carries its own token).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset.sending) { event.preventDefault(); return; }
  form.dataset.sending = "1";
  var button = form.querySelector("button[type=submit], button:not([type])");
  if (button && form.dataset.sendingText) { button.textContent = form.dataset.sendingText; }
  if (button) { setTimeout(function () { button.disabled = true; }, 0); }
});
