// obhub — the forms of Mon espace. Moves the focus to the error summary when the page
// shows one, and refuses to send files that together weigh more than the service
// accepts (the form's data-max-bytes), showing the form's own message instead.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary:not([hidden])");
  if (summary) {
    summary.focus();
  }
  var form = document.querySelector("form[data-max-bytes]");
  if (!form) {
    return;
  }
  var limit = Number(form.getAttribute("data-max-bytes"));
  form.addEventListener("submit", function (event) {
    var input = form.querySelector("input[type=file]");
    var total = 0;
    if (input && input.files) {
      for (var i = 0; i < input.files.length; i += 1) {
        total += input.files[i].size;
      }
    }
    var tooBig = document.getElementById("client-error");
    if (limit > 0 && total > limit && tooBig) {
      event.preventDefault();
      tooBig.hidden = false;
      input.setAttribute("aria-invalid", "true");
      tooBig.focus();
    }
  });
})();
