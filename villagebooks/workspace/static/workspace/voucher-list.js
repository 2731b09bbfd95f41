/* The voucher list: tick every voucher of the page at once, and ask before a bulk action runs.
   Without this script each box is ticked by hand and the buttons post straight away. */
(function () {
  "use strict";
  var all = document.getElementById("pick-all");
  var form = document.getElementById("bulk-form");
  if (!form) return;
  var boxes = function () {
    return Array.prototype.slice.call(form.querySelectorAll('input[name="ids"]:not(:disabled)'));
  };
  if (all) {
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
    });
    form.addEventListener("change", function (event) {
      if (event.target.name !== "ids") return;
      var list = boxes();
      all.checked = list.length > 0 && list.every(function (box) { return box.checked; });
    });
  }
})();
