/* Source documents beside a voucher: drop files or take a photo, see them before they are sent,
   and switch the large preview between saved attachments without leaving the page.

   Progressive: the drop zone only fills the form's own file input, so the form posts the files
   as it would without this script. On the entry page they go with the voucher when it is saved;
   on the review desk (a form of its own, data-autosubmit) they are uploaded at once. */
(function () {
  "use strict";

  var zone = document.getElementById("dropzone");
  var input = document.getElementById("id_attachments");
  var camera = document.getElementById("id_camera");
  var list = document.getElementById("pending-files");
  var pendingPreview = document.getElementById("pending-preview");
  var textNode = document.getElementById("entry-text");
  var text = textNode ? JSON.parse(textNode.textContent) : {};
  var maxBytes = (text.maxMegabytes || 20) * 1024 * 1024;

  function fill(template, value) {
    return String(template || "").replace("%s", value);
  }

  function acceptable(file) {
    return /^image\//.test(file.type) || file.type === "application/pdf";
  }

  function showPreview(box, src, type, name) {
    if (!box) return;
    box.textContent = "";
    var node;
    if (type === "application/pdf") {
      node = document.createElement("iframe");
      node.title = name;
    } else {
      node = document.createElement("img");
      node.alt = name;
    }
    node.src = src;
    box.appendChild(node);
    box.hidden = false;
  }

  // Keeps the chosen files in the input (the form posts them) and lists them with a preview each.
  function addFiles(files) {
    if (!input) return;
    var kept = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (file) { kept.items.add(file); });
    var refused = [];
    Array.prototype.forEach.call(files, function (file) {
      if (!acceptable(file)) refused.push(file.name + "：" + (text.badType || ""));
      else if (file.size > maxBytes) refused.push(file.name + "：" + fill(text.tooLarge, text.maxMegabytes));
      else kept.items.add(file);
    });
    input.files = kept.files;
    render(refused);
  }

  function removeFile(index) {
    var kept = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (file, i) { if (i !== index) kept.items.add(file); });
    input.files = kept.files;
    render([]);
  }

  function render(refused) {
    if (!list) return;
    list.textContent = "";
    var all = Array.prototype.slice.call(input.files);
    if (camera) all = all.concat(Array.prototype.slice.call(camera.files));
    all.forEach(function (file, index) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#";
      link.textContent = file.name;
      link.addEventListener("click", function (event) {
        event.preventDefault();
        showPreview(pendingPreview, URL.createObjectURL(file), file.type, file.name);
      });
      item.appendChild(link);
      if (index < input.files.length) {
        var remove = document.createElement("button");
        remove.type = "button";
        remove.textContent = "×";
        remove.title = text.remove || "";
        remove.addEventListener("click", function () { removeFile(index); });
        item.appendChild(remove);
      }
      list.appendChild(item);
    });
    refused.forEach(function (message) {
      var item = document.createElement("li");
      item.className = "file-error";
      item.setAttribute("role", "alert");
      item.textContent = message;
      list.appendChild(item);
    });
    var last = all[all.length - 1];
    if (last) showPreview(pendingPreview, URL.createObjectURL(last), last.type, last.name);
    else if (pendingPreview) pendingPreview.hidden = true;
  }

  if (zone && input) {
    var autosubmit = zone.tagName === "FORM";
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("is-over");
      });
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("is-over"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("is-over");
      addFiles(event.dataTransfer.files);
      if (autosubmit && input.files.length) zone.submit();
    });
    input.addEventListener("change", function () {
      if (autosubmit) { if (input.files.length) zone.submit(); return; }
      render([]);
    });
    if (camera) {
      camera.addEventListener("change", function () {
        if (autosubmit) { if (camera.files.length) zone.submit(); return; }
        render([]);
      });
    }
  }

  // Saved attachments: the large preview follows the one clicked (the link works without script).
  var preview = document.getElementById("attachment-preview");
  document.querySelectorAll("[data-preview-src]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!preview) return;
      event.preventDefault();
      var type = link.getAttribute("data-preview-type");
      var name = link.getAttribute("data-preview-name");
      var caption = preview.querySelector("figcaption");
      Array.prototype.forEach.call(preview.querySelectorAll("img, iframe"), function (node) { node.remove(); });
      var node = document.createElement(type === "application/pdf" ? "iframe" : "img");
      node.src = link.getAttribute("data-preview-src");
      if (node.tagName === "IMG") node.alt = name; else node.title = name;
      preview.insertBefore(node, caption);
      if (caption) caption.textContent = name;
      document.querySelectorAll(".attachment-thumbs li").forEach(function (item) { item.removeAttribute("aria-current"); });
      link.parentNode.setAttribute("aria-current", "true");
    });
  });
})();
