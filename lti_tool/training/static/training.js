// Ordering questions: keyboard-usable "Move up"/"Move down" buttons. Without JavaScript the
// position selects do the same job, so the buttons stay hidden and the page still works.
(function () {
  "use strict";
  var status = document.getElementById("order-status");

  function renumber(list) {
    var items = list.querySelectorAll(".order-item");
    for (var i = 0; i < items.length; i++) {
      var select = items[i].querySelector(".order-pos");
      if (select) { select.value = String(i + 1); }
      var up = items[i].querySelector('[data-dir="up"]');
      var down = items[i].querySelector('[data-dir="down"]');
      if (up) { up.disabled = i === 0; }
      if (down) { down.disabled = i === items.length - 1; }
    }
  }

  function move(button) {
    var item = button.closest(".order-item");
    var list = item.parentNode;
    if (button.getAttribute("data-dir") === "up" && item.previousElementSibling) {
      list.insertBefore(item, item.previousElementSibling);
    } else if (button.getAttribute("data-dir") === "down" && item.nextElementSibling) {
      list.insertBefore(item.nextElementSibling, item);
    }
    renumber(list);
    var items = Array.prototype.slice.call(list.querySelectorAll(".order-item"));
    if (status) {
      var text = item.querySelector(".order-text").textContent;
      /* The sentence comes from the page, in the interface language (data-moved-text, see attempt.html). */
      var said = status.getAttribute("data-moved-text") || "{item}: {position} / {total}";
      status.textContent = said.replace("{item}", text).replace("{position}", String(items.indexOf(item) + 1))
        .replace("{total}", String(items.length));
    }
    if (!button.disabled) { button.focus(); } else {
      var other = item.querySelector('.move:not([disabled])');
      if (other) { other.focus(); }
    }
  }

  var lists = document.querySelectorAll(".ordering");
  for (var i = 0; i < lists.length; i++) {
    var buttons = lists[i].querySelectorAll(".move");
    for (var j = 0; j < buttons.length; j++) {
      buttons[j].hidden = false;
      buttons[j].addEventListener("click", function (event) { move(event.currentTarget); });
    }
    lists[i].classList.add("js-ordering");
    renumber(lists[i]);
  }
})();

// Quiz navigator and answered counter: the server renders them from the saved answers (so they work without
// JavaScript); here they follow the answers as the learner chooses them.
(function () {
  "use strict";
  var form = document.querySelector("form.quiz");
  if (!form) { return; }
  var questions = form.querySelectorAll("fieldset.question[data-question]");
  var count = document.getElementById("answered-count");

  function isAnswered(fieldset) {
    var type = fieldset.getAttribute("data-type");
    if (type === "ordering") { return true; }
    var inputs = fieldset.querySelectorAll("input, select, textarea");
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      if ((el.type === "radio" || el.type === "checkbox") && el.checked) { return true; }
      if ((el.tagName === "SELECT" || el.tagName === "TEXTAREA") && el.value.trim() !== "") { return true; }
    }
    return false;
  }

  function update() {
    var done = 0;
    for (var i = 0; i < questions.length; i++) {
      var q = questions[i];
      var answered = isAnswered(q);
      if (answered) { done++; }
      var link = document.querySelector('.quiz-nav a[data-nav="' + q.getAttribute("data-question") + '"]');
      if (!link) { continue; }
      link.className = answered ? "nav-answered" : "nav-open";
      link.querySelector(".nav-mark").textContent = answered ? "✓" : "○";
      link.querySelector(".nav-state").textContent = form.getAttribute(answered ? "data-answered-label" : "data-open-label");
    }
    if (count) {
      var text = form.getAttribute("data-count-label").replace("%(done)s", done).replace("%(total)s", questions.length);
      if (count.textContent !== text) { count.textContent = text; }
    }
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  // Following a navigator link moves focus to the question, not only the view.
  var links = document.querySelectorAll(".quiz-nav a[data-nav]");
  for (var i = 0; i < links.length; i++) {
    links[i].addEventListener("click", function (event) {
      var target = document.getElementById("q-" + event.currentTarget.getAttribute("data-nav"));
      if (!target) { return; }
      var first = target.querySelector("input, select, textarea, button");
      if (first) { window.setTimeout(function () { first.focus(); }, 0); }
    });
  }

  // Countdown for timed quizzes. The server keeps the real deadline; this shows it and, when the time is up,
  // submits the answers on the page. Screen readers hear the time at five minutes, one minute and the end only.
  var timer = document.getElementById("quiz-timer");
  if (!timer) { return; }
  var text = document.getElementById("timer-text");
  var alertBox = document.getElementById("timer-alert");
  var end = Date.now() + parseInt(timer.getAttribute("data-seconds"), 10) * 1000;
  var said = {};
  var fmt = form.getAttribute("data-timer-format");

  function say(key, message) {
    if (said[key]) { return; }
    said[key] = true;
    alertBox.textContent = message;
  }

  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    text.textContent = fmt.replace("%(m)s", Math.floor(left / 60)).replace("%(s)s", left % 60);
    if (left <= 300) { timer.classList.add("timer-low"); say("five", form.getAttribute("data-five-left")); }
    if (left <= 60) { say("one", form.getAttribute("data-minute-left")); }
    if (left === 0) {
      say("end", form.getAttribute("data-time-up"));
      window.clearInterval(handle);
      var action = document.createElement("input");
      action.type = "hidden"; action.name = "action"; action.value = "submit";
      form.appendChild(action);
      form.submit();
    }
  }
  var handle = window.setInterval(tick, 1000);
  tick();
})();
