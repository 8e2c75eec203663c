/* obhub — /verifier page script (progressive enhancement).
 *
 * Without this script the form posts to /verifier and the server renders the result.
 * With it, the badge goes to POST /verify (JSON report) and the result is drawn here,
 * with the same words as the server (the JSON data block #verifier-data).
 *
 * Badge content is hostile: it is only ever written with textContent / text nodes and
 * setAttribute on fixed attribute names, never parsed as markup. Images only from data:image/
 * or https: addresses, links only to https:/http: ones (as in web/report_view.py).
 */
(function () {
  "use strict";

  var dataNode = document.getElementById("verifier-data");
  var form = document.getElementById("verify-form");
  if (!dataNode || !form || !window.fetch || !window.FormData) {
    return; // the plain form keeps working
  }
  var D = JSON.parse(dataNode.textContent);
  var T = D.texts;
  var DATA_IMAGE_TYPES = ["png", "jpeg", "gif", "webp", "svg+xml", "avif"];

  var textArea = document.getElementById("badge-text");
  var fileInput = document.getElementById("badge-file");
  var urlInput = document.getElementById("badge-url");
  var recipientInput = document.getElementById("recipient");
  var button = document.getElementById("verify-button");
  var errorBox = document.getElementById("form-error");
  var statusBox = document.getElementById("status");
  var result = document.getElementById("result");
  var baseTitle = document.title;
  var busy = false;

  var FIELDS = { badge: textArea, file: fileInput, url: urlInput };
  var HINTS = { badge: "badge-text-hint", file: "badge-file-hint", url: "badge-url-hint" };

  // ------------------------------------------------------------------ DOM helpers

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) {
          return;
        }
        node.setAttribute(name, value === true ? "" : String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) {
        return;
      }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function text(key, params) {
    var value = T[key] || key;
    if (params) {
      Object.keys(params).forEach(function (name) {
        value = value.split("{" + name + "}").join(params[name]);
      });
    }
    return value;
  }

  function str(value) {
    if (typeof value === "string") {
      value = value.trim();
      return value ? value : null;
    }
    if (typeof value === "number") {
      return String(value);
    }
    return null;
  }

  function obj(value) {
    return value && typeof value === "object" && !Array.isArray(value) ? value : {};
  }

  function hasControl(value) {
    return /[\u0000-\u0020\u007f]/.test(value);
  }

  function isWebUrl(value, schemes) {
    if (!/^[\u0021-\u007e]+$/.test(value)) {
      return false;
    }
    try {
      var parsed = new URL(value);
      return schemes.indexOf(parsed.protocol) >= 0 && parsed.host !== "";
    } catch (e) {
      return false;
    }
  }

  function safeImageUrl(value) {
    if (typeof value !== "string" || !value || hasControl(value)) {
      return null;
    }
    var lower = value.toLowerCase();
    if (lower.indexOf("data:image/") === 0) {
      var kind = lower.slice("data:image/".length).split(";")[0].split(",")[0];
      return DATA_IMAGE_TYPES.indexOf(kind) >= 0 && value.indexOf(",") >= 0 ? value : null;
    }
    return isWebUrl(value, ["https:"]) ? value : null;
  }

  function safeLinkUrl(value) {
    if (typeof value !== "string" || hasControl(value)) {
      return null;
    }
    return isWebUrl(value, ["https:", "http:"]) ? value : null;
  }

  function formatName(format) {
    var match = /^baked-([^+]+)\+(.+)$/.exec(format);
    if (match) {
      return text("format_baked", {
        image: D.formats[match[1]] || match[1],
        inner: D.formats[match[2]] || match[2],
      });
    }
    return D.formats[format] || format;
  }

  function formatDate(value) {
    if (typeof value !== "string" || !value.trim()) {
      return null;
    }
    var s = value.trim();
    if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
      s += "T00:00:00Z";
    } else if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(s)) {
      s += "Z";
    }
    var ms = Date.parse(s);
    if (isNaN(ms)) {
      return null;
    }
    var d = new Date(ms);
    var months = T.months.split(" ");
    var date = text(d.getUTCDate() === 1 ? "date_first" : "date", {
      day: String(d.getUTCDate()),
      month: months[d.getUTCMonth()],
      year: String(d.getUTCFullYear()),
    });
    var pad = function (n) {
      return (n < 10 ? "0" : "") + n;
    };
    return text("date_at", { date: date, time: pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) });
  }

  // ------------------------------------------------------------------ errors and status

  function clearError() {
    errorBox.textContent = "";
    Object.keys(FIELDS).forEach(function (name) {
      FIELDS[name].removeAttribute("aria-invalid");
      FIELDS[name].setAttribute("aria-describedby", HINTS[name]);
    });
  }

  function showError(message, field) {
    errorBox.textContent = "";
    errorBox.appendChild(el("strong", null, [T.error_prefix]));
    errorBox.appendChild(document.createTextNode(" " + message));
    var input = field ? FIELDS[field] : null;
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", HINTS[field] + " form-error");
      input.focus();
    }
  }

  function announce(message) {
    // Empty first, so the same message twice is announced twice.
    statusBox.textContent = "";
    window.setTimeout(function () {
      statusBox.textContent = message;
    }, 50);
  }

  function setBusy(on) {
    busy = on;
    if (on) {
      button.setAttribute("aria-disabled", "true");
      button.textContent = T.busy;
      result.setAttribute("aria-busy", "true");
    } else {
      button.removeAttribute("aria-disabled");
      button.textContent = T.submit;
      result.removeAttribute("aria-busy");
    }
  }

  // ------------------------------------------------------------------ rendering

  function statusLabel(status, icons) {
    return el("span", { class: "check__status" }, [
      el("span", { class: "check__icon", "aria-hidden": "true" }, [icons[status]]),
      " ",
      text("status_" + status),
    ]);
  }

  function renderCheck(check) {
    var status = D.statusIcons[check.status] ? check.status : "indeterminate";
    var id = String(check.id || "");
    var label = T["check_" + id] || id;
    return el("li", { class: "check check--" + status, "data-check": id, "data-status": status }, [
      statusLabel(status, D.statusIcons),
      el("span", { class: "check__text" }, [
        el("strong", { class: "check__label" }, [label]),
        el("span", { class: "visually-hidden" }, [T.label_sep]),
        el("span", { class: "check__message" }, [String(check.message || "")]),
      ]),
    ]);
  }

  function renderEndorsement(endorsement) {
    var verdict = D.verdictIcons[endorsement.verdict] ? endorsement.verdict : "indeterminate";
    var summary = obj(endorsement.summary);
    var issuer = obj(summary.issuer);
    var name = str(summary.name) || T.endorsement_unnamed;
    var by = str(issuer.name) || str(issuer.id);
    return el("li", { class: "check check--" + verdict }, [
      statusLabel(verdict, D.verdictIcons),
      el("span", { class: "check__text" }, [
        el("strong", { class: "check__label" }, [name]),
        by ? " (" + by + ") " : " ",
        el("span", { class: "check__message" }, [String(endorsement.message || "")]),
      ]),
    ]);
  }

  function recipientLines(recipient) {
    var out = [];
    var rid = str(recipient.id);
    if (rid) {
      out.push(rid);
    }
    (Array.isArray(recipient.identifiers) ? recipient.identifiers : []).forEach(function (ident) {
      if (!ident || typeof ident !== "object") {
        return;
      }
      var raw = ident.identityType === undefined || ident.identityType === null ? "?" : String(ident.identityType);
      var kind = D.identityTypes[raw] || raw;
      out.push(text(ident.hashed ? "hashed_identifier" : "plain_identifier", { type: kind }));
    });
    return out;
  }

  function renderBadge(summary, format) {
    var name = str(summary.name);
    var achievement = obj(summary.achievement);
    var issuer = obj(summary.issuer);
    var recipient = obj(summary.recipient);
    var facts = [];
    function fact(label, values) {
      facts.push(el("dt", null, [text(label)]));
      facts.push(el("dd", null, values));
    }
    var issuerName = str(issuer.name);
    var issuerId = str(issuer.id);
    if (issuerName || issuerId) {
      var issuerUrl = safeLinkUrl(issuer.url);
      var issuerLogo = safeImageUrl(issuer.image);
      fact("issuer", [
        issuerLogo
          ? el("img", {
              class: "issuer__image",
              src: issuerLogo,
              alt: text("issuer_image_alt", { name: issuerName || issuerId }),
              width: "32",
              height: "32",
              referrerpolicy: "no-referrer",
            })
          : null,
        issuerUrl
          ? el("a", { href: issuerUrl, rel: "noopener noreferrer nofollow external" }, [issuerName || issuerId])
          : el("span", null, [issuerName || issuerId]),
        issuerName && issuerId ? el("span", { class: "ident" }, [issuerId]) : null,
      ]);
    }
    var who = recipientLines(recipient);
    if (who.length) {
      fact("recipient", [
        el(
          "ul",
          { class: "plain" },
          who.map(function (line) {
            return el("li", null, [line]);
          })
        ),
      ]);
    }
    var achievementName = str(achievement.name);
    if (achievementName && achievementName !== name) {
      fact("achievement", [achievementName]);
    }
    var criteria = str(achievement.criteria);
    if (criteria) {
      fact("criteria", [el("span", { class: "prose" }, [criteria])]);
    }
    [
      ["awardedDate", "awarded"],
      ["validFrom", "valid_from"],
      ["validUntil", "valid_until"],
    ].forEach(function (pair) {
      var raw = summary[pair[0]];
      if (raw !== undefined && raw !== null) {
        fact(pair[1], [el("time", { datetime: String(raw) }, [formatDate(raw) || String(raw)])]);
      }
    });
    if (format && format !== "unknown") {
      fact("format", [formatName(format)]);
    }
    var imageUrl = safeImageUrl(summary.image);
    var description = str(summary.description);
    return el("article", { class: "badge", "aria-labelledby": "badge-name" }, [
      imageUrl
        ? el("img", {
            class: "badge__image",
            src: imageUrl,
            alt: name ? text("badge_image_alt", { name: name }) : T.badge_image_alt_unnamed,
            width: "160",
            height: "160",
            referrerpolicy: "no-referrer",
            decoding: "async",
          })
        : null,
      el("div", { class: "badge__body" }, [
        el("h3", { id: "badge-name", class: "badge__name" }, [name || T.unnamed_badge]),
        description ? el("p", { class: "badge__description prose" }, [description]) : null,
        el("dl", { class: "facts" }, facts),
      ]),
    ]);
  }

  function renderReport(report, notice) {
    var verdict = D.verdictIcons[report.verdict] ? report.verdict : "indeterminate";
    var parts = [
      el("h2", { id: "result-title", tabindex: "-1" }, [T.result_title]),
      el("div", { class: "verdict verdict--" + verdict, "data-verdict": verdict }, [
        el("span", { class: "verdict__icon", "aria-hidden": "true" }, [D.verdictIcons[verdict]]),
        el("p", { class: "verdict__text" }, [String(report.message || "")]),
      ]),
    ];
    if (notice) {
      parts.push(el("p", { class: "url-notice" }, [notice]));
    }
    var summary = obj(report.summary);
    if (Object.keys(summary).length) {
      parts.push(renderBadge(summary, String(report.format || "")));
    }
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
    if (Array.isArray(report.endorsements) && report.endorsements.length) {
      parts.push(el("h3", null, [T.endorsements_title]));
      parts.push(el("ul", { class: "endorsements" }, report.endorsements.map(renderEndorsement)));
    }
    result.textContent = "";
    parts.forEach(function (part) {
      result.appendChild(part);
    });
    result.hidden = false;
    document.title = String(report.message || "") + " — " + baseTitle;
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    if (result.scrollIntoView) {
      result.scrollIntoView({ behavior: reduce ? "auto" : "smooth", block: "start" });
    }
  }

  function urlNotRead(report) {
    var first = Array.isArray(report.checks) && report.checks.length ? report.checks[0] : {};
    return first.id === "parse" && first.status === "invalid" && D.urlNotReadCodes.indexOf(first.code) >= 0;
  }

  // ------------------------------------------------------------------ submit

  function onSubmit(event) {
    event.preventDefault();
    if (busy) {
      return;
    }
    clearError();
    var file = fileInput.files && fileInput.files.length ? fileInput.files[0] : null;
    var pasted = textArea.value.trim();
    var address = urlInput.value.trim();
    var recipient = recipientInput.value.trim();
    var source;
    // Always a form: the expected recipient (personal data) travels in the body,
    // never in the URL, which proxies and logs keep.
    var body = new FormData();
    if (file && file.size > 0) {
      source = "file";
      body.append("file", file, file.name);
    } else if (pasted) {
      source = "badge";
      var kind = pasted.charAt(0) === "{" ? "application/json" : "text/plain";
      body.append("file", new Blob([pasted], { type: kind }), "badge");
    } else if (address) {
      if (!/^https?:\/\//i.test(address)) {
        showError(T.error_url, "url");
        return;
      }
      source = "url";
      body.append("file", new Blob([address], { type: "text/plain" }), "url");
    } else {
      showError(T.error_empty, "badge");
      return;
    }
    if (recipient) {
      body.append("recipient", recipient);
    }
    var headers = {};
    var query = "lang=" + encodeURIComponent(D.lang);
    setBusy(true);
    announce(T.busy);
    fetch("/verify?" + query, {
      method: "POST",
      body: body,
      headers: headers,
      credentials: "same-origin",
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (payload) {
            return { ok: response.ok, payload: payload };
          });
      })
      .then(function (answer) {
        setBusy(false);
        if (answer.ok && answer.payload && Array.isArray(answer.payload.checks)) {
          var report = answer.payload;
          var notice = source === "url" && urlNotRead(report) ? T.url_unavailable : null;
          renderReport(report, notice);
          announce(notice ? report.message + " " + notice : report.message);
          return;
        }
        var error = answer.payload && answer.payload.error;
        var message = error && typeof error.message === "string" ? error.message : T.error_network;
        if (source === "url") {
          message = message + " " + T.url_unavailable;
        }
        statusBox.textContent = "";
        showError(message, source);
      })
      .catch(function () {
        setBusy(false);
        statusBox.textContent = "";
        showError(T.error_network, null);
      });
  }

  form.addEventListener("submit", onSubmit);
  // A changed field is no longer in error.
  Object.keys(FIELDS).forEach(function (name) {
    FIELDS[name].addEventListener("input", function () {
      if (FIELDS[name].getAttribute("aria-invalid") === "true") {
        clearError();
      }
    });
  });
})();
