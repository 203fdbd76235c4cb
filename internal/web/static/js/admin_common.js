// Helpers shared by the administration pages: table rows, buttons, select
// boxes and dialogs built with DOM methods (never innerHTML, so data from
// the API is never parsed as markup).
(function () {
  "use strict";

  function cell(row, content) {
    var td = document.createElement("td");
    if (content instanceof Node) {
      td.appendChild(content);
    } else {
      td.textContent = content === null || content === undefined ? "" : String(content);
    }
    row.appendChild(td);
    return td;
  }

  function button(text, className, label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = text;
    if (label) {
      b.setAttribute("aria-label", label);
    }
    b.addEventListener("click", onClick);
    return b;
  }

  function group() {
    var span = document.createElement("span");
    span.className = "buttonRow";
    for (var i = 0; i < arguments.length; i++) {
      span.appendChild(arguments[i]);
    }
    return span;
  }

  function fillSelect(select, options, placeholder) {
    select.textContent = "";
    if (placeholder) {
      var empty = document.createElement("option");
      empty.value = "";
      empty.textContent = placeholder;
      select.appendChild(empty);
    }
    options.forEach(function (o) {
      var opt = document.createElement("option");
      opt.value = String(o.value);
      opt.textContent = o.label;
      select.appendChild(opt);
    });
  }

  function badge(on, yes, no) {
    var span = document.createElement("span");
    span.className = "badge " + (on ? "on" : "off");
    span.textContent = on ? yes : no;
    return span;
  }

  function fullName(u) {
    return ((u.first_name || "") + " " + (u.last_name || "")).trim() || u.username || u.email || "";
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("dialog [data-close]").forEach(function (b) {
      b.addEventListener("click", function () {
        b.closest("dialog").close();
      });
    });
  });

  window.AUTHD.admin = { cell: cell, button: button, group: group, fillSelect: fillSelect, badge: badge, fullName: fullName };
})();
