// Helpers for long forms, each an enhancement: without JavaScript every form works as before.
// - A long list (a select of more than 30 options) gets a box above it that narrows the list
//   to the options containing what is typed.
// - A location row's district list offers only the districts of the row's province, and its
//   commune list only the communes of the row's district.
// - Share columns show their running total as they are typed.
(function () {
  "use strict";
  var LONG_LIST = 30;

  function filterBox(select) {
    if (select.multiple || select.options.length <= LONG_LIST || select.dataset.filtered) { return; }
    if (!select.closest("form[data-filter-lists]")) { return; }
    select.dataset.filtered = "1";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1 select-filter";
    var prompt = document.body.dataset.filterPrompt || "Type to narrow the list below";
    box.placeholder = prompt;
    box.setAttribute("aria-label", prompt);
    if (select.id) { box.setAttribute("aria-controls", select.id); }
    box.addEventListener("input", function () {
      var words = box.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.options, function (option) {
        var keep = !words || option.value === "" || option.selected || option.text.toLowerCase().indexOf(words) !== -1;
        option.hidden = !keep;
      });
    });
    box.addEventListener("keydown", function (event) {
      // Enter picks the first option left, instead of sending the form.
      if (event.key !== "Enter") { return; }
      event.preventDefault();
      var first = Array.prototype.find.call(select.options, function (o) { return !o.hidden && o.value !== ""; });
      if (first) { select.value = first.value; select.dispatchEvent(new Event("change", {bubbles: true})); select.focus(); }
    });
    select.parentNode.insertBefore(box, select);
  }

  function narrowDistricts(provinceSelect) {
    var row = provinceSelect.closest("tr");
    var district = row && row.querySelector('select[name$="-district_code"]');
    if (!district) { return; }
    var province = provinceSelect.value;
    Array.prototype.forEach.call(district.options, function (option) {
      option.hidden = option.value !== "" && (!province || option.value.indexOf(province) !== 0);
    });
    if (district.selectedOptions.length && district.selectedOptions[0].hidden) { district.value = ""; }
  }

  function narrowCommunes(districtSelect) {
    var row = districtSelect.closest("tr");
    var commune = row && row.querySelector('select[name$="-commune_code"]');
    if (!commune) { return; }
    var district = districtSelect.value;
    Array.prototype.forEach.call(commune.options, function (option) {
      option.hidden = option.value !== "" && (!district || option.value.indexOf(district) !== 0);
    });
    if (commune.selectedOptions.length && commune.selectedOptions[0].hidden) { commune.value = ""; }
  }

  function total(name) {
    var sum = 0;
    document.querySelectorAll('[data-rows="' + name + '"] input[name$="-percentage"]').forEach(function (input) {
      var value = parseFloat((input.value || "").replace(",", "."));
      if (!isNaN(value)) { sum += value; }
    });
    var out = document.querySelector('[data-total-of="' + name + '"]');
    if (out) {
      var text = (Math.round(sum * 100) / 100).toString();
      if (out.textContent !== text) { out.textContent = text; }
      out.classList.toggle("text-danger", Math.abs(sum - 100) > 0.005 && sum > 0);
    }
  }

  function setUp(root) {
    root.querySelectorAll("select").forEach(filterBox);
    root.querySelectorAll('select[name$="-province_code"]').forEach(narrowDistricts);
    root.querySelectorAll('select[name$="-district_code"]').forEach(narrowCommunes);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches('select[name$="-province_code"]')) {
      narrowDistricts(event.target);
      var row = event.target.closest("tr");
      var district = row && row.querySelector('select[name$="-district_code"]');
      if (district) { narrowCommunes(district); }
    }
    if (event.target.matches('select[name$="-district_code"]')) { narrowCommunes(event.target); }
  });
  document.addEventListener("input", function (event) {
    var table = event.target.closest("[data-rows]");
    if (table && event.target.name && /-percentage$/.test(event.target.name)) { total(table.dataset.rows); }
  });
  // Rows added or removed in place (rows.js): set the new row's lists up, count again.
  document.querySelectorAll("[data-rows]").forEach(function (table) {
    var body = table.querySelector("tbody");
    if (!body) { return; }
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (row) {
          if (!row.querySelectorAll) { return; }
          row.querySelectorAll(".select-filter").forEach(function (box) { box.remove(); });
          row.querySelectorAll("[data-filtered]").forEach(function (select) { delete select.dataset.filtered; });
          setUp(row);
        });
      });
      total(table.dataset.rows);
    }).observe(body, {childList: true});
  });
  setUp(document);
})();
