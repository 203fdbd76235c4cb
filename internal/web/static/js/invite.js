// Invite Agent: e-mail invitations for new addresses
// (POST /api/v1/system-roles/invite/) and roles for existing users without
// one (GET/POST /api/v1/users/invite-agent/).
(function () {
  "use strict";
  var A = window.AUTHD;
  var UI = A.admin;
  var choices = [];

  function $(id) {
    return document.getElementById(id);
  }

  function load() {
    A.api("GET", "/api/v1/users/invite-agent/").then(function (res) {
      if (!res.ok) {
        A.showToast("error", A.firstError(res.data, "The invitation data could not be loaded."));
        return;
      }
      choices = [];
      (res.data.systems || []).forEach(function (s) {
        (s.roles || []).forEach(function (r) {
          choices.push({ value: s.id + ":" + r.id, label: s.name + " \u2013 " + r.name, roleId: r.id });
        });
      });
      UI.fillSelect($("inviteRole"), choices.map(function (c) {
        return { value: c.roleId, label: c.label };
      }), "Choose a role");
      var body = $("availableBody");
      body.textContent = "";
      var users = res.data.available_users || [];
      A.show($("availableEmpty"), users.length === 0);
      users.forEach(function (u) {
        var tr = document.createElement("tr");
        tr.dataset.email = u.email;
        UI.cell(tr, UI.fullName(u));
        UI.cell(tr, u.email);
        var select = document.createElement("select");
        select.setAttribute("aria-label", "System and role for " + u.email);
        UI.fillSelect(select, choices, "Choose a role");
        UI.cell(tr, select);
        UI.cell(tr, UI.button("Invite", "primary", "Invite " + u.email, function () {
          if (!select.value) {
            A.showToast("error", "Choose a system and role first.");
            return;
          }
          var ids = select.value.split(":");
          A.api("POST", "/api/v1/users/invite-agent/", { user_id: u.id, system_id: Number(ids[0]), role_id: Number(ids[1]) }).then(function (r) {
            A.showToast(r.ok ? "success" : "error", r.ok ? r.data.message : A.firstError(r.data, "The user could not be invited."));
            if (r.ok) {
              load();
            }
          });
        }));
        body.appendChild(tr);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("inviteEmailForm").addEventListener("submit", function (event) {
      event.preventDefault();
      var email = $("inviteEmail").value.trim();
      if (!email || !$("inviteRole").value) {
        A.showToast("error", "Enter an e-mail address and choose a role.");
        return;
      }
      var body = { email: email, role_id: Number($("inviteRole").value) };
      [["first_name", "inviteFirstName"], ["last_name", "inviteLastName"], ["department", "inviteDepartment"]].forEach(function (pair) {
        if ($(pair[1]).value.trim()) {
          body[pair[0]] = $(pair[1]).value.trim();
        }
      });
      A.setBusy($("inviteEmailButton"), true, "Sending\u2026");
      A.api("POST", "/api/v1/system-roles/invite/", body).then(function (res) {
        A.setBusy($("inviteEmailButton"), false);
        if (!res.ok) {
          A.showToast("error", A.firstError(res.data, "The invitation could not be sent."));
          return;
        }
        $("inviteEmailForm").reset();
        A.showToast("success", res.data.invitation_sent ? "Invitation sent to " + res.data.user + "." :
          res.data.user + " now has the role " + res.data.role + ".");
        load();
      });
    });
    load();
  });
})();
