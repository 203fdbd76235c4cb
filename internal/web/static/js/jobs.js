// Delivery jobs: failed, dead and pending e-mail, sync and event jobs with
// their last error, and retry (and, on the staff API, discard) buttons.
// page.jobs_api is /api/v1/jobs/ (staff superusers) or
// /superadmin/api/jobs/ (the portal).
(function () {
  "use strict";
  var A = window.AUTHD;
  var UI = A.admin;
  var base = A.config.page.jobs_api;

  function $(id) {
    return document.getElementById(id);
  }

  function act(job, action, label) {
    return UI.button(label, action === "discard" ? "danger" : "secondary", label + " job " + job.id, function () {
      if (action === "discard" && !window.confirm("Discard job " + job.id + "? It will never be delivered.")) {
        return;
      }
      A.api("POST", base + job.id + "/" + action + "/").then(function (r) {
        A.showToast(r.ok ? "success" : "error", r.ok ? r.data.message : A.firstError(r.data));
        load();
      });
    });
  }

  function load() {
    A.api("GET", base + "?state=" + encodeURIComponent($("jobState").value)).then(function (res) {
      var body = $("jobsBody");
      body.textContent = "";
      if (!res.ok) {
        A.showToast("error", A.firstError(res.data, "The jobs could not be loaded."));
        return;
      }
      $("jobTotal").textContent = String(res.data.total);
      A.show($("jobsEmpty"), res.data.jobs.length === 0);
      res.data.jobs.forEach(function (j) {
        var tr = document.createElement("tr");
        UI.cell(tr, j.kind);
        UI.cell(tr, j.summary);
        UI.cell(tr, j.attempts);
        UI.cell(tr, j.last_error);
        UI.cell(tr, A.formatDate(j.created_at));
        UI.cell(tr, A.formatDate(j.run_after));
        var actions = UI.group(act(j, "retry", "Retry"));
        if (A.config.page.can_discard) {
          actions.appendChild(act(j, "discard", "Discard"));
        }
        UI.cell(tr, actions);
        body.appendChild(tr);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("jobState").addEventListener("change", load);
    load();
  });
})();
