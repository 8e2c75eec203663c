// obhub — live preview of the console's identity page: header, link and footer as
// one types, with the contrast of both colours against white. CSP-safe: no inline
// script; colours are set through the CSS object model.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("identity-data").textContent);
  var preview = document.getElementById("identity-preview");
  var status = document.getElementById("contrast-status");
  if (!preview) {
    return;
  }
  var hex = /^#[0-9a-fA-F]{6}$/;

  function channel(value) {
    var c = value / 255;
    return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  }

  function contrast(colour) {
    var r = channel(parseInt(colour.slice(1, 3), 16));
    var g = channel(parseInt(colour.slice(3, 5), 16));
    var b = channel(parseInt(colour.slice(5, 7), 16));
    var luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    return 1.05 / (luminance + 0.05);
  }

  function value(name) {
    var field = document.getElementById(name);
    return field ? field.value.trim() : "";
  }

  function update() {
    var lang = document.documentElement.lang === "en" ? "en" : "fr";
    preview.querySelector("[data-shows=scheme_name]").textContent = value("scheme_name");
    preview.querySelector("[data-shows=website]").textContent = data.region.replace(
      "{region}",
      value("name")
    );
    preview.querySelector(".identity-preview__footer").textContent = value("footer_" + lang);
    var primary = value("primary_colour");
    var accent = value("accent_colour");
    var ratios = { primary: "?", accent: "?" };
    if (hex.test(primary)) {
      preview.style.setProperty("--c-preview-primary", primary);
      ratios.primary = contrast(primary).toFixed(2);
    }
    if (hex.test(accent)) {
      preview.style.setProperty("--c-preview-accent", accent);
      ratios.accent = contrast(accent).toFixed(2);
    }
    status.textContent = data.contrast
      .replace("{primary}", ratios.primary)
      .replace("{accent}", ratios.accent);
  }

  document.querySelectorAll("[data-preview]").forEach(function (field) {
    field.addEventListener("input", update);
  });
  update();
})();
