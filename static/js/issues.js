/* Issue pages. No inline scripts (CSP): everything hangs off data- attributes. */
(function () {
  "use strict";

  // Progress bars: width from data-percent (an inline style would need 'unsafe-inline').
  function paintProgress(root) {
    root.querySelectorAll(".dd-progress[data-percent]").forEach(function (bar) {
      bar.style.width = Math.max(0, Math.min(100, parseInt(bar.dataset.percent, 10) || 0)) + "%";
    });
  }

  // Irreversible actions ask first: <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // A jump link from the phone's action bar opens the panel it points at.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href^="#panel-"]');
    if (!link) return;
    var panel = document.querySelector(link.getAttribute("href"));
    if (panel && panel.tagName === "DETAILS") panel.open = true;
  });

  // Chosen evidence files are listed under the input so a phone user sees what will be sent.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
    var list = input.parentElement.querySelector(".dd-file-list");
    if (!list) {
      list = document.createElement("ul");
      list.className = "dd-file-list small text-body-secondary mt-1 mb-0";
      input.insertAdjacentElement("afterend", list);
    }
    list.textContent = "";
    Array.prototype.forEach.call(input.files, function (file) {
      var item = document.createElement("li");
      item.textContent = file.name + " (" + Math.ceil(file.size / 1024) + " KB)";
      list.appendChild(item);
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    paintProgress(document);
    var open = document.querySelector("details.dd-action-panel[open] .is-invalid");
    if (open) open.scrollIntoView({ block: "center" });
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    paintProgress(event.target);
  });
})();
