/* Save-as-you-go for the profile form: each changed field is posted (with the session token) shortly
   after it changes, on a timer, and with sendBeacon when the page is hidden or closed. Without
   JavaScript the form's own "Save draft" button posts everything. */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }  /* after a failed save, start at the list of answers to check */
  var form = document.querySelector("form[data-autosave-url]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-autosave-url");
  var status = document.getElementById("autosave-status");
  var dirty = {};
  var timer = null;
  var submitting = false;

  function say(text) { if (status) { status.textContent = text; } }

  function payload() {
    var names = Object.keys(dirty);
    if (!names.length) { return null; }
    var all = new FormData(form);
    var data = new FormData();
    data.append("ltik", form.elements.namedItem("ltik").value);
    names.forEach(function (name) {
      data.append("touched", name);
      all.getAll(name).forEach(function (value) { data.append(name, value); });
    });
    dirty = {};
    return { data: data, names: names };
  }

  function flush() {
    if (submitting) { return; }
    var p = payload();
    if (!p) { return; }
    say(form.getAttribute("data-saving-text"));
    fetch(url, { method: "POST", body: p.data, headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function () {
        var now = new Date();
        var time = ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2);
        say(form.getAttribute("data-saved-text") + " " + time);
      })
      .catch(function () {
        p.names.forEach(function (name) { dirty[name] = true; });
        say(form.getAttribute("data-failed-text"));
      });
  }

  function changed(event) {
    var name = event.target && event.target.name;
    if (!name || name === "ltik" || name === "action") { return; }
    dirty[name] = true;
    window.clearTimeout(timer);
    timer = window.setTimeout(flush, 700);
  }

  function beacon() {
    if (submitting || !navigator.sendBeacon) { return; }
    var p = payload();
    if (p) { navigator.sendBeacon(url, p.data); }
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { submitting = true; window.clearTimeout(timer); });
  window.setInterval(flush, 15000);
  window.addEventListener("pagehide", beacon);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { beacon(); }
  });
}());
