/* Signature pad for estimates (portal and staff countersigning): draws with
 * pointer events (touch, pen, mouse) on the canvas, keeps the strokes as a
 * vector path ([[x,y,x,y,...], ...] in canvas pixels) and, on submit, puts
 * the PNG (data URL) and the path into the form's hidden fields. Ticking
 * "Type my signature instead" hides the pad: the typed full name is then
 * the signature. No inline script (CSP). */
(function () {
  "use strict";

  function setup(wrap) {
    var form = wrap.closest("form");
    var set = wrap.closest("fieldset");
    var canvas = wrap.querySelector("canvas");
    var ctx = canvas.getContext("2d");
    var strokes = [];
    var cur = null;
    var typed = form.querySelector("[data-sign-typed]");

    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#1b2a4a";

    function point(ev) {
      var r = canvas.getBoundingClientRect();
      return [Math.round((ev.clientX - r.left) * canvas.width / r.width),
        Math.round((ev.clientY - r.top) * canvas.height / r.height)];
    }
    function down(ev) {
      ev.preventDefault();
      canvas.setPointerCapture && canvas.setPointerCapture(ev.pointerId);
      var p = point(ev);
      cur = [p[0], p[1]];
      strokes.push(cur);
      ctx.beginPath();
      ctx.moveTo(p[0], p[1]);
      ctx.lineTo(p[0] + 0.1, p[1] + 0.1);
      ctx.stroke();
    }
    function move(ev) {
      if (!cur) return;
      ev.preventDefault();
      var p = point(ev);
      var n = cur.length;
      if (Math.abs(p[0] - cur[n - 2]) + Math.abs(p[1] - cur[n - 1]) < 2) return;
      ctx.beginPath();
      ctx.moveTo(cur[n - 2], cur[n - 1]);
      ctx.lineTo(p[0], p[1]);
      ctx.stroke();
      if (cur.length < 4000) cur.push(p[0], p[1]);
    }
    function up() { cur = null; }

    canvas.addEventListener("pointerdown", down);
    canvas.addEventListener("pointermove", move);
    canvas.addEventListener("pointerup", up);
    canvas.addEventListener("pointercancel", up);
    canvas.addEventListener("pointerleave", up);

    wrap.querySelector("[data-sign-clear]").addEventListener("click", function () {
      strokes = [];
      ctx.clearRect(0, 0, canvas.width, canvas.height);
    });
    if (typed) {
      typed.addEventListener("change", function () {
        set.classList.toggle("is-typed", typed.checked);
      });
    }
    form.addEventListener("submit", function () {
      var png = form.querySelector("input[name=signature_png]");
      var path = form.querySelector("input[name=signature_path]");
      if ((typed && typed.checked) || strokes.length === 0) {
        png.value = "";
        path.value = "";
        return;
      }
      var json = JSON.stringify(strokes);
      path.value = json.length < 60000 ? json : "";
      var url = canvas.toDataURL("image/png");
      if (url.length > 59000) {	/* the server takes up to 60000 bytes */
        var small = document.createElement("canvas");
        small.width = canvas.width / 2;
        small.height = canvas.height / 2;
        small.getContext("2d").drawImage(canvas, 0, 0, small.width, small.height);
        url = small.toDataURL("image/png");
      }
      png.value = url;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var pads = document.querySelectorAll("[data-sign-pad]");
    for (var i = 0; i < pads.length; i++) setup(pads[i]);
  });
})();
