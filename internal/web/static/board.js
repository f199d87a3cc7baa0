// Live case desk pages (issue 5). A container marked data-live holds a
// part of the page that the server can render alone (data-fragment);
// when the event stream at data-live names one of its topics (or "*",
// "events may have been lost"), the part is fetched again and swapped in:
// no reload, and forms outside the part keep what is being typed.
// Without JavaScript the page's refresh button does the same.
(function () {
  "use strict";
  var box = document.querySelector("[data-live]");
  if (!box || !window.EventSource || !window.fetch) { return; }
  var url = box.getAttribute("data-fragment");
  var busy = false, again = false;
  var refresh = function () {
    if (busy) { again = true; return; }
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" }, cache: "no-store" })
      .then(function (r) {
        if (!r.ok) { throw new Error("status " + r.status); }
        return r.text();
      })
      .then(function (html) { box.innerHTML = html; box.setAttribute("data-updated", String(Date.now())); })
      .catch(function () { /* the next event or the minute tick tries again */ })
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  };
  var es = new EventSource(box.getAttribute("data-live"));
  (box.getAttribute("data-topics") || "").split(" ").concat(["*"]).forEach(function (t) {
    if (t) { es.addEventListener(t, refresh); }
  });
  // After a dropped stream the browser reconnects by itself; events sent
  // meanwhile are lost, so fetch once on the way back.
  var down = false;
  es.addEventListener("error", function () { down = true; });
  es.addEventListener("open", function () {
    box.setAttribute("data-stream", "open");
    if (down) { down = false; refresh(); }
  });
  window.addEventListener("pagehide", function () { es.close(); });
  // "12 minutes ago" must keep counting on a quiet night.
  setInterval(refresh, 60000);
})();
