/* The chart page: choosing a parent proposes the next free sub-account code, unless the code
   was typed by hand; the server decides whether the code is valid. */
(function () {
  "use strict";
  var parent = document.getElementById("id_parent");
  if (!parent) return;
  var code = document.getElementById(parent.dataset.codeInput);
  if (!code) return;
  var proposed = code.value;
  parent.addEventListener("change", function () {
    var option = parent.options[parent.selectedIndex];
    var next = option ? option.dataset.next || "" : "";
    if (code.value === "" || code.value === proposed) {
      code.value = next;
      proposed = next;
    }
    var name = document.getElementById("id_name");
    if (name && next) name.focus();
  });
})();
