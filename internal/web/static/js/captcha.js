// CAPTCHA handling shared by the sign-in pages: the built-in image and audio
// challenge in #captchaBox, or an external widget (reCAPTCHA, hCaptcha,
// Turnstile) rendered explicitly into an element with class g-recaptcha.
(function () {
  "use strict";
  var A = window.AUTHD;
  var settings = A.config.captcha;
  var challengeId = "";
  var widgetToken = "";
  var widgetRendered = false;

  function box() {
    return document.getElementById("captchaBox");
  }

  function loadBuiltin() {
    return A.api("POST", "/api/v1/users/captcha/generate/").then(function (res) {
      if (!res.ok) {
        A.showToast("error", A.firstError(res.data, "Could not load the CAPTCHA. Please try again."));
        return;
      }
      challengeId = res.data.captcha_id || "";
      var image = document.getElementById("captchaImage");
      var audio = document.getElementById("captchaAudio");
      var answer = document.getElementById("captchaAnswer");
      if (image) {
        image.src = res.data.image || "";
      }
      if (audio) {
        audio.src = res.data.audio || "";
      }
      if (answer) {
        answer.value = "";
      }
    });
  }

  // widgetAPI returns the global object of the provider's widget script,
  // or undefined before the script has loaded.
  function widgetAPI() {
    if (settings.provider === "hcaptcha") {
      return window.hcaptcha;
    }
    if (settings.provider === "turnstile") {
      return window.turnstile;
    }
    return window.grecaptcha;
  }

  function renderWidget() {
    var element = box().querySelector(".g-recaptcha");
    if (!element) {
      element = document.createElement("div");
      element.className = "g-recaptcha";
      element.setAttribute("data-sitekey", settings.site_key || "");
      box().insertBefore(element, box().firstChild);
    }
    if (widgetRendered) {
      return;
    }
    var options = {
      sitekey: settings.site_key || "",
      callback: function (token) {
        widgetToken = token;
      },
      "expired-callback": function () {
        widgetToken = "";
      }
    };
    var api = widgetAPI();
    if (api && typeof api.render === "function") {
      api.render(element, options);
      widgetRendered = true;
      return;
    }
    window.authdCaptchaLoaded = renderWidget;
    if (!document.getElementById("captchaScript")) {
      var script = document.createElement("script");
      script.id = "captchaScript";
      script.async = true;
      var joiner = settings.script_url.indexOf("?") >= 0 ? "&" : "?";
      script.src = settings.script_url + joiner + "render=explicit&onload=authdCaptchaLoaded";
      document.head.appendChild(script);
    }
  }

  // show reveals the CAPTCHA and loads a challenge.
  function show() {
    if (!box() || settings.provider === "none") {
      return;
    }
    A.show(box(), true);
    if (settings.provider === "builtin") {
      loadBuiltin();
    } else if (settings.script_url) {
      renderWidget();
    }
  }

  function visible() {
    return box() && !box().hidden && settings.provider !== "none";
  }

  // token resolves to the value to send as captcha_token (built-in) or
  // g_recaptcha_response (widgets), or "" when no CAPTCHA is shown. It
  // rejects with a message when the answer is missing or wrong.
  function token() {
    if (!visible()) {
      return Promise.resolve({});
    }
    if (settings.provider !== "builtin") {
      if (!widgetToken) {
        return Promise.reject(new Error("Please complete the CAPTCHA."));
      }
      return Promise.resolve({ g_recaptcha_response: widgetToken });
    }
    var answer = document.getElementById("captchaAnswer");
    if (!answer || !answer.value.trim()) {
      return Promise.reject(new Error("Please type the characters shown in the CAPTCHA."));
    }
    return A.api("POST", "/api/v1/users/captcha/verify/", { captcha_id: challengeId, answer: answer.value.trim() }).then(function (res) {
      if (!res.ok || !res.data.valid) {
        loadBuiltin();
        throw new Error(A.firstError(res.data, "Incorrect CAPTCHA answer."));
      }
      return { captcha_token: res.data.captcha_token };
    });
  }

  // reset asks for a fresh challenge after a submission used the last one.
  function reset() {
    widgetToken = "";
    if (!visible()) {
      return;
    }
    if (settings.provider === "builtin") {
      loadBuiltin();
      return;
    }
    var api = widgetAPI();
    if (api && typeof api.reset === "function") {
      api.reset();
    }
  }

  // afterFailure updates the widget after a rejected sign-in: it shows the
  // CAPTCHA when the response requires one, else asks for a fresh challenge.
  function afterFailure(data) {
    if (data && data.captcha_required) {
      show();
      A.showToast("warning", "Please complete the CAPTCHA to continue.");
      return;
    }
    reset();
  }

  A.captcha = { show: show, token: token, reset: reset, visible: visible, afterFailure: afterFailure };

  document.addEventListener("DOMContentLoaded", function () {
    var refresh = document.getElementById("captchaRefresh");
    if (refresh) {
      refresh.addEventListener("click", loadBuiltin);
    }
    if (settings.required) {
      show();
    }
  });
})();
