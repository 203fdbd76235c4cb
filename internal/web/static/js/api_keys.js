// API keys: list, create (the key is shown once), rotate and revoke.
// page.keys_api is /api/v1/keys/ (staff superusers) or
// /superadmin/api/keys/ (the portal).
(function () {
  "use strict";
  var A = window.AUTHD;
  var UI = A.admin;
  var base = A.config.page.keys_api;

  function $(id) {
    return document.getElementById(id);
  }

  function showKey(key) {
    $("newKeyValue").textContent = key;
    A.show($("newKeyBox"), true);
  }

  function load() {
    A.api("GET", base + ($("showRevoked").checked ? "?include_revoked=true" : "")).then(function (res) {
      var body = $("keysBody");
      body.textContent = "";
      if (!res.ok) {
        A.showToast("error", A.firstError(res.data, "The keys could not be loaded."));
        return;
      }
      (res.data.keys || []).forEach(function (k) {
        var tr = document.createElement("tr");
        UI.cell(tr, k.name);
        UI.cell(tr, k.prefix);
        UI.cell(tr, (k.scopes || []).join(", "));
        var used = "Never";
        if (k.last_used_at) {
          used = A.formatDate(k.last_used_at);
          if (k.last_used_ip) {
            used += " from " + k.last_used_ip;
          }
        }
        UI.cell(tr, used);
        UI.cell(tr, k.expires_at ? A.formatDate(k.expires_at) : "Never");
        UI.cell(tr, UI.badge(k.is_active, "Active", k.revoked_at ? "Revoked" : "Inactive"));
        if (k.is_active) {
          UI.cell(tr, UI.group(
            UI.button("Rotate", "secondary", "Rotate the key " + k.name, function () {
              A.api("POST", base + k.id + "/rotate/", { overlap_seconds: 0 }).then(function (r) {
                if (!r.ok) {
                  A.showToast("error", A.firstError(r.data, "The key could not be rotated."));
                  return;
                }
                showKey(r.data.key);
                A.showToast("success", "Key rotated. Update the services that use it.");
                load();
              });
            }),
            UI.button("Revoke", "danger", "Revoke the key " + k.name, function () {
              if (!window.confirm("Revoke the key " + k.name + "? Services that use it stop working at once.")) {
                return;
              }
              A.api("DELETE", base + k.id + "/").then(function (r) {
                A.showToast(r.ok ? "success" : "error", r.ok ? r.data.message : A.firstError(r.data));
                load();
              });
            })));
        } else {
          UI.cell(tr, "");
        }
        body.appendChild(tr);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("showRevoked").addEventListener("change", load);
    $("copyKeyButton").addEventListener("click", function () {
      navigator.clipboard.writeText($("newKeyValue").textContent).then(function () {
        A.showToast("success", "Key copied.");
      }, function () {
        A.showToast("warning", "Copy the key by hand: the browser refused clipboard access.");
      });
    });
    $("createKeyForm").addEventListener("submit", function (event) {
      event.preventDefault();
      var scopes = Array.prototype.slice.call(document.querySelectorAll("#createKeyForm input[type=checkbox]:checked")).map(function (b) {
        return b.value;
      });
      var body = { name: $("keyName").value.trim(), scopes: scopes.indexOf("*") >= 0 ? ["*"] : scopes };
      if ($("keyExpires").value) {
        body.expires_at = new Date($("keyExpires").value).toISOString();
      }
      A.api("POST", base, body).then(function (res) {
        if (!res.ok) {
          A.showToast("error", A.firstError(res.data, "The key could not be created."));
          return;
        }
        $("createKeyForm").reset();
        showKey(res.data.key);
        A.showToast("success", "Key created.");
        load();
      });
    });
    load();
  });
})();
