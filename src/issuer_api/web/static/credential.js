/* obhub — public page of a badge (/badges/{id}): progressive enhancement.
 *
 * "Vérifier maintenant": without this script the button posts to the page, which
 * verifies on the server. With it, the signed credential is read from /badges/{id}.json
 * and posted to POST /verify; the verdict and each check are drawn here with the words
 * of the data block #badge-data (the same as the server's). The copy-link button only
 * appears with this script.
 *
 * Report content is only ever written with textContent / text nodes and setAttribute on
 * fixed attribute names, never parsed as markup.
 */
(function () {
  "use strict";

  var dataNode = document.getElementById("badge-data");
  if (!dataNode) {
    return;
  }
  var D = JSON.parse(dataNode.textContent);
  var T = D.texts;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value !== null && value !== undefined && value !== false) {
        node.setAttribute(name, value === true ? "" : String(value));
      }
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function announce(box, message) {
    // Empty first, so the same message twice is announced twice.
    box.textContent = "";
    window.setTimeout(function () {
      box.textContent = message;
    }, 50);
  }

  // ------------------------------------------------------------------ verify now

  var form = document.getElementById("verify-now-form");
  var button = document.getElementById("verify-now");
  var result = document.getElementById("result");
  var statusBox = document.getElementById("verify-status");
  var busy = false;

  function statusLabel(status, icons) {
    return el("span", { class: "check__status" }, [
      el("span", { class: "check__icon", "aria-hidden": "true" }, [icons[status]]),
      " ",
      T["status_" + status] || status,
    ]);
  }

  function renderCheck(check) {
    var status = D.statusIcons[check.status] ? check.status : "indeterminate";
    var id = String(check.id || "");
    return el("li", { class: "check check--" + status, "data-check": id, "data-status": status }, [
      statusLabel(status, D.statusIcons),
      el("span", { class: "check__text" }, [
        el("strong", { class: "check__label" }, [T["check_" + id] || id]),
        el("span", { class: "visually-hidden" }, [T.label_sep]),
        el("span", { class: "check__message" }, [String(check.message || "")]),
      ]),
    ]);
  }

  function renderReport(report) {
    var verdict = D.verdictIcons[report.verdict] ? report.verdict : "indeterminate";
    var parts = [
      el("h2", { id: "result-title", tabindex: "-1" }, [T.result_title]),
      el("div", { class: "verdict verdict--" + verdict, "data-verdict": verdict }, [
        el("span", { class: "verdict__icon", "aria-hidden": "true" }, [D.verdictIcons[verdict]]),
        el("p", { class: "verdict__text" }, [String(report.message || "")]),
      ]),
    ];
    if (Array.isArray(report.checks) && report.checks.length) {
      parts.push(el("h3", null, [T.checks_title]));
      parts.push(el("ul", { class: "checks" }, report.checks.map(renderCheck)));
    }
    if (Array.isArray(report.notices) && report.notices.length) {
      parts.push(el("h3", null, [T.notices_title]));
      parts.push(
        el(
          "ul",
          { class: "notices" },
          report.notices.map(function (code) {
            return el("li", null, [D.messages[code] || String(code)]);
          })
        )
      );
    }
    result.textContent = "";
    parts.forEach(function (part) {
      result.appendChild(part);
    });
    result.hidden = false;
  }

  function showError(message) {
    result.textContent = "";
    result.appendChild(
      el("p", { class: "form-error", role: "alert" }, [el("strong", null, [T.error_prefix]), " " + message])
    );
    result.hidden = false;
  }

  function setBusy(on) {
    busy = on;
    if (on) {
      button.setAttribute("aria-disabled", "true");
      button.textContent = T.busy;
      result.setAttribute("aria-busy", "true");
    } else {
      button.removeAttribute("aria-disabled");
      button.textContent = T.verify_now;
      result.removeAttribute("aria-busy");
    }
  }

  function verifyNow(event) {
    event.preventDefault();
    if (busy) {
      return;
    }
    setBusy(true);
    announce(statusBox, T.busy);
    fetch(D.credentialUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("download");
        }
        return response.text();
      })
      .then(function (credential) {
        return fetch("/verify?lang=" + encodeURIComponent(D.lang), {
          method: "POST",
          headers: { "Content-Type": D.mediaType },
          body: credential,
          credentials: "same-origin",
        });
      })
      .then(function (response) {
        return response.json().then(function (payload) {
          return { ok: response.ok, payload: payload };
        });
      })
      .then(function (answer) {
        setBusy(false);
        if (answer.ok && answer.payload && Array.isArray(answer.payload.checks)) {
          renderReport(answer.payload);
          announce(statusBox, String(answer.payload.message || ""));
          return;
        }
        var error = answer.payload && answer.payload.error;
        var message = error && typeof error.message === "string" ? error.message : T.error_network;
        showError(message);
        announce(statusBox, message);
      })
      .catch(function () {
        setBusy(false);
        showError(T.error_network);
        announce(statusBox, T.error_network);
      });
  }

  if (form && button && result && statusBox && window.fetch) {
    form.addEventListener("submit", verifyNow);
  }

  // ------------------------------------------------------------------ copy the link

  var copyButton = document.getElementById("copy-link");
  var urlInput = document.getElementById("page-url");
  var copyStatus = document.getElementById("copy-status");

  function copied(ok) {
    announce(copyStatus, ok ? T.copied : T.copy_failed);
  }

  function copyBySelection() {
    urlInput.focus();
    urlInput.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    copied(ok);
  }

  if (copyButton && urlInput && copyStatus) {
    copyButton.hidden = false;
    copyButton.addEventListener("click", function () {
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(D.pageUrl).then(
          function () {
            copied(true);
          },
          copyBySelection
        );
      } else {
        copyBySelection();
      }
    });
  }
})();
