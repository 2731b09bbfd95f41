/* The voucher grid, driven by the keyboard the way Chinese bookkeeping packages are (凭证录入).

   Enter moves on (summary → account → fund/counterparty when the account asks → debit → credit →
   next line; an amount on the debit side skips the credit cell); Shift+Enter moves back. The
   account cell finds accounts by code, name or pinyin initials (glfy = 管理费用) from the list the
   page carries; a new line copies the summary above (".." the line above, "//" the first line);
   entering an empty line's amount fills the difference that balances the voucher ("=" does it on
   demand, Space moves an amount to the other side); Ctrl+S saves and opens the next voucher.
   Lines take leaf accounts only: a parent's code (513) lists its sub-accounts to choose from
   instead of taking one of them. Saving leaves out trailing lines that hold nothing but the
   summary copied into them (the line Enter opened after the last amount).

   The page works without this script: the cells are a plain form that the server reads and checks
   again. Money is handled as integer fen here too (never floating point). */
(function () {
  "use strict";

  var form = document.getElementById("voucher-form");
  if (!form) return;
  var body = document.getElementById("grid-body");
  var countInput = document.getElementById("line-count");
  var template = document.getElementById("row-template");
  var menu = document.getElementById("account-menu");
  var text = JSON.parse(document.getElementById("entry-text").textContent);
  var accounts = JSON.parse(document.getElementById("accounts-data").textContent);
  var byCode = new Map(accounts.map(function (a) { return [a.code, a]; }));
  var saveNext = document.getElementById("save-next");
  var partyList = document.getElementById("party-options");
  var partyUrl = form.getAttribute("data-counterparties-url");
  var MENU_SIZE = 12;

  document.body.appendChild(menu); // positioned against the page, above the grid's scroll box

  // ---------------------------------------------------------------- money as integer fen

  function toFen(value) {
    var t = String(value).replace(/[,，\s¥￥]/g, "");
    if (t === "") return 0;
    var m = /^(-?)(\d{1,13})(?:\.(\d{0,2}))?$/.exec(t);
    if (!m) return null;
    var fen = parseInt(m[2], 10) * 100 + parseInt((m[3] || "").padEnd(2, "0"), 10);
    return m[1] ? -fen : fen;
  }

  function plain(fen) { // 123450 → "1234.50", what the cells hold
    var sign = fen < 0 ? "-" : "";
    var abs = Math.abs(fen);
    return sign + Math.floor(abs / 100) + "." + String(abs % 100).padStart(2, "0");
  }

  function grouped(fen) { // 123450 → "1,234.50", what the totals show
    var parts = plain(fen).split(".");
    return parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + parts[1];
  }

  // ---------------------------------------------------------------- rows and cells

  function rows() { return Array.prototype.slice.call(body.querySelectorAll("tr.grid-row")); }
  function cellOf(row, name) { return row.querySelector('[data-cell="' + name + '"]'); }
  function rowOf(input) { return input.closest("tr.grid-row"); }
  function nameOf(input) { return input.getAttribute("data-cell"); }
  function shown(input) { return !input.closest("td").hasAttribute("data-dim-off"); }

  function rowIsBlank(row) {
    return ["summary", "account", "fund", "counterparty", "debit", "credit"].every(function (name) {
      return !cellOf(row, name).value.trim();
    });
  }

  function addRow() {
    if (rows().length >= text.maxLines) return null;
    var index = parseInt(countInput.value, 10);
    var holder = document.createElement("tbody");
    holder.innerHTML = template.innerHTML.replace(/__i__/g, String(index)).trim();
    var row = holder.firstElementChild;
    body.appendChild(row);
    countInput.value = String(index + 1);
    prepareRow(row);
    return row;
  }

  function removeRow(row) {
    var next = row.nextElementSibling || row.previousElementSibling;
    if (rows().length <= 1) {
      ["summary", "account", "fund", "counterparty", "debit", "credit"].forEach(function (name) {
        cellOf(row, name).value = "";
        clearError(cellOf(row, name));
      });
      applyAccount(row);
    } else {
      row.remove();
    }
    updateTotals();
    var target = next && next.isConnected ? next : rows()[0];
    cellOf(target, "summary").focus();
  }

  // The order Enter walks through a row: dimension cells only where the account asks for them.
  function order(row) {
    return ["summary", "account", "fund", "counterparty", "debit", "credit"]
      .map(function (name) { return cellOf(row, name); })
      .filter(shown);
  }

  function focusCell(input) {
    input.focus();
    // Focusing may have moved on (an empty amount filled on the other side): select() would pull
    // the focus back, since it focuses the field it selects in.
    if (document.activeElement === input) input.select();
  }

  function moveNext(input) {
    var row = rowOf(input);
    var cells = order(row);
    var at = cells.indexOf(input);
    var name = nameOf(input);
    var skipCredit = name === "debit" && toFen(input.value);
    if (at >= 0 && at < cells.length - 1 && !skipCredit) {
      focusCell(cells[at + 1]);
      return;
    }
    var next = row.nextElementSibling || addRow();
    if (next) focusCell(cellOf(next, "summary"));
  }

  function movePrevious(input) {
    var row = rowOf(input);
    var cells = order(row);
    var at = cells.indexOf(input);
    if (at > 0) { focusCell(cells[at - 1]); return; }
    var previous = row.previousElementSibling;
    if (previous) { var last = order(previous); focusCell(last[last.length - 1]); }
  }

  function moveVertical(input, step) {
    var row = step > 0 ? rowOf(input).nextElementSibling : rowOf(input).previousElementSibling;
    if (!row) return;
    var target = cellOf(row, nameOf(input));
    if (shown(target)) focusCell(target);
  }

  // ---------------------------------------------------------------- errors at the cell

  function showError(input, message) {
    var td = input.closest("td");
    td.classList.add("cell-invalid");
    input.setAttribute("aria-invalid", "true");
    var note = td.querySelector(".cell-error");
    if (!note) {
      note = document.createElement("span");
      note.className = "cell-error";
      note.id = input.id + "-error";
      td.appendChild(note);
    }
    note.textContent = message;
    input.setAttribute("aria-describedby", note.id);
  }

  function clearError(input) {
    var td = input.closest("td");
    td.classList.remove("cell-invalid");
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
    var note = td.querySelector(".cell-error");
    if (note) note.remove();
  }

  // ---------------------------------------------------------------- accounts

  function search(query) {
    var q = query.trim().toLowerCase();
    if (!q) return [];
    var scored = [];
    accounts.forEach(function (a) {
      var name = a.name.toLowerCase();
      var path = a.path.toLowerCase();
      var score = -1;
      if (a.code.indexOf(q) === 0) score = 0;
      else if (a.py.indexOf(q) === 0) score = 1;
      else if (name.indexOf(q) === 0) score = 2;
      else if (a.ppy.indexOf(q) === 0) score = 3;
      else if (name.indexOf(q) >= 0 || path.indexOf(q) >= 0) score = 4;
      else if (a.py.indexOf(q) >= 0 || a.ppy.indexOf(q) >= 0) score = 5;
      if (score >= 0) scored.push([score, a]);
    });
    scored.sort(function (x, y) { return x[0] - y[0] || (x[1].code < y[1].code ? -1 : 1); });
    return scored.slice(0, MENU_SIZE).map(function (pair) { return pair[1]; });
  }

  // The sub-accounts of a parent account's code typed in full (513 → 51301, 51302 …): the line
  // needs one of them, and which one is the accountant's choice, never the first of the list.
  // The page carries leaf accounts only, so a code of 3 digits or more that begins leaf codes
  // without being one is a parent's (or the start of one's) code.
  function subAccounts(value) {
    var first = value.trim().split(/\s+/)[0];
    if (!/^\d{3,}$/.test(first) || byCode.has(first)) return [];
    return accounts.filter(function (a) { return a.code.indexOf(first) === 0; });
  }

  function parentMessage(value, subs) {
    var listed = subs.slice(0, 5).map(function (a) { return a.code + " " + a.name; }).join("、");
    if (subs.length > 5) listed += text.andMore.replace("{count}", String(subs.length));
    return text.parentAccount.replace("{code}", value.trim().split(/\s+/)[0]).replace("{subs}", listed);
  }

  // The one account a typed text means: a code, or an exact and unique name, path or initials.
  function exact(value) {
    var t = value.trim();
    if (!t) return null;
    var first = t.split(/\s+/)[0];
    if (byCode.has(first)) return byCode.get(first);
    var lowered = t.toLowerCase().replace(/[\/／\-—_\s]/g, "");
    var found = accounts.filter(function (a) {
      return a.name === t || a.path === t.replace(/\s*[\/／\-—_]\s*/g, "/") || a.py === lowered || a.ppy === lowered;
    });
    return found.length === 1 ? found[0] : null;
  }

  var menuFor = null;
  var menuItems = [];
  var menuIndex = -1;

  function openMenu(input) {
    var subs = subAccounts(input.value);
    menuItems = subs.length ? subs.slice(0, MENU_SIZE) : search(input.value);
    menuFor = input;
    menu.textContent = "";
    if (subs.length) {
      var hint = document.createElement("li");
      hint.className = "none";
      hint.textContent = text.pickLeaf;
      menu.appendChild(hint);
    }
    if (!menuItems.length) {
      var none = document.createElement("li");
      none.className = "none";
      none.textContent = text.noMatch;
      menu.appendChild(none);
    }
    menuItems.forEach(function (a, i) {
      var item = document.createElement("li");
      item.id = "account-option-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("data-code", a.code);
      var code = document.createElement("span");
      code.className = "code";
      code.textContent = a.code;
      var name = document.createElement("span");
      name.textContent = a.path.replace(/\//g, "－");
      var py = document.createElement("span");
      py.className = "py";
      py.textContent = a.py;
      item.appendChild(code);
      item.appendChild(name);
      item.appendChild(py);
      item.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep the focus in the cell
        choose(input, a);
        moveNext(input);
      });
      menu.appendChild(item);
    });
    var box = input.getBoundingClientRect();
    menu.style.left = box.left + window.scrollX + "px";
    menu.style.top = box.bottom + window.scrollY + "px";
    menu.hidden = false;
    input.setAttribute("aria-expanded", "true");
    // Nothing is taken by Enter under a parent's code until an arrow key picks a sub-account.
    highlight(menuItems.length && !subs.length ? 0 : -1);
  }

  function highlight(index) {
    menuIndex = index;
    Array.prototype.forEach.call(menu.querySelectorAll("[role=option]"), function (item, i) {
      item.setAttribute("aria-selected", i === index ? "true" : "false");
      if (i === index) item.scrollIntoView({ block: "nearest" });
    });
    if (menuFor) {
      if (index >= 0) menuFor.setAttribute("aria-activedescendant", "account-option-" + index);
      else menuFor.removeAttribute("aria-activedescendant");
    }
  }

  function closeMenu() {
    menu.hidden = true;
    if (menuFor) {
      menuFor.setAttribute("aria-expanded", "false");
      menuFor.removeAttribute("aria-activedescendant");
    }
    menuFor = null;
    menuItems = [];
    menuIndex = -1;
  }

  function choose(input, account) {
    input.value = account.code;
    clearError(input);
    closeMenu();
    applyAccount(rowOf(input));
  }

  // Show the account's name, and the dimension cells it asks for (a filled one stays visible).
  function applyAccount(row) {
    var input = cellOf(row, "account");
    var account = byCode.get(input.value.trim().split(/\s+/)[0]);
    row.querySelector("[data-account-label]").textContent = account ? account.path.replace(/\//g, "－") : "";
    [["fund", "fund"], ["counterparty", "party"]].forEach(function (pair) {
      var cell = cellOf(row, pair[0]);
      var td = cell.closest("td");
      var wanted = Boolean(cell.value.trim() || (account && account[pair[1]]));
      if (wanted) td.removeAttribute("data-dim-off"); else td.setAttribute("data-dim-off", "");
      cell.tabIndex = wanted ? 0 : -1;
    });
  }

  // Leaving an account cell: settle what was typed on one account, or say why not.
  function commitAccount(input) {
    var value = input.value.trim();
    if (!value) { applyAccount(rowOf(input)); return true; }
    var subs = subAccounts(value);
    if (subs.length) {
      applyAccount(rowOf(input));
      showError(input, parentMessage(value, subs));
      return false;
    }
    var account = exact(value);
    if (!account) {
      var found = search(value);
      if (found.length === 1) account = found[0];
    }
    if (account) { choose(input, account); return true; }
    showError(input, (search(value).length > 1 ? text.ambiguous : text.unknownAccount).replace("%s", value));
    return false;
  }

  // ---------------------------------------------------------------- amounts and balance

  function sums(except) {
    var debit = 0, credit = 0;
    rows().forEach(function (row) {
      if (row === except) return;
      debit += toFen(cellOf(row, "debit").value) || 0;
      credit += toFen(cellOf(row, "credit").value) || 0;
    });
    return { debit: debit, credit: credit };
  }

  function updateTotals() {
    var total = sums(null);
    document.getElementById("total-debit").textContent = grouped(total.debit);
    document.getElementById("total-credit").textContent = grouped(total.credit);
    var state = document.getElementById("balance-state");
    var balanced = total.debit === total.credit;
    state.classList.toggle("is-balanced", balanced && total.debit !== 0);
    state.textContent = balanced
      ? (total.debit ? text.balanced : "")
      : text.unbalanced.replace("%s", grouped(Math.abs(total.debit - total.credit)));
  }

  // An empty line's amount: the difference that balances the voucher, on the side it belongs.
  function autofill(input) {
    var row = rowOf(input);
    var debit = cellOf(row, "debit"), credit = cellOf(row, "credit");
    if (debit.value.trim() || credit.value.trim() || !cellOf(row, "account").value.trim()) return;
    var others = sums(row);
    var difference = others.debit - others.credit;
    if (!difference) return;
    var target = difference > 0 ? credit : debit;
    target.value = plain(Math.abs(difference));
    updateTotals();
    if (target !== input) focusCell(target); else input.select();
  }

  // "=": this cell takes the amount that balances the voucher (the other side of its line cleared).
  function balanceHere(input) {
    var row = rowOf(input);
    var other = cellOf(row, nameOf(input) === "debit" ? "credit" : "debit");
    other.value = "";
    var others = sums(row);
    var needed = nameOf(input) === "debit" ? others.credit - others.debit : others.debit - others.credit;
    if (needed < 0) { other.value = plain(-needed); input.value = ""; focusCell(other); }
    else { input.value = needed ? plain(needed) : ""; input.select(); }
    updateTotals();
  }

  function swapSide(input) {
    var other = cellOf(rowOf(input), nameOf(input) === "debit" ? "credit" : "debit");
    if (!input.value.trim()) return;
    other.value = input.value;
    input.value = "";
    clearError(input);
    updateTotals();
    focusCell(other);
  }

  // ---------------------------------------------------------------- summaries

  function summaryAbove(row) {
    var previous = row.previousElementSibling;
    return previous ? cellOf(previous, "summary").value : "";
  }

  // ---------------------------------------------------------------- counterparties

  var partyTimer = null;
  function suggestParties(input) {
    clearTimeout(partyTimer);
    partyTimer = setTimeout(function () {
      fetch(partyUrl + "?q=" + encodeURIComponent(input.value.trim()), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { names: [] }; })
        .then(function (data) {
          partyList.textContent = "";
          data.names.forEach(function (name) {
            var option = document.createElement("option");
            option.value = name;
            partyList.appendChild(option);
          });
        })
        .catch(function () { /* suggestions only: typing the name still works */ });
    }, 150);
  }

  // ---------------------------------------------------------------- events

  function prepareRow(row) {
    var remove = row.querySelector("[data-remove-row]");
    remove.hidden = false;
    remove.addEventListener("click", function () { removeRow(row); });
    applyAccount(row);
  }

  rows().forEach(prepareRow);

  body.addEventListener("focusin", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-cell]")) return;
    var name = nameOf(input);
    var row = rowOf(input);
    if (name === "summary" && !input.value && row.previousElementSibling) {
      input.value = summaryAbove(row);
      input.setAttribute("data-copied", "");
      input.select();
    } else if (name === "debit" || name === "credit") {
      autofill(input);
    } else if (name === "counterparty") {
      suggestParties(input);
    }
  });

  body.addEventListener("focusout", function (event) {
    var input = event.target;
    var name = input.matches ? nameOf(input) : null;
    if (name === "account") {
      if (menuFor === input) closeMenu();
      commitAccount(input);
    } else if (name === "debit" || name === "credit") {
      // An amount reads as the books print it once the cursor leaves: "50000" → "50000.00".
      var fen = toFen(input.value);
      if (fen === null) showError(input, text.notMoney);
      else if (fen) input.value = plain(fen);
    }
  });

  body.addEventListener("input", function (event) {
    var input = event.target;
    var name = nameOf(input);
    if (!name) return;
    clearError(input);
    if (name === "summary") {
      input.removeAttribute("data-copied");
      var row = rowOf(input);
      if (input.value === "..") input.value = summaryAbove(row);
      else if (input.value === "//") input.value = cellOf(rows()[0], "summary").value;
    } else if (name === "account") {
      openMenu(input);
    } else if (name === "debit" || name === "credit") {
      updateTotals();
    } else if (name === "counterparty") {
      suggestParties(input);
    }
  });

  body.addEventListener("keydown", function (event) {
    var input = event.target;
    var name = nameOf(input);
    if (!name) return;
    var menuOpen = menuFor === input && !menu.hidden;
    if (menuOpen && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      if (menuItems.length) {
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight((menuIndex + step + menuItems.length) % menuItems.length);
      }
      return;
    }
    if (menuOpen && event.key === "Escape") { event.preventDefault(); closeMenu(); return; }
    if (event.key === "Delete" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      removeRow(rowOf(input));
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (name === "account" && !commitAccount(input)) return;
      moveVertical(input, event.key === "ArrowDown" ? 1 : -1);
      return;
    }
    if ((name === "debit" || name === "credit") && !event.ctrlKey && !event.altKey && !event.metaKey) {
      if (event.key === "=") { event.preventDefault(); balanceHere(input); return; }
      if (event.key === " ") { event.preventDefault(); swapSide(input); return; }
    }
    if (event.key !== "Enter" || event.isComposing) return;
    event.preventDefault();
    if (event.shiftKey) { movePrevious(input); return; }
    if (name === "account") {
      if (menuOpen && menuIndex >= 0) choose(input, menuItems[menuIndex]);
      else if (!commitAccount(input)) {
        if (subAccounts(input.value).length) openMenu(input); else closeMenu();
        return;
      }
      if (!input.value.trim()) return; // an account is needed before the line goes on
    }
    if (name === "summary") {
      var row = rowOf(input);
      var rest = ["account", "debit", "credit"].every(function (cell) { return !cellOf(row, cell).value.trim(); });
      var total = sums(null);
      // An untouched new line under a balanced voucher: the voucher is done, go to saving.
      if (rest && total.debit && total.debit === total.credit && row.previousElementSibling) {
        if (input.hasAttribute("data-copied")) { input.value = ""; input.removeAttribute("data-copied"); }
        saveNext.focus();
        return;
      }
    }
    if ((name === "fund" || name === "counterparty") && !input.value.trim()) {
      var account = byCode.get(cellOf(rowOf(input), "account").value.trim());
      if (account && account[name === "fund" ? "fund" : "party"]) {
        showError(input, name === "fund" ? text.fundRequired : text.partyRequired);
        return;
      }
    }
    moveNext(input);
  });

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "s") {
      event.preventDefault();
      var active = document.activeElement;
      if (active && nameOf(active) === "account") commitAccount(active);
      form.requestSubmit(saveNext);
    }
  });

  window.addEventListener("resize", closeMenu);
  // Trailing lines that hold only the summary copied into them were opened by Enter, not meant:
  // emptied, the server leaves them out as the blank lines they are. A summary typed or edited
  // there (no longer "copied") is the accountant's, and the server's checks answer it.
  function dropCopiedTail() {
    var all = rows();
    for (var i = all.length - 1; i > 0; i--) {
      if (rowIsBlank(all[i])) continue; // the grid's spare lines below
      var summary = cellOf(all[i], "summary");
      var onlyCopied = summary.hasAttribute("data-copied") &&
        ["account", "fund", "counterparty", "debit", "credit"].every(function (name) {
          return !cellOf(all[i], name).value.trim();
        });
      if (!onlyCopied) return;
      summary.value = "";
      summary.removeAttribute("data-copied");
      clearError(summary);
    }
  }

  form.addEventListener("submit", function () {
    dropCopiedTail();
    // Blank lines are left out by the server; nothing to do but keep the count honest.
    countInput.value = String(Math.max(parseInt(countInput.value, 10), rows().length));
  });

  updateTotals();

  // Where to start typing: the first cell with an error, else the first line's summary.
  var invalid = form.querySelector('[aria-invalid="true"]');
  var start = invalid || cellOf(rows()[0], "summary");
  if (start) focusCell(start);
})();
