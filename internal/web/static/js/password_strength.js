// Password strength meter (#strength-meter-fill, #strength-text). It is a
// hint only: authd's password policy decides on the server.
(function () {
  "use strict";

  function score(password) {
    var points = 0;
    if (password.length >= 8) points++;
    if (password.length >= 12) points++;
    if (password.length >= 16) points++;
    if (/[a-z]/.test(password) && /[A-Z]/.test(password)) points++;
    if (/\d/.test(password)) points++;
    if (/[^A-Za-z0-9]/.test(password)) points++;
    return Math.min(points, 5);
  }

  // attach updates the meter while the user types into input.
  function attach(input) {
    var fill = document.getElementById("strength-meter-fill");
    var text = document.getElementById("strength-text");
    if (!input || !fill || !text) {
      return;
    }
    input.addEventListener("input", function () {
      var value = input.value;
      var s = value ? score(value) : 0;
      fill.style.width = (s * 20) + "%";
      fill.className = "";
      if (s >= 4) {
        fill.className = "good";
      } else if (s >= 2) {
        fill.className = "fair";
      }
      var labels = ["", "Weak", "Weak", "Fair", "Strong", "Very strong"];
      text.textContent = "";
      if (value) {
        text.textContent = "Strength: " + labels[s];
        if (value.length < 8) {
          text.textContent += " (at least 8 characters)";
        }
      }
    });
  }

  window.AUTHD.passwordStrength = { attach: attach, score: score };
})();
