/* The opening-balance grid: live totals and difference, and "save" only while it balances.
   Amounts are summed as integer fen (never floats), read as the server reads them: digits with
   at most two decimals, thousands separators and a yuan sign allowed. The server checks again. */
(function () {
  "use strict";
  var form = document.getElementById("opening-form");
  var table = document.getElementById("opening");
  var status = document.getElementById("opening-status");
  var save = document.getElementById("opening-save");
  if (!form || !table || !status || !save) return;

  function toFen(text) {
    var clean = text.replace(/[\s,，¥￥]/g, "");
    if (clean === "") return 0;
    var match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(clean);
    if (!match) return null;
    var fen = Number(match[1]) * 100 + Number(((match[2] || "") + "00").slice(0, 2));
    return fen <= 999999999999999 ? fen : null;
  }

  function format(fen) {
    var sign = fen < 0 ? "-" : "";
    fen = Math.abs(fen);
    var whole = String(Math.floor(fen / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var cents = String(fen % 100);
    return sign + whole + "." + (cents.length < 2 ? "0" + cents : cents);
  }

  function recompute() {
    var totals = { debit: 0, credit: 0 };
    var invalid = 0;
    table.querySelectorAll("input.amount").forEach(function (input) {
      var fen = toFen(input.value);
      if (fen === null) {
        invalid += 1;
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
        totals[input.name] += fen;
      }
    });
    var difference = totals.debit - totals.credit;
    document.getElementById("total-debit").textContent = format(totals.debit);
    document.getElementById("total-credit").textContent = format(totals.credit);
    document.getElementById("difference").textContent = format(difference);
    if (invalid) {
      status.textContent = status.dataset.invalid.replace("{count}", invalid);
    } else if (difference !== 0) {
      status.textContent = status.dataset.unbalanced.replace("{amount}", format(difference));
    } else {
      status.textContent = status.dataset.balanced.replace("{amount}", format(totals.debit));
    }
    var ok = !invalid && difference === 0;
    status.className = ok ? "balanced" : "unbalanced";
    save.disabled = !ok;
  }

  function addRow(button) {
    var row = button.closest("tr");
    var code = row.dataset.account;
    var copy = row.cloneNode(true);
    copy.classList.remove("row-invalid");
    copy.querySelectorAll("input.amount").forEach(function (input) {
      input.value = "";
      input.removeAttribute("aria-invalid");
    });
    copy.querySelectorAll("select").forEach(function (select) {
      select.selectedIndex = 0;
    });
    var rows = table.querySelectorAll('tr.grid-row[data-account="' + code + '"]');
    var last = rows[rows.length - 1];
    var after = last.nextElementSibling;
    if (after && after.classList.contains("row-errors")) last = after;
    last.after(copy);
    var first = copy.querySelector("select, input.amount");
    if (first) first.focus();
  }

  table.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.hidden = false;
  });
  table.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (button) addRow(button);
  });
  table.addEventListener("input", recompute);
  // An amount typed plainly (12345.6) reads back with thousands separators (12,345.60) once the
  // cell is left, as the books print it; one that is not an amount stays as typed, marked red.
  table.addEventListener("focusout", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input.amount") || input.value.trim() === "") return;
    var fen = toFen(input.value);
    if (fen !== null) input.value = format(fen);
  });
  form.addEventListener("submit", function (event) {
    recompute();
    if (save.disabled) event.preventDefault();
  });
  recompute();
})();
