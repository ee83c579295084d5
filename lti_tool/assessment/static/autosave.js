/* Save-as-you-go for the profile form: each changed field is posted (with the session token) shortly
   after it changes, on a timer, and with sendBeacon when the page is hidden or closed. Without
   JavaScript the form's own buttons post everything.
   Also, as progressive enhancements: in a list of choices, typing a number or the first letter of an
   answer chooses it (as in a drop-down list); and an area the person chose not to discuss hides its
   ratings (they are then not sent, and the server stores none). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }  /* after a failed save, start at the list of answers to check */
  var form = document.querySelector("form[data-autosave-url]");
  if (!form) { return; }
  var status = document.getElementById("autosave-status");
  var dirty = {};
  var timer = null;
  var submitting = false;

  function say(text) { if (status) { status.textContent = text; } }

  function markDirty(name) {
    if (!name || name === "ltik" || name === "action" || name === "step" || name === "goto") { return; }
    dirty[name] = true;
    window.clearTimeout(timer);
    timer = window.setTimeout(flush, 700);
  }

  /* -- areas the person chose not to discuss take no ratings ------------------------------------ */
  function applyDeclined(area, announce) {
    var checked = area.querySelector("input[type=radio][name$='.discussed']:checked");
    var declined = !!checked && checked.value === "client_declined";
    if (declined) { area.setAttribute("data-declined", "1"); } else { area.removeAttribute("data-declined"); }
    var fields = area.querySelectorAll(".area-ratings input, .area-ratings textarea");
    Array.prototype.forEach.call(fields, function (field) {
      field.disabled = declined;
      if (announce) { markDirty(field.name); }
    });
  }
  Array.prototype.forEach.call(form.querySelectorAll(".area[data-area]"), function (area) {
    applyDeclined(area, false);
    area.addEventListener("change", function (event) {
      if (event.target && /\.discussed$/.test(event.target.name || "")) { applyDeclined(area, true); }
    });
  });

  /* -- type to choose in a list of choices ------------------------------------------------------ */
  function labelText(radio) {
    var label = form.querySelector("label[for='" + radio.id + "']");
    return label ? (label.firstChild && label.firstChild.textContent || label.textContent).trim().toLowerCase() : "";
  }
  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target || target.type !== "radio" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Enter") {  /* Enter in a list of choices saves and moves on, as in a text field */
      event.preventDefault();
      var first = form.querySelector("button[type=submit]");  /* the default button, as for implicit submission */
      if (first) { first.click(); } else if (form.requestSubmit) { form.requestSubmit(); }
      return;
    }
    if (!event.key || event.key.length !== 1 || event.key === " ") { return; }
    var key = event.key.toLowerCase();
    var group = Array.prototype.filter.call(form.querySelectorAll("input[type=radio]"), function (r) {
      return r.name === target.name && !r.disabled;
    });
    var start = group.indexOf(target);
    var match = null;
    group.forEach(function (radio) { if (!match && radio.value.toLowerCase() === key) { match = radio; } });
    for (var i = 1; !match && i <= group.length; i += 1) {
      var candidate = group[(start + i) % group.length];
      if (labelText(candidate).charAt(0) === key) { match = candidate; }
    }
    if (!match) { return; }
    event.preventDefault();
    match.checked = true;
    match.focus();
    match.dispatchEvent(new Event("change", { bubbles: true }));
  });

  /* -- autosave ------------------------------------------------------------------------------- */
  var url = form.getAttribute("data-autosave-url");
  if (!url || !window.fetch || !window.FormData) { return; }
  // The token travels in the posted form (kept fresh below), not in the address it was first built with.
  url = url.replace(/([?&])ltik=[^&]*(&|$)/, "$1").replace(/[?&]$/, "");

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

  function savedAt(iso) {
    /* The time the server stored the draft, in UTC like every other time on these pages. */
    var when = iso ? new Date(iso.replace(/(\.\d+)?(Z|[+-]\d\d:\d\d)?$/, "") + "Z") : new Date();
    if (isNaN(when.getTime())) { when = new Date(); }
    var time = ("0" + when.getUTCHours()).slice(-2) + ":" + ("0" + when.getUTCMinutes()).slice(-2);
    return form.getAttribute("data-saved-text").replace("{time}", time);
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
      .then(function (body) {
        // The tool renews the session token while the person works: every form of the page takes the new one,
        // so a form left open for hours still saves.
        if (body && typeof body.ltik === "string" && body.ltik) {
          Array.prototype.forEach.call(document.querySelectorAll("input[name='ltik']"), function (field) {
            field.value = body.ltik;
          });
        }
        say(savedAt(body && body.saved_at));
      })
      .catch(function () {
        p.names.forEach(function (name) { dirty[name] = true; });
        say(form.getAttribute("data-failed-text"));
      });
  }

  function changed(event) { markDirty(event.target && event.target.name); }

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
