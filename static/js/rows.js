// Repeatable form rows, in place: "add" clones the last row with the next index and empty
// values; "remove" takes the row out. Without JavaScript the same buttons post the form.
(function () {
  "use strict";

  function nextIndex(table, name) {
    var max = -1;
    var pattern = new RegExp("^" + name + "-(\\d+)-");
    table.querySelectorAll("[name]").forEach(function (el) {
      var match = el.name.match(pattern);
      if (match) { max = Math.max(max, parseInt(match[1], 10)); }
    });
    return max + 1;
  }

  function renumber(row, name, index) {
    var pattern = new RegExp("^" + name + "-\\d+-");
    row.querySelectorAll("[name], [id], [for], [aria-describedby], [value]").forEach(function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) { el.setAttribute(attr, value.replace(pattern, name + "-" + index + "-")); }
      });
      if (el.hasAttribute("data-remove-row")) { el.value = name + "-" + index; }
      if (el.dataset.rowLabel) { el.setAttribute("aria-label", el.dataset.rowLabel.replace("{n}", index + 1)); }
    });
  }

  function clear(row) {
    row.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (el.tagName === "SELECT") { el.selectedIndex = 0; } else if (el.type === "checkbox") { el.checked = false; } else { el.value = ""; }
      el.classList.remove("is-invalid");
      el.removeAttribute("aria-invalid");
    });
    row.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var name = add.getAttribute("data-add-row");
      var table = document.querySelector('[data-rows="' + name + '"]');
      var rows = table.querySelectorAll("tbody .repeat-row");
      var copy = rows[rows.length - 1].cloneNode(true);
      renumber(copy, name, nextIndex(table, name));
      clear(copy);
      table.querySelector("tbody").appendChild(copy);
      var first = copy.querySelector("input, select");
      if (first) { first.focus(); }
      event.preventDefault();
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var row = remove.closest(".repeat-row");
      var body = row.parentNode;
      if (body.querySelectorAll(".repeat-row").length > 1) { row.remove(); } else { clear(row); }
      event.preventDefault();
    }
  });
})();
