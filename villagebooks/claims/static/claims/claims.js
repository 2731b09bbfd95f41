/* The new-claim form on a phone: photos taken one by one with the camera, or picked from the
   gallery, gather in one list that the reporter sees and can prune before submitting. (A file
   input forgets its earlier files at each new choice, and the camera gives one photo a time.)
   Without this script, or without DataTransfer, both inputs simply submit what they hold. */
(function () {
  "use strict";
  var form = document.getElementById("claim-form");
  var previews = document.getElementById("photo-previews");
  if (!form || !previews || typeof DataTransfer === "undefined") return;
  try {
    new DataTransfer();
  } catch (unsupported) {
    return;
  }
  var pickers = form.querySelectorAll(".claim-file-input");
  var store = document.createElement("input");
  store.type = "file";
  store.name = "photos";
  store.multiple = true;
  store.hidden = true;
  form.appendChild(store);
  var files = [];

  function size(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function render() {
    previews.textContent = "";
    files.forEach(function (file, index) {
      var item = document.createElement("li");
      if (file.type.indexOf("image/") === 0) {
        var image = document.createElement("img");
        image.alt = "";
        image.src = URL.createObjectURL(file);
        image.onload = function () { URL.revokeObjectURL(image.src); };
        item.appendChild(image);
      } else {
        var kind = document.createElement("span");
        kind.className = "claim-photo-kind";
        kind.textContent = "PDF";
        item.appendChild(kind);
      }
      var name = document.createElement("span");
      name.className = "claim-preview-name";
      name.textContent = file.name + " · " + size(file.size);
      item.appendChild(name);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button claim-preview-remove";
      remove.textContent = previews.dataset.removeLabel;
      remove.setAttribute("aria-label", previews.dataset.removeLabel + " " + file.name);
      remove.addEventListener("click", function () {
        files.splice(index, 1);
        sync();
      });
      item.appendChild(remove);
      previews.appendChild(item);
    });
  }

  function sync() {
    var transfer = new DataTransfer();
    files.forEach(function (file) { transfer.items.add(file); });
    store.files = transfer.files;
    render();
  }

  Array.prototype.forEach.call(pickers, function (picker) {
    picker.removeAttribute("name");
    picker.addEventListener("change", function () {
      Array.prototype.forEach.call(picker.files, function (file) { files.push(file); });
      picker.value = "";
      sync();
    });
  });

  // Uploads from a village can take a while: one tap, one claim.
  form.addEventListener("submit", function () {
    var button = form.querySelector(".claim-submit");
    if (button) {
      window.setTimeout(function () {
        button.disabled = true;
        button.textContent = button.dataset.busyLabel;
      }, 0);
    }
  });
})();
