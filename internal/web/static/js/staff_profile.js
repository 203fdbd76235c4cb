// Staff profile page: view and edit mode over GET/PATCH /api/v1/users/profile/,
// the picture cropper, and the disable-2FA dialog.
(function () {
  "use strict";
  var A = window.AUTHD;
  var form, croppedPicture = null, snapshot = {}, editing = false;

  function $(id) {
    return document.getElementById(id);
  }

  function fields() {
    return Array.prototype.slice.call(form.querySelectorAll("[data-editable]"));
  }

  function takeSnapshot() {
    snapshot = {};
    fields().forEach(function (el) {
      snapshot[el.id] = el.type === "checkbox" ? el.checked : el.value;
    });
  }

  function setEditing(on) {
    editing = on;
    fields().forEach(function (el) {
      var editable = el.dataset.editable === "true";
      if (el.tagName === "SELECT" || el.type === "checkbox" || el.type === "file") {
        el.disabled = !(on && editable);
      } else {
        el.readOnly = !(on && editable);
      }
    });
    A.show($("edit-profile-btn"), !on);
    A.show($("save-changes-btn"), on);
    A.show($("cancel-changes-btn"), on);
    if (!on) {
      A.show($("unsaved-warning"), false);
    }
  }

  function changed() {
    var out = {};
    fields().forEach(function (el) {
      if (el.type === "file" || el.dataset.editable !== "true") {
        return;
      }
      var now = el.type === "checkbox" ? el.checked : el.value;
      if (now !== snapshot[el.id]) {
        out[el.name] = now;
      }
    });
    return out;
  }

  function markDirty() {
    if (editing) {
      A.show($("unsaved-warning"), Object.keys(changed()).length > 0 || croppedPicture !== null);
    }
  }

  function restore() {
    fields().forEach(function (el) {
      if (el.type === "checkbox") {
        el.checked = snapshot[el.id];
      } else if (el.type !== "file") {
        el.value = snapshot[el.id];
      }
    });
    $("id_profile_picture").value = "";
    croppedPicture = null;
    $("profile-preview").src = $("profile-preview").dataset.saved || $("profile-preview").src;
    setEditing(false);
  }

  function showProfile(p) {
    var name = ((p.first_name || "") + " " + (p.last_name || "")).trim() || p.username || p.email;
    $("display-full-name").textContent = name;
    $("display-username").textContent = p.username || "Not set";
    $("display-email").textContent = p.email;
    $("display-company-id").textContent = p.company_id || "Not set";
    $("display-department").textContent = p.department || "Not set";
    if (p.profile_picture) {
      $("profile-preview").src = p.profile_picture;
      $("photo-dialog-image").src = p.profile_picture;
      $("view-photo-btn").disabled = false;
      A.show($("remove-photo-container"), true);
    } else {
      $("view-photo-btn").disabled = true;
      A.show($("remove-photo-container"), false);
    }
    $("profile-preview").dataset.saved = $("profile-preview").src;
    $("id_otp_enabled").checked = !!p.otp_enabled;
    $("profile_picture-clear_id").checked = false;
  }

  function save(event) {
    event.preventDefault();
    var diff = changed();
    var body = new FormData();
    Object.keys(diff).forEach(function (k) {
      body.append(k, typeof diff[k] === "boolean" ? String(diff[k]) : diff[k]);
    });
    if (croppedPicture) {
      body.append("profile_picture", croppedPicture, "profile.png");
    }
    if (!Array.from(body.keys()).length) {
      A.showToast("info", "Nothing to save.");
      setEditing(false);
      return;
    }
    A.show($("loading-overlay"), true);
    A.api("PATCH", "/api/v1/users/profile/", body).then(function (res) {
      A.show($("loading-overlay"), false);
      if (!res.ok) {
        A.showToast("error", A.firstError(res.data, "The profile could not be saved."));
        return;
      }
      showProfile(res.data);
      croppedPicture = null;
      $("id_profile_picture").value = "";
      takeSnapshot();
      setEditing(false);
      A.showToast("success", "Profile updated successfully.");
    });
  }

  function pickPicture() {
    var file = $("id_profile_picture").files[0];
    if (!file) {
      return;
    }
    if (file.size > 2 * 1024 * 1024) {
      A.showToast("error", "Profile picture file size must be less than 2MB.");
      $("id_profile_picture").value = "";
      return;
    }
    A.cropper.open(file).then(function (cropped) {
      if (!cropped) {
        $("id_profile_picture").value = "";
        return;
      }
      croppedPicture = cropped;
      $("profile-preview").src = URL.createObjectURL(cropped);
      markDirty();
    });
  }

  function disable2FA(event) {
    event.preventDefault();
    var password = $("disable2faPassword").value;
    var code = $("disable2faCode").value.trim();
    if (!password || !code) {
      A.showToast("error", "Enter your password and a verification code.");
      return;
    }
    A.setBusy($("disable2faConfirm"), true);
    A.api("POST", "/api/v1/users/verify-disable-otp/", { password: password, otp_code: code }).then(function (res) {
      if (!res.ok) {
        A.setBusy($("disable2faConfirm"), false);
        A.showToast("error", A.firstError(res.data, "Invalid or expired OTP code"));
        return null;
      }
      return A.api("PATCH", "/api/v1/users/profile/", { otp_enabled: false });
    }).then(function (res) {
      if (!res) {
        return;
      }
      A.setBusy($("disable2faConfirm"), false);
      if (!res.ok) {
        A.showToast("error", A.firstError(res.data, "Two-factor authentication could not be turned off."));
        return;
      }
      $("disable-2fa-dialog").close();
      showProfile(res.data);
      snapshot.id_otp_enabled = false;
      A.showToast("success", "Two-factor authentication is off.");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    form = $("profile-form");
    takeSnapshot();
    $("profile-preview").dataset.saved = $("profile-preview").src;
    $("edit-profile-btn").addEventListener("click", function () {
      takeSnapshot();
      setEditing(true);
      var first = fields().filter(function (el) { return el.dataset.editable === "true"; })[0];
      if (first) {
        first.focus();
      }
    });
    $("cancel-changes-btn").addEventListener("click", restore);
    form.addEventListener("submit", save);
    form.addEventListener("input", markDirty);
    form.addEventListener("change", markDirty);
    $("id_profile_picture").addEventListener("change", pickPicture);
    $("view-photo-btn").addEventListener("click", function () {
      $("photo-dialog").showModal();
    });
    document.querySelectorAll("dialog [data-close]").forEach(function (b) {
      b.addEventListener("click", function () {
        b.closest("dialog").close();
      });
    });
    $("id_otp_enabled").addEventListener("change", function () {
      if (!$("id_otp_enabled").checked && snapshot.id_otp_enabled) {
        $("id_otp_enabled").checked = true;
        $("disable2faPassword").value = "";
        $("disable2faCode").value = "";
        $("disable-2fa-dialog").showModal();
      }
    });
    $("disable-2fa-form").addEventListener("submit", disable2FA);
    $("disable2faSendCode").addEventListener("click", function () {
      A.api("POST", "/api/v1/users/2fa/request-otp-authenticated/").then(function (res) {
        A.showToast(res.ok ? "success" : "error", res.ok ? "A code has been sent to your email." :
          A.firstError(res.data, "This account has no e-mail codes; use your authenticator app or a recovery code."));
      });
    });
    window.addEventListener("beforeunload", function (e) {
      if (editing && (Object.keys(changed()).length || croppedPicture)) {
        e.preventDefault();
      }
    });
  });
})();
