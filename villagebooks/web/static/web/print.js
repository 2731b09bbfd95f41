// The print view's 打印 button. A file, not an onclick attribute: the pages' Content-Security-Policy
// runs no inline script (villagebooks/common/csp.py).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
