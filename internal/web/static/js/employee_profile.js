// Employee profile page over GET/PATCH /api/v1/hdts/employees/api/profile/.
(function () {
  "use strict";
  var A = window.AUTHD;
  var API = "/api/v1/hdts/employees/api/profile/";
  var form, snapshot = {}, cropped = null, savedPicture = "";

  function $(id) {
    return document.getElementById(id);
  }

  function inputs() {
    return Array.prototype.slice.call(form.querySelectorAll("input[name], select[name]")).filter(function (el) {
      return el.type !== "file" && el.type !== "checkbox";
    });
  }

  function takeSnapshot() {
    snapshot = {};
    inputs().forEach(function (el) {
      snapshot[el.name] = el.value;
    });
  }

  function dirty() {
    return cropped !== null || $("profile_picture-clear_id").checked || inputs().some(function (el) {
      return el.value !== snapshot[el.name];
    });
  }

  function update() {
    A.show($("unsaved-warning"), dirty());
  }

  function show(e) {
    $("infoName").textContent = e.full_name || e.email;
    $("infoEmail").textContent = e.email;
    $("infoCompanyId").textContent = e.company_id || "Not set";
    savedPicture = e.profile_picture || $("profile-preview").dataset.placeholder;
    $("profile-preview").src = savedPicture;
    A.show($("clearPictureRow"), !!e.profile_picture);
  }

  document.addEventListener("DOMContentLoaded", function () {
    form = $("profile-form");
    $("profile-preview").dataset.placeholder = $("profile-preview").src;
    savedPicture = $("profile-preview").src;
    takeSnapshot();
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    $("id_profile_picture").addEventListener("change", function () {
      var file = $("id_profile_picture").files[0];
      if (!file) {
        return;
      }
      if (file.size > 2 * 1024 * 1024) {
        A.showToast("error", "Profile picture file size must be less than 2MB.");
        $("id_profile_picture").value = "";
        return;
      }
      A.cropper.open(file).then(function (result) {
        $("id_profile_picture").value = "";
        if (result) {
          cropped = result;
          $("profile-preview").src = URL.createObjectURL(result);
        }
        update();
      });
    });
    form.querySelector("button.cancel").addEventListener("click", function () {
      inputs().forEach(function (el) {
        el.value = snapshot[el.name];
      });
      cropped = null;
      $("profile_picture-clear_id").checked = false;
      $("profile-preview").src = savedPicture;
      update();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!$("id_first_name").value.trim()) {
        A.showToast("error", "First name cannot be empty.");
        return;
      }
      if (!$("id_last_name").value.trim()) {
        A.showToast("error", "Last name cannot be empty.");
        return;
      }
      var body = new FormData();
      inputs().forEach(function (el) {
        if (el.value !== snapshot[el.name]) {
          body.append(el.name, el.value);
        }
      });
      if (cropped) {
        body.append("profile_picture", cropped, "profile.png");
      } else if ($("profile_picture-clear_id").checked) {
        body.append("profile_picture-clear", "true");
      }
      if (!Array.from(body.keys()).length) {
        A.showToast("info", "Nothing to save.");
        return;
      }
      var button = form.querySelector("button[type=submit]");
      A.setBusy(button, true, "Saving\u2026");
      A.api("PATCH", API, body).then(function (res) {
        A.setBusy(button, false);
        if (!res.ok) {
          A.showToast("error", A.firstError(res.data, "The profile could not be saved."));
          return;
        }
        show(res.data.employee || res.data);
        cropped = null;
        $("profile_picture-clear_id").checked = false;
        takeSnapshot();
        update();
        A.showToast("success", res.data.message || "Profile updated.");
      });
    });
  });
})();
