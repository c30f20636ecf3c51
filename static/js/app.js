/* Dudao page behaviour. No inline scripts anywhere (a CSP without 'unsafe-inline' is planned),
   so every hook is a data- attribute wired up here. htmx CSRF comes from hx-headers on <body>. */
(function () {
  "use strict";

  // Formsets: <div data-formset="prefix"> holds rows and a <template data-formset-template>
  // whose markup uses __prefix__; a button [data-formset-add="prefix"] appends a new row.
  function addFormsetRow(prefix) {
    var container = document.querySelector('[data-formset="' + prefix + '"]');
    var template = document.querySelector('template[data-formset-template="' + prefix + '"]');
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    if (!container || !template || !total) return;
    var index = parseInt(total.value, 10);
    if (max && index >= parseInt(max.value, 10)) return;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    container.appendChild(row);
    total.value = String(index + 1);
    var first = row.querySelector("select, textarea, input:not([type=hidden])");
    if (first) first.focus();
  }

  // Location: a button [data-geolocate] fills #id_latitude / #id_longitude from the browser.
  function geolocate(button) {
    var status = document.querySelector("[data-geolocate-status]");
    var say = function (text) {
      if (status) status.textContent = text;
    };
    if (!("geolocation" in navigator)) {
      say(button.dataset.msgUnsupported || "");
      return;
    }
    button.disabled = true;
    say(button.dataset.msgWaiting || "");
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var lat = document.getElementById("id_latitude");
        var lng = document.getElementById("id_longitude");
        if (lat) lat.value = position.coords.latitude.toFixed(6);
        if (lng) lng.value = position.coords.longitude.toFixed(6);
        say(button.dataset.msgDone || "");
        button.disabled = false;
      },
      function () {
        say(button.dataset.msgFailed || "");
        button.disabled = false;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-formset-add]");
    if (add) {
      event.preventDefault();
      addFormsetRow(add.dataset.formsetAdd);
      return;
    }
    var geo = event.target.closest("[data-geolocate]");
    if (geo) {
      event.preventDefault();
      geolocate(geo);
      return;
    }
    var clear = event.target.closest("[data-geolocate-clear]");
    if (clear) {
      event.preventDefault();
      ["id_latitude", "id_longitude"].forEach(function (id) {
        var input = document.getElementById(id);
        if (input) input.value = "";
      });
    }
  });

  // Forms marked data-confirm ask before submitting (withdraw, archive …).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // A <select data-autosubmit> submits its form on change (filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
  });

  // After a failed submit the server re-renders the form with an error summary: move focus there so
  // keyboard and screen-reader users land on what went wrong, not on <body> (WCAG 3.3.1 / 2.4.3).
  function focusErrorSummary(root) {
    var summary = (root || document).querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
      summary.scrollIntoView({ block: "center" });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      focusErrorSummary(document);
    });
  } else {
    focusErrorSummary(document);
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    focusErrorSummary(event.detail && event.detail.target);
  });

  // A wide table on a phone scrolls sideways inside its .table-responsive box. When (and only while)
  // it overflows, the box becomes a keyboard-focusable, named region (tabindex=0, role=region,
  // aria-label from its table's caption or its card's header) and shows a visible hint above it
  // (text from <body data-scroll-hint>, translated by the template). axe: scrollable-region-focusable.
  function regionName(region) {
    var caption = region.querySelector("caption");
    var card = region.closest(".card");
    var header = card && card.querySelector(".card-header, h2, h3");
    var source = caption || header;
    return source ? source.textContent.replace(/\s+/g, " ").trim() : document.title;
  }
  function markScrollRegions() {
    var hintText = document.body.dataset.scrollHint || "";
    document.querySelectorAll(".table-responsive").forEach(function (region) {
      var overflows = region.scrollWidth > region.clientWidth;
      var hint = region.previousElementSibling;
      var hasHint = hint && hint.classList.contains("dd-scroll-hint");
      region.classList.toggle("dd-scrolls", overflows);
      if (overflows) {
        region.setAttribute("tabindex", "0");
        region.setAttribute("role", "region");
        if (!region.hasAttribute("aria-label")) {
          region.setAttribute("aria-label", regionName(region));
          region.dataset.ddNamed = "1";
        }
        if (!hasHint && hintText) {
          hint = document.createElement("p");
          hint.className = "dd-scroll-hint";
          hint.innerHTML = '<i class="bi bi-arrow-left-right" aria-hidden="true"></i> ';
          hint.appendChild(document.createTextNode(hintText));
          region.parentNode.insertBefore(hint, region);
        }
      } else {
        region.removeAttribute("tabindex");
        region.removeAttribute("role");
        if (region.dataset.ddNamed) {
          region.removeAttribute("aria-label");
          delete region.dataset.ddNamed;
        }
        if (hasHint) hint.remove();
      }
    });
  }
  // Widths change after fonts arrive, on rotation and when htmx swaps a table in: re-check then.
  // (next frame: changing the page inside the observer's callback would re-trigger it in a loop)
  var observer = window.ResizeObserver
    ? new ResizeObserver(function () {
        window.requestAnimationFrame(markScrollRegions);
      })
    : null;
  function watchScrollRegions() {
    markScrollRegions();
    if (observer) {
      document.querySelectorAll(".table-responsive").forEach(function (region) {
        observer.observe(region);
      });
    }
  }
  window.addEventListener("resize", markScrollRegions);
  window.addEventListener("load", markScrollRegions);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watchScrollRegions);
  } else {
    watchScrollRegions();
  }
  document.addEventListener("htmx:afterSettle", watchScrollRegions);
})();
