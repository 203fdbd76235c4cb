// Superadmin portal pages over /superadmin/api/: dashboard, user list with
// filters, paging and bulk actions, create and edit, and CSV import.
// page.portal names the page; the jobs and API key pages have their own
// scripts.
(function () {
  "use strict";
  var A = window.AUTHD;
  var UI = A.admin;
  var API = "/superadmin/api/";

  function $(id) {
    return document.getElementById(id);
  }

  function yes(b) {
    return b ? "Yes" : "No";
  }

  function dashboard() {
    A.api("GET", API + "stats/").then(function (res) {
      if (!res.ok) {
        A.showToast("error", A.firstError(res.data, "The counts could not be loaded."));
        return;
      }
      var s = res.data;
      var map = { statTotal: s.total_users, statActive: s.active_users, statPending: s.pending_users, statApproved: s.approved_users,
        statRejected: s.rejected_users, statSuperusers: s.superusers, statStaff: s.staff_users, statLocked: s.locked_users };
      Object.keys(map).forEach(function (id) {
        $(id).textContent = String(map[id]);
      });
    });
    A.api("GET", API + "users/?per_page=10").then(function (res) {
      var body = $("newestBody");
      body.textContent = "";
      (res.ok ? res.data.users : []).forEach(function (u) {
        var tr = document.createElement("tr");
        var link = document.createElement("a");
        link.href = "/superadmin/users/" + u.id + "/edit/";
        link.textContent = u.email;
        UI.cell(tr, link);
        UI.cell(tr, UI.fullName(u));
        UI.cell(tr, u.status);
        UI.cell(tr, A.formatDate(u.date_joined));
        body.appendChild(tr);
      });
    });
  }

  var page = 1;

  function users() {
    var params = new URLSearchParams();
    ["filterSearch", "filterStatus", "filterActive", "filterStaff", "filterSuperuser"].forEach(function (id) {
      if ($(id).value) {
        params.set($(id).name, $(id).value);
      }
    });
    params.set("page", String(page));
    params.set("per_page", "25");
    A.api("GET", API + "users/?" + params.toString()).then(function (res) {
      var body = $("usersBody");
      body.textContent = "";
      if (!res.ok) {
        A.showToast("error", A.firstError(res.data, "The users could not be loaded."));
        return;
      }
      var d = res.data;
      $("userTotal").textContent = String(d.total);
      $("pageInfo").textContent = "Page " + d.page + " of " + Math.max(1, d.total_pages);
      $("prevPage").disabled = d.page <= 1;
      $("nextPage").disabled = d.page >= d.total_pages;
      $("selectAll").checked = false;
      d.users.forEach(function (u) {
        var tr = document.createElement("tr");
        tr.dataset.email = u.email;
        var box = document.createElement("input");
        box.type = "checkbox";
        box.className = "rowSelect";
        box.value = String(u.id);
        box.setAttribute("aria-label", "Select " + u.email);
        UI.cell(tr, box);
        UI.cell(tr, u.email);
        UI.cell(tr, UI.fullName(u));
        UI.cell(tr, u.status);
        UI.cell(tr, yes(u.is_active));
        UI.cell(tr, yes(u.is_staff) + (u.is_superuser ? " (superuser)" : ""));
        UI.cell(tr, yes(u.is_locked));
        var edit = document.createElement("a");
        edit.href = "/superadmin/users/" + u.id + "/edit/";
        edit.textContent = "Edit";
        edit.setAttribute("aria-label", "Edit " + u.email);
        UI.cell(tr, edit);
        body.appendChild(tr);
      });
    });
  }

  function usersPage() {
    $("userFilters").addEventListener("submit", function (event) {
      event.preventDefault();
      page = 1;
      users();
    });
    $("prevPage").addEventListener("click", function () {
      page = Math.max(1, page - 1);
      users();
    });
    $("nextPage").addEventListener("click", function () {
      page += 1;
      users();
    });
    $("selectAll").addEventListener("change", function () {
      document.querySelectorAll(".rowSelect").forEach(function (b) {
        b.checked = $("selectAll").checked;
      });
    });
    $("bulkApply").addEventListener("click", function () {
      var ids = Array.prototype.slice.call(document.querySelectorAll(".rowSelect:checked")).map(function (b) {
        return Number(b.value);
      });
      var action = $("bulkAction").value;
      if (!action) {
        A.showToast("error", "Action is required");
        return;
      }
      if (!ids.length) {
        A.showToast("error", "No users selected");
        return;
      }
      if (action === "delete" && !window.confirm("Delete " + ids.length + " users? This cannot be undone.")) {
        return;
      }
      A.api("POST", API + "users/bulk/", { action: action, user_ids: ids }).then(function (res) {
        A.showToast(res.ok ? "success" : "error", res.ok ? res.data.message : A.firstError(res.data));
        users();
      });
    });
    users();
  }

  function userForm() {
    var id = A.config.page.user_id;
    var fields = { email: "userEmail", username: "userUsername", first_name: "userFirstName", middle_name: "userMiddleName",
      last_name: "userLastName", suffix: "userSuffix", phone_number: "userPhone", department: "userDepartment", status: "userStatus" };
    var flags = { is_active: "userActive", is_staff: "userStaff", is_superuser: "userSuperuser" };

    function fill(u) {
      Object.keys(fields).forEach(function (k) {
        $(fields[k]).value = u[k] || "";
      });
      Object.keys(flags).forEach(function (k) {
        $(flags[k]).checked = !!u[k];
      });
      $("lockState").textContent = u.is_locked ? "The account is locked." : "The account is not locked. Failed sign-ins: " + (u.failed_login_attempts || 0) + ".";
      A.show($("unlockButton"), !!u.is_locked);
      A.show($("lockButton"), !u.is_locked);
    }

    function put(body, done) {
      A.api("PUT", API + "users/" + id + "/", body).then(function (res) {
        if (!res.ok) {
          A.showToast("error", A.firstError(res.data, "The user could not be saved."));
          return;
        }
        fill(res.data.user);
        A.showToast("success", done || res.data.message);
      });
    }

    if (id) {
      A.api("GET", API + "users/" + id + "/").then(function (res) {
        if (res.ok) {
          fill(res.data);
        } else {
          A.showToast("error", A.firstError(res.data, "User not found"));
        }
      });
      $("unlockButton").addEventListener("click", function () {
        put({ unlock: true }, "User unlocked.");
      });
      $("lockButton").addEventListener("click", function () {
        put({ is_locked: true }, "User locked.");
      });
    }
    $("userForm").addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {};
      Object.keys(fields).forEach(function (k) {
        if (!(id && k === "email")) {
          body[k] = $(fields[k]).value.trim();
        }
      });
      Object.keys(flags).forEach(function (k) {
        body[k] = $(flags[k]).checked;
      });
      if ($("userPassword").value) {
        body.password = $("userPassword").value;
      }
      if (id) {
        put(body);
        return;
      }
      body.send_invite = $("userSendInvite").checked;
      A.api("POST", API + "users/create/", body).then(function (res) {
        if (!res.ok) {
          A.showToast("error", A.firstError(res.data, "The user could not be created."));
          return;
        }
        window.location.assign("/superadmin/users/" + res.data.id + "/edit/");
      });
    });
  }

  function importPage() {
    $("importForm").addEventListener("submit", function (event) {
      event.preventDefault();
      var file = $("importFile").files[0];
      if (!file) {
        A.showToast("error", "No file uploaded");
        return;
      }
      var body = new FormData();
      body.append("file", file);
      if ($("importInvites").checked) {
        body.append("send_invites", "true");
      }
      A.setBusy($("importButton"), true, "Importing\u2026");
      A.api("POST", API + "users/import/", body).then(function (res) {
        A.setBusy($("importButton"), false);
        if (!res.ok) {
          A.showToast("error", A.firstError(res.data, "The file could not be imported."));
          return;
        }
        $("importMessage").textContent = res.data.message;
        var list = $("importErrors");
        list.textContent = "";
        (res.data.errors || []).forEach(function (e) {
          var li = document.createElement("li");
          li.textContent = e;
          list.appendChild(li);
        });
        A.show($("importResult"), true);
        A.showToast("success", res.data.message);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var which = A.config.page.portal;
    if (which === "dashboard") {
      dashboard();
    } else if (which === "users" && $("usersBody")) {
      usersPage();
    } else if ($("userForm")) {
      userForm();
    } else if (which === "import") {
      importPage();
    }
  });
})();
