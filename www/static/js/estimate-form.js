/* The estimate form recomputes its breakdown as staff edit it: each change
 * posts the form (with its CSRF token) to <action>/preview, which prices it
 * on the server with the same code as the "Preview" button and answers the
 * breakdown as HTML; nothing is stored. Without script, "Preview" does the
 * same with a page load. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.es-form");
    var out = document.querySelector("[data-live-preview]");
    var timer = null;
    var seq = 0;

    if (!form || !out || !window.fetch)
      return;
    function refresh() {
      var mine = ++seq;
      var body = new URLSearchParams(new FormData(form));
      body.delete("preview");
      fetch(form.getAttribute("action") + "/preview", {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" }
      }).then(function (r) {
        return r.ok ? r.text() : null;
      }).then(function (html) {
        if (html !== null && mine === seq)
          out.innerHTML = html;
      }).catch(function () {});
    }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    }
    form.addEventListener("change", later);
    form.addEventListener("input", later);
  });
})();
