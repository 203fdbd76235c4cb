// Shared page helpers: configuration, toasts, and calls to authd's JSON API
// with the session cookies and the CSRF header.
(function () {
  "use strict";

  var configElement = document.getElementById("authd-config");
  var config = {};
  try {
    config = JSON.parse(configElement ? configElement.textContent : "{}") || {};
  } catch (e) {
    config = {};
  }
  config.page = config.page || {};
  config.captcha = config.captcha || { provider: "none" };

  window.RECAPTCHA_ENABLED = !!config.recaptcha_enabled;
  window.SYSTEM_URLS = config.system_urls || {};

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) {
      return decodeURIComponent(match[1]);
    }
    var input = document.getElementById("csrfToken");
    return input ? input.value : "";
  }

  function container() {
    var box = document.querySelector(".toast-container");
    if (!box) {
      box = document.createElement("div");
      box.className = "toast-container";
      box.id = "toast-container";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    return box;
  }

  // showToast displays a notification; kind is success, error, warning or info.
  function showToast(kind, message) {
    if (!message) {
      return null;
    }
    var toast = document.createElement("div");
    toast.className = "toast " + kind;
    if (kind === "error") {
      toast.setAttribute("role", "alert");
    }
    var text = document.createElement("span");
    text.className = "toastMessage";
    text.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toastClose";
    close.setAttribute("aria-label", "Dismiss notification");
    close.textContent = "\u00d7";
    close.addEventListener("click", function () {
      toast.remove();
    });
    toast.appendChild(text);
    toast.appendChild(close);
    container().appendChild(toast);
    var lifetime = kind === "error" || kind === "warning" ? 10000 : 6000;
    setTimeout(function () {
      toast.remove();
    }, lifetime);
    return toast;
  }

  function asList(value) {
    if (Array.isArray(value)) {
      return value;
    }
    return value === undefined || value === null ? [] : [value];
  }

  // firstError returns the message of an error body, looking at the keys
  // authd's routes use in a fixed order.
  function firstError(data, fallback) {
    if (!data || typeof data !== "object") {
      return fallback || "The request failed. Please try again.";
    }
    var errors = data.errors && typeof data.errors === "object" ? data.errors : null;
    var keys = ["non_field_errors", "email", "password", "g_recaptcha_response"];
    var i;
    if (errors) {
      for (i = 0; i < keys.length; i++) {
        if (asList(errors[keys[i]]).length) {
          return String(asList(errors[keys[i]])[0]);
        }
      }
      if (typeof errors.detail === "string") {
        return errors.detail;
      }
    }
    if (typeof data.detail === "string") {
      return data.detail;
    }
    if (typeof data.error === "string") {
      return data.error;
    }
    if (typeof data.message === "string" && data.success === false) {
      return data.message;
    }
    var all = errors || data;
    for (var key in all) {
      if (Object.prototype.hasOwnProperty.call(all, key) && asList(all[key]).length && typeof asList(all[key])[0] === "string") {
        return asList(all[key])[0];
      }
    }
    return fallback || "The request failed. Please try again.";
  }

  // api calls authd's JSON API. body may be a plain object (sent as JSON),
  // FormData (sent as multipart) or undefined. It resolves to
  // {ok, status, data} and never rejects: a network failure gives status 0.
  function api(method, path, body) {
    var headers = { "Accept": "application/json", "X-CSRFToken": csrfToken(), "X-Requested-With": "XMLHttpRequest" };
    var payload;
    if (body instanceof FormData) {
      payload = body;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    return fetch(path, { method: method, headers: headers, body: payload, credentials: "include" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        var parse = type.indexOf("json") >= 0 ? response.json() : response.text();
        return parse.then(function (data) {
          return { ok: response.ok, status: response.status, data: data, response: response };
        });
      })
      .catch(function () {
        return { ok: false, status: 0, data: { detail: "Could not reach the server. Check your connection and try again." } };
      });
  }

  // setBusy disables a button while a request runs and restores its text.
  function setBusy(button, busy, busyText) {
    if (!button) {
      return;
    }
    if (busy) {
      button.dataset.label = button.textContent;
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      if (busyText) {
        button.textContent = busyText;
      }
    } else {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      if (button.dataset.label) {
        button.textContent = button.dataset.label;
      }
    }
  }

  function show(element, visible) {
    if (element) {
      element.hidden = !visible;
    }
  }

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function twoDigits(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // formatDate writes a timestamp as "5 Dec 2026 01:20 UTC", the layout the
  // server uses for dates in templates (formatTime in staff_settings.go), so
  // every page shows dates the same way whatever the browser's locale.
  function formatDate(value) {
    if (!value) {
      return "";
    }
    var date = new Date(value);
    if (isNaN(date.getTime())) {
      return String(value);
    }
    return date.getUTCDate() + " " + MONTHS[date.getUTCMonth()] + " " + date.getUTCFullYear() + " " +
      twoDigits(date.getUTCHours()) + ":" + twoDigits(date.getUTCMinutes()) + " UTC";
  }

  // bindPasswordToggle makes a button[data-password-toggle] show and hide the
  // password input named by its aria-controls. The button stays hidden
  // without scripts, where it could not work.
  function bindPasswordToggle(button) {
    var input = document.getElementById(button.getAttribute("aria-controls"));
    if (!input) {
      return;
    }
    button.addEventListener("click", function () {
      var wasVisible = input.type === "text";
      input.type = wasVisible ? "password" : "text";
      button.textContent = wasVisible ? "Show" : "Hide";
      button.setAttribute("aria-label", wasVisible ? "Show password" : "Hide password");
    });
    button.hidden = false;
  }

  window.AUTHD = {
    config: config,
    csrfToken: csrfToken,
    showToast: showToast,
    firstError: firstError,
    api: api,
    setBusy: setBusy,
    show: show,
    formatDate: formatDate
  };

  document.addEventListener("DOMContentLoaded", function () {
    (config.toasts || []).forEach(function (t) {
      showToast(t.kind, t.message);
    });
    document.querySelectorAll("button[data-password-toggle]").forEach(bindPasswordToggle);
    var logout = document.getElementById("logoutBtn");
    if (logout) {
      logout.addEventListener("click", function () {
        setBusy(logout, true, "Signing out\u2026");
        api("POST", "/api/v1/hdts/employees/api/logout/").then(function () {
          window.location.assign("/login/?logout=1");
        });
      });
    }
  });
})();
