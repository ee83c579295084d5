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
