// A small square cropper for profile pictures: the picture can be dragged
// and zoomed inside a round frame, and the result is a 512x512 PNG blob.
(function () {
  "use strict";
  var OUTPUT = 512;

  // open shows #cropperModal for a file and resolves to a File with the
  // cropped picture, or null when the dialog is cancelled.
  function open(file) {
    var dialog = document.getElementById("cropperModal");
    var stage = document.getElementById("cropperStage");
    var image = document.getElementById("cropperImage");
    var zoom = document.getElementById("cropperZoom");
    var apply = document.getElementById("cropperApply");
    return new Promise(function (resolve) {
      var url = URL.createObjectURL(file);
      var state = { x: 0, y: 0, scale: 1, base: 1, dragging: false, lastX: 0, lastY: 0 };
      var size = stage.clientWidth || 280;

      function place() {
        var s = state.base * state.scale;
        var w = image.naturalWidth * s;
        var h = image.naturalHeight * s;
        state.x = Math.min(0, Math.max(size - w, state.x));
        state.y = Math.min(0, Math.max(size - h, state.y));
        image.style.transform = "translate(" + state.x + "px," + state.y + "px) scale(" + s + ")";
      }

      function finish(result) {
        stage.onpointerdown = stage.onpointermove = stage.onpointerup = stage.onkeydown = null;
        zoom.oninput = null;
        apply.onclick = null;
        dialog.onclose = null;
        if (dialog.open) {
          dialog.close();
        }
        URL.revokeObjectURL(url);
        resolve(result);
      }

      image.onload = function () {
        size = stage.clientWidth || 280;
        state.base = size / Math.min(image.naturalWidth, image.naturalHeight);
        state.scale = 1;
        zoom.value = "1";
        state.x = (size - image.naturalWidth * state.base) / 2;
        state.y = (size - image.naturalHeight * state.base) / 2;
        place();
      };
      image.onerror = function () {
        window.AUTHD.showToast("error", "Invalid image file.");
        finish(null);
      };
      stage.onpointerdown = function (e) {
        state.dragging = true;
        state.lastX = e.clientX;
        state.lastY = e.clientY;
        stage.setPointerCapture(e.pointerId);
      };
      stage.onpointermove = function (e) {
        if (!state.dragging) {
          return;
        }
        state.x += e.clientX - state.lastX;
        state.y += e.clientY - state.lastY;
        state.lastX = e.clientX;
        state.lastY = e.clientY;
        place();
      };
      stage.onpointerup = function () {
        state.dragging = false;
      };
      stage.onkeydown = function (e) {
        var step = 10;
        var moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
        if (moves[e.key]) {
          state.x += moves[e.key][0];
          state.y += moves[e.key][1];
          place();
          e.preventDefault();
        } else if (e.key === "+" || e.key === "-") {
          zoom.value = String(Math.min(4, Math.max(1, Number(zoom.value) + (e.key === "+" ? 0.1 : -0.1))));
          zoom.oninput();
          e.preventDefault();
        }
      };
      zoom.oninput = function () {
        var center = size / 2;
        var old = state.base * state.scale;
        state.scale = Number(zoom.value);
        var now = state.base * state.scale;
        state.x = center - (center - state.x) * (now / old);
        state.y = center - (center - state.y) * (now / old);
        place();
      };
      apply.onclick = function () {
        var canvas = document.createElement("canvas");
        canvas.width = OUTPUT;
        canvas.height = OUTPUT;
        var s = state.base * state.scale;
        var ratio = OUTPUT / size;
        canvas.getContext("2d").drawImage(image, state.x * ratio, state.y * ratio, image.naturalWidth * s * ratio, image.naturalHeight * s * ratio);
        canvas.toBlob(function (blob) {
          finish(blob ? new File([blob], "profile.png", { type: "image/png" }) : null);
        }, "image/png");
      };
      dialog.onclose = function () {
        finish(null);
      };
      dialog.querySelectorAll("[data-close]").forEach(function (b) {
        b.onclick = function () {
          finish(null);
        };
      });
      image.src = url;
      dialog.showModal();
      stage.focus();
    });
  }

  window.AUTHD.cropper = { open: open };
})();
