// Role management of one system: list, create, rename and delete roles.
(function () {
  "use strict";
  var A = window.AUTHD;
  var UI = A.admin;
  var system = A.config.page.system;
  var editing = null;

  function $(id) {
    return document.getElementById(id);
  }

  function load() {
    A.api("GET", "/api/v1/roles/?system__slug=" + encodeURIComponent(system.slug)).then(function (res) {
      var body = $("rolesBody");
      body.textContent = "";
      if (!res.ok) {
        A.showToast("error", A.firstError(res.data, "The roles could not be loaded."));
        return;
      }
      (res.data || []).forEach(function (role) {
        var tr = document.createElement("tr");
        tr.dataset.role = role.name;
        UI.cell(tr, role.name);
        UI.cell(tr, role.description);
        UI.cell(tr, role.is_custom ? "Custom" : "Built-in");
        var actions = UI.group(
          UI.button("Edit", "secondary", "Edit the role " + role.name, function () {
            editing = role;
            $("editRoleName").value = role.name;
            $("editRoleDescription").value = role.description || "";
            $("editRoleDialog").showModal();
          }),
          UI.button("Delete", "danger", "Delete the role " + role.name, function () {
            if (!window.confirm("Delete the role " + role.name + "? Its assignments are deleted too.")) {
              return;
            }
            A.api("DELETE", "/api/v1/roles/" + role.id + "/").then(function (r) {
              A.showToast(r.ok ? "success" : "error", r.ok ? "Role deleted." : A.firstError(r.data, "The role could not be deleted."));
              load();
            });
          }));
        UI.cell(tr, actions);
        body.appendChild(tr);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("createRoleForm").addEventListener("submit", function (event) {
      event.preventDefault();
      var name = $("roleName").value.trim();
      if (!name) {
        A.showToast("error", "Role name is required");
        return;
      }
      A.api("POST", "/api/v1/roles/", { system: system.id, name: name, description: $("roleDescription").value.trim() }).then(function (res) {
        if (!res.ok) {
          A.showToast("error", A.firstError(res.data, "The role could not be created."));
          return;
        }
        $("createRoleForm").reset();
        A.showToast("success", "Role '" + res.data.name + "' created.");
        load();
      });
    });
    $("editRoleForm").addEventListener("submit", function (event) {
      event.preventDefault();
      A.api("PATCH", "/api/v1/roles/" + editing.id + "/", { name: $("editRoleName").value.trim(), description: $("editRoleDescription").value.trim() }).then(function (res) {
        if (!res.ok) {
          A.showToast("error", A.firstError(res.data, "The role could not be saved."));
          return;
        }
        $("editRoleDialog").close();
        A.showToast("success", "Role saved.");
        load();
      });
    });
    load();
  });
})();
