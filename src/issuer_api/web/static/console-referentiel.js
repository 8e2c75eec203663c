// obhub — the référentiel editor of the console: checks the text as it is typed.
// Posts the text (with the form's CSRF token) to the console's check endpoint, at most
// once per pause in typing, and lists the issues with their line numbers. Without
// this script, the "Check" button does the same on the server.
(function () {
  "use strict";
  var textarea = document.getElementById("document");
  var output = document.getElementById("document-check");
  var data = document.getElementById("editor-data");
  if (!textarea || !output || !data || !window.fetch) {
    return;
  }
  var words = JSON.parse(data.textContent || "{}");
  var form = textarea.form;
  var endpoint =
    output.getAttribute("data-endpoint") +
    "?lang=" +
    encodeURIComponent(document.documentElement.lang || "fr");
  var timer = null;
  var sequence = 0;

  function clear() {
    while (output.firstChild) {
      output.removeChild(output.firstChild);
    }
  }

  function say(text, className) {
    clear();
    var p = document.createElement("p");
    p.textContent = text;
    if (className) {
      p.className = className;
    }
    output.appendChild(p);
  }

  function show(answer) {
    if (answer.valid) {
      textarea.removeAttribute("aria-invalid");
      say(words.ok, "check-ok");
      return;
    }
    textarea.setAttribute("aria-invalid", "true");
    clear();
    var title = document.createElement("p");
    title.textContent = words.problems + " " + answer.count;
    output.appendChild(title);
    var list = document.createElement("ul");
    list.className = "issues";
    answer.issues.forEach(function (issue) {
      var item = document.createElement("li");
      var prefix = issue.line ? words.line.replace("{n}", String(issue.line)) + " " : "";
      item.textContent = prefix + issue.message;
      list.appendChild(item);
    });
    output.appendChild(list);
  }

  function check() {
    var mine = ++sequence;
    var body = new URLSearchParams();
    body.append("csrf_token", form.elements.csrf_token.value);
    body.append("document", textarea.value);
    fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (answer) {
        if (mine === sequence) {
          show(answer);
        }
      })
      .catch(function () {
        if (mine === sequence) {
          say(words.unavailable);
        }
      });
  }

  textarea.addEventListener("input", function () {
    if (timer !== null) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(check, 700);
  });
})();
