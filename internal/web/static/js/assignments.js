// TTS role assignments: list (the JSON of assign-agent-to-role-form/),
// assign, activate or deactivate, and delete.
(function () {
  "use strict";
  var A = window.AUTHD;
  var UI = A.admin;

  function $(id) {
    return document.getElementById(id);
  }

  function update(a, body) {
    A.api("PATCH", "/api/v1/tts/update-assignment/" + a.id + "/", body).then(function (res) {
      A.showToast(res.ok ? "success" : "error", res.ok ? res.data.message : A.firstError(res.data, "The assignment could not be changed."));
      load();
    });
  }

  function load() {
    fetch("/api/v1/tts/assign-agent-to-role-form/", { credentials: "include", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, data: d }; }); })
      .then(function (res) {
        if (!res.ok) {
          A.showToast("error", A.firstError(res.data, "The assignments could not be loaded."));
          return;
        }
        UI.fillSelect($("assignRole"), (res.data.roles || []).map(function (r) {
          return { value: r.name, label: r.name };
        }), "Choose a role");
        var body = $("assignmentsBody");
        body.textContent = "";
        (res.data.assignments || []).forEach(function (a) {
          var name = ((a.user_first_name || "") + " " + (a.user_last_name || "")).trim();
          var tr = document.createElement("tr");
          UI.cell(tr, name);
          UI.cell(tr, a.user_email);
          UI.cell(tr, a.role_name);
          UI.cell(tr, UI.badge(a.is_active, "Active", "Inactive"));
          UI.cell(tr, a.is_deployed ? "Yes" : "No");
          UI.cell(tr, UI.group(
            UI.button(a.is_active ? "Deactivate" : "Activate", "secondary", (a.is_active ? "Deactivate " : "Activate ") + a.user_email,
              function () { update(a, { is_active: !a.is_active }); }),
            UI.button("Remove", "danger", "Remove the assignment of " + a.user_email, function () {
              if (!window.confirm("Remove " + a.user_email + " from " + a.role_name + "?")) {
                return;
              }
              A.api("DELETE", "/api/v1/tts/update-assignment/" + a.id + "/").then(function (r) {
                A.showToast(r.ok ? "success" : "error", r.ok ? r.data.message : A.firstError(r.data));
                load();
              });
            })));
          body.appendChild(tr);
        });
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("assignForm").addEventListener("submit", function (event) {
      event.preventDefault();
      var user = Number($("assignUser").value);
      if (!user || !$("assignRole").value) {
        A.showToast("error", "Enter the agent's user id and choose a role.");
        return;
      }
      A.api("POST", "/api/v1/tts/assign-agent-to-role/", { user_id: user, system_slug: "tts", role_name: $("assignRole").value }).then(function (res) {
        A.showToast(res.ok ? "success" : "error", res.ok ? res.data.message : A.firstError(res.data, "The agent could not be assigned."));
        if (res.ok) {
          load();
        }
      });
    });
    load();
  });
})();
