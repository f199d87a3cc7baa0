// Faro works without JavaScript; this file only makes some things quicker
// or safer on a bad line.
(function () {
  "use strict";
  // Switch language as soon as one is picked.
  var sel = document.getElementById("lang-select");
  if (sel && sel.form) {
    sel.addEventListener("change", function () { sel.form.submit(); });
  }
  // Ask before actions that cannot be undone (forms marked data-confirm).
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });

  // Autosave: forms marked data-autosave post what was typed to the
  // server every few seconds and whenever the connection comes back, so
  // closing the tab or losing the line loses at most a few seconds.
  var form = document.querySelector("form[data-autosave]");
  if (form && window.fetch && window.FormData) {
    var status = document.getElementById("autosave-status");
    var dirty = false, busy = false, leaving = false, last = "";
    var say = function (key, arg) {
      if (!status) { return; }
      var t = status.getAttribute("data-" + key) || "";
      status.textContent = t.replace("{1}", arg || "");
    };
    var snapshot = function () { return new URLSearchParams(new FormData(form)).toString(); };
    last = snapshot();
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    // A sent form saves itself: an autosave on the way out (pagehide)
    // would race it, and on a new record create a second draft.
    form.addEventListener("submit", function () { leaving = true; });
    window.addEventListener("pageshow", function () { leaving = false; });
    var save = function () {
      if (!dirty || busy || leaving) { return; }
      var body = snapshot();
      if (body === last) { dirty = false; return; }
      busy = true;
      fetch(form.getAttribute("data-autosave"), {
        method: "POST", body: new URLSearchParams(body), credentials: "same-origin", keepalive: true,
        headers: { "Accept": "application/json" }
      }).then(function (r) {
        if (!r.ok) { throw new Error("status " + r.status); }
        return r.json();
      }).then(function (res) {
        last = body; dirty = snapshot() !== body;
        if (res.action && form.getAttribute("action") !== res.action) {
          // The first autosave of a new record created its draft.
          form.setAttribute("action", res.action);
          form.setAttribute("data-autosave", res.autosave);
          if (window.history && history.replaceState) { history.replaceState(null, "", res.action + "?step=1"); }
        }
        say("saved", new Date().toTimeString().slice(0, 5));
      }).catch(function () {
        dirty = true;
        say("offline");
      }).then(function () { busy = false; });
    };
    setInterval(save, 4000);
    window.addEventListener("online", save);
    window.addEventListener("pagehide", save);
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") { save(); } });
  }

  // Uploads with a progress bar and a retry, over XMLHttpRequest (fetch
  // cannot report upload progress).
  Array.prototype.forEach.call(document.querySelectorAll("form[data-upload]"), function (up) {
    var bar = up.querySelector("progress"), note = up.querySelector(".upload-status");
    up.addEventListener("submit", function (e) {
      var input = up.querySelector("input[type=file]");
      if (!input || !input.files.length || !window.XMLHttpRequest) { return; }
      e.preventDefault();
      var send = function () {
        var xhr = new XMLHttpRequest();
        xhr.open("POST", up.getAttribute("action"));
        xhr.setRequestHeader("Accept", "application/json");
        bar.hidden = false; bar.value = 0;
        xhr.upload.onprogress = function (ev) { if (ev.lengthComputable) { bar.value = Math.round(100 * ev.loaded / ev.total); } };
        xhr.onload = function () {
          if (xhr.status === 200) { window.location.reload(); return; }
          note.textContent = up.getAttribute("data-failed") || "";
          retry();
        };
        xhr.onerror = function () { note.textContent = up.getAttribute("data-failed") || ""; retry(); };
        xhr.send(new FormData(up));
      };
      var retry = function () {
        var b = up.querySelector("button.retry");
        if (!b) {
          b = document.createElement("button");
          b.type = "button"; b.className = "retry secondary";
          b.textContent = up.getAttribute("data-retry") || "Retry";
          up.appendChild(b);
          b.addEventListener("click", function () { b.remove(); note.textContent = ""; send(); });
        }
      };
      send();
    });
  });
})();
