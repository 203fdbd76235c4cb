// Agent management: the users in the caller's scope, with an edit dialog
// that changes profile fields, status and the active flag of assignments.
(function () {
  "use strict";
  var A = window.AUTHD;
  var UI = A.admin;
  var users = [], editing = null;

  function $(id) {
    return document.getElementById(id);
  }

  function render() {
    var query = $("agentSearch").value.trim().toLowerCase();
    var body = $("agentsBody");
    body.textContent = "";
    users.filter(function (u) {
      return !query || [u.email, u.first_name, u.last_name, u.username, u.company_id].join(" ").toLowerCase().indexOf(query) >= 0;
    }).forEach(function (u) {
      var tr = document.createElement("tr");
      tr.dataset.email = u.email;
      UI.cell(tr, UI.fullName(u));
      UI.cell(tr, u.email);
      UI.cell(tr, u.status);
      UI.cell(tr, (u.system_roles || []).map(function (r) {
        return r.system_slug + ": " + r.role_name + (r.is_active ? "" : " (inactive)");
      }).join(", "));
      UI.cell(tr, UI.button("Edit", "secondary editButton", "Edit " + UI.fullName(u), function () { open(u); }));
      body.appendChild(tr);
    });
  }

  function load() {
    return A.api("GET", "/api/v1/users/list/").then(function (res) {
      if (!res.ok) {
        A.showToast("error", A.firstError(res.data, "The agents could not be loaded."));
        return;
      }
      users = res.data.users || [];
      render();
    });
  }

  function open(u) {
    editing = u;
    $("editAgentEmail").textContent = u.email;
    $("agentFirstName").value = u.first_name || "";
    $("agentMiddleName").value = u.middle_name || "";
    $("agentLastName").value = u.last_name || "";
    $("agentSuffix").value = u.suffix || "";
    $("agentPhone").value = u.phone_number || "";
    $("agentDepartment").value = u.department || "";
    $("agentStatus").value = u.status || "Pending";
    var list = $("agentRoles");
    list.textContent = "";
    (u.system_roles || []).forEach(function (r) {
      var li = document.createElement("li");
      li.className = "field checkbox";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.id = "assignment" + r.id;
      box.checked = !!r.is_active;
      box.dataset.assignment = String(r.id);
      box.dataset.initial = String(!!r.is_active);
      var label = document.createElement("label");
      label.htmlFor = box.id;
      label.textContent = r.system_name + ": " + r.role_name;
      li.appendChild(box);
      li.appendChild(label);
      list.appendChild(li);
    });
    $("editAgentDialog").showModal();
  }

  function save(event) {
    event.preventDefault();
    var body = { first_name: $("agentFirstName").value.trim(), middle_name: $("agentMiddleName").value.trim(),
      last_name: $("agentLastName").value.trim(), suffix: $("agentSuffix").value, phone_number: $("agentPhone").value.trim(),
      department: $("agentDepartment").value, status: $("agentStatus").value };
    var path = "/api/v1/users/" + editing.id + "/";
    A.setBusy($("saveAgentButton"), true);
    var chain = A.api("PATCH", path, body);
    document.querySelectorAll("#agentRoles input[data-assignment]").forEach(function (box) {
      if (String(box.checked) !== box.dataset.initial) {
        chain = chain.then(function (res) {
          if (!res.ok) {
            return res;
          }
          return A.api("PATCH", path, { system_role_id: Number(box.dataset.assignment), system_role_is_active: box.checked });
        });
      }
    });
    chain.then(function (res) {
      A.setBusy($("saveAgentButton"), false);
      if (!res.ok) {
        A.showToast("error", A.firstError(res.data, "The agent could not be saved."));
        return;
      }
      $("editAgentDialog").close();
      A.showToast("success", "Agent updated.");
      load();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("agentSearch").addEventListener("input", render);
    $("editAgentForm").addEventListener("submit", save);
    load();
  });
})();
