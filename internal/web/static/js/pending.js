// Pending employee registrations: list, approve and reject.
(function () {
  "use strict";
  var A = window.AUTHD;
  var UI = A.admin;

  function decide(employee, action) {
    A.api("POST", "/api/v1/hdts/user-management/update-status/" + employee.id + "/", { action: action, user_type: "employee" }).then(function (res) {
      A.showToast(res.ok ? "success" : "error", res.ok ? res.data.message : A.firstError(res.data, "The status could not be changed."));
      load();
    });
  }

  function load() {
    A.api("GET", "/api/v1/hdts/user-management/pending/api/").then(function (res) {
      var body = document.getElementById("pendingBody");
      body.textContent = "";
      if (!res.ok) {
        A.showToast("error", A.firstError(res.data, "The pending registrations could not be loaded."));
        return;
      }
      var users = res.data.users || [];
      document.getElementById("pendingCount").textContent = String(users.length);
      A.show(document.getElementById("pendingEmpty"), users.length === 0);
      users.forEach(function (e) {
        var tr = document.createElement("tr");
        tr.dataset.email = e.email;
        var name = UI.fullName(e);
        UI.cell(tr, name);
        UI.cell(tr, e.email);
        UI.cell(tr, e.company_id);
        UI.cell(tr, e.department);
        UI.cell(tr, A.formatDate(e.created_at));
        UI.cell(tr, UI.group(
          UI.button("Approve", "primary approveButton", "Approve " + name, function () { decide(e, "approve"); }),
          UI.button("Reject", "danger rejectButton", "Reject " + name, function () { decide(e, "reject"); })));
        body.appendChild(tr);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", load);
})();
