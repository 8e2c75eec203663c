// obhub — the page of a claim being checked: asks the server every few seconds whether
// the check is finished, then reloads the page to show the outcome. Without JavaScript
// the page offers a "Refresh" link instead.
(function () {
  "use strict";
  var status = document.getElementById("claim-status");
  if (!status) {
    return;
  }
  var url = status.getAttribute("data-poll");
  var delay = 2000;
  var tries = 0;
  var MAX_TRIES = 90;

  function poll() {
    tries += 1;
    if (tries > MAX_TRIES) {
      return;
    }
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : { done: false };
      })
      .then(function (state) {
        if (state.done) {
          window.location.reload();
        } else {
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        window.setTimeout(poll, delay * 2);
      });
  }

  window.setTimeout(poll, delay);
})();
